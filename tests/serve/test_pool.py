import asyncio
import sys
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from voxtune.serve.memory import return_freed_memory
from voxtune.serve.pool import SynthesisPool

SAFETY_S = 10.0  # a held step gives up after this: a broken pool fails the test instead of hanging it


def steps(names: list[str], held: threading.Event | None = None, log: list[str] | None = None) -> Iterator[str]:
    """Yields ``names``; every step after the first waits for ``held`` (when given); records thread names."""
    for index, name in enumerate(names):
        if held is not None and index > 0:
            held.wait(SAFETY_S)
        if log is not None:
            log.append(threading.current_thread().name)
        yield name


def test_items_come_in_order_from_the_pool_threads() -> None:
    async def main() -> list[str]:
        pool = SynthesisPool(2)
        threads: list[str] = []
        items = [item async for item in pool.iterate(steps(["a", "b", "c"], log=threads))]
        assert all(name.startswith("voxtune-synthesis") for name in threads)
        return items

    assert asyncio.run(main()) == ["a", "b", "c"]


def test_a_step_error_reaches_the_consumer_and_frees_the_slot() -> None:
    def failing() -> Iterator[str]:
        yield "ok"
        raise ValueError("cannot say")

    async def main() -> None:
        pool = SynthesisPool(1)
        with pytest.raises(ValueError, match="cannot say"):
            [item async for item in pool.iterate(failing())]
        assert [item async for item in pool.iterate(steps(["next"]))] == ["next"]

    asyncio.run(main())


def test_a_cancelled_consumer_keeps_its_slot_until_the_running_step_ends() -> None:
    async def main() -> None:
        pool = SynthesisPool(1)
        held = threading.Event()
        first_item = asyncio.Event()
        taken: list[str] = []

        async def consume() -> None:
            async for item in pool.iterate(steps(["a", "b", "c"], held)):
                taken.append(item)
                first_item.set()

        consumer = asyncio.create_task(consume())
        await first_item.wait()
        await asyncio.sleep(0)  # the consumer is now waiting for step "b", which waits for `held`
        consumer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await consumer
        assert pool._slots.locked()  # "b" still runs in its thread: a new synthesis must not start beside it
        held.set()
        other = [item async for item in pool.iterate(steps(["x"]))]  # gets the slot once "b" is done
        assert other == ["x"] and taken == ["a"]
        assert not pool._slots.locked()

    asyncio.run(main())


def test_a_pool_needs_a_thread() -> None:
    with pytest.raises(ValueError, match="at least one thread"):
        SynthesisPool(0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_freed_memory_can_be_returned_on_linux() -> None:
    assert return_freed_memory() is True


def test_on_idle_runs_once_the_last_waiting_synthesis_is_done() -> None:
    idle: list[int] = []

    async def main() -> None:
        pool = SynthesisPool(1, on_idle=lambda: idle.append(len(idle)))
        held = threading.Event()
        first = pool.iterate(steps(["a", "b"], held))
        assert await anext(first) == "a"
        second = asyncio.create_task(_collect(pool.iterate(steps(["x"]))))  # waits for the only slot
        await asyncio.sleep(0)
        held.set()
        assert [item async for item in first] == ["b"]
        assert await second == ["x"]
        await asyncio.wrap_future(pool._threads.submit(lambda: None))  # the one thread has run what came before

    asyncio.run(main())
    assert idle == [0]  # not when "first" ended with "second" waiting, only after "second"


async def _collect(items: AsyncIterator[str]) -> list[str]:
    return [item async for item in items]
