# fish completion for vdbgsh. fish loads it from ~/.config/fish/completions/vdbgsh.fish (or any directory
# on $fish_complete_path).
# Generated from vdbgsh's argparse parser by scripts/gen_completions.py (make completions): do not edit.
# Live words come from vdbgsh itself: domains from `vdbgsh list --name` (with the line's -c URI), QMP command
# and event names from `vdbgsh _complete-words` (the schema cache; nothing is contacted).

# __vdbgsh_value_kind COMMAND OPTION: print how OPTION's value completes; fail when it takes no value.
function __vdbgsh_value_kind --argument-names command option
    switch "$command $option"
        case 'exec -c' 'exec --connect'
            echo uri
        case 'exec --qmp'
            echo qmp-address
        case 'exec --domain'
            echo domain
        case 'exec --parallel'
            echo none
        case 'exec --output'
            echo choices
        case 'exec --agent-timeout'
            echo none
        case 'exec --timeout'
            echo none
        case 'exec --log'
            echo file
        case 'list -c' 'list --connect'
            echo uri
        case 'attach -c' 'attach --connect'
            echo uri
        case 'attach --qmp'
            echo qmp-address
        case 'attach --pane'
            echo choices
        case 'attach --events-buffer'
            echo none
        case 'attach --agent-timeout'
            echo none
        case 'attach --log'
            echo file
        case 'translate -c' 'translate --connect'
            echo uri
        case 'translate -d' 'translate --domain'
            echo domain
        case 'translate --qmp'
            echo qmp-address
        case 'events -c' 'events --connect'
            echo uri
        case 'events --qmp'
            echo qmp-address
        case 'events --event'
            echo event
        case 'events --count'
            echo none
        case 'events --timeout'
            echo none
        case 'replay -c' 'replay --connect'
            echo uri
        case 'replay --qmp'
            echo qmp-address
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
                set connection --connect $value
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
        case 'exec'
            set slots domain command
            set rest none
        case 'list'
            set rest domain
        case 'attach'
            set slots domain
            set rest none
        case 'translate'
            set rest none
        case 'events'
            set rest defined-domain
        case 'replay'
            set slots file domain
            set rest none
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
            printf '%s\n' qemu:///system qemu:///session
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
complete -c vdbgsh -n '__vdbgsh_using -' -s h -l help -d 'show this help message and exit'
complete -c vdbgsh -n '__vdbgsh_using -' -l version -d 'show program\'s version number and exit'
complete -c vdbgsh -n '__vdbgsh_using -' -a 'exec' -d 'run one QMP command (or a batch from stdin) and print the reply'
complete -c vdbgsh -n '__vdbgsh_using -' -a 'list' -d 'list the domains of a libvirt connection'
complete -c vdbgsh -n '__vdbgsh_using -' -a 'attach' -d 'open the interactive shell on a guest'
complete -c vdbgsh -n '__vdbgsh_using -' -a 'translate' -d 'show the QMP an HMP (text monitor) line becomes'
complete -c vdbgsh -n '__vdbgsh_using -' -a 'events' -d 'follow the live QMP events of guests (a tail view)'
complete -c vdbgsh -n '__vdbgsh_using -' -a 'replay' -d 'send a transcript\'s requests again (--log FILE records one), or print them as a script'

complete -c vdbgsh -n '__vdbgsh_using exec' -s h -l help -d 'show this help message and exit'
complete -c vdbgsh -n '__vdbgsh_using exec' -s c -l connect -x -a '(__vdbgsh_words uri)' -d 'libvirt URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system); repeat for several hosts (see \'Many guests\' below)'
complete -c vdbgsh -n '__vdbgsh_using exec' -l qmp -x -a '(__vdbgsh_words qmp-address)' -d 'talk to a plain QEMU\'s QMP socket instead of libvirt: unix:PATH or HOST:PORT (no DOMAIN then)'
complete -c vdbgsh -n '__vdbgsh_using exec' -l domain -x -a '(__vdbgsh_words domain)' -d 'every running domain whose name matches GLOB (\'web-*\'), on each host; repeatable (then no DOMAIN word)'
complete -c vdbgsh -n '__vdbgsh_using exec' -l all -d 'every running domain of each host (no DOMAIN word)'
complete -c vdbgsh -n '__vdbgsh_using exec' -l parallel -x -d 'requests in flight per host (default 8 on this machine, 32 on a remote host)'
complete -c vdbgsh -n '__vdbgsh_using exec' -l output -x -a 'table json' -d 'table (the default on a terminal) or json: one object per reply, the reply in full (piped default)'
complete -c vdbgsh -n '__vdbgsh_using exec' -s y -l yes -d 'send commands that change what libvirt tracks (stop, device_add, ...) without asking first'
complete -c vdbgsh -n '__vdbgsh_using exec' -l read-only -d 'refuse every command that is not read-only (also: read_only = true in ~/.config/vdbgsh/config.toml)'
complete -c vdbgsh -n '__vdbgsh_using exec' -l agent -d 'talk to the guest agent (qemu-ga) through libvirt instead of QEMU\'s monitor (like virsh qemu-agent-command; guest-* commands, no HMP, no events)'
complete -c vdbgsh -n '__vdbgsh_using exec' -l agent-timeout -x -d 'how long libvirt waits for the agent: block, default (libvirt\'s own), nowait (fails unless the agent answers at once), or seconds'
complete -c vdbgsh -n '__vdbgsh_using exec' -l raw -d 'print the whole QMP reply, not only its return'
complete -c vdbgsh -n '__vdbgsh_using exec' -l keep-going -d 'with COMMAND \'-\': go on after a failed command'
complete -c vdbgsh -n '__vdbgsh_using exec' -l transaction -d 'send the actions that follow DOMAIN as one QMP transaction (all take effect, or none): each \'TYPE key=value ...\' (or its JSON), key=value words before the first are its properties (completion-mode=grouped); \'-\' reads the actions from stdin, one per line; across several guests, each gets the whole transaction'
complete -c vdbgsh -n '__vdbgsh_using exec' -l dry-run -d 'check the request against the guest\'s schema and print it, unsent'
complete -c vdbgsh -n '__vdbgsh_using exec' -l no-validate -d 'send arguments as typed (JSON literal, else string) without checking them against the schema'
complete -c vdbgsh -n '__vdbgsh_using exec' -l pretty -d 'indented JSON even when piped'
complete -c vdbgsh -n '__vdbgsh_using exec' -l compact -d 'one-line JSON even on a terminal'
complete -c vdbgsh -n '__vdbgsh_using exec' -l timeout -x -d 'give up after SECONDS without a reply (or, connecting, without an answer from libvirtd) and exit 124 (a command sent may still run in QEMU: libvirt keeps waiting for its reply); Ctrl-C stops waiting at any time (exit 130)'
complete -c vdbgsh -n '__vdbgsh_using exec' -l log -r -F -d 'record requests, replies and events in FILE as JSON lines (secrets masked; created 0600, appended to)'
complete -c vdbgsh -n '__vdbgsh_using exec' -a '(__vdbgsh_positional)'

complete -c vdbgsh -n '__vdbgsh_using list' -s h -l help -d 'show this help message and exit'
complete -c vdbgsh -n '__vdbgsh_using list' -s c -l connect -x -a '(__vdbgsh_words uri)' -d 'libvirt URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system); repeat for several hosts'
complete -c vdbgsh -n '__vdbgsh_using list' -l all -d 'include inactive domains'
complete -c vdbgsh -n '__vdbgsh_using list' -l name -d 'print bare names only, one per line'
complete -c vdbgsh -n '__vdbgsh_using list' -a '(__vdbgsh_positional)'

complete -c vdbgsh -n '__vdbgsh_using attach' -s h -l help -d 'show this help message and exit'
complete -c vdbgsh -n '__vdbgsh_using attach' -s c -l connect -x -a '(__vdbgsh_words uri)' -d 'libvirt URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system)'
complete -c vdbgsh -n '__vdbgsh_using attach' -l qmp -x -a '(__vdbgsh_words qmp-address)' -d 'talk to a plain QEMU\'s QMP socket instead of libvirt: unix:PATH or HOST:PORT (no DOMAIN then)'
complete -c vdbgsh -n '__vdbgsh_using attach' -l scratch -d 'start a transient diskless guest (libvirt when reachable, else a plain QEMU) and destroy it at exit'
complete -c vdbgsh -n '__vdbgsh_using attach' -l pane -x -a 'auto right below off' -d 'where the live events pane goes: beside the transcript from 100 columns on, else below it (auto); off starts with it hidden (F2 shows it)'
complete -c vdbgsh -n '__vdbgsh_using attach' -l events-buffer -x -d 'how many events the pane keeps (the oldest are dropped and counted; default 10000)'
complete -c vdbgsh -n '__vdbgsh_using attach' -s y -l yes -d 'send commands that change what libvirt tracks (stop, device_add, ...) without asking first'
complete -c vdbgsh -n '__vdbgsh_using attach' -l read-only -d 'refuse every command that is not read-only (also: read_only = true in ~/.config/vdbgsh/config.toml)'
complete -c vdbgsh -n '__vdbgsh_using attach' -l agent -d 'talk to the guest agent (qemu-ga) through libvirt instead of QEMU\'s monitor (like virsh qemu-agent-command; guest-* commands, no HMP, no events)'
complete -c vdbgsh -n '__vdbgsh_using attach' -l agent-timeout -x -d 'how long libvirt waits for the agent: block, default (libvirt\'s own), nowait (fails unless the agent answers at once), or seconds'
complete -c vdbgsh -n '__vdbgsh_using attach' -l log -r -F -d 'record requests, replies and events in FILE as JSON lines (secrets masked; created 0600, appended to)'
complete -c vdbgsh -n '__vdbgsh_using attach' -a '(__vdbgsh_positional)'

complete -c vdbgsh -n '__vdbgsh_using translate' -s h -l help -d 'show this help message and exit'
complete -c vdbgsh -n '__vdbgsh_using translate' -s c -l connect -x -a '(__vdbgsh_words uri)' -d 'libvirt URI (with --domain)'
complete -c vdbgsh -n '__vdbgsh_using translate' -s d -l domain -x -a '(__vdbgsh_words domain)' -d 'check against this libvirt domain\'s schema'
complete -c vdbgsh -n '__vdbgsh_using translate' -l qmp -x -a '(__vdbgsh_words qmp-address)' -d 'check against this QMP socket\'s schema'
complete -c vdbgsh -n '__vdbgsh_using translate' -a '(__vdbgsh_positional)'

complete -c vdbgsh -n '__vdbgsh_using events' -s h -l help -d 'show this help message and exit'
complete -c vdbgsh -n '__vdbgsh_using events' -s c -l connect -x -a '(__vdbgsh_words uri)' -d 'libvirt URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system); repeat to follow several hosts at once, each line naming its host'
complete -c vdbgsh -n '__vdbgsh_using events' -l qmp -x -a '(__vdbgsh_words qmp-address)' -d 'talk to a plain QEMU\'s QMP socket instead of libvirt: unix:PATH or HOST:PORT (no DOMAIN then)'
complete -c vdbgsh -n '__vdbgsh_using events' -l event -x -a '(__vdbgsh_words event)' -d 'only events whose name matches GLOB (e.g. \'BLOCK_JOB_*\'); repeat for alternatives'
complete -c vdbgsh -n '__vdbgsh_using events' -l regex -d 'treat each --event as a regular expression searched in the name'
complete -c vdbgsh -n '__vdbgsh_using events' -l no-case -d 'match --event patterns ignoring case'
complete -c vdbgsh -n '__vdbgsh_using events' -l json -d 'one compact JSON object per line, flushed at once'
complete -c vdbgsh -n '__vdbgsh_using events' -l count -x -d 'exit after N events'
complete -c vdbgsh -n '__vdbgsh_using events' -l timeout -x -d 'exit after S seconds'
complete -c vdbgsh -n '__vdbgsh_using events' -l wait -d 'wait for a named DOMAIN libvirt does not know yet (else an error)'
complete -c vdbgsh -n '__vdbgsh_using events' -a '(__vdbgsh_positional)'

complete -c vdbgsh -n '__vdbgsh_using replay' -s h -l help -d 'show this help message and exit'
complete -c vdbgsh -n '__vdbgsh_using replay' -s c -l connect -x -a '(__vdbgsh_words uri)' -d 'libvirt URI (default: $LIBVIRT_DEFAULT_URI, else qemu:///system)'
complete -c vdbgsh -n '__vdbgsh_using replay' -l qmp -x -a '(__vdbgsh_words qmp-address)' -d 'talk to a plain QEMU\'s QMP socket instead of libvirt: unix:PATH or HOST:PORT (no DOMAIN then)'
complete -c vdbgsh -n '__vdbgsh_using replay' -s y -l yes -d 'send commands that change what libvirt tracks (stop, device_add, ...) without asking first'
complete -c vdbgsh -n '__vdbgsh_using replay' -l read-only -d 'refuse every command that is not read-only (also: read_only = true in ~/.config/vdbgsh/config.toml)'
complete -c vdbgsh -n '__vdbgsh_using replay' -l dry-run -d 'print the requests, unsent'
complete -c vdbgsh -n '__vdbgsh_using replay' -l script -d 'print a bash script of vdbgsh exec lines doing the same (its first argument: another DOMAIN)'
complete -c vdbgsh -n '__vdbgsh_using replay' -l skip-masked -d 'leave out requests whose secret was masked'
complete -c vdbgsh -n '__vdbgsh_using replay' -l raw -d 'print whole QMP replies, not only their return'
complete -c vdbgsh -n '__vdbgsh_using replay' -a '(__vdbgsh_positional)'
