#!/usr/bin/env bash
# The whole test suite on each QEMU + libvirt + Python stack named, one after the other, then what failed on each:
#   host  this machine's (Debian 12: QEMU 7.2, libvirt 9.0, Python 3.11), through .venv
#   sid   scripts/chroot.sh's Debian sid chroot (QEMU 11.1, libvirt 12.8, Python 3.14), through .venv-sid, the
#         checkout bound at the same path inside and the chroot's own libvirtd
#   all   both
# Every stack runs even when an earlier one failed; the exit status is 1 if any failed. Extra pytest arguments come
# from $PYTEST_ARGS, split on blanks (e.g. PYTEST_ARGS="-x -k hmp"). Each run's output is also kept in
# .setup/test-STACK.log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$top/.setup"
read -r -a extra <<<"${PYTEST_ARGS:-}"

case "${1:-host}" in
    host | sid) stacks=("$1") ;;
    all) stacks=(host sid) ;;
    *) echo "test_stacks.sh: unknown stack '$1'; pick host, sid or all (make test STACK=...)" >&2; exit 2 ;;
esac

run_host() {
    "$top/.venv/bin/pytest" "${extra[@]}"
}

run_sid() {
    bash "$top/scripts/setup.sh" sid
    # Its own pytest cache: the two stacks' last-failed lists are not the same.
    bash "$top/scripts/chroot.sh" run /bin/bash -c 'cd "$1" && shift && exec .venv-sid/bin/pytest -o cache_dir=.pytest_cache-sid "$@"' \
        bash "$top" "${extra[@]}"
}

# Both stacks: the sid daemon is brought up before the host's run, whose cross-stack fleet test reaches it (a
# machine restored from an image can keep the chroot's socket file with no daemon behind it). A failure here is
# reported by the sid run, which sets up again.
if [ "${#stacks[@]}" -gt 1 ]; then
    bash "$top/scripts/setup.sh" sid >/dev/null 2>&1 || true
fi

declare -A verdict
status=0
for stack in "${stacks[@]}"; do
    log="$top/.setup/test-$stack.log"
    printf '\n=== make test: the %s stack (log: %s) ===\n' "$stack" "$log"
    start=$SECONDS
    set +e
    "run_$stack" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    set -e
    took=$((SECONDS - start))
    # pytest's last line ("== 3 failed, 940 passed in 612.3s ==") and its -ra list of what failed
    last=$(grep -E '^=+ .*(passed|failed|error|no tests ran).* =+$' "$log" | tail -n 1 | tr -d '=' | sed 's/^ *//; s/ *$//')
    failed=$(grep -E '^(FAILED|ERROR) ' "$log" || true)
    verdict[$stack]="$stack: ${last:-no pytest summary (exit $rc)}; ${took}s wall"
    if [ "$rc" -ne 0 ]; then
        status=1
        verdict[$stack]+=$'\n'"${failed:-  (see $log)}"
    fi
done

printf '\n=== make test: per stack ===\n'
for stack in "${stacks[@]}"; do printf '%s\n' "${verdict[$stack]}"; done
exit "$status"
