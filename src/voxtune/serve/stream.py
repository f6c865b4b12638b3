"""Sending audio while it is synthesized, within the request's time and only while the client listens."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable
from typing import Any, TypeVar

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

T = TypeVar("T")

log = logging.getLogger("voxtune.serve")


class ClientGone(Exception):
    """The client closed its connection before the response was done."""


async def within(receive: Receive, deadline: float, work: Awaitable[T]) -> T:
    """``work``'s result, unless the client disconnects first (:class:`ClientGone`) or the event loop's clock
    passes ``deadline`` (``asyncio.TimeoutError``); either way ``work`` is cancelled and has finished cleaning up
    (a synthesis gives back its slot) before this returns.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    listener = asyncio.ensure_future(_disconnected(receive))
    try:
        done, _ = await asyncio.wait(
            {task, listener}, timeout=max(0.0, deadline - loop.time()), return_when=asyncio.FIRST_COMPLETED
        )
    finally:
        task.cancel()
        listener.cancel()
        await asyncio.gather(task, listener, return_exceptions=True)
    if task in done:
        return task.result()
    if listener in done:
        raise ClientGone
    raise asyncio.TimeoutError  # the builtin TimeoutError is the same class only from Python 3.11


async def _disconnected(receive: Receive) -> None:
    """Returns when the server reports the client gone (the request body has been read already)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


class AudioStream(Response):
    """A 200 response whose body is ``first`` and then ``rest`` as it comes (chunked transfer encoding).

    The first piece is produced before the response exists, so that errors up to the first sentence still get
    their 4xx/503 status. If the client disconnects, the synthesis stops after its current sentence and frees
    its slot. If the deadline passes mid-stream, the connection is closed without the final chunk, so the client
    sees a cut stream (an error), never a short file that looks complete.
    """

    def __init__(self, first: bytes, rest: AsyncGenerator[bytes, None], media_type: str, deadline: float) -> None:
        self.status_code = 200
        self.media_type = media_type
        self.background = None
        self.init_headers()  # no body: no Content-Length, so the server sends chunks
        self._first = first
        self._rest = rest
        self._deadline = deadline

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await within(receive, self._deadline, self._send_all(send))
        except ClientGone:
            log.info("client disconnected during a stream; its synthesis stopped")
        except asyncio.TimeoutError:
            log.warning("stream cut: the request timeout passed before the last sentence was sent")
        finally:
            await self._rest.aclose()  # a no-op when it ran to its end or was cancelled inside

    async def _send_all(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send(_body(self._first, more=True))
        async for chunk in self._rest:
            if chunk:  # empty while a codec is still filling its first frame: nothing to send yet
                await send(_body(chunk, more=True))
        await send(_body(b"", more=False))


def _body(data: bytes, more: bool) -> dict[str, Any]:
    return {"type": "http.response.body", "body": data, "more_body": more}
