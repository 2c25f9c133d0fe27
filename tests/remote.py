"""A second libvirtd for the tests only: it listens on TCP on 127.0.0.1 (a free port) with auth none.

Why its own guests: Debian 12 ships only the monolithic libvirtd (no virtproxyd), and a monolithic libvirtd
never forwards a local URI such as qemu:///system to another daemon; a second QEMU driver cannot share the
system one's state either (it locks /run/libvirt/qemu/driver.pid, and would load the same persistent domains).
So this daemon runs its own QEMU driver in a private mount namespace (``unshare --mount``), where its own
directories are bound over /run/libvirt, /var/lib/libvirt and /etc/libvirt. It manages only the transient
guests the tests create through its TCP URI; the system libvirtd every other test uses, and its guests, never
see it. /var/cache/libvirt (QEMU's probed capabilities) and /var/log/libvirt (per-guest logs, unique names)
are shared: they key everything by binary or guest name.

Only the QEMU driver is loaded (LIBVIRT_DRIVER_DIR holds a link to it alone): no networks, storage or node
devices to set up, and a start in ~0.2 s. Guests' output goes to files (stdio_handler = "file"), since the
system's virtlogd socket is under the /run/libvirt this daemon does not see.

Stopping it destroys its guests first (a libvirtd that exits leaves its QEMUs running), then kills any QEMU
whose pid file is still there, then removes its directory: whatever the tests did, nothing is left behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import libvirt

QEMU_DRIVER = Path("/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class RemoteLibvirtd:
    """``with RemoteLibvirtd() as daemon:`` a libvirtd at ``daemon.uri``; ``kill()`` and ``start()`` in between
    stop it and bring it back on the same port, its guests running on meanwhile."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="vdbgsh-remote-"))
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        # QEMU runs as libvirt-qemu and must reach the directories bound over /var/lib/libvirt and /run/libvirt.
        self.root.chmod(0o755)
        for part in ("run", "lib", "etc", "sock", "drivers"):
            (self.root / part).mkdir(mode=0o755)
        (self.root / "drivers" / QEMU_DRIVER.name).symlink_to(QEMU_DRIVER)
        (self.root / "etc" / "qemu.conf").write_text('stdio_handler = "file"\n')

    @property
    def uri(self) -> str:
        return f"qemu+tcp://127.0.0.1:{self.port}/system"

    @property
    def log(self) -> Path:
        return self.root / "libvirtd.log"

    def _write_config(self) -> Path:
        config = self.root / "libvirtd.conf"
        config.write_text(
            "listen_tls = 0\n"
            "listen_tcp = 1\n"
            'listen_addr = "127.0.0.1"\n'
            f'tcp_port = "{self.port}"\n'
            'auth_tcp = "none"\n'
            # Its unix sockets and pid file here, not in /run where the system daemon keeps its own.
            f'unix_sock_dir = "{self.root / "sock"}"\n'
            f'log_outputs = "3:file:{self.log}"\n'
        )
        return config

    def start(self) -> None:
        """Start it (again) and return once its TCP URI answers."""
        assert self.process is None or self.process.poll() is not None, "already running"
        config = self._write_config()
        binds = " && ".join(
            f"mount --bind {self.root / part} {target}"
            for part, target in (("run", "/run/libvirt"), ("lib", "/var/lib/libvirt"), ("etc", "/etc/libvirt"))
        )
        # unshare and sh exec in turn: the pid is libvirtd's own, and it runs in the foreground (no -d).
        command = f"{binds} && exec libvirtd --listen -f {config} -p {self.root / 'libvirtd.pid'}"
        env = {**os.environ, "LIBVIRT_DRIVER_DIR": str(self.root / "drivers")}
        with open(self.root / "daemon.out", "ab") as output:
            self.process = subprocess.Popen(
                ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", command],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # a Ctrl-C meant for pytest must not take it down mid-test
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the test's libvirtd exited at start: {self._said()}")
            with contextlib.suppress(libvirt.libvirtError):
                libvirt.open(self.uri).close()
                return
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"the test's libvirtd did not answer at {self.uri} within {START_TIMEOUT:g} s")

    def _said(self) -> str:
        text = ""
        for name in ("daemon.out", "libvirtd.log"):
            with contextlib.suppress(OSError):
                text += (self.root / name).read_text(errors="replace")
        return text.strip()[-2000:] or "nothing in its log"

    def kill(self) -> None:
        """SIGTERM to this daemon (never another libvirtd); waits until it is gone. Its guests run on."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)

    def stop(self) -> None:
        """Destroy its guests, stop it, and leave nothing behind."""
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(libvirt.libvirtError):
                conn = libvirt.open(self.uri)
                for dom in conn.listAllDomains(0):
                    with contextlib.suppress(libvirt.libvirtError):
                        dom.destroy()
                conn.close()
        self.kill()
        # A guest the daemon could not destroy (or that it lost track of) still has its pid file.
        for pid_file in (self.root / "run" / "qemu").glob("*.pid"):
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> RemoteLibvirtd:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, _type: type[BaseException] | None, _value: BaseException | None, _traceback: TracebackType | None
    ) -> None:
        self.stop()
