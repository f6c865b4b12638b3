"""The HTTP server's app: an OpenAI-compatible speech endpoint over a fixed registry of loaded voices.

``POST /v1/audio/speech`` (``model``, ``input``, ``voice``, ``speed``, ``response_format``, ``stream``),
``GET /v1/voices``, ``GET /health``; OpenAPI schema at ``/openapi.json``. Voices are looked up by name in the
registry the server was started with — a request can never name a file.

Audio is streamed by default, as OpenAI's endpoint does: the first sentence's audio is sent as soon as it is
synthesized, the rest follows sentence by sentence (chunked transfer encoding). ``pcm``, ``wav``, ``mp3`` and
``opus`` stream (see :mod:`voxtune.serve.encode` for how each stays a valid file); ``flac``, and any format with
``"stream": false``, comes whole, with ``Content-Length`` and ``X-Audio-Seconds``.

Limits: input length; ``max_concurrent`` syntheses at once, in as many dedicated threads (others wait their
turn); the request timeout, which covers the wait, the synthesis and, for a stream, the sending. A client that
disconnects stops its synthesis after the current sentence and frees its slot. With an API key set, requests
need ``Authorization: Bearer KEY``. Each request is logged as one JSON line (logger ``voxtune.serve.access``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from voxtune.errors import VoxtuneError
from voxtune.serve.access import KeyAndLog
from voxtune.serve.encode import FORMATS, STREAMED, encode, stream_encoder
from voxtune.serve.memory import return_freed_memory
from voxtune.serve.pool import SynthesisPool
from voxtune.serve.stream import AudioStream, ClientGone, within
from voxtune.synth.backends import Scales
from voxtune.synth.voice import Voice

CLIENT_CLOSED = 499  # nginx's status for "client closed the request"; nobody receives it, the access log shows it


@dataclass(frozen=True)
class ServeLimits:
    max_input_chars: int = 4096
    max_concurrent: int = 2
    request_timeout_s: float = 60.0
    api_key: str | None = None


class SpeechRequest(BaseModel):
    """OpenAI's ``/v1/audio/speech`` body; ``model`` is accepted and ignored (the voice decides)."""

    input: str
    voice: str
    model: str | None = None
    speed: float = Field(1.0, ge=0.25, le=4.0)
    response_format: Literal["wav", "flac", "mp3", "opus", "pcm"] = "wav"
    stream: bool = Field(
        True,
        description="Send audio sentence by sentence as it is synthesized (chunked); pcm, wav (header sizes "
        "0xFFFFFFFF), mp3 (constant bitrate) and opus stream, flac always comes whole. false: the whole file, "
        "with Content-Length and X-Audio-Seconds.",
    )
    stream_format: Literal["audio"] = Field(
        "audio", description="OpenAI's field: only raw audio bytes are offered, not server-sent events ('sse')."
    )


@dataclass
class SpeechJob:
    """One request's synthesis as steps for a pool thread, one step per sentence (a stop between any two)."""

    voice: Voice
    text: str
    scales: Scales
    response_format: str
    samples: int = 0

    def stream(self) -> Iterator[bytes]:
        """The file's bytes as each sentence is synthesized, then the codec's last bytes."""
        encoder = stream_encoder(self.response_format, self.voice.sample_rate)
        for sentence in self.voice.sentences(self.text, scales=self.scales):
            self.samples += len(sentence.audio)
            yield encoder.add(sentence.audio)
        yield encoder.finish()

    def whole(self) -> Iterator[bytes]:
        """Nothing after each sentence, then the whole file."""
        parts: list[np.ndarray] = []
        for sentence in self.voice.sentences(self.text, scales=self.scales):
            parts.append(sentence.audio)
            self.samples += len(sentence.audio)
            yield b""
        yield encode(np.concatenate(parts), self.voice.sample_rate, self.response_format)[0]


def create_app(voices: Mapping[str, Voice], limits: ServeLimits | None = None) -> FastAPI:
    """The app for ``voices`` (name → loaded voice)."""
    limits = limits or ServeLimits()
    registry = dict(voices)
    if not registry:
        raise VoxtuneError("the server needs at least one voice")
    app = FastAPI(title="voxtune", summary="Text to speech with voxtune voices (OpenAI-compatible speech API)")
    app.add_middleware(KeyAndLog, api_key=limits.api_key)
    pool = SynthesisPool(limits.max_concurrent, on_idle=return_freed_memory)
    # Loading voices freed a lot (an ONNX voice is parsed into tensors and dropped); hand it back before serving.
    return_freed_memory()

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse({"error": error.detail}, status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
        message = f"{where}: {first.get('msg', 'invalid request')}" if where else first.get("msg", "invalid request")
        return JSONResponse({"error": f"bad request body: {message}"}, status_code=422)

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {"status": "ok", "voices": sorted(registry)}

    @app.get("/v1/voices")
    async def list_voices() -> dict[str, Any]:
        return {
            "voices": [
                {"id": name, "sample_rate": voice.sample_rate, "speakers": sorted(voice.speaker_id_map)}
                for name, voice in sorted(registry.items())
            ]
        }

    @app.post("/v1/audio/speech", response_class=Response, responses=_SPEECH_RESPONSES)
    async def speech(body: SpeechRequest, request: Request) -> Response:
        voice = _voice_for(body, registry, limits)
        defaults = voice.default_scales()
        scales = Scales(defaults.noise_scale, defaults.length_scale / body.speed, defaults.noise_w)
        job = SpeechJob(voice, body.input, scales, body.response_format)
        streamed = body.stream and body.response_format in STREAMED
        media_type = FORMATS[body.response_format][2]
        deadline = asyncio.get_running_loop().time() + limits.request_timeout_s
        chunks = pool.iterate(job.stream() if streamed else job.whole())
        try:
            if streamed:
                first = await within(request.receive, deadline, anext(chunks))
                return AudioStream(first, chunks, media_type, deadline)
            content = b"".join(await within(request.receive, deadline, _collect(chunks)))
        except ClientGone:
            return Response(status_code=CLIENT_CLOSED)
        except asyncio.TimeoutError:
            raise HTTPException(503, f"synthesis did not finish within {limits.request_timeout_s:g} s") from None
        except (ValueError, VoxtuneError) as error:
            raise HTTPException(400, str(error)) from None
        seconds = job.samples / voice.sample_rate
        return Response(content, media_type=media_type, headers={"X-Audio-Seconds": f"{seconds:.3f}"})

    return app


def _voice_for(body: SpeechRequest, registry: dict[str, Voice], limits: ServeLimits) -> Voice:
    """The requested voice, or the 4xx that explains why the request cannot be served."""
    if not body.input.strip():
        raise HTTPException(400, "input is empty")
    if len(body.input) > limits.max_input_chars:
        raise HTTPException(413, f"input is {len(body.input)} characters; the limit is {limits.max_input_chars}")
    voice = registry.get(body.voice)
    if voice is None:
        raise HTTPException(404, f"unknown voice {body.voice[:80]!r}; available: {', '.join(sorted(registry))}")
    return voice


async def _collect(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in chunks]


_SPEECH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Audio in the requested format: streamed sentence by sentence (chunked, no Content-Length) "
        "unless stream is false or the format is flac, in which case the whole file with X-Audio-Seconds.",
        "content": {media_type: {} for _, _, media_type in FORMATS.values()},
    },
    400: {"description": "Empty input, or text the voice cannot say"},
    404: {"description": "Unknown voice"},
    413: {"description": "Input longer than the server's limit"},
    422: {"description": "Malformed body"},
    503: {"description": "Not finished (or, for a stream, not started) within the request timeout"},
}
