"""QMP -> HMP (`:translate` of a QMP line) and `:copy json|virsh|hmp`: on the table, through the shell on a real
guest, the printed virsh and HMP lines run for real, and in a real terminal."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LoopThread
from tests.terminal import Tmux
from tests.test_shell import run_shell
from vdbgsh.hmp.reverse import hmp_line
from vdbgsh.hmp.table import COMMANDS, INFO
from vdbgsh.hmp.translate import translate_line
from vdbgsh.render.request_forms import copy_text

ENTRIES = COMMANDS + INFO


def forward(line: str) -> list[dict[str, Any]]:
    return translate_line(line).requests


@pytest.mark.parametrize(
    ("request_", "line"),
    [
        ({"execute": "query-status"}, "info status"),
        ({"execute": "stop"}, "stop"),
        ({"execute": "query-block"}, "info block"),
        ({"execute": "block-job-cancel", "arguments": {"device": "j0", "force": True}}, "block_job_cancel -f j0"),
        ({"execute": "block-job-cancel", "arguments": {"device": "j0", "force": False}}, "block_job_cancel j0"),
        ({"execute": "block_resize", "arguments": {"device": "d0", "size": 1 << 30}}, "block_resize d0 1G"),
        ({"execute": "block_resize", "arguments": {"device": "d0", "size": 1000}}, "block_resize d0 1000B"),
        ({"execute": "balloon", "arguments": {"value": 128 << 20}}, "balloon 128"),
        ({"execute": "qom-get", "arguments": {"path": "/machine", "property": "type"}}, "qom-get /machine type"),
        ({"execute": "device_add", "arguments": {"driver": "e1000", "id": "n1"}}, "device_add e1000,id=n1"),
        (
            {
                "execute": "migrate-set-capabilities",
                "arguments": {"capabilities": [{"capability": "xbzrle", "state": True}]},
            },
            "migrate_set_capability xbzrle on",
        ),
        (
            {"execute": "ringbuf-write", "arguments": {"device": "r0", "data": 'two words "quoted"'}},
            'ringbuf_write r0 "two words \\"quoted\\""',
        ),
        ({"execute": "human-monitor-command", "arguments": {"command-line": "info mtree"}}, "info mtree"),
    ],
)
def test_a_request_has_the_hmp_line_that_does_the_same(request_: dict[str, Any], line: str) -> None:
    found = hmp_line(request_, ENTRIES, forward)
    assert found.line == line
    assert forward(line)[0]["execute"] == request_["execute"] or request_["execute"] == "human-monitor-command"


@pytest.mark.parametrize(
    ("request_", "why"),
    [
        ({"execute": "query-qmp-schema"}, "no HMP command does what query-qmp-schema does"),
        # HMP's block_stream always names the job after the device: another job id cannot be said.
        (
            {"execute": "block-stream", "arguments": {"device": "d0", "job-id": "other"}},
            "HMP's block_stream cannot say these arguments of block-stream",
        ),
        (
            {"execute": "migrate-set-capabilities", "arguments": {"capabilities": []}},
            "HMP's migrate_set_capability cannot say these arguments of migrate-set-capabilities",
        ),
    ],
)
def test_none_is_said_when_hmp_cannot_do_the_same(request_: dict[str, Any], why: str) -> None:
    found = hmp_line(request_, ENTRIES, forward)
    assert found == (None, why)


def test_the_virsh_line_is_quoted_for_a_shell() -> None:
    request = {"execute": "qom-get", "arguments": {"path": "/machine", "property": "it's"}}
    line = copy_text("virsh", request, None, domain="my guest", uri="qemu:///system", colour=False).clipboard
    assert line == (
        "virsh -c qemu:///system qemu-monitor-command 'my guest' --pretty "
        """'{"execute":"qom-get","arguments":{"path":"/machine","property":"it'"'"'s"}}'"""
    )


def test_secrets_stay_masked_in_every_form() -> None:
    request = {"execute": "set_password", "arguments": {"protocol": "vnc", "password": "hunter2"}}
    for form in ("json", "virsh", "hmp"):
        assert "hunter2" not in "".join(copy_text(form, request, None, domain="g", uri=None, colour=False))


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("schema")


def test_translate_and_copy_in_the_shell_and_the_lines_run(loop: LoopThread, shared_guest: str, cache: Path) -> None:
    text, _source = run_shell(
        loop,
        shared_guest,
        [
            ":copy json\r",
            ":translate query-status\r",
            ":translate query-qmp-schema\r",
            ":translate info status\r",
            ':translate {"execute": "block-job-cancel", "arguments": {"device": "j0", "force": true}}\r',
            "qom-get path=/machine property=type\r",
            ":copy json\r",
            ":copy virsh\r",
            ":copy hmp\r",
            ":copy yaml\r",
            ":help :\r",
            ":quit\r",
        ],
        cache,
    )
    assert "note: nothing sent yet: :copy shows the last request sent" in text
    assert '→ {"execute":"query-status"}\nHMP: info status' in text
    assert "note: no HMP equivalent: no HMP command does what query-qmp-schema does" in text
    assert '→ {"execute":"query-status"}\n' in text.split(":translate info status")[1]
    assert "\nHMP: block_job_cancel -f j0\n" in text  # a JSON request too
    request = '{"execute":"qom-get","arguments":{"path":"/machine","property":"type"}}'
    assert f"\n{request}\n" in text
    virsh = next(line for line in text.splitlines() if line.startswith("virsh "))
    assert virsh == f"virsh -c qemu:///system qemu-monitor-command {shared_guest} --pretty '{request}'"
    assert "\nqom-get /machine type\n" in text
    assert "error: :copy takes one of: json, virsh, hmp (got 'yaml')" in text
    listed = text.split(":help :", 1)[1]  # the meta-commands' help names the new ones
    for usage in (":copy json|virsh|hmp", ":wait EVENT [member=value ...] [--timeout S]", ":watch SECONDS COMMAND"):
        assert usage in listed
    # What was printed runs as it is: the virsh line in a shell, the HMP line through HMP, with the same answer.
    ran = subprocess.run(["sh", "-c", virsh], capture_output=True, text=True, timeout=60, check=True)
    machine = json.loads(ran.stdout)["return"]
    hmp = subprocess.run(
        ["virsh", "-c", "qemu:///system", "qemu-monitor-command", shared_guest, "--hmp", "qom-get /machine type"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(hmp.stdout) == machine  # HMP prints the value as JSON


@pytest.mark.terminal(100, 30)
def test_translate_and_copy_in_a_terminal(tmux: Tmux, shared_guest: str, home: dict[str, str]) -> None:
    prompt = f"{shared_guest} (running)>"
    tmux.start("attach", shared_guest, env=home)
    tmux._tmux("set-option", "-g", "set-clipboard", "on")  # the terminal takes OSC 52 into its paste buffer
    tmux.wait_for(prompt)
    tmux.type_line(":translate query-status")
    tmux.wait_for("HMP: info status")
    tmux.type_line("query-name")
    tmux.wait_for(f'"name": "{shared_guest}"')
    tmux.type_line(":copy virsh")
    screen = tmux.wait_for("""--pretty '{"execute":"query-name"}'""")
    assert "virsh -c qemu:///system qemu-monitor-command" in screen
    # The transcript breaks the long line into rows; the clipboard has it whole, and it runs as it is.
    copied = tmux._tmux("show-buffer").stdout
    assert (
        copied
        == f"""virsh -c qemu:///system qemu-monitor-command {shared_guest} --pretty '{{"execute":"query-name"}}'"""
    )
    ran = subprocess.run(["sh", "-c", copied], capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(ran.stdout)["return"] == {"name": shared_guest}
    tmux.type_line(":copy hmp")
    tmux.wait_for("\ninfo name ")  # the row goes on to the events pane's edge
