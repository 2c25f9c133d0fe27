"""The reviewed table: which QMP commands only read, which change what libvirt tracks, and what libvirt then
does not know. Every command of QEMU 7.2's schema is named here or matches a read-only prefix (the tests check
both); a command of a newer QEMU that is in neither falls to "other" unless its name says it is a query.

The sentences were checked against libvirt 9.0 where a test guest could show it (libvirt learns of a STOP from
QEMU's event and shows 'paused (unknown)'; a device added through the monitor never appears in its XML).
Placeholders: ``{domain}``; ``{a,b:fallback}`` is the first of the request's arguments a, b that is given, else
the fallback text (no fallback: ``(unnamed)``).
"""

from __future__ import annotations

RUN_STATE = "run state"
DEVICES = "devices"
BLOCK = "block"
SNAPSHOTS = "snapshots"
MIGRATION = "migration"
MEMORY = "memory"
DISPLAY = "display"

# Prefixes of read-only commands, also the default for commands this table does not name (a newer QEMU's).
READ_ONLY_PREFIXES = ("query-", "x-query-", "x-debug-query-")

# Read-only commands whose name does not say so. Nothing here writes a file, consumes data or changes state:
# ringbuf-read consumes the buffer, screendump/memsave/dumpdtb write host files, so they are "other".
READ_ONLY = frozenset(
    {
        "qmp_capabilities",
        "qom-get",
        "qom-list",
        "qom-list-types",
        "qom-list-properties",
        "device-list-properties",
        "trace-event-get-state",
        "x-debug-block-dirty-bitmap-sha256",
    }
)

_JOB_CHAIN = (
    "libvirt did not start this block job on {device}: virsh blockjob {domain} does not manage it, a snapshot, "
    "backup or migration libvirt starts may collide with it, and once it ends libvirt's view of the disk's "
    "backing chain is wrong"
)
_BACKUP = (
    "libvirt did not start this backup of {device}: virsh domjobinfo {domain} does not know it, and a backup or "
    "migration libvirt starts may collide with it"
)
_JOB_CONTROL = (
    "libvirt is not told of this change to job {id,device}: if it is libvirt's (virsh blockcopy, blockcommit, "
    "blockpull, backup-begin), that job of {domain} may end or stall in a state libvirt did not expect"
)
_MEDIUM = (
    "libvirt will still report the old medium of {id,device} in virsh domblklist {domain}; a migration or a "
    "save/restore puts it back"
)
_GRAPH = (
    "libvirt's view of {domain}'s block graph becomes wrong: its later block jobs, snapshots and migrations that "
    "rely on it may fail"
)
_EXTERNAL_SNAPSHOT = (
    "libvirt will not know of this snapshot of {node,node-name,device}: virsh snapshot-list {domain} will not "
    "show it, and libvirt's view of the disk's backing chain is wrong for its later snapshots, block jobs and "
    "migrations"
)
_INTERNAL_SNAPSHOT = (
    "libvirt will not know of internal snapshot {name:(unnamed)} of {device}: virsh snapshot-list {domain} "
    "does not list it"
)
_BITMAP = (
    "libvirt manages {domain}'s dirty bitmaps for its checkpoints and incremental backups: changing bitmap "
    "{name,target:(unnamed)} behind it may break virsh checkpoint-create and backup-begin"
)
_NBD_ADD = (
    "libvirt did not set up this NBD export of {domain}: a storage migration or a pull-mode backup, which set up "
    "their own, may fail while it is there"
)
_NBD_REMOVE = (
    "libvirt is not told this NBD export of {domain} goes: if a storage migration or a pull-mode backup of "
    "libvirt's set it up, that job fails"
)
_MIGRATION_SETTINGS = (
    "libvirt will not know {domain}'s migration settings changed: virsh migrate-getspeed and "
    "migrate-getmaxdowntime still report its own, and its next migration may reset them or trip over them"
)
_MIGRATION_CAPABILITIES = (
    "libvirt will not know {domain}'s migration capabilities changed: its next migration sets the capabilities it "
    "uses itself and may reset these or trip over them"
)
_MIGRATION_STEP = (
    "libvirt is not told of this step of a migration of {domain}: a migration job libvirt runs may stall or fail "
    "in a state it did not expect"
)
_PASSWORD = (
    "libvirt still holds {domain}'s old {protocol:VNC} password settings in its XML (virsh dumpxml "
    "--security-info): a migration or a restart restores them"
)

# What a command adds and the command that removes it again, each by the member that names it. What was added
# through vdbgsh in this very session, libvirt never knew of: removing it again changes nothing libvirt tracks.
ADDS: dict[str, tuple[str, str]] = {
    "blockdev-add": ("block node", "node-name"),
    "device_add": ("device", "id"),
    "object-add": ("object", "id"),
    "chardev-add": ("chardev", "id"),
    "netdev_add": ("netdev", "id"),
}
REMOVES: dict[str, tuple[str, str]] = {
    "blockdev-del": ("block node", "node-name"),
    "device_del": ("device", "id"),
    "object-del": ("object", "id"),
    "chardev-remove": ("chardev", "id"),
    "netdev_del": ("netdev", "id"),
}

# Commands that change what libvirt tracks: category and what libvirt will not know.
TRACKED: dict[str, tuple[str, str]] = {
    "stop": (
        RUN_STATE,
        "libvirt did not pause {domain}: it learns of it only from QEMU's STOP event and reports 'paused "
        "(unknown)', and a save, snapshot or migration libvirt runs is not told",
    ),
    "cont": (
        RUN_STATE,
        "libvirt did not resume {domain}: it learns of it only from QEMU's RESUME event, and if libvirt paused "
        "it itself (for a save, a snapshot, a migration or an I/O error) that job is not told",
    ),
    "system_reset": (
        RUN_STATE,
        "libvirt did not reset {domain}: it sees only QEMU's RESET event, and a job it runs on the guest (save, "
        "snapshot, migration, guest agent call) is not told",
    ),
    "system_powerdown": (
        RUN_STATE,
        "libvirt did not ask {domain} to power off: when the guest does, libvirt records a shutdown from inside "
        "the guest and applies <on_poweroff> as for one",
    ),
    "system_wakeup": (
        RUN_STATE,
        "libvirt did not wake {domain}: it learns of it only from QEMU's WAKEUP event",
    ),
    "quit": (
        RUN_STATE,
        "{domain}'s QEMU exits at once, without a guest shutdown: libvirt sees its monitor vanish and marks "
        "{domain} shut off (a transient domain is gone), and unsaved guest data is lost",
    ),
    "set-action": (
        RUN_STATE,
        "libvirt still expects the <on_poweroff>, <on_reboot>, <on_crash> and watchdog actions of {domain}'s "
        "XML: QEMU now acts otherwise, and libvirt may not clean up after it",
    ),
    "watchdog-set-action": (
        RUN_STATE,
        "libvirt still reports {domain}'s watchdog action from its XML (virsh dumpxml): QEMU now does {action} "
        "when the watchdog fires",
    ),
    "device_add": (
        DEVICES,
        "libvirt will not know the {driver:new} device {id:without an id} exists: virsh dumpxml {domain} will not "
        "show it, and a migration or a save/restore of {domain} will fail or lose it",
    ),
    "device_del": (
        DEVICES,
        "libvirt did not unplug device {id}: if it is one of libvirt's, libvirt drops it from {domain}'s live XML "
        "only once QEMU reports it gone, and the persistent definition keeps it",
    ),
    "netdev_add": (
        DEVICES,
        "libvirt will not know netdev {id} exists: virsh dumpxml {domain} will not show it, and a migration or a "
        "save/restore of {domain} will not recreate it",
    ),
    "netdev_del": (
        DEVICES,
        "libvirt still believes netdev {id} exists: an interface virsh dumpxml {domain} shows may lose its "
        "network, and a later unplug or migration may fail",
    ),
    "chardev-add": (
        DEVICES,
        "libvirt will not know chardev {id} exists: virsh dumpxml {domain} will not show it, and a migration or a "
        "save/restore of {domain} will not recreate it",
    ),
    "chardev-remove": (
        DEVICES,
        "libvirt still believes chardev {id} exists: virsh dumpxml {domain} still shows it, and a device libvirt "
        "attached to it loses its backend",
    ),
    "chardev-change": (
        DEVICES,
        "libvirt will still report the old backend of chardev {id} in virsh dumpxml {domain}; a migration or a "
        "restart brings it back",
    ),
    "object-add": (
        DEVICES,
        "libvirt will not know the {qom-type} object {id} exists: virsh dumpxml {domain} will not show it, and a "
        "migration or a save/restore of {domain} will not recreate it",
    ),
    "object-del": (
        DEVICES,
        "libvirt still believes object {id} exists if it created it: virsh dumpxml {domain} still shows it, and "
        "a device that uses it may fail",
    ),
    "set_link": (
        DEVICES,
        "libvirt will still report the link of interface {name} as it was (virsh domif-getlink {domain}, "
        "<link state> in virsh dumpxml)",
    ),
    "blockdev-add": (
        BLOCK,
        "libvirt will not know block node {node-name} exists: virsh domblklist {domain} will not show it, and a "
        "migration, a snapshot or a save/restore will not carry it",
    ),
    "blockdev-del": (
        BLOCK,
        "libvirt still believes block node {node-name} exists: its later block jobs, snapshots or unplugs on "
        "{domain} that use it will fail",
    ),
    "blockdev-create": (
        BLOCK,
        "libvirt did not create this image: if the node is one of {domain}'s disks, its contents are replaced "
        "behind libvirt's back",
    ),
    "x-blockdev-amend": (
        BLOCK,
        "libvirt did not amend the image of node {node-name}: its format options change behind libvirt's back",
    ),
    "blockdev-reopen": (BLOCK, _GRAPH),
    "x-blockdev-change": (BLOCK, _GRAPH),
    "x-blockdev-set-iothread": (BLOCK, _GRAPH),
    "change-backing-file": (BLOCK, _GRAPH),
    "block-commit": (BLOCK, _JOB_CHAIN),
    "block-stream": (BLOCK, _JOB_CHAIN),
    "blockdev-mirror": (BLOCK, _JOB_CHAIN),
    "drive-mirror": (BLOCK, _JOB_CHAIN),
    "blockdev-backup": (BLOCK, _BACKUP),
    "drive-backup": (BLOCK, _BACKUP),
    **{
        name: (BLOCK, _JOB_CONTROL)
        for name in (
            "block-job-cancel",
            "block-job-complete",
            "block-job-dismiss",
            "block-job-finalize",
            "block-job-pause",
            "block-job-resume",
            "block-job-set-speed",
            "job-cancel",
            "job-complete",
            "job-dismiss",
            "job-finalize",
            "job-pause",
            "job-resume",
        )
    },
    **{
        name: (BLOCK, _MEDIUM)
        for name in (
            "eject",
            "blockdev-change-medium",
            "blockdev-open-tray",
            "blockdev-close-tray",
            "blockdev-remove-medium",
            "blockdev-insert-medium",
        )
    },
    "block_resize": (
        BLOCK,
        "libvirt did not resize {node-name,device}: virsh domblkinfo {domain} and its storage pool learn the new "
        "size only on a refresh, and a storage migration's target is not resized",
    ),
    "block_set_io_throttle": (
        BLOCK,
        "libvirt will still report the old I/O limits of {id,device} (virsh blkdeviotune {domain}); a migration "
        "or a save/restore puts them back",
    ),
    "block-set-write-threshold": (
        BLOCK,
        "libvirt's write threshold for {node-name} (virsh domblkthreshold {domain}) is replaced without its "
        "knowledge, so the event it waits for may never come",
    ),
    "blockdev-snapshot": (BLOCK, _EXTERNAL_SNAPSHOT),
    "blockdev-snapshot-sync": (BLOCK, _EXTERNAL_SNAPSHOT),
    "blockdev-snapshot-internal-sync": (BLOCK, _INTERNAL_SNAPSHOT),
    "blockdev-snapshot-delete-internal-sync": (BLOCK, _INTERNAL_SNAPSHOT),
    **{
        name: (BLOCK, _BITMAP)
        for name in (
            "block-dirty-bitmap-add",
            "block-dirty-bitmap-remove",
            "block-dirty-bitmap-clear",
            "block-dirty-bitmap-enable",
            "block-dirty-bitmap-disable",
            "block-dirty-bitmap-merge",
        )
    },
    "nbd-server-start": (BLOCK, _NBD_ADD),
    "nbd-server-add": (BLOCK, _NBD_ADD),
    "block-export-add": (BLOCK, _NBD_ADD),
    "nbd-server-remove": (BLOCK, _NBD_REMOVE),
    "nbd-server-stop": (BLOCK, _NBD_REMOVE),
    "block-export-del": (BLOCK, _NBD_REMOVE),
    "snapshot-save": (
        SNAPSHOTS,
        "libvirt will not know of snapshot {tag}: virsh snapshot-list {domain} will not show it",
    ),
    "snapshot-load": (
        SNAPSHOTS,
        "libvirt did not revert {domain} to snapshot {tag}: its XML and its record of the run state may no longer "
        "match the guest",
    ),
    "snapshot-delete": (
        SNAPSHOTS,
        "libvirt is not told snapshot {tag} is gone: if virsh snapshot-list {domain} shows it, reverting to it "
        "will fail",
    ),
    "migrate": (
        MIGRATION,
        "libvirt did not start this migration of {domain}: no domain is defined at the destination, and when it "
        "completes libvirt sees {domain} paused with nothing it knows running anywhere",
    ),
    "migrate_cancel": (
        MIGRATION,
        "libvirt is not told its migration of {domain}, if one runs, is cancelled: virsh migrate reports a "
        "failure it did not cause",
    ),
    "migrate-set-capabilities": (MIGRATION, _MIGRATION_CAPABILITIES),
    "migrate-set-parameters": (MIGRATION, _MIGRATION_SETTINGS),
    "migrate-incoming": (MIGRATION, _MIGRATION_STEP),
    "migrate-recover": (MIGRATION, _MIGRATION_STEP),
    "migrate-pause": (MIGRATION, _MIGRATION_STEP),
    "migrate-continue": (MIGRATION, _MIGRATION_STEP),
    "migrate-start-postcopy": (MIGRATION, _MIGRATION_STEP),
    "balloon": (
        MEMORY,
        "libvirt did not set {domain}'s balloon target: virsh dominfo shows the change only once the guest "
        "reports it, and the persistent <currentMemory> stays as it was",
    ),
    "set_password": (DISPLAY, _PASSWORD),
    "expire_password": (DISPLAY, _PASSWORD),
    "change-vnc-password": (DISPLAY, _PASSWORD),
}

# Commands that change something libvirt does not track (or that it cannot be fooled about): no confirmation,
# but not read-only either. Reviewed for 7.2; an unknown command lands here too.
OTHER = frozenset(
    {
        "add-fd",
        "add_client",
        "announce-self",
        "block-latency-histogram-set",
        "calc-dirty-rate",
        "cancel-vcpu-dirty-limit",
        "chardev-send-break",
        "client_migrate_info",
        "closefd",
        "display-reload",
        "display-update",
        "dump-guest-memory",
        "dumpdtb",
        "getfd",
        "inject-nmi",
        "input-send-event",
        "memsave",
        "pmemsave",
        "qom-set",
        "remove-fd",
        "replay-break",
        "replay-delete-break",
        "replay-seek",
        "ringbuf-read",
        "ringbuf-write",
        "rtc-reset-reinjection",
        "screendump",
        "send-key",
        "set-numa-node",
        "set-vcpu-dirty-limit",
        "sev-inject-launch-secret",
        "trace-event-set-state",
        "x-colo-lost-heartbeat",
        "x-exit-preconfig",
        "xen-colo-do-checkpoint",
        "xen-load-devices-state",
        "xen-save-devices-state",
        "xen-set-global-dirty-log",
        "xen-set-replication",
        "yank",
    }
)

# Classified by what they carry, not by a row: HMP passthrough by its command word, transaction by its actions.
BY_CONTENT = frozenset({"human-monitor-command", "transaction"})

# HMP words with no QMP twin (vdbgsh/hmp/table.py has qmp None for them), as (kind, QMP command it acts like,
# names of its positional arguments). "info" and "help" only show; x/xp/print/gpa2*/gva2gpa/sum only read
# memory. i (a port read) is "other": reading a device's port can change the device.
HMP_ONLY: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "info": ("read-only", "", ()),
    "help": ("read-only", "", ()),
    "?": ("read-only", "", ()),
    "x": ("read-only", "", ()),
    "xp": ("read-only", "", ()),
    "print": ("read-only", "", ()),
    "p": ("read-only", "", ()),
    "gpa2hva": ("read-only", "", ()),
    "gpa2hpa": ("read-only", "", ()),
    "gva2gpa": ("read-only", "", ()),
    "sum": ("read-only", "", ()),
    "savevm": ("tracked", "snapshot-save", ("tag",)),
    "loadvm": ("tracked", "snapshot-load", ("tag",)),
    "delvm": ("tracked", "snapshot-delete", ("tag",)),
    "drive_del": ("tracked", "blockdev-del", ("node-name",)),
    "drive_add": ("tracked", "blockdev-add", ()),
    "commit": ("tracked", "block-commit", ("device",)),
}
