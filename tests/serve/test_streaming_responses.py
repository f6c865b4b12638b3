"""Streaming and the server's limits, made deterministic by a voice whose sentences wait for the test."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from voxtune.serve import ServeLimits, create_app
from voxtune.serve.encode import encode
from voxtune.synth.backends import Scales
from voxtune.synth.voice import SentenceSpeech, Voice

SAMPLES = 800  # per sentence at speed 1
SAFETY_S = 10.0  # how long a held sentence waits at most: a broken server fails the test instead of hanging it


class HeldVoice:
    """Says each sentence as a constant (0.1 for the first sentence of a request, 0.2 for the second, ...).

    Sentences from index ``hold_from`` on wait until the test calls :meth:`go`. ``started`` and ``finished``
    record the sentences in the order they were begun and done; "Fail." raises as an unsayable text would.
    """

    sample_rate = 8000
    speaker_id_map: dict[str, int] = {}  # noqa: RUF012  # read-only, as a Voice's

    def __init__(self, hold_from: int = 1) -> None:
        self.hold_from = hold_from
        self.started: list[str] = []
        self.finished: list[str] = []
        self._go = threading.Event()

    def default_scales(self) -> Scales:
        return Scales()

    def go(self) -> None:
        self._go.set()

    def sentences(self, text: str, *, scales: Scales | None = None, **_: Any) -> Iterator[SentenceSpeech]:
        length = round(SAMPLES * (scales or Scales()).length_scale)
        for index, sentence in enumerate(re.split(r"(?<=\.)\s+", text.strip())):
            self.started.append(sentence)
            if sentence == "Fail.":
                raise ValueError("the voice cannot say this")
            if index >= self.hold_from:
                self._go.wait(SAFETY_S)
            self.finished.append(sentence)
            yield SentenceSpeech(sentence, [], [], np.full(length, 0.1 * (index + 1), dtype=np.float32))


def pcm(index: int, samples: int = SAMPLES) -> bytes:
    """The pcm bytes HeldVoice sends for the sentence at ``index``."""
    return encode(np.full(samples, 0.1 * (index + 1), dtype=np.float32), HeldVoice.sample_rate, "pcm")[0]


def app_for(voice: HeldVoice, **limits: Any) -> FastAPI:
    return create_app({"held": cast(Voice, voice)}, ServeLimits(**limits))


def speech(text: str, response_format: str = "pcm", **more: Any) -> dict[str, Any]:
    return {"input": text, "voice": "held", "response_format": response_format, **more}


def eventually(condition: Callable[[], bool]) -> None:
    """Waits for something another thread does; the limit only keeps a broken server from hanging the test."""
    deadline = time.monotonic() + SAFETY_S
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition()


def access_records(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "voxtune.serve.access"]


def test_first_sentence_arrives_before_the_second_is_synthesized(serve: Callable[[FastAPI], str]) -> None:
    voice = HeldVoice(hold_from=1)
    base = serve(app_for(voice))
    received = bytearray()
    with (
        httpx.Client(base_url=base, timeout=30) as http,
        http.stream("POST", "/v1/audio/speech", json=speech("One. Two. Three.")) as reply,
    ):
        assert reply.status_code == 200 and reply.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in reply.headers
        chunks = reply.iter_raw()
        while len(received) < len(pcm(0)):
            received += next(chunks)
        # A server that waited for the whole text would only get here after the held sentences gave up.
        assert voice.finished == ["One."]  # "Two." is held until go()
        voice.go()
        for chunk in chunks:
            received += chunk
    assert voice.finished == ["One.", "Two.", "Three."]
    assert bytes(received) == pcm(0) + pcm(1) + pcm(2)


def test_streamed_and_whole_responses_carry_the_same_audio() -> None:
    voice = HeldVoice(hold_from=99)
    client = TestClient(app_for(voice))
    streamed = client.post("/v1/audio/speech", json=speech("One. Two.", speed=2.0))
    whole = client.post("/v1/audio/speech", json=speech("One. Two.", speed=2.0, stream=False))
    assert streamed.content == whole.content == pcm(0, SAMPLES // 2) + pcm(1, SAMPLES // 2)
    assert whole.headers["content-length"] == str(len(whole.content))
    assert float(whole.headers["x-audio-seconds"]) == pytest.approx(SAMPLES / HeldVoice.sample_rate)


def test_wav_stream_starts_with_its_header_and_the_first_sentence() -> None:
    client = TestClient(app_for(HeldVoice(hold_from=99)))
    reply = client.post("/v1/audio/speech", json=speech("One. Two.", "wav"))
    assert reply.headers["content-type"] == "audio/wav"
    assert reply.content[:4] == b"RIFF" and reply.content[40:44] == b"\xff\xff\xff\xff"
    assert reply.content[44:] == pcm(0) + pcm(1)


def test_an_error_in_the_first_sentence_is_still_a_4xx_when_streaming() -> None:
    reply = TestClient(app_for(HeldVoice())).post("/v1/audio/speech", json=speech("Fail. Two."))
    assert reply.status_code == 400 and "cannot say" in reply.json()["error"]


def test_a_client_that_leaves_mid_stream_frees_its_slot(
    serve: Callable[[FastAPI], str], caplog: pytest.LogCaptureFixture
) -> None:
    voice = HeldVoice(hold_from=1)
    base = serve(app_for(voice, max_concurrent=1))
    with caplog.at_level(logging.INFO, logger="voxtune.serve.access"):
        with (
            httpx.Client(base_url=base, timeout=30) as http,
            http.stream("POST", "/v1/audio/speech", json=speech("One. Two. Three.")) as reply,
        ):
            next(reply.iter_raw())
            eventually(lambda: voice.started == ["One.", "Two."])  # the only slot is busy with "Two."
        # the connection is closed with the stream unread; the server notices and ends the response
        eventually(lambda: any(not record["complete"] for record in access_records(caplog)))
        voice.go()
        after = httpx.post(f"{base}/v1/audio/speech", json=speech("Four."), timeout=30)
        eventually(lambda: len(access_records(caplog)) == 2)  # the line is written just after the last byte left
    assert after.status_code == 200 and after.content == pcm(0)
    assert voice.started == ["One.", "Two.", "Four."]  # "Three." was never begun
    assert [(r["status"], r["complete"]) for r in access_records(caplog)] == [(200, False), (200, True)]


def test_a_client_that_leaves_while_queued_never_takes_a_slot(
    serve: Callable[[FastAPI], str], caplog: pytest.LogCaptureFixture
) -> None:
    voice = HeldVoice(hold_from=0)
    base = serve(app_for(voice, max_concurrent=1))
    with caplog.at_level(logging.INFO, logger="voxtune.serve.access"):
        holder = threading.Thread(
            target=httpx.post, args=(f"{base}/v1/audio/speech",), kwargs={"json": speech("One."), "timeout": 30}
        )
        holder.start()
        eventually(lambda: voice.started == ["One."])
        with pytest.raises(httpx.ReadTimeout):  # this client gives up while waiting for the slot
            httpx.post(f"{base}/v1/audio/speech", json=speech("Queued."), timeout=0.5)
        eventually(lambda: any(record["status"] == 499 for record in access_records(caplog)))
        voice.go()
        holder.join()
        after = httpx.post(f"{base}/v1/audio/speech", json=speech("Two."), timeout=30)
    assert after.status_code == 200
    assert voice.started == ["One.", "Two."]


def test_the_request_timeout_cuts_a_stream_and_the_slot_comes_back(serve: Callable[[FastAPI], str]) -> None:
    voice = HeldVoice(hold_from=1)
    base = serve(app_for(voice, max_concurrent=1, request_timeout_s=2.0))
    received = bytearray()
    with httpx.Client(base_url=base, timeout=30) as http:
        with (
            pytest.raises(httpx.RemoteProtocolError),  # closed without the last chunk: not a complete file
            http.stream("POST", "/v1/audio/speech", json=speech("One. Two. Three.")) as reply,
        ):
            assert reply.status_code == 200
            for chunk in reply.iter_raw():
                received += chunk
        voice.go()
        after = http.post("/v1/audio/speech", json=speech("Four."))
    assert bytes(received) == pcm(0)
    assert after.status_code == 200 and voice.started == ["One.", "Two.", "Four."]


def test_the_request_timeout_before_the_first_sentence_is_a_503(serve: Callable[[FastAPI], str]) -> None:
    voice = HeldVoice(hold_from=0)
    base = serve(app_for(voice, max_concurrent=1, request_timeout_s=0.2))
    late = httpx.post(f"{base}/v1/audio/speech", json=speech("One."), timeout=30)
    voice.go()
    after = httpx.post(f"{base}/v1/audio/speech", json=speech("Two."), timeout=30)
    assert late.status_code == 503 and "within 0.2 s" in late.json()["error"]
    assert after.status_code == 200
