"""Looking after a long-lived libvirt connection: the shell's link and ``vdbgsh events`` need the same care.

- Blocking libvirt calls run in a daemon thread of their own, never asyncio.to_thread's pool: a call that never
  returns (QEMU SIGSTOPped under a monitor command, a host that never answers a TCP connect) would otherwise hold
  up Ctrl-C and the interpreter's exit, which waits for the pool's threads.
- A keepalive (a dead libvirtd noticed within ~15 s instead of never) and a close callback, brought into the loop:
  libvirt runs it in whichever thread noticed the connection go.
- The backoff between attempts to reach a lost libvirtd.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from vdbgsh.transport.base import Subscription
from vdbgsh.transport.loop_calls import call_in_loop, current_loop

T = TypeVar("T")

# Seconds between attempts to reach a lost libvirtd: quick at first (a restart takes a second or two), then every
# few seconds for as long as the user waits.
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0)
RETRY_EVERY = 5.0
# An attempt that has not connected by then is given up (an unreachable host can hold a TCP connect for minutes).
OPEN_TIMEOUT = 15.0
# libvirt's keepalive: a probe every 5 s, the connection closed after 3 unanswered.
KEEPALIVE_INTERVAL = 5
KEEPALIVE_COUNT = 3


def retry_delays() -> Iterator[float]:
    yield from RETRY_DELAYS
    while True:
        yield RETRY_EVERY


async def in_daemon_thread(function: Callable[[], T], *, unwanted: Callable[[T], object] | None = None) -> T:
    """``function()`` in a daemon thread of its own, awaited without tying up a pool.

    When nobody waits any more (the awaiting task was cancelled) the thread is abandoned: it ends whenever the
    call returns, and ``unwanted`` then receives a result nobody took (to close a connection that opened late).
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(ok: bool, outcome: Any) -> None:
        if future.done():
            if ok and unwanted is not None:
                with contextlib.suppress(Exception):
                    unwanted(outcome)
        elif ok:
            future.set_result(outcome)
        else:
            future.set_exception(outcome)

    def run() -> None:
        outcome: Any
        try:
            outcome, ok = function(), True
        except BaseException as err:  # handed to the awaiting task, which reports it
            outcome, ok = err, False
        with contextlib.suppress(RuntimeError):  # the loop is gone: so is whoever waited
            loop.call_soon_threadsafe(settle, ok, outcome)

    _WORKERS.run(run)
    return await future


class _Workers:
    """Daemon threads kept for the next call (starting a thread per call cost ~0.2 ms of a 1.2 ms round trip).

    A worker goes back to the idle list only once its call has returned: a call that never returns keeps its
    own thread and holds up no other call, and, being a daemon, not the interpreter's exit either.
    """

    KEPT = 4  # idle workers kept; more end when their call returns

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []

    def run(self, job: Callable[[], None]) -> None:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        (worker or _Worker(self)).give(job)

    def done(self, worker: _Worker) -> bool:
        """Whether ``worker`` stays, idle, for a later call."""
        with self._lock:
            if len(self._idle) >= self.KEPT:
                return False
            self._idle.append(worker)
            return True


class _Worker:
    def __init__(self, workers: _Workers) -> None:
        self._workers = workers
        self._job: Callable[[], None] | None = None
        self._ready = threading.Semaphore(0)
        threading.Thread(target=self._serve, name="vdbgsh-libvirt-call", daemon=True).start()

    def give(self, job: Callable[[], None]) -> None:
        self._job = job
        self._ready.release()

    def _serve(self) -> None:
        while True:
            self._ready.acquire()
            job, self._job = self._job, None
            if job is not None:
                job()
            if not self._workers.done(self):
                return


_WORKERS = _Workers()


async def open_off_loop(uri: str | None) -> tuple[Any, str]:
    """``open_connection`` in a daemon thread; a connection that opens after nobody waits for it is closed."""
    from vdbgsh.transport.libvirt_domains import open_connection

    return await in_daemon_thread(lambda: open_connection(uri), unwanted=lambda opened: opened[0].close())


def close_reason(reason: int) -> str:
    import libvirt

    return "it stopped answering" if reason == libvirt.VIR_CONNECT_CLOSE_REASON_KEEPALIVE else "it closed"


def watch_connection(conn: Any, on_lost: Callable[[Any, str], None]) -> Subscription:
    """Keepalive on, and ``on_lost(conn, why)`` in the current loop when the connection goes by itself (not when
    vdbgsh closes it). Raises libvirt.libvirtError when libvirtd refuses either."""
    import libvirt

    loop = current_loop()

    def on_close(closed: Any, reason: int, _opaque: object) -> None:
        if reason != libvirt.VIR_CONNECT_CLOSE_REASON_CLIENT:
            call_in_loop(loop, on_lost, closed, close_reason(reason))

    conn.setKeepAlive(KEEPALIVE_INTERVAL, KEEPALIVE_COUNT)
    conn.registerCloseCallback(on_close, None)

    def cancel() -> None:
        # A failure means the connection is gone, and the callback with it.
        with contextlib.suppress(libvirt.libvirtError):
            conn.unregisterCloseCallback()

    return Subscription(cancel)
