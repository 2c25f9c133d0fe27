"""Robustness of the command line against its surroundings, each through subprocess on a real guest: closed
standard streams, a schema cache of the wrong shape, a locale that cannot encode what the guest sent. Each gives
one clear line or works, and what was taken from the guest (a ring buffer is emptied by reading it) is never lost.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import VDBGSH, user_env, vdbgsh

SNOW = "☃ snow"


def through_sh(command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A command line as a shell runs it (for redirections that close a stream)."""
    return subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, env=user_env(env), timeout=60, check=False
    )


def test_exec_with_stdout_closed_says_so_and_sends_nothing(shared_guest: str) -> None:
    result = through_sh(f"{shlex.quote(VDBGSH)} exec {shared_guest} query-status >&-")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "vdbgsh: error: standard output is closed: what the guest answers would have nowhere to go (nothing was sent)",
        "hint: redirect it to /dev/null to discard the output, rather than closing it",
    ]


def test_exec_batch_with_stdin_closed_says_so(shared_guest: str) -> None:
    result = through_sh(f"{shlex.quote(VDBGSH)} exec {shared_guest} - <&-")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "vdbgsh: error: standard input is closed: there are no commands to read",
        "hint: feed them on stdin (< FILE)",
    ]


def test_exec_of_one_command_does_not_need_stdin(shared_guest: str) -> None:
    result = through_sh(f"{shlex.quote(VDBGSH)} exec {shared_guest} query-status <&-")
    assert result.returncode == 0, result.stderr
    assert '"running":true' in result.stdout


@pytest.mark.parametrize(
    "cached",
    [
        [1, 2],
        [],
        [{"name": "x"}],
        [{"name": "query-status", "meta-type": "command", "arg-type": 5}],
        [{"meta-type": "object", "name": "q", "members": [{"name": "a"}]}],
        {"not": "a list"},
        {"introspection": [{"name": "x"}], "qemu": "7.2"},  # the file's own shape, its insides wrong
        {"introspection": {"not": "a list"}},
    ],
)
def test_a_schema_cache_of_the_wrong_shape_is_fetched_again(shared_guest: str, tmp_path: Path, cached: object) -> None:
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    words = ("exec", "--dry-run", shared_guest, "qom-get", "path=/machine", "property=type")
    first = vdbgsh(*words, env=env)
    assert first.returncode == 0, first.stderr
    (cache_file,) = (tmp_path / "vdbgsh" / "schema").glob("*.json")
    cache_file.write_text(json.dumps(cached))
    again = vdbgsh(*words, env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout == first.stdout
    assert again.stderr == ""
    stored = json.loads(cache_file.read_text())  # written again, whole, with the version beside it
    assert isinstance(stored["introspection"], list)
    assert any(entry.get("name") == "qom-get" for entry in stored["introspection"])
    assert set(stored["qemu"]) == {"major", "minor", "micro"}


@pytest.fixture
def ring(shared_guest: str) -> Iterator[str]:
    """A ring buffer chardev of the test's own on the shared guest, removed afterwards."""
    name = "rb" + str(abs(hash(shared_guest)) % 10_000)
    backend = {"type": "ringbuf", "data": {"size": 1024}}
    request = json.dumps({"execute": "chardev-add", "arguments": {"id": name, "backend": backend}})
    added = vdbgsh("exec", "--yes", shared_guest, request)
    assert added.returncode == 0, added.stderr
    yield name
    vdbgsh("exec", "--yes", shared_guest, "chardev-remove", f"id={name}")


@pytest.mark.parametrize(
    "env",
    [
        {"PYTHONIOENCODING": "latin-1"},
        {"PYTHONIOENCODING": "ascii"},
        {"LC_ALL": "C", "LANG": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
    ],
    ids=["latin-1", "ascii", "C locale"],
)
@pytest.mark.parametrize("layout", ["--compact", "--pretty", "--raw"])
def test_ring_buffer_text_survives_a_locale_that_cannot_encode_it(
    shared_guest: str, ring: str, env: dict[str, str], layout: str
) -> None:
    written = vdbgsh("exec", shared_guest, "ringbuf-write", f"device={ring}", f"data={SNOW}")
    assert written.returncode == 0, written.stderr
    result = vdbgsh("exec", layout, shared_guest, "ringbuf-read", f"device={ring}", "size=100", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    # Escaped as JSON escapes it: the same string for any JSON reader, and nothing lost.
    text = result.stdout.strip()
    value = json.loads(text)
    assert (value["return"] if layout == "--raw" else value) == SNOW
    assert "\\u2603" in text


def test_hmp_ring_buffer_text_survives_latin_1(shared_guest: str, ring: str) -> None:
    vdbgsh("exec", shared_guest, "ringbuf-write", f"device={ring}", f"data={SNOW}")
    result = vdbgsh("exec", shared_guest, "-", input=f"ringbuf_read {ring} 100\n", env={"PYTHONIOENCODING": "latin-1"})
    assert result.returncode == 0, result.stderr
    assert "\\u2603 snow" in result.stdout
