"""What a libvirt URI says about where libvirtd is: this machine, or a host reached over ssh, TCP or TLS.

Used for the advice when a host cannot be reached, and for naming a host on each line when following several.
"""

from __future__ import annotations

# libvirt's default ports (libvirtd.conf tcp_port / tls_port).
TCP_PORT = 16509
TLS_PORT = 16514


def _parts(uri: str) -> tuple[str, str, str, int | None]:
    """(driver, transport, host, port); the transport is libvirt's default when the URI does not say it."""
    try:
        from urllib.parse import urlsplit  # ~2.5 ms: only a failing or remote connection needs it

        split = urlsplit(uri)
        host = split.hostname or ""
        port = split.port
    except ValueError:  # a port that is not a number: not ours to judge, libvirt says what is wrong with it
        return "", "", "", None
    driver, _plus, transport = split.scheme.partition("+")
    if not transport:
        # libvirt's rule: a URI naming a host and no transport means TLS; one without a host, the unix socket.
        transport = "tls" if host else "unix"
    return driver, transport, host, port


def is_remote(uri: str) -> bool:
    """Whether the URI names a host (even this one, as qemu+tcp://127.0.0.1/ does): libvirtd is over a network."""
    after_scheme = uri.partition("://")[2]
    if not after_scheme or after_scheme.startswith("/"):
        return False  # qemu:///system: no host, and no urllib import on every one-shot's start-up
    return bool(_parts(uri)[2])


def host_label(uri: str) -> str:
    """A short name for where the URI leads: ``host`` or ``host:port``, ``localhost`` for a local socket."""
    _driver, _transport, host, port = _parts(uri)
    if not host:
        return "localhost"
    return f"{host}:{port}" if port is not None else host


def host_labels(uris: list[str]) -> dict[str, str]:
    """A label per URI, short where that is unambiguous: the URIs themselves when two would read the same."""
    labels = {uri: host_label(uri) for uri in uris}
    if len(set(labels.values())) < len(labels):
        return {uri: uri for uri in uris}
    return labels


def unreachable_hint(uri: str) -> str | None:
    """What to check when libvirtd at a remote URI does not answer; None for a local one."""
    _driver, transport, host, port = _parts(uri)
    if not host:
        return None
    if transport == "tcp":
        return (
            f"check that libvirtd on {host} listens on TCP port {port or TCP_PORT} (libvirtd --listen with "
            "listen_tcp = 1, or virtproxyd-tcp.socket), that no firewall is in the way, and its auth_tcp"
        )
    if transport == "tls":
        return (
            f"check that libvirtd on {host} listens for TLS on port {port or TLS_PORT}, and this side's "
            "certificates (/etc/pki/CA/cacert.pem and /etc/pki/libvirt/, ~/.pki/libvirt/ for a user, or ?pkipath=DIR)"
        )
    if transport in ("ssh", "libssh", "libssh2"):
        from urllib.parse import urlsplit

        user = urlsplit(uri).username
        login = f"{user}@{host}" if user else host
        return (
            f"check that 'ssh {login}' logs in without a prompt (a key or an agent; ?keyfile=PATH), and that "
            "libvirtd runs there (virsh -c qemu:///system list, on that host)"
        )
    return f"check that libvirtd on {host} runs and is reachable over {transport}"
