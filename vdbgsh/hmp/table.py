"""Every HMP command of QEMU 7.2 (x86_64) and what it becomes in QMP: a table, with a few shape converters
(shapes.py) for what a rename or a fixed argument cannot say. Later QEMUs' tables are this one changed
(versions.py): take a guest's from ``versions.table_of(schema)``, not from here.

Facts from the project's reference (shared/reference/hmp-qmp.md), each verified on QEMU 7.2 by running the HMP
line and its QMP twin on the same guest. ``args_type`` is HMP's own argument grammar for the command.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from vdbgsh.hmp.shape_names import ShapeName


@dataclass(frozen=True)
class Entry:
    names: tuple[str, ...]  # the name and its aliases ("stop", "s"); info sub-commands as "info block"
    args_type: str
    qmp: str | None  # None: HMP only, sent through human-monitor-command
    help: str = ""
    rename: Mapping[str, str] = field(default_factory=dict)  # HMP key -> QMP member (others keep their name)
    drop: tuple[str, ...] = ()  # HMP keys that never reach QMP (they steer the display or the shape)
    fixed: Mapping[str, Any] = field(default_factory=dict)  # members HMP always sends
    absent: Mapping[str, Any] = field(default_factory=dict)  # QMP members HMP sends when the user gave none
    copy: Mapping[str, str] = field(default_factory=dict)  # QMP member -> HMP key it repeats
    shape: ShapeName | None = None  # the converter in shapes.py for the rest
    # HMP keys that, when given, ask for a view only HMP's text has (``info migrate -a``): then sent as HMP.
    text_with: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.names[0]


def _e(names: str, args_type: str, qmp: str | None, help: str = "", **spec: Any) -> Entry:
    return Entry(tuple(names.split("|")), args_type, qmp, help, **spec)


COMMANDS: tuple[Entry, ...] = (
    _e("help|?", "name:S?", None, "show the help"),
    _e("commit", "device:B", None, "commit changes to the disk images (if -snapshot is used) or backing files"),
    _e("quit|q", "", "quit", "quit the emulator"),
    _e("exit_preconfig", "", "x-exit-preconfig", "exit the preconfig state"),
    _e("block_resize", "device:B,size:o", "block_resize", "resize a block image"),
    _e(
        "block_stream",
        "device:B,speed:o?,base:s?",
        "block-stream",
        "copy data from a backing file into a block device",
        copy={"job-id": "device"},
        fixed={"on-error": "report"},
    ),
    _e("block_job_set_speed", "device:B,speed:o", "block-job-set-speed", "set maximum speed for a block job"),
    _e("block_job_cancel", "force:-f,device:B", "block-job-cancel", "stop a block job", absent={"force": False}),
    _e("block_job_complete", "device:B", "block-job-complete", "complete a block job"),
    _e("block_job_pause", "device:B", "block-job-pause", "pause a block job"),
    _e("block_job_resume", "device:B", "block-job-resume", "resume a paused block job"),
    _e("eject", "force:-f,device:B", "eject", "eject a removable medium", absent={"force": False}),
    _e("drive_del", "id:B", None, "remove host block device"),
    _e(
        "change",
        "device:B,force:-f,target:F,arg:s?,read-only-mode:s?",
        "blockdev-change-medium",
        "change a removable medium, or the VNC password (change vnc password PASSWORD)",
        shape=ShapeName.CHANGE,
    ),
    _e("screendump", "filename:F,format:-fs,device:s?,head:i?", "screendump", "save a screen dump to a file"),
    _e("logfile", "filename:F", None, "output logs to a file"),
    _e(
        "trace-event",
        "name:s,option:b,vcpu:i?",
        "trace-event-set-state",
        "enable or disable a trace event",
        rename={"option": "enable"},
        fixed={"ignore-unavailable": True},
    ),
    _e("log", "items:s", None, "activate logging of the specified items"),
    _e("savevm", "name:s?", None, "save a VM snapshot"),
    _e("loadvm", "name:s", None, "restore a VM snapshot"),
    _e("delvm", "name:s", None, "delete a VM snapshot"),
    _e("singlestep", "option:s?", None, "run emulation in singlestep mode or switch to normal mode"),
    _e("stop|s", "", "stop", "stop emulation"),
    _e("cont|c", "", "cont", "resume emulation"),
    _e("system_wakeup", "", "system_wakeup", "wake the guest from suspend"),
    _e("gdbserver", "device:s?", None, "start or stop gdbserver"),
    _e("x", "fmt:/,addr:l", None, "virtual memory dump"),
    _e("xp", "fmt:/,addr:l", None, "physical memory dump"),
    _e("gpa2hva", "addr:l", None, "host virtual address of a guest physical address"),
    _e("gpa2hpa", "addr:l", None, "host physical address of a guest physical address"),
    _e("gva2gpa", "addr:l", None, "guest physical address of a guest virtual address"),
    _e("print|p", "fmt:/,val:l", None, "print an expression's value"),
    _e("i", "fmt:/,addr:i,index:i.", None, "I/O port read"),
    _e("o", "fmt:/,addr:i,val:i", None, "I/O port write"),
    _e(
        "sendkey",
        "keys:s,hold-time:i?",
        "send-key",
        "send keys to the guest (sendkey ctrl-alt-f1)",
        shape=ShapeName.SENDKEY,
    ),
    _e("sync-profile", "op:s?", None, "synchronization profiling"),
    _e("system_reset", "", "system_reset", "reset the system"),
    _e("system_powerdown", "", "system_powerdown", "send the ACPI power button"),
    _e("sum", "start:i,size:i", None, "checksum of a memory region"),
    _e("device_add", "device:O", "device_add", "add a device, like -device", shape=ShapeName.DEVICE_ADD),
    _e("device_del", "id:s", "device_del", "remove a device"),
    _e("cpu", "index:i", None, "set the default CPU"),
    _e(
        "mouse_move",
        "dx_str:s,dy_str:s,dz_str:s?",
        "input-send-event",
        "send mouse move events",
        shape=ShapeName.MOUSE_MOVE,
    ),
    _e(
        "mouse_button",
        "button_state:i",
        "input-send-event",
        "change mouse button state (1=L, 2=M, 4=R)",
        shape=ShapeName.MOUSE_BUTTON,
    ),
    _e("mouse_set", "index:i", None, "set which mouse device receives events"),
    _e("wavcapture", "path:F,audiodev:s,freq:i?,bits:i?,nchannels:i?", None, "capture audio to a wave file"),
    _e("stopcapture", "n:i", None, "stop capture"),
    _e("memsave", "val:l,size:i,filename:s", "memsave", "save virtual memory to a file", shape=ShapeName.CURRENT_CPU),
    _e("pmemsave", "val:l,size:i,filename:s", "pmemsave", "save physical memory to a file"),
    _e("boot_set", "bootdevice:s", None, "define the boot device list"),
    _e("nmi", "", "inject-nmi", "inject an NMI"),
    _e("ringbuf_write", "device:s,data:s", "ringbuf-write", "write to a ring buffer character device"),
    _e("ringbuf_read", "device:s,size:i", "ringbuf-read", "read from a ring buffer character device"),
    _e(
        "announce_self",
        "interfaces:s?,id:s?",
        "announce-self",
        "trigger GARP/RARP announcements",
        shape=ShapeName.ANNOUNCE_SELF,
    ),
    _e(
        "migrate",
        "detach:-d,blk:-b,inc:-i,resume:-r,uri:s",
        "migrate",
        "migrate to URI",
        drop=("detach",),
    ),
    _e("migrate_cancel", "", "migrate_cancel", "cancel the current migration"),
    _e("migrate_continue", "state:s", "migrate-continue", "continue migration from a paused state"),
    _e("migrate_incoming", "uri:s", "migrate-incoming", "continue an incoming migration from -incoming defer"),
    _e("migrate_recover", "uri:s", "migrate-recover", "continue a paused incoming postcopy migration"),
    _e("migrate_pause", "", "migrate-pause", "pause an ongoing (postcopy) migration"),
    _e(
        "migrate_set_capability",
        "capability:s,state:b",
        "migrate-set-capabilities",
        "enable or disable a migration capability",
        shape=ShapeName.MIGRATE_SET_CAPABILITY,
    ),
    _e(
        "migrate_set_parameter",
        "parameter:s,value:s",
        "migrate-set-parameters",
        "set a migration parameter",
        shape=ShapeName.MIGRATE_SET_PARAMETER,
    ),
    _e("migrate_start_postcopy", "", "migrate-start-postcopy", "switch the migration to postcopy"),
    _e("x_colo_lost_heartbeat", "", "x-colo-lost-heartbeat", "tell COLO that heartbeat is lost"),
    _e(
        "client_migrate_info",
        "protocol:s,hostname:s,port:i?,tls-port:i?,cert-subject:s?",
        "client_migrate_info",
        "set migration information for remote display",
    ),
    _e(
        "dump-guest-memory",
        "paging:-p,detach:-d,windmp:-w,zlib:-z,lzo:-l,snappy:-s,filename:F,begin:l?,length:l?",
        "dump-guest-memory",
        "dump guest memory into a file",
        shape=ShapeName.DUMP_GUEST_MEMORY,
    ),
    _e(
        "snapshot_blkdev",
        "reuse:-n,device:B,snapshot-file:s?,format:s?",
        "blockdev-snapshot-sync",
        "live snapshot of a device",
        shape=ShapeName.REUSE_MODE,
    ),
    _e(
        "snapshot_blkdev_internal",
        "device:B,name:s",
        "blockdev-snapshot-internal-sync",
        "internal snapshot of a device",
    ),
    _e(
        "snapshot_delete_blkdev_internal",
        "device:B,name:s,id:s?",
        "blockdev-snapshot-delete-internal-sync",
        "delete an internal snapshot",
    ),
    _e(
        "drive_mirror",
        "reuse:-n,full:-f,device:B,target:s,format:s?",
        "drive-mirror",
        "live storage migration",
        shape=ShapeName.REUSE_MODE_SYNC,
    ),
    _e(
        "drive_backup",
        "reuse:-n,full:-f,compress:-c,device:B,target:s,format:s?",
        "drive-backup",
        "point-in-time copy of a device",
        shape=ShapeName.REUSE_MODE_SYNC,
    ),
    _e("drive_add", "node:-n,pci_addr:s,opts:s", None, "add a drive"),
    _e(
        "pcie_aer_inject_error",
        "advisory_non_fatal:-a,correctable:-c,id:s,error_status:s,header0:i?,header1:i?,header2:i?,header3:i?,"
        "prefix0:i?,prefix1:i?,prefix2:i?,prefix3:i?",
        None,
        "inject a PCIe AER error",
    ),
    _e("netdev_add", "netdev:O", "netdev_add", "add a host network device", shape=ShapeName.NETDEV_ADD),
    _e("netdev_del", "id:s", "netdev_del", "remove a host network device"),
    _e("object_add", "object:S", "object-add", "create a QOM object", shape=ShapeName.OBJECT_ADD),
    _e("object_del", "id:s", "object-del", "destroy a QOM object"),
    _e("hostfwd_add", "arg1:s,arg2:s?", None, "redirect host connections to the guest"),
    _e("hostfwd_remove", "arg1:s,arg2:s?", None, "remove a host-to-guest redirection"),
    _e("balloon", "value:M", "balloon", "set the guest's memory size (MiB)"),
    _e("set_link", "name:s,up:b", "set_link", "change the link status of a network adapter"),
    _e("watchdog_action", "action:s", "watchdog-set-action", "change the watchdog action"),
    _e(
        "nbd_server_start",
        "all:-a,writable:-w,uri:s",
        "nbd-server-start",
        "serve block devices over NBD",
        shape=ShapeName.NBD_SERVER_START,
    ),
    _e(
        "nbd_server_add",
        "writable:-w,device:B,name:s?",
        "nbd-server-add",
        "export a block device over NBD",
        absent={"writable": False},
    ),
    _e(
        "nbd_server_remove",
        "force:-f,name:s",
        "nbd-server-remove",
        "remove an NBD export",
        shape=ShapeName.NBD_SERVER_REMOVE,
    ),
    _e("nbd_server_stop", "", "nbd-server-stop", "stop the NBD server"),
    _e("mce", "broadcast:-b,cpu_index:i,bank:i,status:l,mcg_status:l,addr:l,misc:l", None, "inject a MCE"),
    _e("getfd", "fdname:s", "getfd", "receive a file descriptor via SCM rights"),
    _e("closefd", "fdname:s", "closefd", "close a file descriptor received via SCM rights"),
    _e(
        "block_set_io_throttle",
        "device:B,bps:l,bps_rd:l,bps_wr:l,iops:l,iops_rd:l,iops_wr:l",
        "block_set_io_throttle",
        "change I/O throttle limits of a drive",
    ),
    _e("set_password", "protocol:s,password:s,display:-ds,connected:s?", "set_password", "set the VNC/SPICE password"),
    _e("expire_password", "protocol:s,time:s,display:-ds", "expire_password", "set the password's expiry"),
    _e("chardev-add", "args:s", "chardev-add", "add a chardev", shape=ShapeName.CHARDEV_ADD),
    _e("chardev-change", "id:s,args:s", "chardev-change", "change a chardev's backend", shape=ShapeName.CHARDEV_ADD),
    _e("chardev-remove", "id:s", "chardev-remove", "remove a chardev"),
    _e("chardev-send-break", "id:s", "chardev-send-break", "send a break on a chardev"),
    _e("qemu-io", "qdev:-d,device:B,command:s", None, "run a qemu-io command on a block device"),
    _e("qom-list", "path:s?", "qom-list", "list QOM properties", absent={"path": "/"}),
    _e("qom-get", "path:s,property:s", "qom-get", "print a QOM property"),
    _e("qom-set", "json:-j,path:s,property:s,value:S", "qom-set", "set a QOM property", shape=ShapeName.QOM_SET),
    _e("replay_break", "icount:l", "replay-break", "set a breakpoint at an instruction count"),
    _e("replay_delete_break", "", "replay-delete-break", "remove the replay breakpoint"),
    _e("replay_seek", "icount:l", "replay-seek", "replay to an instruction count"),
    _e(
        "calc_dirty_rate",
        "dirty_ring:-r,dirty_bitmap:-b,second:l,sample_pages_per_GB:l?",
        "calc-dirty-rate",
        "measure the guest's dirty page rate",
        shape=ShapeName.CALC_DIRTY_RATE,
    ),
    _e(
        "set_vcpu_dirty_limit",
        "dirty_rate:l,cpu_index:l?",
        "set-vcpu-dirty-limit",
        "set a dirty page rate limit",
        rename={"dirty_rate": "dirty-rate", "cpu_index": "cpu-index"},
    ),
    _e(
        "cancel_vcpu_dirty_limit",
        "cpu_index:l?",
        "cancel-vcpu-dirty-limit",
        "cancel the dirty page rate limit",
        rename={"cpu_index": "cpu-index"},
    ),
    _e("info", "item:s?", None, "show information about the system state"),
    _e("dumpdtb", "filename:F", "dumpdtb", "dump the flattened device tree"),
)

INFO: tuple[Entry, ...] = (
    _e("info version", "", "query-version", "the version of QEMU"),
    _e("info network", "", None, "the network state"),
    _e("info chardev", "", "query-chardev", "the character devices"),
    _e(
        "info block",
        "nodes:-n,verbose:-v,device:B?",
        "query-block",
        "block devices (-n: nodes, -v: details)",
        drop=("nodes", "verbose", "device"),
        shape=ShapeName.INFO_BLOCK,
    ),
    _e("info blockstats", "", "query-blockstats", "block device statistics"),
    _e("info block-jobs", "", "query-block-jobs", "block jobs in progress"),
    _e("info registers", "cpustate_all:-a,vcpu:i?", None, "the CPU registers"),
    _e("info lapic", "apic-id:i?", None, "the local APIC state"),
    _e("info cpus", "", "query-cpus-fast", "the CPUs"),
    _e("info history", "", None, "the command line history"),
    _e("info irq", "", "x-query-irq", "interrupt statistics"),
    _e("info pic", "", "x-query-interrupt-controllers", "the PIC state"),
    _e("info pci", "", "query-pci", "PCI devices"),
    _e("info tlb", "", None, "virtual to physical memory mappings"),
    _e("info mem", "", None, "the active virtual memory mappings"),
    _e("info mtree", "flatview:-f,dispatch_tree:-d,owner:-o,disabled:-D", None, "the memory tree"),
    _e("info jit", "", "x-query-jit", "dynamic compiler info"),
    _e("info sync-profile", "mean:-m,no_coalesce:-n,max:i?", None, "synchronization profiling info"),
    _e("info kvm", "", "query-kvm", "KVM information"),
    _e("info numa", "", "x-query-numa", "NUMA information"),
    _e("info usb", "", "x-query-usb", "guest USB devices"),
    _e("info usbhost", "", None, "host USB devices"),
    _e("info capture", "", None, "capture information"),
    _e("info snapshots", "", None, "the saved VM snapshots"),
    _e("info status", "", "query-status", "the VM status (running|paused)"),
    _e("info mice", "", "query-mice", "which guest mouse receives events"),
    _e("info vnc", "", "query-vnc-servers", "the VNC server status"),
    _e("info spice", "", "query-spice", "the SPICE server status"),
    _e("info name", "", "query-name", "the VM name"),
    _e("info uuid", "", "query-uuid", "the VM UUID"),
    _e("info usernet", "", None, "user network stack connection states"),
    _e("info migrate", "", "query-migrate", "the migration status"),
    _e("info migrate_capabilities", "", "query-migrate-capabilities", "the migration capabilities"),
    _e("info migrate_parameters", "", "query-migrate-parameters", "the migration parameters"),
    _e("info balloon", "", "query-balloon", "balloon information"),
    _e("info qtree", "", None, "the device tree"),
    _e("info qdm", "", None, "the qdev device model list"),
    _e("info qom-tree", "path:s?", None, "the QOM composition tree"),
    _e("info roms", "", "x-query-roms", "the ROMs"),
    _e(
        "info trace-events",
        "name:s?,vcpu:i?",
        "trace-event-get-state",
        "trace events and their state",
        absent={"name": "*"},
    ),
    _e("info tpm", "", "query-tpm", "the TPM device"),
    _e("info memdev", "", "query-memdev", "memory backends"),
    _e("info memory-devices", "", "query-memory-devices", "memory devices"),
    _e("info iothreads", "", "query-iothreads", "I/O threads"),
    _e("info rocker", "name:s", "query-rocker", "a rocker switch"),
    _e("info rocker-ports", "name:s", "query-rocker-ports", "rocker ports"),
    _e(
        "info rocker-of-dpa-flows",
        "name:s,tbl_id:i?",
        "query-rocker-of-dpa-flows",
        "rocker OF-DPA flow tables",
        rename={"tbl_id": "tbl-id"},
    ),
    _e("info rocker-of-dpa-groups", "name:s,type:i?", "query-rocker-of-dpa-groups", "rocker OF-DPA groups"),
    _e("info dump", "", "query-dump", "the latest dump status"),
    _e("info ramblock", "", "x-query-ramblock", "RAM blocks"),
    _e("info hotpluggable-cpus", "", "query-hotpluggable-cpus", "hotpluggable CPUs"),
    _e("info vm-generation-id", "", "query-vm-generation-id", "the VM generation id"),
    _e("info memory_size_summary", "", "query-memory-size-summary", "memory size summary"),
    _e("info sev", "", "query-sev", "SEV information"),
    _e("info replay", "", "query-replay", "record/replay information"),
    _e("info dirty_rate", "", "query-dirty-rate", "dirty rate information"),
    _e("info vcpu_dirty_limit", "", "query-vcpu-dirty-limit", "dirty page limits of the vCPUs"),
    _e("info sgx", "", "query-sgx", "Intel SGX information"),
    _e(
        "info stats",
        "target:s,names:s?,provider:s?",
        "query-stats",
        "statistics of the VM or the vCPU",
        shape=ShapeName.INFO_STATS,
    ),
    _e("info virtio", "", "x-query-virtio", "virtio devices"),
    _e("info virtio-status", "path:s", "x-query-virtio-status", "a virtio device's status"),
    _e("info virtio-queue-status", "path:s,queue:i", "x-query-virtio-queue-status", "a virtio queue's status"),
    _e(
        "info virtio-vhost-queue-status",
        "path:s,queue:i",
        "x-query-virtio-vhost-queue-status",
        "a vhost queue's status",
    ),
    _e(
        "info virtio-queue-element",
        "path:s,queue:i,index:i?",
        "x-query-virtio-queue-element",
        "an element of a virtio queue",
    ),
    _e("info opcount", "", "x-query-opcount", "dynamic compiler opcode counters"),
    _e("info profile", "", "x-query-profile", "profiling information"),
    _e("info rdma", "", "x-query-rdma", "RDMA state"),
)


def _index(entries: tuple[Entry, ...], prefix: str = "") -> dict[str, Entry]:
    return {name.removeprefix(prefix): entry for entry in entries for name in entry.names}


BY_NAME: dict[str, Entry] = _index(COMMANDS)
INFO_BY_NAME: dict[str, Entry] = _index(INFO, "info ")
