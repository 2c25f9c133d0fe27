"""HMP argument parsing: 10,000 realistic lines over the args_type strings of QEMU's HMP table, each split into its
command name (and info sub-command) and parsed exactly as monitor_parse_arguments() would. Parsing is most of an
HMP-to-QMP translation, whose budget is 50 µs a line; the aim for parsing alone is well under 20 µs."""

from __future__ import annotations

import statistics
import time

from vdbgsh.hmp.arguments import FormatState, parse_arguments, split_command

LINES = 10_000
TARGET_US = 50.0
AIM_US = 20.0

# (args_type, line) as people type them; the numbers and names are varied per line below.
SAMPLES = [
    ("", "stop"),
    ("", "cont"),
    ("", "system_reset"),
    ("device:B,size:o", "block_resize drive{n} {n}G"),
    ("device:B,size:o", "block_resize drive{n} 1.5G"),
    ("device:B,speed:o?,base:s?", "block_stream drive{n} 0 base{n}.qcow2"),
    ("device:B,speed:o", "block_job_set_speed drive{n} 512K"),
    ("force:-f,device:B", "block_job_cancel -f drive{n}"),
    ("force:-f,device:B", "eject -f cd{n}"),
    ("nodes:-n,verbose:-v,device:B?", "info block -v drive{n}"),
    ("nodes:-n,verbose:-v,device:B?", "info block"),
    ("item:s?", "info status"),
    ("fmt:/,addr:l", "x/{n}xw 0x{n}000"),
    ("fmt:/,addr:l", "xp /16xb 0x7c00+{n}*512"),
    ("fmt:/,val:l", "print /x (0x1000|{n})*2"),
    ("fmt:/,addr:i,index:i.", "i /b 0x70.0x0a"),
    ("fmt:/,addr:i,val:i", "o /b 0x80 {n}"),
    ("val:l,size:i,filename:s", 'memsave 0x{n}000 4096 "/tmp/mem{n}.bin"'),
    ("val:l,size:i,filename:s", "pmemsave 0 0x100000 dump{n}.bin"),
    ("value:M", "balloon {n}"),
    ("index:i", "cpu {n}"),
    ("name:s,up:b", "set_link net{n} off"),
    ("capability:s,state:b", "migrate_set_capability xbzrle on"),
    ("parameter:s,value:S", "migrate_set_parameter max-bandwidth {n}M"),
    ("detach:-d,resume:-r,uri:s", "migrate -d tcp:10.0.0.{n}:4444"),
    ("device:O", "device_add virtio-net-pci,id=net{n},netdev=n{n},mac=52:54:00:12:34:{n}"),
    ("device:O", "device_add e1000,id=nic{n},romfile=a,,b"),
    ("netdev:O", "netdev_add user,id=n{n},hostfwd=tcp::{n}-:22"),
    ("id:s", "device_del net{n}"),
    ("object:S", "object_add iothread,id=io{n},poll-max-ns=32768"),
    ("object:S", 'object_add {{"qom-type": "iothread", "id": "j{n}"}}'),
    ("json:-j,path:s,property:s,value:S", "qom-set /objects/io{n} poll-max-ns {n}000"),
    ("path:s,property:s", "qom-get /machine type"),
    ("path:s?", "qom-list /machine/peripheral"),
    ("protocol:s,password:s,display:-ds,connected:s?", "set_password vnc secret{n} -d default keep"),
    ("filename:F,format:-fs,device:s?,head:i?", "screendump /tmp/screen{n}.ppm -f ppm"),
    ("keys:s,hold-time:i?", "sendkey ctrl-alt-delete {n}00"),
    ("reuse:-n,full:-f,device:B,target:s,format:s?", "drive_mirror -n drive{n} /tmp/m{n}.qcow2 qcow2"),
    (
        "paging:-p,detach:-d,windmp:-w,zlib:-z,lzo:-l,snappy:-s,filename:F,begin:l?,length:l?",
        "dump-guest-memory -p -d /tmp/vmcore{n} 0 0x100000",
    ),
    ("name:s,option:b,vcpu:i?", "trace-event vnc_* on"),
    ("cpustate_all:-a,vcpu:i?", "info registers -a"),
    ("args:s", "chardev-add ringbuf,id=rb{n},size=1024"),
]


def lines() -> list[tuple[str, str]]:
    work = []
    for index in range(LINES):
        spec, line = SAMPLES[index % len(SAMPLES)]
        work.append((spec, line.format(n=index % 97 + 1)))
    return work


def parse_all(work: list[tuple[str, str]], state: FormatState) -> None:
    for spec, line in work:
        name, end = split_command(line)
        if name == "info":
            name, end = split_command(line, end)
        parse_arguments(spec, line, end, state=state)


def run(runs: int = 7) -> list[str]:
    work = lines()
    state = FormatState()
    parse_all(work, state)  # warm: compiled patterns, the args_type cache
    samples: list[float] = []
    for _ in range(max(5, runs)):
        start = time.perf_counter()
        parse_all(work, state)
        samples.append(time.perf_counter() - start)
    per_line_us = statistics.median(samples) / len(work) * 1e6
    verdict = "ok" if per_line_us < TARGET_US else "MISSED"
    aim = "within" if per_line_us < AIM_US else "above"
    return [
        f"{f'HMP parse: {len(work)} lines, {len(SAMPLES)} forms':<44} {per_line_us:9.3f} µs/line   "
        f"target < {TARGET_US:g} µs/line for the translation: {verdict} ({aim} the {AIM_US:g} µs aim for parsing)"
    ]


if __name__ == "__main__":
    for result in run():
        print(result, flush=True)
