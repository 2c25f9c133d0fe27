"""``vdbgsh list`` through subprocess, on the real libvirtd."""

from __future__ import annotations

import libvirt

from tests.conftest import vdbgsh
from vdbgsh.guest.libvirt_guest import destroy_quietly
from vdbgsh.transport.libvirt_domains import list_domains


def test_list_shows_running_domains_with_id_and_state(conn: libvirt.virConnect, guest: str) -> None:
    result = vdbgsh("list")
    assert result.returncode == 0, result.stderr
    header, rule, *rows = result.stdout.splitlines()
    assert header.split() == ["Id", "Name", "State"]
    assert set(rule) == {"-"}
    dom_id = conn.lookupByName(guest).ID()
    assert [str(dom_id), guest, "running"] in [row.split(None, 2) for row in rows]


def test_list_all_includes_shut_off_and_names_only(guest: str, shut_off_guest: str) -> None:
    running = vdbgsh("list", "--name").stdout.splitlines()
    assert guest in running
    assert shut_off_guest not in running
    everything = vdbgsh("list", "--all").stdout.splitlines()
    assert ["-", shut_off_guest, "shut off"] in [row.split(None, 2) for row in everything]
    names = vdbgsh("list", "--all", "--name").stdout.splitlines()
    assert {guest, shut_off_guest} <= set(names)


def test_paused_domain_state(conn: libvirt.virConnect, guest: str) -> None:
    conn.lookupByName(guest).suspend()
    rows = [row.split(None, 2) for row in vdbgsh("list").stdout.splitlines()]
    assert [guest, "paused"] in [row[1:] for row in rows]


def test_list_unreachable_libvirtd() -> None:
    dead = "qemu+unix:///system?socket=/nonexistent/libvirt-sock"
    result = vdbgsh("list", "-c", dead)
    assert result.returncode == 2
    assert result.stderr.startswith(f"vdbgsh: error: cannot reach libvirtd at {dead}")
    assert result.stdout == ""


def test_a_domain_destroyed_while_listed_is_left_out(conn: libvirt.virConnect, guest: str) -> None:
    """Transient domains come and go: one gone between listing and asking its state is not an error."""
    gone = conn.lookupByName(guest)
    destroy_quietly(conn, guest)

    class Listing:
        def listAllDomains(self, flags: int) -> list[libvirt.virDomain]:  # libvirt's name
            return [gone, *conn.listAllDomains(flags)]

    names = [row.name for row in list_domains(Listing(), include_inactive=True)]
    assert guest not in names
    assert names == [row.name for row in list_domains(conn, include_inactive=True)]
