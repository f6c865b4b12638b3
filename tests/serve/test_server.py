import io
import json
import logging
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import soundfile
from fastapi import FastAPI
from fastapi.testclient import TestClient

from voxtune.cli import main
from voxtune.errors import VoxtuneError
from voxtune.serve import ServeLimits, create_app
from voxtune.synth.voice import Voice, load_voice


@pytest.fixture
def voice(tiny_voice_path: Path) -> Voice:
    return load_voice(tiny_voice_path)


@pytest.fixture
def client(voice: Voice) -> TestClient:
    return TestClient(create_app({"tiny": voice}, ServeLimits(max_input_chars=200)))


def test_health_voices_and_schema(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "voices": ["tiny"]}
    assert client.get("/v1/voices").json()["voices"][0]["id"] == "tiny"
    schema = client.get("/openapi.json").json()
    speech = schema["paths"]["/v1/audio/speech"]["post"]
    assert {"audio/wav", "audio/mpeg", "audio/pcm"} <= set(speech["responses"]["200"]["content"])
    assert {"stream", "stream_format"} <= set(schema["components"]["schemas"]["SpeechRequest"]["properties"])


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("response_format", ["wav", "flac", "mp3", "opus"])
def test_speech_in_every_container_format(client: TestClient, voice: Voice, response_format: str, stream: bool) -> None:
    body = {"input": "Hello there.", "voice": "tiny", "response_format": response_format, "stream": stream}
    reply = client.post("/v1/audio/speech", json=body)
    assert reply.status_code == 200, reply.text
    audio, rate = soundfile.read(io.BytesIO(reply.content))
    assert len(audio) > 0 and rate == (24000 if response_format == "opus" else voice.sample_rate)
    whole = not stream or response_format == "flac"  # flac is never streamed
    assert ("content-length" in reply.headers) == whole
    assert ("x-audio-seconds" in reply.headers) == whole
    if whole:
        assert float(reply.headers["X-Audio-Seconds"]) > 0


def test_pcm_and_speed(client: TestClient) -> None:
    body = {"input": "Slow and steady.", "voice": "tiny", "response_format": "pcm", "model": "tts-1"}
    normal = client.post("/v1/audio/speech", json=body)
    slow = client.post("/v1/audio/speech", json={**body, "speed": 0.5})
    assert normal.headers["content-type"] == "audio/pcm"
    assert len(slow.content) > 1.5 * len(normal.content)  # half speed: about twice the samples


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"input": "  ", "voice": "tiny"}, 400, "input is empty"),
        ({"input": "x" * 201, "voice": "tiny"}, 413, "limit is 200"),
        ({"input": "Hi.", "voice": "nobody"}, 404, "unknown voice"),
        ({"input": "Hi.", "voice": "../../etc/passwd"}, 404, "unknown voice"),
        ({"input": "Hi.", "voice": "tiny", "response_format": "aac"}, 422, "response_format"),
        ({"input": "Hi.", "voice": "tiny", "speed": 9}, 422, "speed"),
        ({"input": "Hi.", "voice": "tiny", "stream_format": "sse"}, 422, "stream_format"),
        ({"voice": "tiny"}, 422, "input"),
    ],
)
def test_bad_requests_get_a_clear_4xx(client: TestClient, body: dict[str, object], status: int, message: str) -> None:
    reply = client.post("/v1/audio/speech", json=body)
    assert reply.status_code == status
    assert message in reply.json()["error"]
    assert client.get("/health").status_code == 200  # still up


def test_malformed_json_and_a_megabyte_of_input(client: TestClient) -> None:
    broken = client.post("/v1/audio/speech", content=b"{not json", headers={"content-type": "application/json"})
    assert broken.status_code == 422 and "bad request body" in broken.json()["error"]
    huge = client.post("/v1/audio/speech", json={"input": "a" * 1_000_000, "voice": "tiny"})
    assert huge.status_code == 413


def test_api_key(voice: Voice) -> None:
    client = TestClient(create_app({"tiny": voice}, ServeLimits(api_key="secret")))
    body = {"input": "Hi.", "voice": "tiny"}
    assert client.post("/v1/audio/speech", json=body).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.post("/v1/audio/speech", json=body, headers=wrong).status_code == 401
    assert client.post("/v1/audio/speech", json=body, headers={"Authorization": "Bearer secret"}).status_code == 200
    assert client.get("/health").status_code == 200  # health stays open for probes


def test_access_log_is_one_json_line_per_request(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="voxtune.serve.access"):
        client.post("/v1/audio/speech", json={"input": "Hi.", "voice": "nobody"})
    record = json.loads(caplog.records[-1].getMessage())
    assert record["path"] == "/v1/audio/speech" and record["status"] == 404 and record["ms"] >= 0
    assert record["complete"] is True


def test_no_voices_is_an_error() -> None:
    with pytest.raises(VoxtuneError, match="at least one voice"):
        create_app({})


def test_over_a_real_socket_with_concurrent_clients(voice: Voice, serve: Callable[[FastAPI], str]) -> None:
    base = serve(create_app({"tiny": voice}))
    results: list[int] = []

    def client_loop(stream: bool) -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            for _ in range(3):
                body = {"input": "Hello. Goodbye.", "voice": "tiny", "stream": stream}
                reply = http.post("/v1/audio/speech", json=body)
                results.append(reply.status_code if len(soundfile.read(io.BytesIO(reply.content))[0]) else 0)

    clients = [threading.Thread(target=client_loop, args=(index % 2 == 0,)) for index in range(4)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    assert results == [200] * 12


def test_cli_refuses_bad_settings(tiny_voice_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    assert main(["serve", "--voice", str(tiny_voice_path), "--api-key-env", "NO_SUCH_KEY_VAR"]) == 2
    assert main(["serve", "--voice", "no-such-voice"]) == 2
