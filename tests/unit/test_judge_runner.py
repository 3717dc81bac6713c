"""The judge's coroutine runner works both from plain code and from inside a running loop."""

import asyncio

from eval.judge import run_to_completion


async def _answer() -> int:
    await asyncio.sleep(0)
    return 42


def test_runs_a_coroutine_from_plain_code() -> None:
    assert run_to_completion(_answer()) == 42


def test_runs_a_coroutine_where_this_thread_already_runs_a_loop() -> None:
    # A Playwright sync session or a notebook keeps a loop running in the main thread:
    # asyncio.run() would refuse there ("cannot be called from a running event loop").
    async def inside_a_loop() -> int:
        return run_to_completion(_answer())

    assert asyncio.run(inside_a_loop()) == 42
