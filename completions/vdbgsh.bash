# bash completion for vdbgsh. bash-completion loads it from .../bash-completion/completions/vdbgsh;
# without bash-completion, source it from ~/.bashrc.
# Generated from vdbgsh's argparse parser by scripts/gen_completions.py (make completions): do not edit.
# Live words come from vdbgsh itself: domains from `vdbgsh list --name` (with the line's -c URI), QMP command
# and event names from `vdbgsh _complete-words` (the schema cache; nothing is contacted).

# _vdbgsh_options COMMAND: COMMAND's options (vdbgsh's own for ''), in REPLY.
_vdbgsh_options() {
    case $1 in
    '') REPLY=(-h --help --version) ;;
    exec) REPLY=(-h --help -c --connect --qmp --domain --all --parallel --output -y --yes --read-only --agent --agent-timeout --raw --keep-going --transaction --dry-run --no-validate --pretty --compact --timeout --log) ;;
    list) REPLY=(-h --help -c --connect --all --name) ;;
    attach) REPLY=(-h --help -c --connect --qmp --scratch --pane --events-buffer -y --yes --read-only --agent --agent-timeout --log) ;;
    translate) REPLY=(-h --help -c --connect -d --domain --qmp) ;;
    events) REPLY=(-h --help -c --connect --qmp --event --regex --no-case --json --count --timeout --wait) ;;
    replay) REPLY=(-h --help -c --connect --qmp -y --yes --read-only --dry-run --script --skip-masked --raw) ;;
    *) REPLY=() ;;
    esac
}

# _vdbgsh_value COMMAND OPTION: how OPTION's value completes, in REPLY (a kind, then any choices); fails
# when OPTION takes no value.
_vdbgsh_value() {
    case "$1 $2" in
    'exec -c' | 'exec --connect') REPLY=(uri) ;;
    'exec --qmp') REPLY=(qmp-address) ;;
    'exec --domain') REPLY=(domain) ;;
    'exec --parallel') REPLY=(none) ;;
    'exec --output') REPLY=(choices table json) ;;
    'exec --agent-timeout') REPLY=(none) ;;
    'exec --timeout') REPLY=(none) ;;
    'exec --log') REPLY=(file) ;;
    'list -c' | 'list --connect') REPLY=(uri) ;;
    'attach -c' | 'attach --connect') REPLY=(uri) ;;
    'attach --qmp') REPLY=(qmp-address) ;;
    'attach --pane') REPLY=(choices auto right below off) ;;
    'attach --events-buffer') REPLY=(none) ;;
    'attach --agent-timeout') REPLY=(none) ;;
    'attach --log') REPLY=(file) ;;
    'translate -c' | 'translate --connect') REPLY=(uri) ;;
    'translate -d' | 'translate --domain') REPLY=(domain) ;;
    'translate --qmp') REPLY=(qmp-address) ;;
    'events -c' | 'events --connect') REPLY=(uri) ;;
    'events --qmp') REPLY=(qmp-address) ;;
    'events --event') REPLY=(event) ;;
    'events --count') REPLY=(none) ;;
    'events --timeout') REPLY=(none) ;;
    'replay -c' | 'replay --connect') REPLY=(uri) ;;
    'replay --qmp') REPLY=(qmp-address) ;;
    *) return 1 ;;
    esac
}

# _vdbgsh_positional COMMAND N NO_DOMAIN: how COMMAND's positional number N (from 0) completes, in REPLY.
# NO_DOMAIN set: an option on the line (--qmp) means there is no DOMAIN.
_vdbgsh_positional() {
    local -a slots=()
    local rest=none slot
    case $1 in
    exec) slots=(domain command) rest=none ;;
    list) slots=() rest=domain ;;
    attach) slots=(domain) rest=none ;;
    translate) slots=() rest=none ;;
    events) slots=() rest=defined-domain ;;
    replay) slots=(file domain) rest=none ;;
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
    uri) COMPREPLY=($(compgen -W "qemu:///system qemu:///session" -- "$cur")) ;;
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
        uri) connection=(--connect "$value") ;;
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
        COMPREPLY=($(compgen -W "exec list attach translate events replay" -- "$cur"))
    else
        _vdbgsh_positional "$command" $n "$no_domain"
        _vdbgsh_candidates "${REPLY[@]}"
    fi
    declare -F __ltrim_colon_completions >/dev/null && __ltrim_colon_completions "$cur"
    return 0
}

complete -F _vdbgsh vdbgsh
