"""What vdbgsh leaves on the machine is its user's alone: no core dump of a process that held secrets, and the
directories and files it creates (state, history, schema cache, transcripts) private whatever the umask."""

from __future__ import annotations

import resource
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import VDBGSH, user_env


def core_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            return " ".join(line.split()[4:6])
    raise AssertionError("no core limit in /proc/PID/limits")


def in_shell(setup: str, *argv: str) -> list[str]:
    """``argv`` run by sh after ``setup`` (a ulimit, a umask), as a user's shell would: the same process id."""
    return ["sh", "-c", f'{setup}; exec "$@"', "sh", *argv]


def test_no_core_dumps_while_running(shared_guest: str) -> None:
    if resource.getrlimit(resource.RLIMIT_CORE)[1] == 0:
        pytest.skip("core dumps are off for good here (hard limit 0): nothing for vdbgsh to turn off")
    process = subprocess.Popen(
        # Core dumps allowed as far as the hard limit goes; exec - waits on its stdin, alive while its limits are read.
        in_shell('ulimit -S -c "$(ulimit -H -c)"', VDBGSH, "exec", shared_guest, "-"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=user_env(),
    )
    try:
        seen = ""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            seen = core_limit(process.pid)
            if seen == "0 0":
                break
            time.sleep(0.05)
        assert seen == "0 0"
    finally:
        process.communicate("query-status\n", timeout=30)
    assert process.returncode == 0


def modes(root: Path) -> dict[str, int]:
    return {str(path.relative_to(root)): stat.S_IMODE(path.stat().st_mode) for path in sorted(root.rglob("*"))}


def test_the_schema_cache_and_transcripts_are_private_under_umask_000(shared_guest: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"  # missing: vdbgsh makes it, and vdbgsh/schema inside
    logs = tmp_path / "logs"
    logs.mkdir()
    argv = ["exec", "--log", str(logs / "x.jsonl"), shared_guest, "qom-list", "path=/machine"]
    shown = subprocess.run(
        in_shell("umask 000", VDBGSH, *argv),
        capture_output=True,
        text=True,
        env=user_env({"XDG_CACHE_HOME": str(cache)}),
        check=False,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    found = modes(cache)
    assert found, "no schema cache written"
    for name, mode in found.items():
        wanted = 0o700 if (cache / name).is_dir() else 0o600
        assert mode == wanted, f"{name}: {mode:o}"
    assert modes(logs) == {"x.jsonl": 0o600}


def test_the_history_and_state_dir_are_private_under_umask_000_and_277(tmp_path: Path) -> None:
    for mask in ("0o000", "0o277"):
        state = tmp_path / mask / "state"  # missing, with its parent: every directory made is private
        opened = _python(
            f"import os; os.umask({mask}); from vdbgsh.ui.history_file import open_history; "
            "open_history().append_string('set_password vnc hunter2')",
            state,
            tmp_path,
        )
        assert opened.returncode == 0, opened.stderr
        assert modes(tmp_path / mask) == {"state": 0o700, "state/vdbgsh": 0o700, "state/vdbgsh/history": 0o600}
        assert "hunter2" not in (state / "vdbgsh" / "history").read_text()


def test_a_kept_traceback_is_private_under_umask_000(tmp_path: Path) -> None:
    state = tmp_path / "state"
    kept = _python(
        "import os; os.umask(0); from vdbgsh.ui.internal_error import internal_error_lines; "
        "print(internal_error_lines(ValueError('password hunter2 refused'))[1])",
        state,
        tmp_path,
    )
    assert kept.returncode == 0, kept.stderr
    found = modes(state)
    assert found.pop("vdbgsh") == 0o700
    assert found.pop("vdbgsh/crashes") == 0o700
    assert list(found.values()) == [0o600]


def _python(code: str, state: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``code`` run by a Python of its own, its XDG state in ``state``."""
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=user_env({"XDG_STATE_HOME": str(state)}),
        cwd=cwd,
        check=False,
        timeout=60,
    )
