#!/usr/bin/env bash
# A real Linux guest for the tests, built only from Debian packages: Debian's cloud kernel and an initramfs holding
# busybox and the QEMU guest agent. Under TCG it boots to a working agent in ~5 s, with 256 MiB.
# (Brought in from ../shared/guest/linux-guest.sh, issue 15.) scripts/setup.sh runs it; tests/linux_guest.py holds
# the domain XML that boots it and the fixtures' helpers.
#
#   linux_guest.sh [DIR]     build DIR/vmlinuz and DIR/initrd.gz (default /var/lib/vdbgsh-guest)
#
# Idempotent and cached: a no-op (~10 ms) when DIR holds files built by this very script (DIR/.built-by holds its
# hash); rebuilt when the script changed. A build takes ~5 s (apt-get download of three packages, then cpio).
# It uses the apt of the system it runs on: on the Debian 12 host, bookworm's cloud kernel (6.1) and qemu-ga 7.2.
#
# What the guest does (its /init): loads virtio (ring, pci, console, blk, balloon) and pvpanic, prints
# "vdbgsh-guest: up Ns" on the serial console, starts qemu-ga on the org.qemu.guest_agent.0 port and prints
# "vdbgsh-guest: agent on /dev/vportNpM", then idles. With it: virtio-blk-pci hot-plug seen by the guest (vda in
# /proc/partitions) and unplug acked (DEVICE_DELETED for the backend and the device), guest-exec, a panic through
# sysrq giving GUEST_PANICKED (action pause) then libvirt's crashed stop.
# Facts: the kernel's modules are plain .ko with their dependencies in a `depends=` modinfo string (no kmod tools
# are needed); virtio_ring must be loaded before virtio; on `pc` the panic device is <panic model='isa'/> and needs
# pvpanic-mmio; PCI hot-plug needs <features><acpi/></features>; the files must be readable by libvirt-qemu and a
# disk image writable by it. Debian sid's kernel packaging differs (linux-image-* is a meta package over
# linux-binary-* and linux-modules-*, /usr merged): this script is run on the host, and setup copies the two files
# into the sid chroot (scripts/setup.sh says why).
set -euo pipefail
DIR_DEFAULT=/var/lib/vdbgsh-guest
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console virtio_blk
    virtio_balloon pvpanic pvpanic-mmio pvpanic-pci)

build() {
    local dir=$1 work kver
    local self_hash
    self_hash=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)
    [ -s "$dir/vmlinuz" ] && [ -s "$dir/initrd.gz" ] && [ "$(cat "$dir/.built-by" 2>/dev/null)" = "$self_hash" ] && return 0
    local t need=()
    for t in cpio gzip; do command -v $t >/dev/null || need+=("$t"); done
    [ ${#need[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
    work=$(mktemp -d); trap 'rm -rf "$work"' RETURN
    local kpkg
    kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    [ -n "$kpkg" ] || { apt-get update -qq; kpkg=$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); }
    (cd "$work" && apt-get download -q "$kpkg" busybox-static qemu-guest-agent >/dev/null 2>&1) ||
        { echo "linux_guest.sh: apt-get download $kpkg busybox-static qemu-guest-agent failed" >&2; return 1; }
    mkdir -p "$work/x"; for d in "$work"/*.deb; do dpkg -x "$d" "$work/x"; done
    kver=$(ls "$work/x/lib/modules")
    local ir=$work/ir m f l
    mkdir -p "$ir"/{bin,sbin,proc,sys,dev,run,tmp,lib/modules}
    cp "$work/x/bin/busybox" "$ir/bin/"
    for m in "${MODULES[@]}"; do
        f=$(find "$work/x/lib/modules/$kver" -name "$m.ko" | head -1)
        [ -n "$f" ] || { echo "linux_guest.sh: module $m not in $kpkg" >&2; return 1; }
        cp "$f" "$ir/lib/modules/"
    done
    cp "$work/x/usr/sbin/qemu-ga" "$ir/sbin/"
    for l in $(ldd "$work/x/usr/sbin/qemu-ga" | grep -o '/lib[^ ]*'); do mkdir -p "$ir$(dirname "$l")"; cp -L "$l" "$ir$l"; done
    cat > "$ir/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in ${MODULES[*]}; do insmod /lib/modules/\$m.ko || echo "vdbgsh-guest: insmod \$m failed"; done
echo "vdbgsh-guest: up \$(cut -d' ' -f1 /proc/uptime)s"
for p in /sys/class/virtio-ports/*; do
  [ "\$(cat \$p/name 2>/dev/null)" = org.qemu.guest_agent.0 ] && /sbin/qemu-ga -m virtio-serial -p /dev/\${p##*/} -d -t /run -f /run/qemu-ga.pid &&
    echo "vdbgsh-guest: agent on /dev/\${p##*/}"
done
while true; do sleep 3600; done
INIT
    chmod 755 "$ir/init"
    mkdir -p "$dir"; chmod 755 "$dir"
    (cd "$ir" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$dir/initrd.gz.new") && mv "$dir/initrd.gz.new" "$dir/initrd.gz"
    # Each file is replaced whole (a guest booting from the old one meanwhile keeps reading the old one).
    cp "$work/x/boot/vmlinuz-$kver" "$dir/vmlinuz.new" && mv "$dir/vmlinuz.new" "$dir/vmlinuz"
    chmod 644 "$dir/vmlinuz" "$dir/initrd.gz"
    echo "$self_hash" > "$dir/.built-by"
}

dir=${1:-$DIR_DEFAULT}
build "$dir"
echo "$dir/vmlinuz $dir/initrd.gz"
