"""API-key check and access log, as plain ASGI middleware so that streamed responses pass through untouched.

(Starlette's ``BaseHTTPMiddleware`` would see a streamed response end when its headers leave, and it relays the
body through a queue of its own.)
"""

from __future__ import annotations

import json
import logging
import time

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("voxtune.serve.access")


class KeyAndLog:
    """Refuses ``/v1/`` requests without ``Authorization: Bearer KEY`` (when a key is set); logs every request
    as one JSON line when its response is over: ``status``, ``ms`` (to the last byte), ``complete`` (false
    when a stream was cut by a disconnect or the request timeout).
    """

    def __init__(self, app: ASGIApp, api_key: str | None = None) -> None:
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        outcome = {"status": 500, "complete": False}  # what is logged if the app raises before answering

        async def watched_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                outcome["complete"] = True
            await send(message)

        try:
            if self._refused(scope):
                refusal = JSONResponse({"error": "missing or wrong API key"}, status_code=401)
                await refusal(scope, receive, watched_send)
            else:
                await self.app(scope, receive, watched_send)
        finally:
            _log(scope, int(outcome["status"]), bool(outcome["complete"]), started)

    def _refused(self, scope: Scope) -> bool:
        if not self.api_key or not scope["path"].startswith("/v1/"):
            return False
        headers = dict(scope["headers"])
        return headers.get(b"authorization") != f"Bearer {self.api_key}".encode("latin-1")


def _log(scope: Scope, status: int, complete: bool, started: float) -> None:
    client = scope.get("client")
    record = {
        "method": scope["method"],
        "path": scope["path"],
        "status": status,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "complete": complete,
        "client": client[0] if client else None,
    }
    access_log.info(json.dumps(record))
