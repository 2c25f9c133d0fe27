"""``vdbgsh events``: a tail view of live QMP events, for people (a line each) or programs (``--json``).

Behaviour an on-call user can rely on:
- stdout carries only the stream, one line per event (and per start/stop of a followed domain, marked apart),
  flushed line by line; everything vdbgsh says itself goes to stderr as ``vdbgsh: ...``.
- ``--count`` and ``--timeout`` end with status 0 and nothing more said; Ctrl-C and SIGTERM end with status 0 and
  one stderr line counting the events seen.
- A DOMAIN libvirt does not know is an error (status 2) unless ``--wait``; a defined one that is shut off is
  awaited. Losing libvirtd is an error (status 2); a QMP socket closing (QEMU quit) ends the stream (status 0).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from typing import TextIO

from vdbgsh.cli.environment import Environment
from vdbgsh.errors import EXIT_OK, UsageError, VdbgshError
from vdbgsh.events.filter import EventFilter
from vdbgsh.events.follow import Follower, Notice
from vdbgsh.events.format import human_line, json_line, notice_human_line, notice_json_line
from vdbgsh.transport import Event, parse_qmp_address


class Stream:
    """The sink of a follower: filters, prints, counts, and decides when the command is over."""

    def __init__(self, env: Environment, event_filter: EventFilter, *, as_json: bool, count: int | None) -> None:
        self.env = env
        self.filter = event_filter
        self.as_json = as_json
        self.colour = env.colour and not as_json
        self.limit = count
        self.seen = 0
        self.received = 0
        self.done: asyncio.Future[VdbgshError | None] = asyncio.get_running_loop().create_future()
        self.broken_pipe = False

    def event(self, event: Event) -> None:
        if self.done.done():
            return
        self.received += 1
        if not self.filter(event):
            return
        self.seen += 1
        self._write(json_line(event) if self.as_json else human_line(event, colour=self.colour))
        if self.limit is not None and self.seen >= self.limit:
            self.finish()

    def notice(self, notice: Notice) -> None:
        if not self.done.done():
            self._write(notice_json_line(notice) if self.as_json else notice_human_line(notice, colour=self.colour))

    def ended(self, error: VdbgshError | None, line: str) -> None:
        if line:
            _tell(self.env.stderr, line)
        self.finish(error)

    def finish(self, error: VdbgshError | None = None) -> None:
        if not self.done.done():
            self.done.set_result(error)

    def summary(self) -> str:
        seen = f"{self.seen} event{'' if self.seen == 1 else 's'} seen"
        if self.filter.active:
            seen += f" ({self.received} received, {self.received - self.seen} filtered out)"
        return seen

    def _write(self, line: str) -> None:
        try:
            # Flushed per line: whoever reads the pipe sees each event as it happens, not a buffer later.
            print(line, file=self.env.stdout, flush=True)
        except BrokenPipeError:
            self.broken_pipe = True
            self.finish()


def _tell(stream: TextIO, line: str) -> None:
    print(f"vdbgsh: {line}", file=stream, flush=True)


def run_events(args: argparse.Namespace, env: Environment) -> int:
    if args.qmp is not None and args.domains:
        raise UsageError("no DOMAIN with --qmp: the socket is the guest")
    if args.regex and not args.event:
        raise UsageError("--regex applies to --event patterns, and none was given")
    if args.count is not None and args.count < 1:
        raise UsageError(f"--count must be at least 1, not {args.count}")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError(f"--timeout must be a positive number of seconds, not {args.timeout:g}")
    event_filter = EventFilter(args.event or (), regex=args.regex, no_case=args.no_case)
    stream, interrupted = asyncio.run(_follow(args, env, event_filter))
    if stream.broken_pipe:
        raise BrokenPipeError
    if interrupted:
        _tell(env.stderr, stream.summary())
    return EXIT_OK


async def _follow(args: argparse.Namespace, env: Environment, event_filter: EventFilter) -> tuple[Stream, bool]:
    stream = Stream(env, event_filter, as_json=args.json, count=args.count)
    loop = asyncio.get_running_loop()
    interrupted = False

    def interrupt() -> None:
        nonlocal interrupted
        interrupted = not stream.done.done()
        stream.finish()

    # Handled in the loop rather than as KeyboardInterrupt: libvirt's callbacks must not be torn mid-call.
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, interrupt)
    follower = await _open(args, stream)
    try:
        _tell(env.stderr, f"following {follower.description}{_filters(event_filter)} (Ctrl-C to stop)")
        for remark in follower.remarks:
            _tell(env.stderr, remark)
        if args.timeout is not None:
            loop.call_later(args.timeout, stream.finish)
        error = await stream.done
    finally:
        await follower.close()
    if error is not None:
        raise error
    return stream, interrupted


async def _open(args: argparse.Namespace, stream: Stream) -> Follower:
    if args.qmp is not None:
        from vdbgsh.events.follow import SocketFollower

        return await SocketFollower.open(parse_qmp_address(args.qmp), stream)
    from vdbgsh.events.follow import LibvirtFollower

    return await LibvirtFollower.open(args.uri, list(args.domains), stream, wait=args.wait)


def _filters(event_filter: EventFilter) -> str:
    if not event_filter.patterns:
        return ""
    kind = "regex" if event_filter.regex else "glob"
    case = ", any case" if event_filter.no_case else ""
    return f", events matching {kind} {' or '.join(event_filter.patterns)}{case}"
