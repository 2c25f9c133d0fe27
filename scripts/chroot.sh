#!/usr/bin/env bash
# A second QEMU + libvirt stack beside the host's: a Debian chroot (sid by default: QEMU 11.1, libvirt 12.8,
# Python 3.14; SUITE=trixie gives QEMU 10.0, libvirt 11.3) with its own libvirtd, never touching the host's.
# Idempotent: every step checks first and is skipped when already done.
#
#   chroot.sh [up]     build (if needed), mount, start the chroot's virtlogd + libvirtd
#   chroot.sh build    debootstrap + packages only (~75 s, ~1 GB)
#   chroot.sh start    mount, libvirt-qemu user, kvm group, virtlogd -d, libvirtd -d, wait for virsh
#   chroot.sh shell    a root shell inside (clean environment); chroot.sh run CMD...: one command inside
#   chroot.sh stop     destroy the chroot's guests, SIGTERM its libvirtd/virtlogd (by pid file, checked)
#   chroot.sh down     stop + unmount
#
# The project checkout (this script's ../, or $PROJECT) is bound at the same path inside, so a venv made inside
# (.venv-sid: the chroot's Python) and the tests find the same files; `make test STACK=sid` runs the suite there.
#
# From the host, the chroot's daemon is:  qemu:///system?socket=$ROOT/run/libvirt/libvirt-sock
# (a host libvirt client talks to the chroot's newer libvirtd: the remote protocol is compatible).
#
# Facts this script handles (each cost an afternoon to find):
#  * No systemd: libvirtd/virtlogd start by hand with -d; their pid files are $ROOT/run/*.pid, and only pids whose
#    /proc/PID/root is this chroot are ever signalled (pgrep inside the chroot also sees the HOST's daemons: one
#    pid namespace). Never stop daemons by name.
#  * /run is NOT bound: the chroot keeps its own, so its libvirtd socket does not collide with the host's.
#  * /sys is bound non-recursively: the chroot sees no cgroup mounts, its libvirtd runs guests without cgroups.
#  * /dev/kvm belongs to the host's kvm group; inside, libvirt-qemu joins the group with that SAME gid (on sid
#    the gid may be taken by another group name), or libvirt re-probes QEMU at every guest start.
#  * $ROOT is bound onto itself: libvirt's per-guest mount namespace needs "/" to be a mount point ("Failed
#    disable mount propagation out of the root filesystem" otherwise).
#  * The package archive reachable here is a frozen copy whose sid InRelease is past Valid-Until: apt in the
#    chroot needs Acquire::Check-Valid-Until=false. The mirror is the one the host's apt already uses.
#  * The host's extra CA certificates (/usr/local/share/ca-certificates) are copied in, or pip in the chroot
#    cannot verify TLS to the package index.
#  * policy-rc.d stops package scripts from starting daemons inside the chroot during apt.
#  * libvirtd 12.8 may take ~16 s to exit on SIGTERM while a command is pending.
set -euo pipefail

SUITE=${SUITE:-sid}
R=${ROOT:-/srv/$SUITE}
PROJECT=${PROJECT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
host_mirror() { # the first Debian archive URI the host's apt is configured with
    { grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' || true
      grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | awk '{print $2}' || true
    } | grep -v -- '-security' | head -1 || true
}
MIRROR=${MIRROR:-$(host_mirror)}
PKGS=(qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libvirt-dev pkg-config gcc
    python3 python3-venv python3-dev git make tmux jq bash-completion zsh fish
    man-db groff-base procps ca-certificates less) # from man-db on: the project's setup.sh and tests want them too
                                                   # (less: the pager tests; minbase has none)
# shellcheck disable=SC2206
PKGS+=(${SID_EXTRA:-}) # more packages for the chroot, e.g. SID_EXTRA="gdb strace"

say() { printf 'chroot.sh: %s\n' "$*" >&2; }

in_root() {
    chroot "$R" /usr/bin/env -i HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 TERM="${TERM:-xterm}" \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

mnt() { # mnt SRC: bind SRC over $R/SRC unless SRC itself is already bound there
    mkdir -p "$R$1"
    # A bind of a directory since deleted and made again (a checkout cloned anew at the same path) is still a
    # mount point, but of the old, empty directory: bound again when it is not the same directory.
    if mountpoint -q "$R$1" && [ "$(stat -c %d:%i "$R$1")" != "$(stat -c %d:%i "$1")" ]; then
        umount -l "$R$1"
    fi
    mountpoint -q "$R$1" || mount --bind "$1" "$R$1"
}

# The chroot's root must itself be a mount point: libvirt starts each QEMU in a private mount namespace
# (qemu.conf namespaces = ["mount"], the default) and first makes "/" a recursive slave; on a chroot whose "/"
# is a plain directory that fails with "Failed disable mount propagation out of the root filesystem: Invalid
# argument". So the root is bound onto itself first (the alternative, namespaces = [] in the chroot's
# /etc/libvirt/qemu.conf, would test a non-default set-up).
do_mount() {
    mountpoint -q "$R" || mount --bind "$R" "$R"
    mnt /proc; mnt /sys; mnt /dev; mnt /dev/pts
    mnt "$PROJECT"
}

do_umount() {
    local m
    for m in "$PROJECT" /dev/pts /dev /sys /proc ""; do
        if mountpoint -q "$R$m"; then umount "$R$m"; fi
    done
}

do_build() {
    command -v debootstrap >/dev/null || { apt-get update; apt-get install -y debootstrap; }
    if [ ! -e "$R/.debootstrap-done" ]; then
        say "debootstrap --variant=minbase $SUITE $R $MIRROR"
        debootstrap --variant=minbase "$SUITE" "$R" "$MIRROR"
        touch "$R/.debootstrap-done"
    fi
    printf '#!/bin/sh\n# no daemon starts from package scripts in this chroot\nexit 101\n' >"$R/usr/sbin/policy-rc.d"
    chmod 755 "$R/usr/sbin/policy-rc.d"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$R/etc/apt/apt.conf.d/99norecommends"
    # The archive reachable here is a frozen copy: sid's InRelease is past its Valid-Until (expired ~27 days
    # when this was written), and apt refuses it without this.
    printf 'Acquire::Check-Valid-Until "false";\n' >"$R/etc/apt/apt.conf.d/99no-valid-until"
    do_mount
    local missing=() p
    for p in "${PKGS[@]}"; do
        in_root dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        say "apt-get install ${missing[*]}"
        in_root apt-get update
        in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
        in_root apt-get clean
    fi
    # The host's extra CAs: without them pip in the chroot fails with CERTIFICATE_VERIFY_FAILED.
    local crt changed=
    for crt in /usr/local/share/ca-certificates/*.crt; do
        [ -e "$crt" ] || continue
        cmp -s "$crt" "$R$crt" || { mkdir -p "$R${crt%/*}"; cp "$crt" "$R$crt"; changed=1; }
    done
    [ -z "$changed" ] || in_root update-ca-certificates
}

ours() { # ours PIDFILE: prints the pid if it is alive and runs inside this chroot
    local pid
    pid=$(cat "$R$1" 2>/dev/null) || return 1
    [ -n "$pid" ] && [ -d "/proc/$pid" ] && [ "$(readlink "/proc/$pid/root")" = "$(readlink -f "$R")" ] && echo "$pid"
}

do_start() {
    [ -x "$R/usr/sbin/libvirtd" ] || do_build
    do_mount
    in_root getent group libvirt-qemu >/dev/null || in_root groupadd --system libvirt-qemu
    in_root getent passwd libvirt-qemu >/dev/null ||
        in_root useradd --system -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
    if [ -e /dev/kvm ]; then
        local gid name
        gid=$(stat -c %g /dev/kvm)
        name=$(in_root getent group "$gid" | cut -d: -f1 || true)
        if [ -z "$name" ]; then
            if in_root getent group kvm >/dev/null; then in_root groupmod -g "$gid" kvm; else in_root groupadd --system -g "$gid" kvm; fi
            name=kvm
        fi
        in_root id -nG libvirt-qemu | tr ' ' '\n' | grep -qx "$name" || in_root usermod -a -G "$name" libvirt-qemu
    fi
    in_root mkdir -p /var/log/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt
    if ! ours /run/virtlogd.pid >/dev/null; then
        say "starting virtlogd -d in $R"
        in_root virtlogd -d
    fi
    if ! ours /run/libvirtd.pid >/dev/null; then
        say "starting libvirtd -d in $R"
        in_root libvirtd -d
    fi
    local i
    for i in $(seq 1 300); do
        if [ -S "$R/run/libvirt/libvirt-sock" ] && in_root virsh -q -c qemu:///system version >/dev/null 2>&1; then
            in_root virsh -c qemu:///system version
            say "libvirtd up: pid $(ours /run/libvirtd.pid), virtlogd pid $(ours /run/virtlogd.pid)"
            say "from the host: -c 'qemu:///system?socket=$R/run/libvirt/libvirt-sock'"
            return 0
        fi
        sleep 0.1
    done
    say "libvirtd did not answer within 30 s; see $R/var/log/libvirt/ and run: chroot $R libvirtd (foreground)"
    return 1
}

do_stop() {
    local pid name i
    if pid=$(ours /run/libvirtd.pid); then
        for name in $(in_root virsh -q -c qemu:///system list --name 2>/dev/null); do
            in_root virsh -q -c qemu:///system destroy "$name" >/dev/null 2>&1 || true
        done
        say "SIGTERM libvirtd $pid"
        kill -TERM "$pid"
        for i in $(seq 1 150); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    fi
    if pid=$(ours /run/virtlogd.pid); then
        say "SIGTERM virtlogd $pid"
        kill -TERM "$pid"
        for i in $(seq 1 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
    fi
    # anything else still running inside the chroot (a guest's QEMU, a test's leftover): list it, never kill blind
    local p left=()
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$(readlink -f "$R")" ] && left+=("${p#/proc/}")
    done
    [ ${#left[@]} -eq 0 ] || say "still running in $R (stop them by pid before 'down'): ${left[*]}"
}

case "${1:-up}" in
    build) do_build ;;
    mount) do_mount ;;
    umount) do_umount ;;
    start) do_start ;;
    up | all) do_build; do_start ;;
    stop) do_stop ;;
    down) do_stop; do_umount ;;
    shell) do_mount; in_root bash -l ;;
    run) shift; do_mount; in_root "$@" ;;
    *) echo "usage: $0 [up|build|mount|start|shell|run CMD...|stop|down|umount]" >&2; exit 2 ;;
esac
