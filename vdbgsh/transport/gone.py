"""Why a guest went away, in the words an on-call user needs: from QEMU's last SHUTDOWN event (its reason says
who asked) and, on libvirt, the lifecycle event that says how the domain stopped."""

from __future__ import annotations

from vdbgsh.transport.base import Event

# QEMU's ShutdownCause, as QAPI names it (qapi/run-state.json), said as who or what ended QEMU.
SHUTDOWN_CAUSES = {
    "guest-shutdown": "the guest shut itself down (from inside)",
    "guest-reset": "the guest reset itself and QEMU runs with -no-reboot",
    "guest-panic": "the guest panicked",
    "host-qmp-quit": "QEMU was told to quit (QMP quit)",
    "host-qmp-system-reset": "a system_reset with -no-reboot ended QEMU",
    "host-signal": "QEMU was sent a signal (SIGTERM, SIGINT or SIGHUP)",
    "host-ui": "QEMU's own window was closed",
    "subsystem-reset": "a device reset the machine and QEMU runs with -no-reboot",
    "snapshot-load": "a snapshot load reset the machine",
}

# libvirt's VIR_DOMAIN_EVENT_STOPPED_* details, in order.
_STOPPED = (
    "shut down",
    "destroyed",
    "crashed",
    "migrated away",
    "saved",
    "failed: its QEMU ended without shutting down (killed, or crashed)",
    "restored from a snapshot",
)


class ShutdownSeen:
    """An event observer that keeps the cause of the first SHUTDOWN event (QEMU emits it before exiting).

    The first, because libvirt runs QEMU with -no-shutdown and ends it with SIGTERM after a guest's own power-off:
    a second SHUTDOWN (host-signal) follows the one that says what happened."""

    def __init__(self) -> None:
        self.reason = ""

    def __call__(self, event: Event) -> None:
        if event.name == "SHUTDOWN" and not self.reason:
            data = event.data or {}
            self.reason = str(data.get("reason", "")) or ("guest" if data.get("guest") else "host")


def cause(reason: str) -> str:
    return SHUTDOWN_CAUSES.get(reason, f"SHUTDOWN reason {reason}")


def libvirt_stopped(name: str, detail: int, shutdown_reason: str) -> str:
    """The line for libvirt's STOPPED lifecycle event of domain ``name``."""
    how = _STOPPED[detail] if 0 <= detail < len(_STOPPED) else f"stopped (reason {detail})"
    line = f"guest {name} is gone: {how}"
    if shutdown_reason and detail != 1:  # a destroy is SIGTERM to QEMU: "destroyed" says it better than the cause
        line += f"; {cause(shutdown_reason)}"
    return line


def socket_closed(target: str, shutdown_reason: str, qemu_alive: bool | None) -> str:
    """The line for a QMP socket that closed: QEMU shut down, died, or only closed the connection."""
    if shutdown_reason:
        return f"QEMU at {target} is gone: it shut down; {cause(shutdown_reason)}"
    if qemu_alive is False:
        return f"QEMU at {target} is gone: it ended without shutting down (killed, or crashed)"
    return f"QEMU at {target} closed the QMP connection"
