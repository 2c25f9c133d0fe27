"""Tests that need a guest's cooperation, on a real Linux guest (tests/linux_guest.py), through vdbgsh as a user
sees it: a PCI unplug the guest acknowledges, a balloon driver, a panic, a block job under guest writes, a migration
to a file. Each expects what the QEMU in front of it does (qemu_facts)."""

from __future__ import annotations

from tests.linux_guest import UP_LINE, LinuxGuest


def test_the_guest_boots_to_a_working_agent(shared_linux_guest: LinuxGuest) -> None:
    assert UP_LINE in shared_linux_guest.console()
    assert shared_linux_guest.shell("echo hello from $(uname -s)") == "hello from Linux\n"
