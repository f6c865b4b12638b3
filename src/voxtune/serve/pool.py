"""Where the server's syntheses run: a fixed set of threads, one synthesis per thread at a time."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class SynthesisPool:
    """Runs blocking iterators (a request's synthesis, step by step) in ``size`` dedicated threads.

    Each iterator holds one of ``size`` slots from its first step to its end; others wait for a slot in arrival
    order. The threads are dedicated, not the event loop's shared pool (up to 40 threads), so that the memory
    each thread that runs a model keeps for itself (a glibc allocator arena, scratch buffers) exists ``size``
    times at most.

    ``on_idle`` runs in a pool thread whenever the last synthesis ends with none waiting: the server hands freed
    memory back to the system then, and not after every request, whose successor would fault the pages back in.
    """

    def __init__(self, size: int, on_idle: Callable[[], object] | None = None) -> None:
        if size < 1:
            raise ValueError(f"a synthesis pool needs at least one thread, not {size}")
        self.size = size
        self._slots = asyncio.Semaphore(size)
        self._threads = ThreadPoolExecutor(size, thread_name_prefix="voxtune-synthesis")
        self._on_idle = on_idle
        self._wanted = 0  # iterators waiting for a slot or holding one

    async def iterate(self, steps: Iterator[T]) -> AsyncGenerator[T, None]:
        """``steps``'s items, each computed in a pool thread; close it (``aclosing``) when stopping early.

        Cancelling the consumer stops after the step in progress: a thread cannot be interrupted, so the slot
        is held until that step is done, and at most ``size`` syntheses ever run at once.
        """
        loop = asyncio.get_running_loop()
        self._wanted += 1
        try:
            await self._slots.acquire()
        except BaseException:  # cancelled while waiting: it never held a slot
            self._wanted -= 1
            raise
        running: asyncio.Future[tuple[bool, T | None]] | None = None
        try:
            while True:
                running = loop.run_in_executor(self._threads, _step, steps)
                # shield: a cancelled consumer must not mark the step done while its thread still runs
                more, item = await asyncio.shield(running)
                if not more:
                    return
                yield item  # type: ignore[misc]  # item is a T whenever more is True
        finally:
            self._release_when_done(running)

    def _release_when_done(self, running: asyncio.Future[tuple[bool, T | None]] | None) -> None:
        if running is None or running.done():
            self._release()
            return

        def release(step: asyncio.Future[tuple[bool, T | None]]) -> None:
            if not step.cancelled():
                step.exception()  # retrieved: nobody awaits this step any more, its error is moot
            self._release()

        running.add_done_callback(release)

    def _release(self) -> None:
        self._slots.release()
        self._wanted -= 1
        if self._wanted == 0 and self._on_idle is not None:
            self._threads.submit(self._on_idle)


def _step(steps: Iterator[T]) -> tuple[bool, T | None]:
    """One step in a pool thread: (True, item), or (False, None) at the end (StopIteration cannot cross a future)."""
    for item in steps:
        return True, item
    return False, None
