"""Write completions/: the bash, zsh and fish completion scripts of ``vdbgsh``, from its argparse parser.

    .venv/bin/python scripts/gen_completions.py [--output-dir DIR]        (make completions)

Subcommands, options, what each option excludes and which positionals a subcommand takes are read from
``vdbgsh.cli.parser.build_parser()``. How a value completes comes from the option's argparse ``choices``, else
from its metavar (VALUE_KINDS); a metavar this script does not know stops it with what to add, so no option is
shipped without its value. tests/test_completions.py fails while completions/ differs from what this writes.

Live words come from vdbgsh itself when Tab is pressed: running domains from ``vdbgsh list --name`` (with the
``-c URI`` on the line), QMP command and event names from the hidden ``vdbgsh _complete-words commands|events``
(offline, from the schema cache).
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from vdbgsh.cli.parser import build_parser

ROOT = Path(__file__).resolve().parent.parent
HERE = "scripts/gen_completions.py"

# How a value completes, by the option's (or positional's) metavar.
VALUE_KINDS = {
    "URI": "uri",  # a libvirt URI: the local ones are offered
    "GLOB": "domain",  # --domain GLOB: a pattern over domain names, which the names themselves match
    "ADDR": "qmp-address",  # a QMP socket: unix:PATH (files after 'unix:') or HOST:PORT
    "DOMAIN": "domain",  # a running domain: vdbgsh list --name
    "COMMAND": "command",  # a QMP command name, from the schema cache
    "FILE": "file",
    "PATH": "file",
    "DIR": "directory",
    # Free text: nothing to offer.
    "N": "none",
    "S": "none",
    "SECONDS": "none",
    "WAIT": "none",  # --agent-timeout: block, default, nowait or seconds
    "LINE": "none",
    "key=value": "none",
}
# Where a subcommand means something else: (subcommand, option or metavar) -> kind.
KIND_OVERRIDES = {
    ("events", "DOMAIN"): "defined-domain",  # events awaits a domain that is shut off: every defined one
    ("events", "--event"): "event",  # a GLOB of event names: the names are offered
}
DOMAIN_KINDS = ("domain", "defined-domain")  # the scripts match them as *domain
# An option of this kind on the line means there is no DOMAIN (--qmp talks to a socket, not to libvirt).
DOMAINLESS_KIND = "qmp-address"
LOCAL_URIS = ("qemu:///system", "qemu:///session")
OUTPUTS = ("vdbgsh.bash", "_vdbgsh", "vdbgsh.fish")


class GeneratorError(Exception):
    pass


@dataclass(frozen=True)
class Value:
    name: str  # what it is called in the help: the metavar
    kind: str  # a key of VALUE_KINDS' values, or "choices"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    flags: tuple[str, ...]
    help: str
    value: Value | None  # None: a flag
    excludes: tuple[str, ...]  # the flags it cannot be given with, its own included unless it repeats
    repeats: bool
    alone: bool  # --help, --version: nothing else goes with it


@dataclass(frozen=True)
class Command:
    name: str  # "" for vdbgsh itself
    help: str
    options: tuple[Option, ...]
    positionals: tuple[Value, ...]  # in order
    rest: Value | None  # what every further positional is, if any may follow


@dataclass(frozen=True)
class Cli:
    top: Command
    commands: tuple[Command, ...]
    connect_flags: tuple[str, ...]  # the options that name a libvirt URI, on any subcommand
    list_connect: str  # how `list` takes the URI on to list domains


def read_cli(parser: argparse.ArgumentParser) -> Cli:
    subparsers = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    if parser.prog != "vdbgsh" or len(subparsers) != 1:
        raise GeneratorError("expected the parser of vdbgsh, with one set of subcommands")
    # Subcommands added without help are hidden: listed nowhere, completed neither.
    shown = {choice.dest: choice.help or "" for choice in subparsers[0]._choices_actions}
    top = _read_command(parser, "", "")
    if top.positionals or top.rest or any(option.value for option in top.options):
        raise GeneratorError("vdbgsh's own options and arguments must be flags (the scripts look for the subcommand)")
    commands = tuple(_read_command(subparsers[0].choices[name], name, help) for name, help in shown.items())
    connect_flags = sorted(
        {
            flag
            for command in commands
            for option in command.options
            if option.value and option.value.kind == "uri"
            for flag in option.flags
        }
    )
    listing = {command.name: command for command in commands}.get("list")
    list_uri = [option for option in listing.options if option.value and option.value.kind == "uri"] if listing else []
    if not list_uri:
        raise GeneratorError("domain names come from `vdbgsh list --name`, which needs an option of metavar URI")
    return Cli(top, commands, tuple(connect_flags), max(list_uri[0].flags, key=len))


def _read_command(parser: argparse.ArgumentParser, name: str, help: str) -> Command:
    formatter = parser._get_formatter()
    grouped: dict[argparse.Action, list[str]] = {}
    for group in parser._mutually_exclusive_groups:
        flags = [flag for action in group._group_actions for flag in action.option_strings]
        for action in group._group_actions:
            grouped[action] = flags
    options: list[Option] = []
    positionals: list[Value] = []
    rest: Value | None = None
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, argparse._SubParsersAction):
            continue
        if action.option_strings:
            options.append(_read_option(name, action, formatter, grouped.get(action, [])))
            continue
        if rest is not None:
            raise GeneratorError(f"{name}: a positional after one that takes every further word")
        slots, rest = _read_positional(name, action)
        positionals.extend(slots)
    return Command(name, _one_line(help), tuple(options), tuple(positionals), rest)


def _read_option(command: str, action: argparse.Action, formatter: argparse.HelpFormatter, group: list[str]) -> Option:
    where = f"{command or 'vdbgsh'} {action.option_strings[-1]}"
    repeats = isinstance(action, argparse._AppendAction | argparse._AppendConstAction | argparse._CountAction)
    if action.nargs == 0:
        value = None
    elif action.nargs in (None, 1):
        value = _read_value(command, action, list(action.option_strings))
    else:
        raise GeneratorError(f"{where}: nargs={action.nargs!r} is not supported; teach {HERE} about it")
    own = [] if repeats else list(action.option_strings)
    # A repeating option in a mutually exclusive group (events -c) excludes the others, not itself.
    others = [flag for flag in group if not repeats or flag not in action.option_strings]
    excludes = tuple(dict.fromkeys([*own, *others]))
    alone = isinstance(action, argparse._HelpAction | argparse._VersionAction)
    help = _one_line(formatter._expand_help(action)) if action.help else ""
    return Option(tuple(action.option_strings), help, value, excludes, repeats, alone)


def _read_positional(command: str, action: argparse.Action) -> tuple[list[Value], Value | None]:
    """The slots of a positional and what repeats after them. A metavar may name several words:
    ``DOMAIN COMMAND [key=value ...]`` is a DOMAIN, a COMMAND, then any number of key=value."""
    metavar = action.metavar if isinstance(action.metavar, str) else action.dest
    match = re.fullmatch(r"(?P<fixed>[^\s\[]+(?: [^\s\[]+)*)(?: \[(?P<repeated>\S+) \.\.\.\])?", metavar)
    if match is None or action.choices is not None:
        raise GeneratorError(f"{command}: positional {metavar!r} is not supported; teach {HERE} about it")
    fixed = [_read_value(command, action, [], name) for name in match["fixed"].split()]
    repeated = _read_value(command, action, [], match["repeated"]) if match["repeated"] else None
    if action.nargs in (None, 1, "?") and len(fixed) == 1 and not repeated:
        return fixed, None
    if action.nargs in ("*", "+") and repeated:
        return fixed, repeated
    if action.nargs in ("*", "+") and len(fixed) == 1:
        return [], fixed[0]
    raise GeneratorError(f"{command}: positional {metavar!r} with nargs={action.nargs!r} is not supported here")


def _read_value(command: str, action: argparse.Action, flags: list[str], name: str | None = None) -> Value:
    name = name or (action.metavar if isinstance(action.metavar, str) else action.dest.upper())
    if action.choices is not None:
        return Value(name, "choices", tuple(str(choice) for choice in action.choices))
    if isinstance(action.type, argparse.FileType):
        return Value(name, "file")
    for key in (*flags, name):
        if (command, key) in KIND_OVERRIDES:
            return Value(name, KIND_OVERRIDES[command, key])
    if name not in VALUE_KINDS:
        where = f"{command or 'vdbgsh'} {flags[-1] if flags else 'positional'}"
        raise GeneratorError(
            f'{where}: how does a {name} complete? Add {name!r} to VALUE_KINDS in {HERE} ("none" when there '
            "is nothing to offer), or give the option a metavar it knows (FILE, DIR, DOMAIN ...)."
        )
    return Value(name, VALUE_KINDS[name])


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fill(template: str, **slots: str | list[str]) -> str:
    """The template with ``@@name@@`` replaced: a line that is only a marker by the lines of a list, indented
    as the marker; a marker within a line by a string."""
    out: list[str] = []
    for line in template.splitlines():
        marker = re.fullmatch(r"(\s*)@@(\w+)@@", line)
        if marker and isinstance(slots[marker[2]], list):
            out += [marker[1] + item if item else "" for item in slots[marker[2]]]
            continue
        out.append(re.sub(r"@@(\w+)@@", lambda match: str(slots[match[1]]), line))
    return "\n".join(out) + "\n"


GENERATED = """\
# Generated from vdbgsh's argparse parser by scripts/gen_completions.py (make completions): do not edit.
# Live words come from vdbgsh itself: domains from `vdbgsh list --name` (with the line's -c URI), QMP command
# and event names from `vdbgsh _complete-words` (the schema cache; nothing is contacted)."""


# ---------------------------------------------------------------------------------------------------- bash

BASH = r"""# bash completion for vdbgsh. bash-completion loads it from .../bash-completion/completions/vdbgsh;
# without bash-completion, source it from ~/.bashrc.
@@generated@@

# _vdbgsh_options COMMAND: COMMAND's options (vdbgsh's own for ''), in REPLY.
_vdbgsh_options() {
    case $1 in
    @@options@@
    *) REPLY=() ;;
    esac
}

# _vdbgsh_value COMMAND OPTION: how OPTION's value completes, in REPLY (a kind, then any choices); fails
# when OPTION takes no value.
_vdbgsh_value() {
    case "$1 $2" in
    @@values@@
    *) return 1 ;;
    esac
}

# _vdbgsh_positional COMMAND N NO_DOMAIN: how COMMAND's positional number N (from 0) completes, in REPLY.
# NO_DOMAIN set: an option on the line (--qmp) means there is no DOMAIN.
_vdbgsh_positional() {
    local -a slots=()
    local rest=none slot
    case $1 in
    @@positionals@@
    esac
    if [[ $3 ]]; then
        local -a kept=()
        for slot in "${slots[@]}"; do
            [[ $slot == *domain ]] || kept+=("$slot")
        done
        slots=("${kept[@]}")
        [[ $rest == *domain ]] && rest=none
    fi
    REPLY=("${slots[$2]-$rest}")
}

# _vdbgsh_candidates KIND [CHOICE ...]: the candidates of KIND for $cur, in COMPREPLY. Live ones come from
# $program, with $connection (the line's libvirt URI) for domains.
_vdbgsh_candidates() {
    local kind=$1 word
    local -a ask=()
    shift
    case $kind in
    choices) COMPREPLY=($(compgen -W "$*" -- "$cur")) ;;
    file)
        if declare -F _filedir >/dev/null; then
            _filedir
        else
            COMPREPLY=($(compgen -f -- "$cur"))
            compopt -o filenames
        fi
        ;;
    directory)
        if declare -F _filedir >/dev/null; then
            _filedir -d
        else
            COMPREPLY=($(compgen -d -- "$cur"))
            compopt -o filenames
        fi
        ;;
    uri) COMPREPLY=($(compgen -W "@@uris@@" -- "$cur")) ;;
    qmp-address)
        if [[ $cur == unix:* ]]; then
            while IFS= read -r word; do
                if [[ -d $word ]]; then word+=/; elif [[ ! -S $word ]]; then continue; fi  # sockets only
                COMPREPLY+=("unix:$word")
            done < <(compgen -f -- "${cur#unix:}")
        else
            COMPREPLY=($(compgen -W unix: -- "$cur"))
        fi
        [[ ${#COMPREPLY[@]} == 1 && (${COMPREPLY[0]} == */ || ${COMPREPLY[0]} == unix:) ]] && compopt -o nospace
        ;;
    domain) ask=(list --name "${connection[@]}") ;;
    defined-domain) ask=(list --all --name "${connection[@]}") ;;
    command) ask=(_complete-words commands) ;;
    event) ask=(_complete-words events) ;;
    esac
    if ((${#ask[@]})); then
        while IFS= read -r word; do
            [[ $word == "$cur"* ]] && COMPREPLY+=("$word")
        done < <("$program" "${ask[@]}" 2>/dev/null)
    fi
}

_vdbgsh() {
    local cur prev words cword split=false
    if declare -F _init_completion >/dev/null; then
        _init_completion -s -n : || return
    else # bash's own words: --option=value and values with ':' complete less well
        cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]} words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    local program=${words[0]/#\~/$HOME} command= word option value value_of= no_domain= only_positionals=
    local -i i n=0
    local -a REPLY connection=()
    # The words before the cursor: the subcommand, then options with their values, and n positionals.
    for ((i = 1; i < cword; i++)); do
        word=${words[i]}
        if [[ $only_positionals || $word != -?* ]]; then
            if [[ $command ]]; then n+=1; else command=$word; fi
            continue
        fi
        if [[ $word == -- ]]; then
            only_positionals=1
            continue
        fi
        option=${word%%=*}
        [[ $word == --* ]] || option=${word:0:2} # -cURI
        _vdbgsh_value "$command" "$option" || continue
        if [[ $word != "$option" ]]; then
            value=${word#"$option"} value=${value#=}
        elif ((i + 1 < cword)); then
            value=${words[++i]}
        else
            value_of=$option # the word under the cursor is its value
            continue
        fi
        case ${REPLY[0]} in
        uri) connection=(@@list_connect@@ "$value") ;;
        qmp-address) no_domain=1 ;;
        esac
    done
    [[ $split == true ]] && value_of=$prev # --option=<Tab>
    COMPREPLY=()
    if [[ $value_of ]]; then
        _vdbgsh_value "$command" "$value_of" && _vdbgsh_candidates "${REPLY[@]}"
    elif [[ $cur == -* && ! $only_positionals ]]; then
        _vdbgsh_options "$command"
        COMPREPLY=($(compgen -W "${REPLY[*]}" -- "$cur"))
    elif [[ ! $command ]]; then
        COMPREPLY=($(compgen -W "@@commands@@" -- "$cur"))
    else
        _vdbgsh_positional "$command" $n "$no_domain"
        _vdbgsh_candidates "${REPLY[@]}"
    fi
    declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
    return 0
}

complete -F _vdbgsh vdbgsh
"""


def bash_script(cli: Cli) -> str:
    q = shlex.quote
    options = []
    for command in (cli.top, *cli.commands):
        options.append(f"{q(command.name)}) REPLY=({' '.join(flag for o in command.options for flag in o.flags)}) ;;")
    values = []
    for command in cli.commands:
        for option in command.options:
            if option.value:
                patterns = " | ".join(q(f"{command.name} {flag}") for flag in option.flags)
                kind = " ".join(q(word) for word in (option.value.kind, *option.value.choices))
                values.append(f"{patterns}) REPLY=({kind}) ;;")
    positionals = [
        f"{q(command.name)}) slots=({' '.join(v.kind for v in command.positionals)}) rest={_rest(command)} ;;"
        for command in cli.commands
    ]
    return _fill(
        BASH,
        generated=GENERATED,
        options=options,
        values=values,
        positionals=positionals,
        uris=" ".join(LOCAL_URIS),
        list_connect=cli.list_connect,
        commands=" ".join(command.name for command in cli.commands),
    )


def _rest(command: Command) -> str:
    return command.rest.kind if command.rest else "none"


# ----------------------------------------------------------------------------------------------------- zsh

ZSH = r"""#compdef vdbgsh
# zsh completion for vdbgsh. compinit autoloads it as _vdbgsh from a directory on $fpath; or source it after
# compinit.
@@generated@@

_vdbgsh() {
    local curcontext=$curcontext state state_descr line ret=1
    local _vdbgsh_program=${words[1]/#\~/$HOME}
    local -A opt_args
    _arguments -C : \
        @@top_options@@
        '1: :->command' \
        '*:: :->argument' && ret=0
    case $state in
    (command)
        local -a subcommands=(
            @@commands@@
        )
        _describe -t commands 'vdbgsh command' subcommands && ret=0
        ;;
    (argument)
        curcontext=${curcontext%:*:*}:vdbgsh-$words[1]:
        case $words[1] in
        @@dispatch@@
        esac
        ;;
    esac
    return ret
}

@@command_functions@@
# The libvirt URI on the line, as arguments for `vdbgsh list`, in reply.
_vdbgsh_connection() {
    local -i i
    reply=()
    for (( i = 2; i < CURRENT; i++ )); do
        case $words[i] in
        @@connection@@
        esac
    done
}

# The actions below take the compadd options _arguments passes.

# _vdbgsh_ask TAG VDBGSH-ARGUMENT ...: what vdbgsh prints for these arguments, a word a line, in reply.
_vdbgsh_ask() {
    reply=(${(f)"$(_call_program $1 ${(q)_vdbgsh_program} ${(q)@[2,-1]} 2>/dev/null)"})
}

# The running domains of the connection on the line.
_vdbgsh_domains() {
    local -a reply expl
    _vdbgsh_connection
    _vdbgsh_ask domains list --name $reply
    _wanted domains expl domain compadd "$@" -a reply
}

# Every defined domain of the connection on the line.
_vdbgsh_defined_domains() {
    local -a reply expl
    _vdbgsh_connection
    _vdbgsh_ask domains list --all --name $reply
    _wanted domains expl domain compadd "$@" -a reply
}

_vdbgsh_commands() {
    local -a reply expl
    _vdbgsh_ask qmp-commands _complete-words commands
    _wanted qmp-commands expl 'QMP command' compadd "$@" -a reply
}

_vdbgsh_events() {
    local -a reply expl
    _vdbgsh_ask qmp-events _complete-words events
    _wanted qmp-events expl 'QMP event' compadd "$@" -a reply
}

_vdbgsh_uris() {
    local expl
    _wanted uris expl 'libvirt URI' compadd "$@" @@uris@@
}

_vdbgsh_qmp_address() {
    local expl
    if compset -P 'unix:'; then
        _files "$@" -g '*(=)'  # sockets (and directories, to walk into)
    else
        _wanted qmp-addresses expl 'QMP socket (unix:PATH or HOST:PORT)' compadd "$@" -S '' unix:
    fi
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
    _vdbgsh "$@"
else
    compdef _vdbgsh vdbgsh
fi
"""

ZSH_ACTIONS = {
    "none": " ",
    "file": "_files",
    "directory": "_files -/",
    "uri": "_vdbgsh_uris",
    "qmp-address": "_vdbgsh_qmp_address",
    "domain": "_vdbgsh_domains",
    "defined-domain": "_vdbgsh_defined_domains",
    "command": "_vdbgsh_commands",
    "event": "_vdbgsh_events",
}


def _zsh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def _zsh_value(value: Value) -> str:
    """``NAME:action`` of an _arguments spec."""
    if value.kind == "choices":
        action = "(" + " ".join(re.sub(r"([\\\s()'\":])", r"\\\1", choice) for choice in value.choices) + ")"
    else:
        action = ZSH_ACTIONS[value.kind]
    return value.name.replace(":", "\\:") + ":" + action


def _zsh_option_specs(option: Option) -> list[str]:
    exclusions = "(- *)" if option.alone else f"({' '.join(option.excludes)})" if option.excludes else ""
    description = "[" + re.sub(r"([\\\[\]])", r"\\\1", option.help) + "]"
    specs = []
    for flag in option.flags:
        # zsh reads the exclusion list first: '(--qmp)*-c+', never '*(--qmp)-c+' (which breaks every spec).
        spec = exclusions + ("*" if option.repeats else "") + flag
        if option.value:
            # --flag=VALUE or --flag VALUE; -fVALUE or -f VALUE
            spec += ("=" if flag.startswith("--") else "+") + description + ":" + _zsh_value(option.value)
        else:
            spec += description
        specs.append(_zsh_quote(spec) + " \\")
    return specs


def _zsh_positional_specs(command: Command, *, domain: bool) -> list[str]:
    slots = [value for value in command.positionals if domain or value.kind not in DOMAIN_KINDS]
    specs = [f"{index}:{_zsh_value(value)}" for index, value in enumerate(slots, 1)]
    if command.rest and (domain or command.rest.kind not in DOMAIN_KINDS):
        specs.append(f"*:{_zsh_value(command.rest)}")
    return [_zsh_quote(spec) for spec in specs]


def _zsh_function(command: Command) -> str:
    """The function of a subcommand: _vdbgsh-exec (the helpers' names have no '-')."""
    return "_vdbgsh-" + command.name


def _zsh_array(assignment: str, items: list[str]) -> list[str]:
    if not items:
        return [assignment + "()"]
    return [assignment + "(", *(" " * 8 + item for item in items), "    )"]


def zsh_script(cli: Cli) -> str:
    functions = []
    for command in cli.commands:
        functions.append(f"{_zsh_function(command)}() {{")
        functions += _zsh_array("    local -a positionals=", _zsh_positional_specs(command, domain=True))
        domainless = [
            flag
            for option in command.options
            if option.value and option.value.kind == DOMAINLESS_KIND
            for flag in option.flags
        ]
        if domainless and any(value.kind in DOMAIN_KINDS for value in (*command.positionals, command.rest) if value):
            pattern = "|".join(f"{flag}|{flag}=*" for flag in domainless)
            functions.append(f"    # {' '.join(domainless)}: there is no DOMAIN.")
            functions += _zsh_array(
                f"    (( ${{words[(I)({pattern})]}} )) && positionals=", _zsh_positional_specs(command, domain=False)
            )
        functions.append("    _arguments -s -S : \\")
        functions += ["        " + spec for option in command.options for spec in _zsh_option_specs(option)]
        functions += ["        $positionals", "}", ""]
    connection = []
    for flag in cli.connect_flags:
        attached = f"{flag}=*" if flag.startswith("--") else f"{flag}?*"
        cut = f"{flag}=" if flag.startswith("--") else flag
        connection.append(f"({flag}) reply=({cli.list_connect} ${{(Q)words[i+1]}}) ;;")
        connection.append(f"({attached}) reply=({cli.list_connect} ${{(Q)words[i]#{cut}}}) ;;")
    return _fill(
        ZSH,
        generated=GENERATED,
        top_options=[spec for option in cli.top.options for spec in _zsh_option_specs(option)],
        commands=[_zsh_quote(command.name.replace(":", "\\:") + ":" + command.help) for command in cli.commands],
        dispatch=[f"({command.name}) {_zsh_function(command)} && ret=0 ;;" for command in cli.commands],
        command_functions=functions,
        connection=connection,
        uris=" ".join(LOCAL_URIS),
    )


# ---------------------------------------------------------------------------------------------------- fish

FISH = r"""# fish completion for vdbgsh. fish loads it from ~/.config/fish/completions/vdbgsh.fish (or any directory
# on $fish_complete_path).
@@generated@@

# __vdbgsh_value_kind COMMAND OPTION: print how OPTION's value completes; fail when it takes no value.
function __vdbgsh_value_kind --argument-names command option
    switch "$command $option"
        @@values@@
        case '*'
            return 1
    end
end

# The subcommand on the line, '-' before there is one: the first word that is not an option (vdbgsh's own
# options are all flags).
function __vdbgsh_command
    for token in (commandline -opc)[2..-1]
        if not string match -q -- '-*' $token
            echo $token
            return
        end
    end
    echo -
end

function __vdbgsh_using --argument-names command
    test (__vdbgsh_command) = "$command"
end

# The words before the cursor: print the subcommand ('-' before there is one), how many positionals follow
# it, 1 when an option (--qmp) means there is no DOMAIN (else 0), then the line's libvirt URI as arguments
# for `vdbgsh list`.
function __vdbgsh_scan
    set -l tokens (commandline -opc)
    set -l command -
    set -l count 0
    set -l no_domain 0
    set -l connection
    set -l only_positionals 0
    set -l i 2
    while test $i -le (count $tokens)
        set -l token $tokens[$i]
        set i (math $i + 1)
        if test $only_positionals = 1; or not string match -qr -- '^-.' $token
            if test $command = -
                set command $token
            else
                set count (math $count + 1)
            end
            continue
        end
        if test $token = --
            set only_positionals 1
            continue
        end
        set -l option (string replace -r -- '=.*' '' $token)
        string match -qr -- '^-[^-]' $token; and set option (string sub -l 2 -- $token) # -cURI
        set -l kind (__vdbgsh_value_kind $command $option); or continue
        set -l value
        if test $option != $token
            set value (string sub -s (math (string length -- $option) + 1) -- $token | string replace -r -- '^=' '')
        else if test $i -le (count $tokens)
            set value $tokens[$i]
            set i (math $i + 1)
        end
        switch $kind
            case uri
                set connection @@list_connect@@ $value
            case qmp-address
                set no_domain 1
        end
    end
    printf '%s\n' $command $count $no_domain $connection
end

# The candidates for the positional under the cursor.
function __vdbgsh_positional
    set -l scan (__vdbgsh_scan)
    set -l slots
    set -l rest none
    switch $scan[1]
        @@positionals@@
    end
    if test $scan[3] = 1 # no DOMAIN
        set -l kept
        for slot in $slots
            string match -q -- '*domain' $slot; or set -a kept $slot
        end
        set slots $kept
        string match -q -- '*domain' $rest; and set rest none
    end
    set -l n (math $scan[2] + 1)
    set -l kind $rest
    set -q slots[$n]; and set kind $slots[$n]
    __vdbgsh_words $kind
end

# __vdbgsh_words KIND: the candidates of a kind of value; live ones from vdbgsh itself.
function __vdbgsh_words --argument-names kind
    set -l program (string replace -r -- '^~' $HOME (commandline -opc)[1])
    switch $kind
        case domain
            $program list --name (__vdbgsh_scan)[4..-1] 2>/dev/null
        case defined-domain
            $program list --all --name (__vdbgsh_scan)[4..-1] 2>/dev/null
        case command
            $program _complete-words commands 2>/dev/null
        case event
            $program _complete-words events 2>/dev/null
        case uri
            printf '%s\n' @@uris@@
        case qmp-address
            set -l token (commandline -ct | string replace -r -- '^--?[^=]*=' '')
            if string match -q -- 'unix:*' $token
                for path in (__fish_complete_path (string sub -s 6 -- $token))
                    set -l file (string replace -r -- '\t.*' '' $path)
                    if test -S $file; or test -d $file  # sockets only (and directories, to walk into)
                        echo unix:$path
                    end
                end
            else
                echo unix:
            end
        case file
            __fish_complete_path (commandline -ct | string replace -r -- '^--?[^=]*=' '')
        case directory
            __fish_complete_directories (commandline -ct | string replace -r -- '^--?[^=]*=' '')
    end
end

complete -c vdbgsh -f # file names only where an option takes a file
@@completions@@
"""


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_flags(flags: tuple[str, ...]) -> str:
    return " ".join(
        f"-l {flag[2:]}" if flag.startswith("--") else f"-s {flag[1]}" if len(flag) == 2 else f"-o {flag[1:]}"
        for flag in flags
    )


def _fish_value(value: Value) -> str:
    if value.kind == "choices":
        return "-x -a " + _fish_quote(" ".join(value.choices))
    if value.kind == "file":
        return "-r -F"
    if value.kind == "none":
        return "-x"
    return f"-x -a '(__vdbgsh_words {value.kind})'"


def fish_script(cli: Cli) -> str:
    values = []
    for command in cli.commands:
        for option in command.options:
            if option.value:
                values.append("case " + " ".join(_fish_quote(f"{command.name} {flag}") for flag in option.flags))
                values.append(f"    echo {option.value.kind}")
    positionals = []
    for command in cli.commands:
        positionals.append(f"case {_fish_quote(command.name)}")
        if command.positionals:
            positionals.append(f"    set slots {' '.join(value.kind for value in command.positionals)}")
        positionals.append(f"    set rest {_rest(command)}")
    completions = []
    for option in cli.top.options:
        completions.append(
            f"complete -c vdbgsh -n '__vdbgsh_using -' {_fish_flags(option.flags)} -d {_fish_quote(option.help)}"
        )
    for command in cli.commands:
        completions.append(
            f"complete -c vdbgsh -n '__vdbgsh_using -' -a {_fish_quote(command.name)} -d {_fish_quote(command.help)}"
        )
    for command in cli.commands:
        using = "-n " + _fish_quote(f"__vdbgsh_using {command.name}")
        completions.append("")
        for option in command.options:
            value = " " + _fish_value(option.value) if option.value else ""
            completions.append(
                f"complete -c vdbgsh {using} {_fish_flags(option.flags)}{value} -d {_fish_quote(option.help)}"
            )
        if command.positionals or command.rest:
            completions.append(f"complete -c vdbgsh {using} -a '(__vdbgsh_positional)'")
    return _fill(
        FISH,
        generated=GENERATED,
        values=values,
        positionals=positionals,
        completions=completions,
        list_connect=cli.list_connect,
        uris=" ".join(LOCAL_URIS),
    )


def generate(parser: argparse.ArgumentParser) -> dict[str, str]:
    """The scripts, by file name."""
    cli = read_cli(parser)
    return dict(zip(OUTPUTS, (bash_script(cli), zsh_script(cli), fish_script(cli)), strict=True))


def main(argv: list[str] | None = None) -> int:
    arguments = argparse.ArgumentParser(description="Write vdbgsh's shell completion scripts.")
    arguments.add_argument("--output-dir", type=Path, default=ROOT / "completions", metavar="DIR")
    options = arguments.parse_args(argv)
    try:
        scripts = generate(build_parser())
    except GeneratorError as err:
        print(f"gen_completions: {err}", file=sys.stderr)
        return 1
    options.output_dir.mkdir(parents=True, exist_ok=True)
    for name, text in scripts.items():
        (options.output_dir / name).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
