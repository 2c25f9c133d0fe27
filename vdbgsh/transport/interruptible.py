"""Blocking monitor calls that Ctrl-C and a timeout can end.

``libvirt_qemu.qemuMonitorCommand`` blocks in C, and Python runs a signal handler only once the main thread is
back in Python: with QEMU SIGSTOPped the reply never comes, and Ctrl-C did nothing. So the call runs in a daemon
thread and the main thread waits for it in short slices, where SIGINT (KeyboardInterrupt) and a deadline can both
end the wait. The abandoned thread ends with the process; libvirt keeps waiting for the reply meanwhile (it owns
the monitor), and the command may still run once QEMU does.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from vdbgsh.errors import VdbgshError
from vdbgsh.transport.base import BlockingMonitor, JSONObject, Reply

T = TypeVar("T")

EXIT_NO_REPLY = 124  # as timeout(1) exits when its command ran out of time
EXIT_INTERRUPTED = 130  # as a shell reports a command ended by SIGINT
# How often the waiting main thread comes back to Python, where a pending SIGINT is raised.
SLICE = 0.05
# Closing is not worth a wait: the process ends next.
CLOSE_TIMEOUT = 2.0
# A reply slower than this is worth a word in the shell: what may hold it, and how to stop waiting.
LONG_WAIT = 5.0


def long_wait_note(seconds: float, *, libvirt: bool) -> str:
    holder = "; libvirt holds the monitor meanwhile (other commands to it wait too)" if libvirt else ""
    return f"waiting {seconds:g} s for QEMU's reply: QEMU may be stopped (SIGSTOP) or busy{holder}; Ctrl-C stops"


class NoReply(VdbgshError):
    """The reply did not come within the time the user gave (``exec --timeout``)."""

    exit_status = EXIT_NO_REPLY


class StoppedWaiting(VdbgshError):
    """Ctrl-C while waiting for a reply."""

    exit_status = EXIT_INTERRUPTED


class _Abandoned(Exception):
    """The call still runs in its thread; nobody waits for it."""


Call = tuple[Callable[[], Any], list[tuple[bool, Any]], threading.Event]


class Worker:
    """A daemon thread making blocking calls one at a time for a waiting main thread (a thread per call cost
    ~190 µs a request, a handoff ~30 µs; a queue module, ~1.5 ms of a one-shot's start). Once a wait is given up
    the thread may stay in its call for good: use it no more."""

    def __init__(self) -> None:
        self._call: Call | None = None
        self._called = threading.Event()
        threading.Thread(target=self._serve, name="vdbgsh-monitor-calls", daemon=True).start()

    def _serve(self) -> None:
        while True:
            self._called.wait()
            self._called.clear()
            assert self._call is not None
            function, outcome, done = self._call
            try:
                outcome.append((True, function()))
            except BaseException as err:  # handed back to the waiting caller
                outcome.append((False, err))
            finally:
                done.set()

    def call(self, function: Callable[[], T], timeout: float | None = None) -> T:
        """``function()`` in the thread; raises TimeoutError past ``timeout`` seconds, KeyboardInterrupt on Ctrl-C
        (the call is abandoned, not stopped)."""
        outcome: list[tuple[bool, Any]] = []
        done = threading.Event()
        self._call = (function, outcome, done)
        self._called.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        while not done.wait(SLICE):
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError
        ok, value = outcome[0]
        if ok:
            return value  # type: ignore[no-any-return]
        raise value


class InterruptibleMonitor:
    """A BlockingMonitor whose replies Ctrl-C (and an optional timeout) stop waiting for, with a clear line."""

    def __init__(self, inner: BlockingMonitor, timeout: float | None, *, libvirt: bool, worker: Worker) -> None:
        self.inner = inner
        self.worker = worker
        self.target = inner.target
        self.timeout = timeout
        self.libvirt = libvirt
        self._abandoned = False

    @classmethod
    def open(
        cls, opener: Callable[[], BlockingMonitor], timeout: float | None, *, libvirt: bool, where: str
    ) -> BlockingMonitor:
        """The connection opened so that Ctrl-C and ``timeout`` end it too (a libvirtd stopped, or one that
        accepts and never answers)."""
        worker = Worker()
        try:
            inner = worker.call(opener, timeout)
        except TimeoutError:
            who = "libvirtd" if libvirt else "QEMU"
            raise NoReply(
                f"no answer from {who} at {where} within {timeout:g} s while connecting",
                "is it stopped (SIGSTOP) or hung? 'ps -o stat' shows T for a stopped process",
            ) from None
        except KeyboardInterrupt:
            raise StoppedWaiting(f"interrupted while connecting to {where}") from None
        return cls(inner, timeout, libvirt=libvirt, worker=worker)

    def execute_message(self, message: JSONObject) -> Reply:
        return self._wait(lambda: self.inner.execute_message(message), str(message.get("execute", "the command")))

    def build_identity(self) -> str:
        return self._wait(self.inner.build_identity, "the domain's description")

    def _wait(self, call: Callable[[], T], what: str) -> T:
        if self._abandoned:
            raise StoppedWaiting(f"not sent: the reply to an earlier command never came ({self.target})")
        try:
            return self.worker.call(call, self.timeout)
        except TimeoutError:
            self._abandoned = True
            raise NoReply(
                f"no reply to {what} from {self.target} within {self.timeout:g} s; {self._may_still_run()}",
                self._why_no_reply(),
            ) from None
        except KeyboardInterrupt:
            self._abandoned = True
            raise StoppedWaiting(
                f"interrupted: stopped waiting for the reply to {what} from {self.target}; {self._may_still_run()}"
            ) from None

    def _may_still_run(self) -> str:
        if self.libvirt:
            return "the command may still run in QEMU (libvirt keeps waiting for its reply and holds the monitor)"
        return "the command may still run in QEMU"

    def _why_no_reply(self) -> str:
        return "QEMU may be stopped (SIGSTOP: state T in 'ps -o stat') or busy; a longer --timeout waits more"

    def close(self) -> None:
        # A call still in its thread holds the connection: closing it could wait for that call. The process is
        # about to end, and the connection with it. Else closed where it was used, and not waited for long.
        if self._abandoned:
            return
        with contextlib.suppress(TimeoutError, KeyboardInterrupt):
            self.worker.call(self.inner.close, CLOSE_TIMEOUT)
