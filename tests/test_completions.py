"""Shell completion of the vdbgsh command line: completions/ is what scripts/gen_completions.py writes from the
parser, make install-completions puts it where each shell looks, and the real bash, zsh and fish offer subcommands,
options, their values, live domain names (of the -c URI on the line), QMP command and event names."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.gen_completions import OUTPUTS, GeneratorError, generate
from tests.conftest import vdbgsh
from tests.shells import ROOT, SHELLS, SOURCED, Home
from vdbgsh.cli.parser import build_parser
from vdbgsh.schema.offline import SHIPPED

DEAD_URI = "qemu:///nonexistent"  # libvirt refuses it at once
# zsh and fish take 3-9 s a test (a shell started per completion); bash is quick: the fast tests keep bash's
SHELLS_BASH_FAST = [shell if shell == "bash" else pytest.param(shell, marks=pytest.mark.slow) for shell in SHELLS]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Home:
    installed = Home(tmp_path_factory.mktemp("home"))
    installed.install()
    return installed


def subcommand_parsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    subparsers = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    return {choice.dest: subparsers.choices[choice.dest] for choice in subparsers._choices_actions}


def long_options(parser: argparse.ArgumentParser) -> set[str]:
    return {
        flag
        for action in parser._actions
        if action.help != argparse.SUPPRESS
        for flag in action.option_strings
        if flag.startswith("--")
    }


def test_shipped_completions_are_current(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "scripts/gen_completions.py", "--output-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    shipped = ROOT / "completions"
    stale = [
        name
        for name in OUTPUTS
        if not (shipped / name).exists() or (shipped / name).read_text() != (tmp_path / name).read_text()
    ]
    stale_files = ", ".join(f"completions/{name}" for name in stale)
    assert not stale, f"{stale_files} differ from the parser: run 'make completions'"


@pytest.mark.parametrize("shell", SHELLS_BASH_FAST)
def test_subcommands_and_options(home: Home, shell: str) -> None:
    parsers = subcommand_parsers()
    assert sorted(home.complete(shell, "vdbgsh ")) == sorted(parsers)
    assert sorted(home.complete(shell, "vdbgsh --")) == ["--help", "--version"]
    for name in ("exec", "events"):
        assert sorted(home.complete(shell, f"vdbgsh {name} --")) == sorted(long_options(parsers[name])), name


@pytest.mark.parametrize("shell", SHELLS_BASH_FAST)
def test_running_domains_qmp_commands_and_events(home: Home, shell: str, shared_guest: str) -> None:
    assert shared_guest in home.complete(shell, "vdbgsh exec ")
    assert shared_guest in home.complete(shell, "vdbgsh attach ")
    commands = home.complete(shell, f"vdbgsh exec {shared_guest} query-")
    assert "query-status" in commands
    assert all(command.startswith("query-") for command in commands)
    assert "STOP" in home.complete(shell, "vdbgsh events --event ")
    assert home.complete(shell, "vdbgsh events --event=BLOCK_JOB_C") in (
        ["BLOCK_JOB_CANCELLED", "BLOCK_JOB_COMPLETED"],
        ["--event=BLOCK_JOB_CANCELLED", "--event=BLOCK_JOB_COMPLETED"],  # fish says the whole word
    )
    # After the command come its key=value arguments: nothing to offer from outside the shell.
    assert home.complete(shell, f"vdbgsh exec {shared_guest} query-status ") == []


@pytest.mark.parametrize("shell", SHELLS_BASH_FAST)
def test_the_connection_on_the_line_lists_the_domains(home: Home, shell: str, shared_guest: str) -> None:
    unreachable_default = {"LIBVIRT_DEFAULT_URI": DEAD_URI}
    assert shared_guest not in home.complete(shell, "vdbgsh exec ", env=unreachable_default)
    for line in (
        "vdbgsh exec -c qemu:///system ",
        "vdbgsh exec --connect=qemu:///system ",
        "vdbgsh events --json --connect qemu:///system ",
        "vdbgsh translate -c qemu:///system -d ",
    ):
        assert shared_guest in home.complete(shell, line, env=unreachable_default), line
    assert shared_guest not in home.complete(shell, f"vdbgsh exec -c {DEAD_URI} ")


@pytest.mark.parametrize("shell", SHELLS_BASH_FAST)
def test_exec_offers_running_domains_events_every_defined_one(home: Home, shell: str, shut_off_guest: str) -> None:
    # exec and attach need a running guest; events waits for a defined one to start.
    assert shut_off_guest not in home.complete(shell, "vdbgsh exec ")
    assert shut_off_guest in home.complete(shell, "vdbgsh events ")


@pytest.mark.parametrize("shell", SHELLS_BASH_FAST)
def test_qmp_socket_instead_of_a_domain(home: Home, shell: str, tmp_path: Path) -> None:
    import socket

    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(tmp_path / "qmp-socket"))
    (tmp_path / "qmp-notes.txt").touch()  # a plain file is no QMP socket
    (tmp_path / "qmp-dir").mkdir()  # a directory may hold one
    # unix:PATH: sockets (and directories) after the prefix (bash, splitting words at ':', replaces what follows).
    offered = home.complete(shell, f"vdbgsh attach --qmp unix:{tmp_path}/q")
    listening.close()
    assert sorted(word.rsplit("/", 2)[-1] or word.rsplit("/", 2)[-2] for word in offered) == ["qmp-dir", "qmp-socket"]
    assert home.complete(shell, "vdbgsh exec --qmp ") == ["unix:"]
    # With --qmp there is no DOMAIN: the first word is the command.
    assert "query-status" in home.complete(shell, f"vdbgsh exec --qmp unix:{tmp_path}/qmp-socket query-st")


@pytest.mark.parametrize("shell", SHELLS_BASH_FAST)
def test_option_values(home: Home, shell: str) -> None:
    # bash replaces only what follows the last ':' of the word.
    assert {uri.rsplit(":", 1)[-1] for uri in home.complete(shell, "vdbgsh list -c qemu:///s")} == {
        "///system",
        "///session",
    }
    assert home.complete(shell, "vdbgsh events --count ") == []  # a number: nothing to offer, and no options
    assert home.complete(shell, "vdbgsh events --timeout 5 --count 3 --js") == ["--json"]


@pytest.mark.parametrize("shell", SHELLS_BASH_FAST)
def test_events_takes_several_connections(home: Home, shell: str) -> None:
    offered = home.complete(shell, "vdbgsh events -c qemu:///system --")
    assert "--connect" in offered
    if shell == "zsh":  # the only one of the three that leaves out what an option excludes
        assert "--qmp" not in offered


@pytest.mark.parametrize("shell", SOURCED)
def test_sourced_from_the_rc_file(home: Home, shell: str, shared_guest: str) -> None:
    """bash without bash-completion, zsh with the script sourced after compinit rather than on $fpath."""
    assert sorted(home.complete(shell, "vdbgsh ")) == sorted(subcommand_parsers())
    assert "--keep-going" in home.complete(shell, "vdbgsh exec --")
    assert shared_guest in home.complete(shell, "vdbgsh exec ")


def toy_parser(*, unknown_metavar: bool = False) -> argparse.ArgumentParser:
    """Option kinds vdbgsh's parser may not have (yet): choices, files, directories."""
    parser = argparse.ArgumentParser(prog="vdbgsh")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list")
    listing.add_argument("-c", "--connect", metavar="URI")
    report = commands.add_parser("report", help="a report")
    report.add_argument("--format", choices=("json", "table"), help="how it looks")
    report.add_argument("--log", metavar="FILE", help="where it goes")
    report.add_argument("--into", metavar="DIR", help="which directory")
    report.add_argument("-o", "--output", type=argparse.FileType("w"), help="an output file")
    report.add_argument("source", metavar="FILE", help="the input")
    if unknown_metavar:
        report.add_argument("--level", metavar="LEVEL")
    return parser


@pytest.mark.parametrize("shell", SHELLS_BASH_FAST)
def test_choices_files_and_directories(shell: str, tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    home.install_scripts(generate(toy_parser()))
    work = tmp_path / "work"
    (work / "logs").mkdir(parents=True)
    (work / "log.txt").touch()
    assert home.complete(shell, "vdbgsh report --format ") == ["json", "table"]
    assert home.complete(shell, "vdbgsh report --format=t") in (["table"], ["--format=table"])
    for line in ("vdbgsh report --log lo", "vdbgsh report -o lo", "vdbgsh report lo"):
        assert sorted(word.rstrip("/") for word in home.complete(shell, line, cwd=work)) == ["log.txt", "logs"], line
    assert [word.rstrip("/") for word in home.complete(shell, "vdbgsh report --into lo", cwd=work)] == ["logs"]


def test_a_metavar_the_generator_does_not_know_stops_it() -> None:
    with pytest.raises(GeneratorError, match=r"report --level: how does a LEVEL complete\? Add 'LEVEL' to VALUE_KINDS"):
        generate(toy_parser(unknown_metavar=True))


def test_install_completions_for_the_user_and_for_everyone(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "BASH_COMPLETION"))}
    env["HOME"] = str(tmp_path / "user")
    subprocess.run(["make", "-s", "install-completions"], cwd=ROOT, env=env, check=True)
    subprocess.run(
        ["make", "-s", "install-completions", "PREFIX=/usr/local", f"DESTDIR={tmp_path / 'stage'}"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    installed = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file())
    assert installed == [
        "stage/usr/local/share/bash-completion/completions/vdbgsh",
        "stage/usr/local/share/fish/vendor_completions.d/vdbgsh.fish",
        "stage/usr/local/share/zsh/site-functions/_vdbgsh",
        "user/.config/fish/completions/vdbgsh.fish",
        "user/.local/share/bash-completion/completions/vdbgsh",
        "user/.local/share/zsh/site-functions/_vdbgsh",
    ]
    assert (tmp_path / "user/.local/share/zsh/site-functions/_vdbgsh").read_text() == (
        ROOT / "completions/_vdbgsh"
    ).read_text()


def test_complete_words_from_the_shipped_schema_without_a_cache(tmp_path: Path) -> None:
    entries = json.loads(SHIPPED.read_text())
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    for kind, meta in (("commands", "command"), ("events", "event")):
        result = vdbgsh("_complete-words", kind, env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines() == sorted(entry["name"] for entry in entries if entry["meta-type"] == meta)


def test_complete_words_from_the_newest_cached_schema(tmp_path: Path) -> None:
    cache = tmp_path / "vdbgsh" / "schema"
    cache.mkdir(parents=True)
    entries = [
        {"name": "x-only-here", "meta-type": "command", "arg-type": "0", "ret-type": "0"},
        {"name": "ONLY_HERE", "meta-type": "event", "arg-type": "0"},
        {"name": "0", "meta-type": "object", "members": []},
    ]
    (cache / "0123.json").write_text(json.dumps({"introspection": entries}))
    (cache / "0122.json").write_text(json.dumps(entries))  # an older vdbgsh's layout: not read
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    assert vdbgsh("_complete-words", "commands", env=env).stdout == "x-only-here\n"
    assert vdbgsh("_complete-words", "events", env=env).stdout == "ONLY_HERE\n"


def test_complete_words_is_hidden_quick_and_strict() -> None:
    probe = (
        "import sys; from vdbgsh.cli.main import main; "
        "status = main(['_complete-words', 'commands']); "
        "print('prompt_toolkit' in sys.modules, status)"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    assert result.stdout.splitlines()[-1] == "False 0"
    wrong = vdbgsh("_complete-words", "domains")
    assert (wrong.returncode, wrong.stdout) == (2, "")
    assert wrong.stderr == "vdbgsh: error: usage: vdbgsh _complete-words commands|events\n"
    assert "_complete-words" not in vdbgsh("--help").stdout
    assert "_complete-words" not in vdbgsh("frobnicate").stderr
