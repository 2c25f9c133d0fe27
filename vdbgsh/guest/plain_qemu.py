"""A plain QEMU process with a QMP socket in a private temporary directory, stopped and cleaned up on exit."""

from __future__ import annotations

import ctypes
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from vdbgsh.errors import ConnectError
from vdbgsh.guest.definitions import qemu_argv, qemu_binary
from vdbgsh.transport.address import QMPAddress

START_TIMEOUT = 15.0
PR_SET_PDEATHSIG = 1
_SO_ACCEPTCON = 0x10000  # /proc/net/unix's flag of a listening socket


def _die_with_parent() -> None:
    # If vdbgsh is killed outright, no cleanup code runs; the kernel then stops QEMU for us.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def listening(path: Path) -> bool:
    """Whether the Unix socket at ``path`` accepts connections. Its file exists from bind(), before QEMU calls
    listen(): a client that connects in between is refused. The kernel's table of Unix sockets says which listen."""
    try:
        table = Path("/proc/net/unix").read_text()
    except OSError:  # no procfs: the file is the best sign there is
        return path.exists()
    wanted = str(path)
    for line in table.splitlines()[1:]:
        fields = line.split(maxsplit=7)  # Num RefCount Protocol Flags Type St Inode Path
        if len(fields) == 8 and fields[7] == wanted and int(fields[3], 16) & _SO_ACCEPTCON:
            return True
    return False


class PlainQemu:
    """``with PlainQemu(name) as qemu:`` starts QEMU; ``qemu.address`` is its QMP socket."""

    def __init__(self, name: str, binary: str | None = None) -> None:
        self.name = name
        self.binary = binary or qemu_binary()
        self.directory: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path:
        assert self.directory is not None
        return self.directory / "qmp.sock"

    @property
    def address(self) -> QMPAddress:
        return QMPAddress(path=str(self.socket_path))

    def start(self) -> PlainQemu:
        if self.binary is None:
            raise ConnectError("qemu-system-x86_64 is not installed", "run 'make demo' to install it")
        self.directory = Path(tempfile.mkdtemp(prefix="vdbgsh-"))
        log_path = self.directory / "qemu.log"
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                qemu_argv(self.binary, self.name, str(self.socket_path)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # prctl only, between fork and exec: safe even with other threads running.
                preexec_fn=_die_with_parent,  # noqa: PLW1509
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not listening(self.socket_path):
            if self.process.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
                self.stop()
                raise ConnectError(f"QEMU did not start: {tail[0]}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None

    def __enter__(self) -> PlainQemu:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
