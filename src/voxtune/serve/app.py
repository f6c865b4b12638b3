"""The HTTP server's app: an OpenAI-compatible speech endpoint over a fixed registry of loaded voices.

``POST /v1/audio/speech`` (``model``, ``input``, ``voice``, ``speed``, ``response_format``), ``GET /v1/voices``,
``GET /health``; OpenAPI schema at ``/openapi.json``. Voices are looked up by name in the registry the server
was started with — a request can never name a file. Limits: input length, synthesis running at once (others
wait, up to the request timeout), request time. With an API key set, requests need ``Authorization: Bearer KEY``.
Each request is logged as one JSON line (logger ``voxtune.serve.access``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from voxtune.errors import VoxtuneError
from voxtune.serve.encode import encode
from voxtune.synth.backends import Scales
from voxtune.synth.voice import Voice

access_log = logging.getLogger("voxtune.serve.access")


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


def create_app(voices: Mapping[str, Voice], limits: ServeLimits | None = None) -> FastAPI:
    """The app for ``voices`` (name → loaded voice)."""
    limits = limits or ServeLimits()
    registry = dict(voices)
    if not registry:
        raise VoxtuneError("the server needs at least one voice")
    app = FastAPI(title="voxtune", summary="Text to speech with voxtune voices (OpenAI-compatible speech API)")
    slots = asyncio.Semaphore(limits.max_concurrent)

    @app.middleware("http")
    async def guard_and_log(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        keyed = limits.api_key and request.url.path.startswith("/v1/")
        if keyed and request.headers.get("authorization") != f"Bearer {limits.api_key}":
            response: Response = JSONResponse({"error": "missing or wrong API key"}, status_code=401)
            _log(request, response.status_code, started)
            return response
        response = await call_next(request)
        _log(request, response.status_code, started)
        return response

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

    @app.post("/v1/audio/speech")
    async def speech(body: SpeechRequest) -> Response:
        if not body.input.strip():
            raise HTTPException(400, "input is empty")
        if len(body.input) > limits.max_input_chars:
            raise HTTPException(413, f"input is {len(body.input)} characters; the limit is {limits.max_input_chars}")
        voice = registry.get(body.voice)
        if voice is None:
            raise HTTPException(404, f"unknown voice {body.voice[:80]!r}; available: {', '.join(sorted(registry))}")
        defaults = voice.default_scales()
        scales = Scales(defaults.noise_scale, defaults.length_scale / body.speed, defaults.noise_w)

        async def synthesize() -> Any:
            async with slots:  # waits here while max_concurrent syntheses run
                return await run_in_threadpool(voice.synthesize, body.input, scales=scales)

        try:
            # On timeout the client gets 503 at once; a synthesis already running finishes in its thread.
            audio = await asyncio.wait_for(synthesize(), limits.request_timeout_s)
        except asyncio.TimeoutError:  # the builtin TimeoutError only from Python 3.11
            raise HTTPException(503, f"synthesis did not finish within {limits.request_timeout_s:g} s") from None
        except (ValueError, VoxtuneError) as error:
            raise HTTPException(400, str(error)) from None
        content, media_type = encode(audio, voice.sample_rate, body.response_format)
        return Response(
            content, media_type=media_type, headers={"X-Audio-Seconds": f"{len(audio) / voice.sample_rate:.3f}"}
        )

    return app


def _log(request: Request, status: int, started: float) -> None:
    record = {
        "method": request.method,
        "path": request.url.path,
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "client": request.client.host if request.client else None,
    }
    access_log.info(json.dumps(record))
