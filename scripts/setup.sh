#!/usr/bin/env bash
# Brings this machine to the state vdbgsh's demo, tests and benchmarks need, idempotently:
# Debian packages, the libvirt daemons (no systemd here, so they are started by hand), and a venv.
# Each step says which step failed and why; apt and pip output go to a log file it names.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
state="$top/.setup"
mkdir -p "$state"
log="$state/setup.log"
venv="${VDBGSH_VENV:-$top/.venv}"

# bash-completion, zsh and fish: the completion tests run the real shells; man-db and groff-base read the man page;
# less: the pager tests (a minimal system has none); cpio: scripts/linux_guest.sh packs the test guest's initramfs.
apt_packages=(qemu-system-x86 libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libvirt-dev pkg-config tmux
    bash-completion zsh fish man-db groff-base less cpio)

say() { printf 'setup: %s\n' "$*" >&2; }
fail() { printf 'setup: %s failed: %s\n' "$1" "$2" >&2; exit 1; }

# System steps need root; a non-root user gets them through sudo, and is told so.
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
else
    as_root=(sudo)
    command -v sudo >/dev/null || fail "system set-up" "not root and no sudo; run 'make' as root or install sudo"
fi

missing_packages() {
    local p
    for p in "${apt_packages[@]}"; do
        dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || printf '%s\n' "$p"
    done
}

install_packages() {
    local missing
    missing=$(missing_packages)
    [ -z "$missing" ] && return 0
    # shellcheck disable=SC2086
    say "installing Debian packages: $(echo $missing)${as_root:+ (with sudo)} (log: $log)"
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >>"$log" 2>&1 \
        || fail "apt-get update" "see $log"
    # shellcheck disable=SC2086
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing >>"$log" 2>&1 \
        || fail "apt-get install" "see $log (last line: $(tail -n 1 "$log"))"
}

libvirt_socket=/var/run/libvirt/libvirt-sock

daemon_running() { pgrep -x "$1" >/dev/null 2>&1; }

start_libvirt() {
    # Debian's libvirtd refuses to start its QEMU driver without the user it runs guests as.
    if ! getent group libvirt-qemu >/dev/null; then
        "${as_root[@]}" groupadd --system libvirt-qemu || fail "libvirt user" "groupadd libvirt-qemu"
    fi
    if ! getent passwd libvirt-qemu >/dev/null; then
        "${as_root[@]}" useradd --system -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu \
            || fail "libvirt user" "useradd libvirt-qemu"
    fi
    "${as_root[@]}" mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt
    # Without udev, /dev/kvm stays root-only. libvirt then finds at every domain start that KVM, seen when it
    # probed QEMU, is "not available now" for the user it runs guests as, and probes QEMU again: ~36 s per
    # start instead of ~0.4 s. Debian's udev rule makes it root:kvm 0660, with libvirt-qemu in group kvm.
    if [ -e /dev/kvm ]; then
        getent group kvm >/dev/null || "${as_root[@]}" groupadd --system kvm || fail "kvm group" "groupadd kvm"
        id -nG libvirt-qemu | tr ' ' '\n' | grep -qx kvm || "${as_root[@]}" usermod -a -G kvm libvirt-qemu \
            || fail "kvm group" "usermod -a -G kvm libvirt-qemu"
        if [ "$(stat -c %G:%a /dev/kvm)" != kvm:660 ]; then
            "${as_root[@]}" chgrp kvm /dev/kvm && "${as_root[@]}" chmod 0660 /dev/kvm || fail "kvm device" "chmod /dev/kvm"
        fi
    fi
    # Started inside the wait: a daemon that was just killed may still be exiting when this begins.
    local i
    for i in $(seq 1 150); do
        if [ -S "$libvirt_socket" ] && "${as_root[@]}" virsh -q -c qemu:///system version >/dev/null 2>&1; then
            # Probing QEMU's capabilities takes seconds once; do it here rather than in the first test's timing.
            "${as_root[@]}" virsh -q -c qemu:///system domcapabilities --virttype qemu >/dev/null 2>>"$log" \
                || fail "libvirt QEMU driver" "virsh domcapabilities failed; see $log"
            return 0
        fi
        if ! daemon_running virtlogd; then
            say "starting virtlogd${as_root:+ (with sudo)}"
            "${as_root[@]}" virtlogd -d >>"$log" 2>&1 || fail "virtlogd" "see $log"
        fi
        if ! daemon_running libvirtd; then
            say "starting libvirtd${as_root:+ (with sudo)}"
            "${as_root[@]}" libvirtd -d >>"$log" 2>&1 || fail "libvirtd" "see $log"
        fi
        sleep 0.1
    done
    fail "libvirtd" "no answer on $libvirt_socket after 15 s; see /var/log/libvirt/libvirtd.log"
}

pick_python() {
    local p
    for p in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
        [ -n "$p" ] || continue
        command -v "$p" >/dev/null || continue
        "$p" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo "$p"; return 0; }
    done
    return 1
}

make_venv() {
    # The stamp holds a hash of pyproject.toml and this script: the venv is redone only when either changes.
    local stamp="$venv/.vdbgsh-stamp" want
    want=$(cat "$top/pyproject.toml" "${BASH_SOURCE[0]}" | sha256sum | cut -d" " -f1)
    if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    local py
    if ! py=$(pick_python); then
        # Debian's own python3 (3.11 on Debian 12) creates venvs only with python3-venv installed.
        apt_packages=(python3 python3-venv)
        install_packages
        py=$(pick_python) || fail "python" "no Python >= 3.11 with venv and ensurepip; install python3-venv"
    fi
    say "creating the venv in $venv with $py (log: $log)"
    [ -x "$venv/bin/python" ] || "$py" -m venv "$venv" >>"$log" 2>&1 || fail "venv" "see $log"
    "$venv/bin/python" -m pip install -q --upgrade pip >>"$log" 2>&1 || fail "pip upgrade" "see $log"
    # compat mode puts the checkout on sys.path with a .pth line; the default import hook costs ~10 ms of
    # every start-up, a third of what a one-shot exec may spend beyond the interpreter and libvirt.
    "$venv/bin/python" -m pip install -q -e "$top[dev]" --config-settings editable_mode=compat >>"$log" 2>&1 \
        || fail "pip install" "see $log (last line: $(tail -n 1 "$log"))"
    echo "$want" >"$stamp"
}

# The real Linux guest the guest-cooperative tests boot (scripts/linux_guest.sh: Debian's kernel, busybox, qemu-ga),
# built once and cached there; ~5 s the first time, a no-op after.
guest_dir=/var/lib/vdbgsh-guest

build_guest() {
    "${as_root[@]}" bash "$top/scripts/linux_guest.sh" "$guest_dir" >>"$log" 2>&1 \
        || fail "test guest" "scripts/linux_guest.sh $guest_dir; see $log (last line: $(tail -n 1 "$log"))"
}

# The second stack: a Debian sid chroot (scripts/chroot.sh: QEMU 11.1, libvirt 12.8, Python 3.14) with its own
# libvirtd, which chroot.sh starts; inside it only the venv is made (.venv-sid, the chroot's Python), because the
# host's daemons are visible to pgrep from inside (one pid namespace) and start_libvirt would take them for its own.
sid_venv="${VDBGSH_SID_VENV:-$top/.venv-sid}"

setup_sid() {
    [ "$(id -u)" -eq 0 ] || fail "sid stack" "chroot needs root; run 'make test STACK=sid' as root"
    bash "$top/scripts/chroot.sh" up >>"$log" 2>&1 || fail "sid chroot" "scripts/chroot.sh up; see $log (last line: $(tail -n 1 "$log"))"
    # The chroot's libvirtd starts QEMU inside the chroot, which sees only the chroot's files: the guest the host
    # built is copied in at the same path (the kernel and initramfs do not depend on the userland around QEMU;
    # sid's own kernel packages are laid out differently, scripts/linux_guest.sh says how). Same guest on both
    # stacks: the tests' differences are QEMU's and libvirt's.
    build_guest
    local sid_root=${ROOT:-/srv/${SUITE:-sid}} f
    mkdir -p "$sid_root$guest_dir"
    for f in vmlinuz initrd.gz .built-by; do
        cmp -s "$guest_dir/$f" "$sid_root$guest_dir/$f" \
            || { cp "$guest_dir/$f" "$sid_root$guest_dir/$f.new" && mv "$sid_root$guest_dir/$f.new" "$sid_root$guest_dir/$f"; } \
            || fail "test guest" "copying $guest_dir/$f into $sid_root"
    done
    chmod 755 "$sid_root$guest_dir"
    bash "$top/scripts/chroot.sh" run /usr/bin/env VDBGSH_VENV="$sid_venv" bash "$top/scripts/setup.sh" sid-venv \
        || fail "sid venv" "see $log"
}

case "${1:-all}" in
    system) install_packages; start_libvirt ;;
    venv) make_venv ;;
    all) install_packages; start_libvirt; make_venv; build_guest ;;
    guest) build_guest ;;
    sid) setup_sid ;;
    # inside the chroot (setup_sid runs it there): the venv, and libvirt's one-time QEMU probe before the tests
    sid-venv)
        make_venv
        virsh -q -c qemu:///system domcapabilities --virttype qemu >/dev/null 2>>"$log" \
            || fail "libvirt QEMU driver" "virsh domcapabilities failed in the chroot; see $log"
        ;;
    *) fail "arguments" "usage: $0 [system|venv|guest|all|sid]" ;;
esac
