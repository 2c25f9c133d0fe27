"""``vdbgsh events``: a tail view of live QMP events, for people (a line each) or programs (``--json``).

Behaviour an on-call user can rely on:
- stdout carries only the stream, one line per event (and per start/stop of a followed domain, marked apart),
  flushed line by line; everything vdbgsh says itself goes to stderr as ``vdbgsh: ...``.
- ``--count`` and ``--timeout`` end with status 0 and nothing more said; Ctrl-C and SIGTERM end with status 0 and
  one stderr line counting the events seen.
- A DOMAIN libvirt does not know is an error (status 2) unless ``--wait``; a defined one that is shut off is
  awaited. A QMP socket closing (QEMU quit) ends the stream (status 0).
- Several ``-c URI``: one follower per host, all at once; each line names its host (``host/domain``, JSON: a
  ``"uri"`` key), and DOMAIN words apply to every host. Every host must answer at the start (else status 2).
- A libvirtd lost later (local or remote) is said on stderr ("lost connection to URI ...; retrying") and retried
  with backoff; "reconnected to URI ..." when it answers again. The other hosts stream on meanwhile.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any, NamedTuple, TextIO

from vdbgsh.cli.environment import Environment
from vdbgsh.errors import EXIT_OK, ConnectError, UsageError, VdbgshError
from vdbgsh.events.filter import EventFilter
from vdbgsh.events.follow import Follower, Notice
from vdbgsh.events.format import human_line, json_line, notice_human_line, notice_json_line
from vdbgsh.render.untrusted import untrusted_line
from vdbgsh.transport import Event, parse_qmp_address


class Origin(NamedTuple):
    """Which host a line came from, when several are followed."""

    label: str  # for people: host or host:port
    uri: str  # for programs


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
        # Lines of the hosts that answered first, kept until every host has and the banner is out.
        self._held: list[str] | None = []

    def event(self, event: Event, origin: Origin | None = None) -> None:
        if self.done.done():
            return
        self.received += 1
        if not self.filter(event):
            return
        self.seen += 1
        if self.as_json:
            self._write(json_line(event, uri=origin and origin.uri))
        else:
            self._write(human_line(event, colour=self.colour, host=origin and origin.label))
        if self.limit is not None and self.seen >= self.limit:
            self.finish()

    def notice(self, notice: Notice, origin: Origin | None = None) -> None:
        if self.done.done():
            return
        if self.as_json:
            self._write(notice_json_line(notice, uri=origin and origin.uri))
        else:
            self._write(notice_human_line(notice, colour=self.colour, host=origin and origin.label))

    def ended(self, error: VdbgshError | None, line: str) -> None:
        if line:
            _tell(self.env.stderr, line)
        self.finish(error)

    def connection(self, line: str) -> None:
        if not self.done.done():
            _tell(self.env.stderr, line)

    def finish(self, error: VdbgshError | None = None) -> None:
        if not self.done.done():
            self.done.set_result(error)

    def summary(self) -> str:
        seen = f"{self.seen} event{'' if self.seen == 1 else 's'} seen"
        if self.filter.active:
            seen += f" ({self.received} received, {self.received - self.seen} filtered out)"
        return seen

    def release(self) -> None:
        """From now on lines go straight out; those held come first."""
        held, self._held = self._held or [], None
        for line in held:
            self._write(line)

    def _write(self, line: str) -> None:
        if self._held is not None:
            self._held.append(line)
            return
        try:
            # Flushed per line: whoever reads the pipe sees each event as it happens, not a buffer later.
            print(line, file=self.env.stdout, flush=True)
        except BrokenPipeError:
            self.broken_pipe = True
            self.finish()


class HostSink:
    """One host's follower delivers here: its lines go to the shared stream, naming the host."""

    def __init__(self, stream: Stream, origin: Origin) -> None:
        self.stream = stream
        self.origin = origin

    def event(self, event: Event) -> None:
        self.stream.event(event, self.origin)

    def notice(self, notice: Notice) -> None:
        self.stream.notice(notice, self.origin)

    def ended(self, error: VdbgshError | None, line: str) -> None:
        self.stream.ended(error, line)

    def connection(self, line: str) -> None:
        self.stream.connection(line)


def _tell(stream: TextIO, line: str) -> None:
    print(f"vdbgsh: {untrusted_line(line)}", file=stream, flush=True)  # may quote libvirt's or QEMU's words


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
    opening = asyncio.ensure_future(_open(args, stream))
    either: list[asyncio.Future[Any]] = [opening, stream.done]
    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
    if not opening.done():
        # Ctrl-C while a host has not answered yet (an unreachable one can take minutes): nothing to follow.
        opening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await opening
        stream.release()
        return stream, interrupted
    followers = opening.result()
    try:
        described = "; ".join(follower.description for follower in followers)
        _tell(env.stderr, f"following {described}{_filters(event_filter)} (Ctrl-C to stop)")
        for remark in _remarks(followers, several=len(followers) > 1):
            _tell(env.stderr, remark)
        stream.release()
        if args.timeout is not None:
            loop.call_later(args.timeout, stream.finish)
        error = await stream.done
    finally:
        await asyncio.gather(*(follower.close() for follower in followers))
    if error is not None:
        raise error
    return stream, interrupted


async def _open(args: argparse.Namespace, stream: Stream) -> list[Follower]:
    if args.qmp is not None:
        from vdbgsh.events.follow import SocketFollower

        return [await SocketFollower.open(parse_qmp_address(args.qmp), stream)]
    from vdbgsh.events.follow import LibvirtFollower
    from vdbgsh.transport.remote_uri import host_labels

    uris: list[str] = list(dict.fromkeys(args.uri)) if args.uri else []
    if len(uris) <= 1:
        # One host: the lines as they have always been, naming no host.
        return [await LibvirtFollower.open(uris[0] if uris else None, args.domains, stream, wait=args.wait)]
    labels = host_labels(uris)
    # A DOMAIN need only be on some of the hosts: each awaits the ones it does not know, checked below.
    opening = [
        LibvirtFollower.open(uri, args.domains, HostSink(stream, Origin(labels[uri], uri)), wait=True) for uri in uris
    ]
    # All at once: a slow host does not hold up the others' start. Any host failing is the command failing.
    results = await asyncio.gather(*opening, return_exceptions=True)
    followers = [result for result in results if isinstance(result, LibvirtFollower)]
    failed = [result for result in results if isinstance(result, BaseException)]
    nowhere = [ref for ref in args.domains if all(ref in follower.awaiting for follower in followers)]
    if failed or (nowhere and not args.wait):
        await asyncio.gather(*(follower.close() for follower in followers))
        if failed:
            raise failed[0]
        raise ConnectError(
            f"no domain '{nowhere[0]}' on any of {', '.join(uris)}",
            "see 'vdbgsh list --all -c URI'; pass --wait to wait for a domain that does not exist yet",
        )
    for follower in followers:
        follower.among_several()
    return list(followers)


def _remarks(followers: list[Follower], *, several: bool) -> list[str]:
    """What is said after the banner: domains not running yet, and named ones no host knows (awaited)."""
    remarks = [remark for follower in followers for remark in follower.remarks]
    if not several:
        return remarks + [line for follower in followers for line in follower.awaiting.values()]
    # Several hosts: a domain on one of them is not awaited on the others.
    awaited = dict.fromkeys(ref for follower in followers for ref in follower.awaiting)
    nowhere = [ref for ref in awaited if all(ref in follower.awaiting for follower in followers)]
    return remarks + [f"no domain '{ref}' on any host yet: waiting for it" for ref in nowhere]


def _filters(event_filter: EventFilter) -> str:
    if not event_filter.patterns:
        return ""
    kind = "regex" if event_filter.regex else "glob"
    case = ", any case" if event_filter.no_case else ""
    return f", events matching {kind} {' or '.join(event_filter.patterns)}{case}"
