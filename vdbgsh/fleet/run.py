"""Work on many guests at once: a bound of requests in flight per host, every result handed to the main thread.

Threads, not asyncio: libvirt-python releases the GIL inside ``qemuMonitorCommand``, so a thread per request in
flight carries the wait, and the calls stay the blocking ones ``vdbgsh exec`` makes (measured against asyncio with
``asyncio.to_thread`` over libvirtaio in docs/fleet.md). Each host has its own workers, so a slow host holds up
only its own guests. The main thread waits in short slices: Ctrl-C stops the wait at once, everywhere; the workers
are daemons, abandoned mid-call (libvirt keeps waiting for those replies) as a single exec abandons its one.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from vdbgsh.fleet.targets import Member, set_worker_slot

SLICE = 0.05

Emit = Callable[[Any], None]
_DONE = object()


class Interrupted(Exception):
    """Ctrl-C while the guests were being worked on, or ``timed_out``; ``pending`` are those not finished."""

    def __init__(self, pending: list[Member], *, timed_out: bool = False) -> None:
        super().__init__("interrupted")
        self.pending = pending
        self.timed_out = timed_out


def for_each(
    members: list[Member],
    work: Callable[[Member, Emit], None],
    on_item: Callable[[Member, Any], None],
    *,
    parallel: int | None = None,
    tick: Callable[[int, int], None] | None = None,
    timeout: float | None = None,
    paused: Callable[[], float] = lambda: 0.0,
) -> None:
    """``work(member, emit)`` for every member, at most ``parallel`` at once on each host (None: the host's
    default); each ``emit(item)`` reaches ``on_item(member, item)`` in the calling thread as it comes.
    ``tick(done, total)`` every slice. Raises Interrupted on Ctrl-C (KeyboardInterrupt), after telling the workers
    to start nothing more; the same, ``timed_out``, once ``timeout`` seconds have passed (not counting the
    ``paused()`` seconds spent asking)."""
    results: queue.SimpleQueue[tuple[Member, Any]] = queue.SimpleQueue()
    stop = threading.Event()
    by_host: dict[int, list[Member]] = {}
    for member in members:
        by_host.setdefault(id(member.host), []).append(member)

    def worker(waiting: list[Member], lock: threading.Lock, slot: int) -> None:
        set_worker_slot(slot)
        while not stop.is_set():
            with lock:
                if not waiting:
                    return
                member = waiting.pop(0)
            try:
                work(member, lambda item, member=member: results.put((member, item)))  # type: ignore[misc]
            except BaseException as err:  # a bug of ours: the main thread reports it against this guest
                results.put((member, err))
            finally:
                results.put((member, _DONE))

    for host_members in by_host.values():
        lock = threading.Lock()
        waiting = list(host_members)
        bound = parallel or host_members[0].host.default_parallel
        for slot in range(min(bound, len(host_members))):
            threading.Thread(target=worker, args=(waiting, lock, slot), name="vdbgsh-fleet", daemon=True).start()
    unfinished = {id(member): member for member in members}
    started = time.monotonic()
    try:
        while unfinished:
            if timeout is not None and time.monotonic() - started - paused() > timeout:
                stop.set()
                raise Interrupted(list(unfinished.values()), timed_out=True)
            try:
                member, item = results.get(timeout=SLICE)
            except queue.Empty:
                if tick is not None:
                    tick(len(members) - len(unfinished), len(members))
                continue
            if item is _DONE:
                unfinished.pop(id(member), None)
            else:
                on_item(member, item)
    except KeyboardInterrupt:
        stop.set()
        raise Interrupted(list(unfinished.values())) from None
