"""libvirt's errors, turned into the one line a user needs (what went wrong, and what to do)."""

from __future__ import annotations

import libvirt

from vdbgsh.errors import ConnectError, LinkLost, MonitorGone, VdbgshError
from vdbgsh.transport.limits import LIBVIRT_REPLY_LIMIT_MIB
from vdbgsh.transport.remote_uri import unreachable_hint

SOCKET_HINT = "start the daemons with 'make demo' (or: virtlogd -d && libvirtd -d), or pass -c URI"


def silence_libvirt() -> None:
    """libvirt prints every error to stderr by itself; vdbgsh reports them its own way."""

    def ignore(_ctx: object, _err: object) -> None:
        return None

    libvirt.registerErrorHandler(ignore, None)


def connect_error(uri: str, err: libvirt.libvirtError) -> VdbgshError:
    text = (err.get_error_message() or str(err)).strip()
    code = err.get_error_code()
    remote = unreachable_hint(uri)
    if remote is not None and code in (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_NO_CONNECT, libvirt.VIR_ERR_RPC):
        # Another host: local advice (start the daemons here, sudo, polkit) would send the user the wrong way.
        return ConnectError(f"cannot reach libvirtd at {uri}: {text}", remote)
    if "system bus" in text or "authentication unavailable" in text or "polkit" in text.lower():
        # Not root on qemu:///system: libvirt asks polkit over D-Bus, which is not there or says no.
        return ConnectError(
            f"permission denied connecting to {uri}: libvirt wants polkit authorization ({text})",
            "run as root (sudo vdbgsh ...), or connect to your own guests with -c qemu:///session",
        )
    if code == libvirt.VIR_ERR_SYSTEM_ERROR and "Permission denied" in text:
        return ConnectError(
            f"permission denied connecting to {uri}: {text}",
            "run as root (sudo vdbgsh ...), join the 'libvirt' group, or use -c qemu:///session",
        )
    if code in (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_NO_CONNECT):
        return ConnectError(f"cannot reach libvirtd at {uri}: {text}", SOCKET_HINT)
    if code in (libvirt.VIR_ERR_AUTH_FAILED, libvirt.VIR_ERR_AUTH_CANCELLED, libvirt.VIR_ERR_ACCESS_DENIED):
        return ConnectError(f"libvirt refused access to {uri}: {text}")
    return ConnectError(f"cannot connect to {uri}: {text}")


def command_error(domain: str, uri: str, err: libvirt.libvirtError) -> VdbgshError:
    """An error from qemuMonitorCommand (the QMP error replies themselves come back as text, not errors)."""
    text = (err.get_error_message() or str(err)).strip()
    code = err.get_error_code()
    if code == libvirt.VIR_ERR_OPERATION_DENIED or "read only access" in text:
        return ConnectError(
            f"the connection to {uri} is read-only: libvirt allows monitor commands only on a read-write one",
            "connect as a user with read-write access (root, or the 'libvirt' group)",
        )
    if code == libvirt.VIR_ERR_NO_DOMAIN:
        return MonitorGone(f"guest {domain} went away (it was destroyed or undefined)")
    if code == libvirt.VIR_ERR_OPERATION_INVALID and "not running" in text:
        return MonitorGone(f"guest {domain} is no longer running")
    if code == libvirt.VIR_ERR_OPERATION_TIMEOUT or "cannot acquire state change lock" in text:
        return ConnectError(f"guest {domain}'s monitor is busy with another job: {text}", "try again in a moment")
    if "monitor" in text.lower() and ("closed" in text or "reset" in text or "End of file" in text):
        return MonitorGone(f"guest {domain}'s QEMU went away during the command: {text}")
    if "Unable to encode message payload" in text:
        # libvirtd could not fit QEMU's reply into one RPC message (a string is at most 4 MiB there); the
        # connection is fine and the command did run.
        return VdbgshError(
            f"the reply is too large for libvirt to pass on (at most {LIBVIRT_REPLY_LIMIT_MIB} MiB through libvirtd); "
            "the command did run in the guest",
            "ask for less (a smaller range or count), or talk to the QMP socket of a plain QEMU with --qmp",
        )
    if "keepalive timeout" in text:  # libvirt closed a connection whose host stopped answering its probes
        return LinkLost(
            f"lost the connection to libvirtd at {uri}: it stopped answering (libvirt's keepalive gave up)",
            "is the host up, and its libvirtd running? A command sent may still run in QEMU there",
        )
    if code in (libvirt.VIR_ERR_SYSTEM_ERROR, libvirt.VIR_ERR_RPC, libvirt.VIR_ERR_NO_CONNECT) or (
        "client socket is closed" in text
    ):
        return LinkLost(f"lost the connection to libvirtd at {uri}: {text}", SOCKET_HINT)
    return ConnectError(f"libvirt refused the command for {domain}: {text}")
