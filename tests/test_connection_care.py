"""transport/connection_care.py and the line mode's reader, on real threads and pipes: a blocking call awaited in a
daemon thread can be given up without holding anything, and a result that comes too late is handed back."""

from __future__ import annotations

import asyncio
import os
import threading
import time

from vdbgsh.transport.connection_care import RETRY_EVERY, in_daemon_thread, retry_delays
from vdbgsh.ui.line_mode import LineReader


def test_a_call_given_up_leaves_no_thread_to_wait_for_and_hands_back_its_late_result() -> None:
    release = threading.Event()
    unwanted: list[str] = []

    def slow() -> str:
        release.wait(10)
        return "late"

    async def scenario() -> None:
        call = asyncio.ensure_future(in_daemon_thread(slow, unwanted=unwanted.append))
        await asyncio.sleep(0.1)
        call.cancel()
        started = time.monotonic()
        await asyncio.gather(call, return_exceptions=True)
        assert time.monotonic() - started < 0.5  # giving up does not wait for the call
        release.set()
        for _ in range(100):  # the late result comes into the loop
            if unwanted:
                break
            await asyncio.sleep(0.01)

    started = time.monotonic()
    asyncio.run(scenario())  # and asyncio.run's exit does not wait for a pool thread either
    assert time.monotonic() - started < 2.0
    assert unwanted == ["late"]


def test_errors_reach_the_awaiting_task() -> None:
    def fails() -> None:
        raise OSError("no route")

    async def scenario() -> str:
        try:
            await in_daemon_thread(fails)
        except OSError as err:
            return str(err)
        return "no error"

    assert asyncio.run(scenario()) == "no route"


def test_backoff_is_quick_then_steady() -> None:
    delays = retry_delays()
    first = [next(delays) for _ in range(8)]
    assert first[:5] == [0.25, 0.5, 1.0, 2.0, 4.0]
    assert first[5:] == [RETRY_EVERY] * 3


def test_line_reader_sets_typed_ahead_lines_aside_for_a_fresh_answer() -> None:
    read_end, write_end = os.pipe()
    try:
        reader = LineReader(read_end)

        async def scenario() -> list[str | None]:
            os.write(write_end, b"stop\n")
            first = await reader.line()
            os.write(write_end, b"yank\n")  # typed before the question showed
            await asyncio.sleep(0.05)
            answer = asyncio.ensure_future(reader.fresh_line())
            await asyncio.sleep(0.1)
            assert not answer.done()  # 'yank' is no answer
            os.write(write_end, b"n\n")
            fresh = await answer
            ahead = await reader.line()  # still there, in turn
            os.write(write_end, b"caf\xc3\xa9 \xff\nlast without newline")
            os.close(write_end)
            return [first, fresh, ahead, await reader.line(), await reader.line(), await reader.line()]

        lines = asyncio.run(scenario())
    finally:
        os.close(read_end)
    assert lines == ["stop", "n", "yank", "café \udcff", "last without newline", None]
