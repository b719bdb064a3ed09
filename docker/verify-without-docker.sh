#!/usr/bin/env bash
# Check docker/Dockerfile on a machine without a Docker engine: build its two stages in
# debootstrap'ed Debian 12 (bookworm, minbase) roots with chroot, then run the image's
# ENTRYPOINT in the runtime root and check the server over the host's loopback.
#
# Run BY HAND, AS ROOT, from any directory:   sudo docker/verify-without-docker.sh
# Never from CI: it installs debootstrap, downloads packages from the Debian archive,
# mounts /proc into chroots and runs servers as root-created users.
#
# What it does:
#   - reads the Debian mirror from the host's apt sources (/etc/apt/sources.list and
#     /etc/apt/sources.list.d/*.list|*.sources), or from $DEBIAN_MIRROR (and
#     $DEBIAN_SECURITY_MIRROR); no other host is contacted.
#   - debootstraps one minbase bookworm root (standing in for debian:bookworm-slim) and
#     copies it for each stage.
#   - interprets the Dockerfile itself: FROM, RUN (literally, `/bin/sh -c` in the chroot,
#     with Docker's default environment), WORKDIR, COPY (honouring
#     docker/Dockerfile.dockerignore, root-owned like Docker's COPY), COPY --from=<stage>,
#     USER, ENTRYPOINT/CMD, STOPSIGNAL; VOLUME/EXPOSE/LABEL are noted. Anything else
#     (ENV, ARG, ADD, SHELL, heredocs, exec-form RUN, COPY flags other than --from, ...)
#     fails loudly, so a changed Dockerfile cannot be "verified" by silently skipping it.
#   - runs the final stage's ENTRYPOINT as its USER (uid/gid/groups/HOME from the root's
#     /etc/passwd and /etc/group) with AIDF_SERVER_TOKEN set, but with the --listen value
#     replaced by 127.0.0.1:<free port> (this is the host's network), and checks it with
#     curl; the refusal without a token is run with --listen 0.0.0.0:<free port> in a
#     private network namespace (unshare --net) when possible, bounded by a short timeout.
#   - prints PASS/FAIL per check and "N passed, M failed"; exits 1 when anything failed.
#
# Differences from a real `docker build`: debootstrap minbase is close to, not identical
# with, debian:bookworm-slim (the image also drops docs/man pages and has a few apt/dpkg
# tweaks), package versions are what the mirror serves today, and there are no layers,
# cgroups or capability drops (the server runs as an unprivileged uid, which has none).
#
# Environment:
#   VERIFY_WORKDIR=DIR     work directory (default /tmp/aidf-docker-verify)
#   VERIFY_KEEP=1          keep the roots and logs afterwards
#   VERIFY_REUSE=1         reuse the roots of an earlier run (implies VERIFY_KEEP=1): the
#                          base root is kept, and each stage's RUN steps before its first
#                          COPY are skipped when their text is unchanged; COPY and the
#                          steps after it are redone in place (an incremental build)
#   VERIFY_STEP_TIMEOUT=S  limit for debootstrap and for each RUN step (default 1800)
#   DEBIAN_MIRROR=URL      Debian mirror (default: the host's apt sources)
#   DEBIAN_SECURITY_MIRROR=URL  security mirror (default: the host's apt sources, if any)
#
# SC2015: "a && b || abort" is meant (abort when either fails); SC2016: bash -c scripts.
# shellcheck disable=SC2015,SC2016
set -uo pipefail
shopt -s nullglob

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DOCKERFILE="$REPO/docker/Dockerfile"
DOCKERIGNORE="$REPO/docker/Dockerfile.dockerignore"
COMPOSE="$REPO/docker/compose.yaml"
WORK=${VERIFY_WORKDIR:-/tmp/aidf-docker-verify}
REUSE=${VERIFY_REUSE:-0}
KEEP=${VERIFY_KEEP:-0}
[[ $REUSE == 1 ]] && KEEP=1
STEP_TIMEOUT=${VERIFY_STEP_TIMEOUT:-1800}
SUITE=bookworm
# Docker's default environment for RUN and for the container.
DOCKER_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LOGS="$WORK/logs"
MARK="$WORK/.aidf-docker-verify"

PASSED=0 FAILED=0
RESULTS=()
SERVER_PID=
START_TIME=$SECONDS

say() { printf '%s\n' "$*"; }
note() { printf '  .. %s\n' "$*"; }
pass() {
    RESULTS+=("PASS  $*")
    PASSED=$((PASSED + 1))
    printf 'PASS  %s\n' "$*"
}
fail() {
    RESULTS+=("FAIL  $*")
    FAILED=$((FAILED + 1))
    printf 'FAIL  %s\n' "$*"
}
skip() {
    RESULTS+=("SKIP  $*")
    printf 'SKIP  %s\n' "$*"
}
# A failed step that later steps depend on: record it and stop (the EXIT trap cleans up).
abort() {
    fail "$*"
    exit 1
}
check() { # check NAME COMMAND...: PASS when COMMAND succeeds
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}
show_log() { # the end of a log file, indented
    [[ -f $1 ]] && tail -n "${2:-25}" "$1" | sed 's/^/      | /'
}
short() { # one instruction on one line, squeezed and shortened for a summary line
    local s
    s=$(printf '%s' "$*" | tr -s ' \t' '  ')
    ((${#s} > 90)) && s="${s:0:87}..."
    printf '%s' "$s"
}

# ---- mounts and processes ------------------------------------------------------------------

# Mount points under $WORK, deepest first (we create all of them: our /proc mounts, and the
# ones debootstrap makes while it runs).
mounts_under_work() {
    awk -v w="$WORK/" 'index($2, w) == 1 { print $2 }' /proc/self/mounts | sort -r
}
umount_all_under_work() {
    local m ok=0
    for m in $(mounts_under_work); do
        umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || {
            say "cannot unmount $m"
            ok=1
        }
    done
    return $ok
}
mount_proc() { # mount_proc ROOT: /proc for the time a step needs it
    mountpoint -q "$1/proc" && return 0
    mount -t proc proc "$1/proc"
}
umount_proc() {
    mountpoint -q "$1/proc" || return 0
    umount "$1/proc" 2>/dev/null || umount -l "$1/proc"
}
# /dev: debootstrap creates the device nodes when it may (it may here); bind the host's
# /dev only when the root lacks /dev/null, and only for the step.
mount_dev() {
    [[ -c $1/dev/null ]] && return 0
    mountpoint -q "$1/dev" && return 0
    mount --bind /dev "$1/dev"
}
umount_dev() {
    mountpoint -q "$1/dev" || return 0
    umount "$1/dev" 2>/dev/null || umount -l "$1/dev"
}
# Processes still running inside one of our roots (children of the steps we ran), by pid.
kill_root_procs() {
    local root=$1 p r
    for p in /proc/[0-9]*; do
        r=$(readlink "$p/root" 2>/dev/null) || continue
        [[ $r == "$root" || $r == "$root"/* ]] || continue
        kill -KILL "${p#/proc/}" 2>/dev/null && note "killed leftover pid ${p#/proc/} in $root"
    done
}
# Removes one of our directories, never through a mount point.
remove_dir() {
    [[ -e $1 ]] || return 0
    if [[ -n $(awk -v w="$1" '$2 == w || index($2, w "/") == 1' /proc/self/mounts) ]]; then
        say "refusing to remove $1: something is mounted under it"
        return 1
    fi
    rm -rf --one-file-system -- "$1"
}

stop_server() { # stop_server SIGNAL SECONDS: signal our server, wait; sets SERVER_RC
    local sig=$1 limit=$2 i
    SERVER_RC=
    [[ -n $SERVER_PID ]] || return 1
    kill -s "$sig" "$SERVER_PID" 2>/dev/null
    for ((i = 0; i < limit * 10; i++)); do
        proc_gone "$SERVER_PID" && break
        sleep 0.1
    done
    if ! proc_gone "$SERVER_PID"; then
        kill -KILL "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_PID=
        return 1
    fi
    wait "$SERVER_PID"
    SERVER_RC=$?
    SERVER_PID=
    return 0
}
proc_gone() { # gone or a zombie waiting for us
    local st
    st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
    [[ -z $st || $st == Z ]]
}

on_exit() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n $SERVER_PID ]]; then
        stop_server TERM 15 || note "server pid killed"
    fi
    local root
    for root in "$WORK"/base "$WORK"/stage-*; do
        [[ -d $root ]] && kill_root_procs "$root"
    done
    if [[ -d $WORK ]]; then
        if ! umount_all_under_work; then
            fail "cleanup: release every mount under $WORK"
        fi
        if [[ $KEEP == 1 ]]; then
            say "kept $WORK (roots and logs)"
        elif ((FAILED > 0 || rc != 0)); then
            for root in "$WORK"/base "$WORK"/stage-* "$WORK"/base.tmp; do
                remove_dir "$root"
            done
            say "logs kept in $LOGS"
        else
            for root in "$WORK"/base "$WORK"/stage-* "$WORK"/base.tmp "$LOGS"; do
                remove_dir "$root"
            done
            rm -f "$WORK"/*.steps "$MARK"
            rmdir "$WORK" 2>/dev/null
        fi
    fi
    say ""
    say "==== summary: docker/Dockerfile verified without Docker ===="
    local r
    for r in "${RESULTS[@]}"; do say "$r"; done
    local t=$((SECONDS - START_TIME))
    say "$PASSED passed, $FAILED failed ($((t / 60))m$((t % 60))s)"
    if ((FAILED > 0 || rc != 0)); then exit 1; fi
    exit 0
}
trap on_exit EXIT
trap 'fail "interrupted"; exit 130' INT TERM

# ---- preconditions -------------------------------------------------------------------------

[[ $(id -u) == 0 ]] || {
    say "run this as root (it uses debootstrap, chroot and mount)"
    exit 2
}
[[ $WORK =~ ^/[A-Za-z0-9._/-]+$ && $WORK != / && $WORK != *..* ]] || {
    say "VERIFY_WORKDIR must be an absolute path of [A-Za-z0-9._/-] (got '$WORK')"
    exit 2
}
for tool in curl chroot mount timeout awk sha256sum; do
    command -v "$tool" >/dev/null || {
        say "missing $tool"
        exit 2
    }
done
if [[ -d $WORK && ! -f $MARK && -n $(ls -A "$WORK") ]]; then
    say "$WORK exists, is not empty and was not made by this script; set VERIFY_WORKDIR"
    exit 2
fi
mkdir -p "$WORK" "$LOGS" && touch "$MARK" || exit 2
if [[ -n $(mounts_under_work) ]]; then
    note "unmounting leftovers of an earlier run"
    umount_all_under_work || abort "release the mounts an earlier run left under $WORK"
fi

if ! command -v debootstrap >/dev/null; then
    note "installing debootstrap"
    if ! timeout 600 apt-get install -y debootstrap >"$LOGS/apt-host.log" 2>&1; then
        timeout 600 apt-get update >>"$LOGS/apt-host.log" 2>&1
        timeout 600 apt-get install -y debootstrap >>"$LOGS/apt-host.log" 2>&1 || {
            show_log "$LOGS/apt-host.log"
            abort "host: apt-get install debootstrap"
        }
    fi
fi
pass "host: debootstrap available ($(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null))"

# ---- the mirror, from the host's apt sources -----------------------------------------------

# "URI SUITE" for every enabled deb source of the host, in apt's order.
apt_sources() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        awk '$1 == "deb" {
            i = 2
            if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            print $i, $(i + 1)
        }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        awk '
        function flush(  nt, t, i, j, nu, u, ns, s, deb) {
            nt = split(types, t, " ")
            deb = 0
            for (i = 1; i <= nt; i++) if (t[i] == "deb") deb = 1
            if (deb && tolower(enabled) != "no") {
                nu = split(uris, u, " "); ns = split(suites, s, " ")
                for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) print u[i], s[j]
            }
            types = uris = suites = enabled = last = ""
        }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ {
            v = $0; sub(/^[ \t]+/, "", v)
            if (last == "types") types = types " " v
            else if (last == "uris") uris = uris " " v
            else if (last == "suites") suites = suites " " v
            next
        }
        {
            k = tolower($0); sub(/:.*/, "", k)
            v = $0; sub(/^[^:]*:[ \t]*/, "", v)
            last = k
            if (k == "types") types = v
            else if (k == "uris") uris = v
            else if (k == "suites") suites = v
            else if (k == "enabled") enabled = v
        }
        END { flush() }' "$f"
    done
}
mirror_for() { apt_sources | awk -v s="$1" '$2 == s { sub(/\/+$/, "", $1); print $1; exit }'; }

MIRROR=${DEBIAN_MIRROR:-$(mirror_for "$SUITE")}
MIRROR=${MIRROR%/}
SECURITY_MIRROR=${DEBIAN_SECURITY_MIRROR:-$(mirror_for "$SUITE-security")}
SECURITY_MIRROR=${SECURITY_MIRROR%/}
[[ -n $MIRROR ]] || abort "host: a '$SUITE' mirror in /etc/apt/sources* (or set DEBIAN_MIRROR)"
pass "host: Debian mirror $MIRROR${SECURITY_MIRROR:+, security $SECURITY_MIRROR}"

# ---- the Dockerfile ------------------------------------------------------------------------

# One instruction per line: LINE<TAB>KEYWORD<TAB>ARGUMENTS. Comment lines go (also inside a
# continuation, as in Docker), "\" at the end of a line joins the next one (the newline and
# the backslash go, the rest stays, as in BuildKit's parser).
parse_dockerfile() {
    awk '
    function emit(n, s,   kw, rest) {
        match(s, /^[A-Za-z]+/)
        kw = toupper(substr(s, 1, RLENGTH)); rest = substr(s, RLENGTH + 1)
        sub(/^[ \t]+/, "", rest); sub(/[ \t]+$/, "", rest)
        printf "%d\t%s\t%s\n", n, kw, rest
    }
    { sub(/\r$/, "") }
    /^#[ \t]*escape[ \t]*=/ { print NR "\tESCAPE-DIRECTIVE\t" $0; exit }
    /^[ \t]*#/ { next }
    /^[ \t]*$/ { next }
    {
        line = $0
        if (!cont) { sub(/^[ \t]+/, "", line); start = NR; buf = "" }
        if (line ~ /\\[ \t]*$/) { sub(/\\[ \t]*$/, "", line); buf = buf line; cont = 1; next }
        buf = buf line; cont = 0
        emit(start, buf)
    }
    END { if (cont) emit(start, buf) }' "$DOCKERFILE"
}
[[ -f $DOCKERFILE ]] || abort "Dockerfile: $DOCKERFILE exists"
mapfile -t INSTR < <(parse_dockerfile)
NSTAGES=$(printf '%s\n' "${INSTR[@]}" | awk -F'\t' '$2 == "FROM"' | wc -l)
((${#INSTR[@]} > 0 && NSTAGES > 0)) || abort "Dockerfile: parsed into stages"
pass "Dockerfile: parsed (${#INSTR[@]} instructions, $NSTAGES stages)"

# The build context filter: only the form the project uses ("*" then "!name" lines for
# top-level names) is understood; anything else fails rather than being guessed at.
CONTEXT_ALL=1
CONTEXT_ALLOW=()
if [[ -f $DOCKERIGNORE ]]; then
    while IFS= read -r pat || [[ -n $pat ]]; do
        pat=${pat%$'\r'}
        [[ $pat =~ ^[[:space:]]*(#|$) ]] && continue
        pat=$(printf '%s' "$pat" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
        if [[ $pat == "*" ]]; then
            CONTEXT_ALL=0
        elif [[ $pat =~ ^![A-Za-z0-9._-]+/?$ ]]; then
            pat=${pat#!}
            CONTEXT_ALLOW+=("${pat%/}")
        else
            abort "Dockerfile.dockerignore: pattern '$pat' is not one this script understands"
        fi
    done <"$DOCKERIGNORE"
fi
in_context() { # in_context PATH: is PATH (relative to the context) in the build context?
    local top=${1%%/*} a
    [[ $CONTEXT_ALL == 1 ]] && return 0
    for a in "${CONTEXT_ALLOW[@]}"; do [[ $top == "$a" ]] && return 0; done
    return 1
}

# ---- the base root: debootstrap --variant=minbase bookworm ---------------------------------

BASE="$WORK/base"
BASE_ID="$SUITE $MIRROR ${SECURITY_MIRROR:-none}"
if [[ $REUSE == 1 && -f $BASE/.aidf-verify-base && $(head -n1 "$BASE/.aidf-verify-base") == "$BASE_ID" ]]; then
    skip "base: debootstrap --variant=minbase $SUITE (reused, VERIFY_REUSE=1)"
else
    remove_dir "$BASE" && remove_dir "$WORK/base.tmp" || abort "base: remove the old root"
    rm -f "$WORK"/*.steps
    note "debootstrap --variant=minbase $SUITE $MIRROR (log: $LOGS/debootstrap.log)"
    t0=$SECONDS
    if timeout -k 30 "$STEP_TIMEOUT" debootstrap --variant=minbase "$SUITE" "$WORK/base.tmp" "$MIRROR" \
        </dev/null >"$LOGS/debootstrap.log" 2>&1; then
        umount_all_under_work
        # The apt sources of debian:bookworm-slim, on the same mirrors.
        rm -f "$WORK/base.tmp/etc/apt/sources.list"
        {
            printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$MIRROR" "$SUITE" "$SUITE"
            printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
            if [[ -n $SECURITY_MIRROR ]]; then
                printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' "$SECURITY_MIRROR" "$SUITE"
                printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
            fi
        } >"$WORK/base.tmp/etc/apt/sources.list.d/debian.sources"
        printf '%s\n%s\n' "$BASE_ID" "$(date +%s%N)" >"$WORK/base.tmp/.aidf-verify-base"
        mv "$WORK/base.tmp" "$BASE"
        pass "base: debootstrap --variant=minbase $SUITE ($((SECONDS - t0))s)"
    else
        umount_all_under_work
        show_log "$LOGS/debootstrap.log"
        abort "base: debootstrap --variant=minbase $SUITE"
    fi
fi
[[ -n $SECURITY_MIRROR ]] || note "no $SUITE-security source found: the roots have none"
BASE_STAMP=$(cat "$BASE/.aidf-verify-base")

# ---- the stages ----------------------------------------------------------------------------

declare -A STAGE_ROOT=()
STAGE=
ROOT=
WORKDIR=/
USER_SPEC=root
ENTRYPOINT=()
CMD=()
STOPSIGNAL=TERM
EXPOSED=
STAGE_IDX=-1

# Docker-like files a container gets from the engine: resolv.conf and hosts.
engine_files() {
    cp -L /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null || : >"$1/etc/resolv.conf"
    printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$1/etc/hosts"
}
chain_hash() { printf '%s\n%s\n' "$1" "$2" | sha256sum | cut -c1-16; }
resolve_path() { # resolve_path DIR PATH: PATH made absolute against DIR
    case $2 in
    /*) printf '%s' "$2" ;;
    *) printf '%s/%s' "${1%/}" "$2" ;;
    esac
}

# Starts a stage: the root is a copy of the base (or, with VERIFY_REUSE=1, the kept root
# when its RUN steps before the first COPY are unchanged).
begin_stage() { # begin_stage NAME FIRST-INSTRUCTION-INDEX
    local name=$1 first=$2 i kw rest h=$BASE_STAMP
    STAGE=$name
    ROOT="$WORK/stage-$name"
    STAGE_ROOT[$name]=$ROOT
    WORKDIR=/
    USER_SPEC=root
    ENTRYPOINT=()
    CMD=()
    STEPS_FILE="$WORK/$name.steps"
    REUSING=0
    if [[ $REUSE == 1 && -d $ROOT && -f $STEPS_FILE ]]; then
        REUSING=1
        for ((i = first; i < ${#INSTR[@]}; i++)); do
            IFS=$'\t' read -r _ kw rest <<<"${INSTR[i]}"
            [[ $kw == FROM || $kw == COPY || $kw == ADD ]] && break
            h=$(chain_hash "$h" "$kw $rest")
            [[ $kw == RUN ]] || continue
            grep -qx "$h" "$STEPS_FILE" || {
                REUSING=0
                break
            }
        done
    fi
    if [[ $REUSING == 1 ]]; then
        note "stage $name: reusing $ROOT"
    else
        remove_dir "$ROOT" || abort "$name: remove the old root"
        cp -a "$BASE" "$ROOT" || abort "$name: copy the base root"
        : >"$STEPS_FILE"
    fi
    engine_files "$ROOT"
    CHAIN=$BASE_STAMP
}

# RUN, shell form: /bin/sh -c with Docker's environment, in WORKDIR, stdin closed.
do_run() { # do_run LABEL COMMAND
    local label=$1 cmd=$2 log rc t0
    log="$LOGS/$STAGE-$(printf '%02d' "$STEP_NO")-run.log"
    [[ $USER_SPEC == root ]] || abort "$label: RUN as USER $USER_SPEC is not supported by this script"
    mount_proc "$ROOT" && mount_dev "$ROOT" || abort "$label: mount /proc in the root"
    note "$label (log: $log)"
    t0=$SECONDS
    timeout -k 30 "$STEP_TIMEOUT" chroot "$ROOT" /usr/bin/env -i -C "$WORKDIR" PATH="$DOCKER_PATH" \
        HOME=/root HOSTNAME=aidf-verify /bin/sh -c "$cmd" </dev/null >"$log" 2>&1
    rc=$?
    kill_root_procs "$ROOT"
    umount_dev "$ROOT"
    umount_proc "$ROOT"
    if ((rc == 0)); then
        pass "$label ($((SECONDS - t0))s)"
        echo "$CHAIN" >>"$STEPS_FILE"
    else
        show_log "$log" 40
        abort "$label: exit $rc"
    fi
}

# COPY [--from=STAGE] SRC... DEST, as Docker does it: a directory's contents go into DEST,
# a file into DEST/ (or to DEST), owned by root, modes and times kept.
do_copy() { # do_copy LABEL ARGS
    local label=$1 args=$2 from="" w words=() srcs=() dest src srcroot target
    [[ $args == \[* ]] && abort "$label: the JSON form of COPY is not supported by this script"
    read -r -a words <<<"$args"
    for w in "${words[@]}"; do
        case $w in
        --from=*) from=${w#--from=} ;;
        --*) abort "$label: COPY option $w is not supported by this script" ;;
        *) srcs+=("$w") ;;
        esac
    done
    ((${#srcs[@]} >= 2)) || abort "$label: COPY needs a source and a destination"
    dest=${srcs[-1]}
    unset 'srcs[-1]'
    if [[ -n $from ]]; then
        srcroot=${STAGE_ROOT[$from]:-}
        [[ -n $srcroot ]] || abort "$label: no earlier stage named '$from'"
    else
        srcroot=$REPO
    fi
    target=$(resolve_path "$WORKDIR" "$dest")
    for src in "${srcs[@]}"; do
        [[ $src == *[\*\?\[]* ]] && abort "$label: wildcards in COPY are not supported by this script"
        local rel=${src#./}
        rel=${rel%/}
        if [[ -z $from ]]; then
            [[ $rel != /* && $rel != *..* ]] || abort "$label: '$src' is outside the build context"
            in_context "$rel" || abort "$label: '$src' is excluded from the build context by docker/Dockerfile.dockerignore"
        fi
        local path="$srcroot/${rel#/}"
        [[ -e $path ]] || abort "$label: '$src' does not exist${from:+ in stage $from}"
        if [[ -d $path ]]; then
            mkdir -p "$ROOT$target" &&
                cp -a --no-preserve=ownership "$path/." "$ROOT$target/" &&
                chown -R 0:0 "$ROOT$target" || abort "$label: copy $src"
        elif [[ $dest == */ || ${#srcs[@]} -gt 1 || -d $ROOT$target ]]; then
            mkdir -p "$ROOT$target" &&
                cp -a --no-preserve=ownership "$path" "$ROOT$target/" &&
                chown -h 0:0 "$ROOT$target/$(basename "$path")" || abort "$label: copy $src"
        else
            mkdir -p "$(dirname "$ROOT$target")" &&
                cp -a --no-preserve=ownership "$path" "$ROOT$target" &&
                chown -h 0:0 "$ROOT$target" || abort "$label: copy $src"
        fi
    done
    pass "$label"
}

json_array() { # json_array TEXT: the strings of a simple JSON array, one per line
    local t=$1
    [[ $t =~ ^\[.*\]$ && $t != *\\* ]] || return 1
    printf '%s' "$t" | grep -o '"[^"]*"' | sed 's/^"//; s/"$//'
}

STEP_NO=0
for ((ii = 0; ii < ${#INSTR[@]}; ii++)); do
    IFS=$'\t' read -r lineno kw rest <<<"${INSTR[ii]}"
    STEP_NO=$((STEP_NO + 1))
    if [[ $kw == FROM ]]; then
        STAGE_IDX=$((STAGE_IDX + 1))
        read -r image as name extra <<<"$rest"
        [[ $image == debian:bookworm-slim || $image == debian:bookworm ]] ||
            abort "Dockerfile:$lineno: FROM $image (only debian:bookworm[-slim] is supported by this script)"
        if [[ -n ${as:-} ]]; then
            [[ ${as,,} == as && -n ${name:-} && -z ${extra:-} ]] || abort "Dockerfile:$lineno: cannot read 'FROM $rest'"
        else
            name=$([[ $STAGE_IDX == $((NSTAGES - 1)) ]] && echo runtime || echo "stage$STAGE_IDX")
        fi
        STEP_NO=1
        begin_stage "$name" $((ii + 1))
        pass "$name: FROM $image (a minbase $SUITE root)"
        continue
    fi
    [[ -n $STAGE ]] || abort "Dockerfile:$lineno: $kw before FROM"
    label="$STAGE: $kw $(short "$rest")"
    CHAIN=$(chain_hash "$CHAIN" "$kw $rest")
    case $kw in
    RUN)
        [[ $rest == \[* ]] && abort "Dockerfile:$lineno: exec-form RUN is not supported by this script"
        [[ $rest == *'<<'* ]] && abort "Dockerfile:$lineno: heredocs are not supported by this script"
        [[ $rest == --* ]] && abort "Dockerfile:$lineno: RUN options are not supported by this script"
        if [[ $REUSING == 1 ]] && grep -qx "$CHAIN" "$STEPS_FILE"; then
            skip "$label (reused, VERIFY_REUSE=1)"
        else
            REUSING=0
            do_run "$label" "$rest"
        fi
        ;;
    WORKDIR)
        WORKDIR=$(resolve_path "$WORKDIR" "$rest")
        mkdir -p "$ROOT$WORKDIR" || abort "$label"
        ;;
    COPY)
        REUSING=0
        do_copy "$label" "$rest"
        ;;
    USER)
        USER_SPEC=$rest
        ;;
    ENTRYPOINT)
        mapfile -t ENTRYPOINT < <(json_array "$rest") && ((${#ENTRYPOINT[@]} > 0)) ||
            abort "Dockerfile:$lineno: only the exec (JSON) form of ENTRYPOINT is supported by this script"
        CMD=()
        ;;
    CMD)
        mapfile -t CMD < <(json_array "$rest") ||
            abort "Dockerfile:$lineno: only the exec (JSON) form of CMD is supported by this script"
        ;;
    STOPSIGNAL)
        STOPSIGNAL=${rest#SIG}
        ;;
    EXPOSE)
        EXPOSED=$rest
        ;;
    VOLUME | LABEL | MAINTAINER)
        :
        ;;
    *)
        abort "Dockerfile:$lineno: $kw is not supported by this script (extend it)"
        ;;
    esac
done

# ---- the runtime root: the final stage -----------------------------------------------------

RT=$ROOT
[[ -n $RT && ${#ENTRYPOINT[@]} -gt 0 ]] || abort "runtime: the final stage has an ENTRYPOINT"
BUILD_ROOT=${STAGE_ROOT[build]:-}

if [[ -n $BUILD_ROOT && -f $BUILD_ROOT/out/bin/aidf ]]; then
    check "build: /out/bin/aidf is stripped (cmake --install --strip)" \
        bash -c '! chroot "$1" readelf -S /out/bin/aidf | grep -q "\.symtab"' _ "$BUILD_ROOT"
fi

# The user of USER, as Docker resolves it from the image's /etc/passwd and /etc/group.
IFS=: read -r _ _ RUN_UID RUN_GID _ RUN_HOME _ < <(awk -F: -v u="$USER_SPEC" '$1 == u || $3 == u' "$RT/etc/passwd" | head -n1)
[[ -n ${RUN_UID:-} ]] || abort "runtime: USER $USER_SPEC exists in the root's /etc/passwd"
RUN_NAME=$(awk -F: -v u="$RUN_UID" '$3 == u { print $1; exit }' "$RT/etc/passwd")
RUN_GROUPS=$(awk -F: -v u="$RUN_NAME" -v g="$RUN_GID" '
    { n = split($4, m, ","); for (i = 1; i <= n; i++) if (m[i] == u && $3 != g) printf ",%s", $3 }' "$RT/etc/group")
RUN_GROUPS="$RUN_GID$RUN_GROUPS"
check "runtime: USER $USER_SPEC is uid 10001 (uid $RUN_UID, gid $RUN_GID, home $RUN_HOME)" \
    test "$RUN_UID" = 10001
check "runtime: /reports is a directory owned by uid 10001" \
    bash -c '[[ -d $1/reports && $(stat -c %u "$1/reports") == 10001 ]]' _ "$RT"
if [[ -n $BUILD_ROOT ]]; then
    check "runtime: /usr/local/bin/aidf is the build stage's /out/bin/aidf" \
        cmp -s "$BUILD_ROOT/out/bin/aidf" "$RT/usr/local/bin/aidf"
fi

# Runs a command in the runtime root as the image's user, with the container's environment.
# as_user [VAR=VALUE...] -- COMMAND...
as_user() {
    local envs=()
    while [[ $1 != -- ]]; do
        envs+=("$1")
        shift
    done
    shift
    chroot --userspec="$RUN_UID:$RUN_GID" --groups="$RUN_GROUPS" "$RT" /usr/bin/env -i -C "$WORKDIR" \
        PATH="$DOCKER_PATH" HOME="$RUN_HOME" HOSTNAME=aidf-verify "${envs[@]}" "$@"
}
# The container's command (ENTRYPOINT + CMD) with its --listen address replaced.
container_cmd() { # container_cmd ADDRESS: sets CONTAINER_CMD
    local addr=$1 a found=0 i
    local all=("${ENTRYPOINT[@]}" "${CMD[@]}")
    CONTAINER_CMD=()
    for ((i = 0; i < ${#all[@]}; i++)); do
        a=${all[i]}
        if [[ $a == --listen ]]; then
            CONTAINER_CMD+=(--listen "$addr")
            i=$((i + 1))
            found=1
        elif [[ $a == --listen=* ]]; then
            CONTAINER_CMD+=("--listen=$addr")
            found=1
        else
            CONTAINER_CMD+=("$a")
        fi
    done
    ((found)) || CONTAINER_CMD+=(--listen "$addr")
}
port_in_use() {
    local hex
    hex=$(printf '%04X' "$1")
    grep -Eq "^ *[0-9]+: [0-9A-F]+:$hex " /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
free_port() {
    local i p
    for ((i = 0; i < 100; i++)); do
        p=$((20000 + RANDOM % 40000))
        port_in_use "$p" || {
            echo "$p"
            return 0
        }
    done
    return 1
}
# The local addresses (hex, as in /proc/net/tcp*) listening on a port.
listeners() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v h="$hex" '$4 == "0A" { split($2, a, ":"); if (a[2] == h) print a[1] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

mount_proc "$RT" || abort "runtime: mount /proc in the root"
LDD_LOG="$LOGS/runtime-ldd.log"
chroot "$RT" /usr/bin/ldd /usr/local/bin/aidf >"$LDD_LOG" 2>&1
ldd_rc=$?
if ((ldd_rc == 0)) && ! grep -q 'not found' "$LDD_LOG"; then
    pass "runtime: ldd /usr/local/bin/aidf: no missing libraries ($(grep -c '=>' "$LDD_LOG") resolved)"
else
    if grep -q 'not found' "$LDD_LOG"; then
        grep 'not found' "$LDD_LOG" | sed 's/^[[:space:]]*/      | /'
    else
        show_log "$LDD_LOG"
    fi
    fail "runtime: ldd /usr/local/bin/aidf: no missing libraries ($(grep 'not found' "$LDD_LOG" | awk '{ printf "%s%s", sep, $1; sep = ", " }') not found)"
fi
VERSION=$(as_user -- aidf --version 2>&1)
check "runtime: 'aidf --version' runs as $RUN_NAME ($VERSION)" test -n "$VERSION" -a "${VERSION#aidf }" != "$VERSION"

# A fresh volume: the image's (empty, aidf-owned) /reports.
find "$RT/reports" -mindepth 1 -delete

# -- the refusal: no token on 0.0.0.0 --------------------------------------------------------
NETNS=()
if unshare --net true 2>/dev/null; then
    NETNS=(unshare --net)
    where="in a private network namespace"
else
    where="on the host network, bounded by a 5 s timeout"
fi
for variant in unset empty; do
    PORT0=$(free_port) || abort "runtime: find a free port"
    container_cmd "0.0.0.0:$PORT0"
    envs=()
    [[ $variant == empty ]] && envs=(AIDF_SERVER_TOKEN=)
    log="$LOGS/runtime-refuse-$variant.log"
    t0=$(date +%s%N)
    "${NETNS[@]}" timeout -k 1 5 chroot --userspec="$RUN_UID:$RUN_GID" --groups="$RUN_GROUPS" "$RT" \
        /usr/bin/env -i -C "$WORKDIR" PATH="$DOCKER_PATH" HOME="$RUN_HOME" HOSTNAME=aidf-verify \
        "${envs[@]}" "${CONTAINER_CMD[@]}" </dev/null >"$log" 2>&1
    rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    if ((rc == 2 && ms < 3000)) && grep -q 'refusing to listen on non-loopback' "$log"; then
        pass "runtime: token $variant, --listen 0.0.0.0:$PORT0: refused, exit 2 in ${ms} ms ($where)"
    else
        show_log "$log"
        fail "runtime: token $variant, --listen 0.0.0.0:$PORT0: refused with exit 2 at once (got exit $rc after ${ms} ms)"
    fi
done

# -- the server, on the host's loopback ------------------------------------------------------
PORT=$(free_port) || abort "runtime: find a free port"
note "EXPOSE ${EXPOSED:-none}: the server is moved to 127.0.0.1:$PORT (this is the host network)"
TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
container_cmd "127.0.0.1:$PORT"
SERVER_LOG="$LOGS/runtime-server.log"
note "starting: ${CONTAINER_CMD[*]} (as $RUN_NAME, log: $SERVER_LOG)"
# Started directly (not through a function) so that $! is the server itself: chroot and env
# exec into it.
chroot --userspec="$RUN_UID:$RUN_GID" --groups="$RUN_GROUPS" "$RT" /usr/bin/env -i -C "$WORKDIR" \
    PATH="$DOCKER_PATH" HOME="$RUN_HOME" HOSTNAME=aidf-verify AIDF_SERVER_TOKEN="$TOKEN" \
    "${CONTAINER_CMD[@]}" </dev/null >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
BASE_URL="http://127.0.0.1:$PORT"
CURL=(curl -sS --noproxy '*' --max-time 10)
TMP="$LOGS/http"
mkdir -p "$TMP" && chmod 700 "$TMP"
printf 'Authorization: Bearer %s\n' "$TOKEN" >"$TMP/auth-header"

ready=0
for ((i = 0; i < 100; i++)); do
    proc_gone "$SERVER_PID" && break
    if [[ $("${CURL[@]}" --max-time 2 -o /dev/null -w '%{http_code}' "$BASE_URL/healthz" 2>/dev/null) == 200 ]]; then
        ready=1
        break
    fi
    sleep 0.2
done
if ((ready == 0)); then
    show_log "$SERVER_LOG"
    abort "runtime: server answers on $BASE_URL within 20 s"
fi
pass "runtime: server up on $BASE_URL"

status_ids=$(awk '/^(Uid|Gid):/ { print $1, $2, $3, $4, $5 }' "/proc/$SERVER_PID/status" | tr '\n' ' ')
exe=$(readlink "/proc/$SERVER_PID/exe")
check "runtime: server is $RT/usr/local/bin/aidf running as uid/gid $RUN_UID/$RUN_GID" \
    test "$exe" = "$RT/usr/local/bin/aidf" -a \
    "$status_ids" = "Uid: $RUN_UID $RUN_UID $RUN_UID $RUN_UID Gid: $RUN_GID $RUN_GID $RUN_GID $RUN_GID "
addrs=$(listeners "$PORT" | sort -u | tr '\n' ' ')
check "runtime: port $PORT is bound on 127.0.0.1 only" test "$addrs" = "0100007F "

code=$("${CURL[@]}" -o "$TMP/healthz" -w '%{http_code}' "$BASE_URL/healthz")
check "runtime: GET /healthz -> 200 $(head -c 80 "$TMP/healthz")" \
    bash -c '[[ $1 == 200 ]] && grep -Eq "\"status\": *\"ok\"" "$2"' _ "$code" "$TMP/healthz"

# The compose health check (bash /dev/tcp in the runtime image), on our port.
HC=()
if [[ -f $COMPOSE ]]; then
    mapfile -t HC < <(awk '
        hc == 0 && /^[ ]*healthcheck:[ ]*$/ { hc = 1; next }
        hc == 1 && /^[ ]*test:[ ]*$/ { match($0, /^ */); tind = RLENGTH; hc = 2; next }
        hc == 2 {
            if ($0 ~ /^[ ]*$/) next
            match($0, /^ */); ind = RLENGTH
            if (infold && ind > dind) { s = substr($0, ind + 1); fold = (fold == "" ? s : fold " " s); next }
            if (infold) { print fold; infold = 0; fold = "" }
            if ($0 ~ /^[ ]*- /) {
                match($0, /^ *- /); dind = RLENGTH - 2; item = substr($0, RLENGTH + 1)
                if (item == ">-") infold = 1; else print item
                next
            }
            exit
        }
        END { if (infold) print fold }' "$COMPOSE")
fi
if [[ ${#HC[@]} -ge 2 && ${HC[0]} == CMD && ${HC[-1]} == *127.0.0.1/7070* ]]; then
    HC=("${HC[@]:1}")
    HC[-1]=${HC[-1]//127.0.0.1\/7070/127.0.0.1\/$PORT}
    check "runtime: compose.yaml health check (${HC[0]} /dev/tcp) passes as $RUN_NAME" \
        timeout -k 1 5 chroot --userspec="$RUN_UID:$RUN_GID" --groups="$RUN_GROUPS" "$RT" \
        /usr/bin/env -i -C / PATH="$DOCKER_PATH" HOME="$RUN_HOME" HOSTNAME=aidf-verify "${HC[@]}"
else
    fail "runtime: read the health check of docker/compose.yaml (exec form, on 127.0.0.1/7070)"
fi

REPORT=$(printf '%s\n' "$REPO"/tests/data/reports/valid/completed-claude-cli.json "$REPO"/tests/data/reports/valid/*.json | head -n1)
RUN_ID=$(sed -n 's/^  "runId": *"\([^"]*\)".*/\1/p' "$REPORT" | head -n1)
[[ -n $RUN_ID ]] || abort "runtime: read the runId of $REPORT"

code=$("${CURL[@]}" -o "$TMP/post-noauth" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary @"$REPORT" "$BASE_URL/runs")
check "runtime: POST /runs without the token -> 401 (got $code)" test "$code" = 401

code=$("${CURL[@]}" -o "$TMP/post" -D "$TMP/post-headers" -w '%{http_code}' -X POST -H @"$TMP/auth-header" \
    -H 'Content-Type: application/json' --data-binary @"$REPORT" "$BASE_URL/runs")
location=$(awk 'tolower($1) == "location:" { sub(/\r$/, "", $2); print $2 }' "$TMP/post-headers")
FILE=$(sed -n 's/.*"file" *: *"\([^"]*\)".*/\1/p' "$TMP/post")
check "runtime: POST /runs $(basename "$REPORT") with the token -> 201, Location /runs/$RUN_ID (got $code, $location)" \
    test "$code" = 201 -a "$location" = "/runs/$RUN_ID"

code=$("${CURL[@]}" -o "$TMP/get" -w '%{http_code}' "$BASE_URL/runs/$RUN_ID")
check "runtime: GET /runs/$RUN_ID -> 200, the stored report (got $code)" \
    bash -c '[[ $1 == 200 ]] && grep -q "\"runId\": *\"$2\"" "$3" && cmp -s "$3" "$4"' _ \
    "$code" "$RUN_ID" "$TMP/get" "$RT/reports/$FILE"

if [[ $FILE =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}/[^/]+\.json$ && -f $RT/reports/$FILE ]]; then
    owner="$(stat -c %u "$RT/reports/$FILE"):$(stat -c %u "$RT/reports/${FILE%%/*}")"
    check "runtime: /reports/$FILE exists, file and day directory owned by uid 10001 (got $owner)" \
        test "$owner" = 10001:10001
else
    fail "runtime: the report file under /reports/YYYY-MM-DD/ (response: $(head -c 200 "$TMP/post"))"
fi

# docker stop: STOPSIGNAL, then SIGKILL after 10 s (its default grace period).
pid=$SERVER_PID
if stop_server "$STOPSIGNAL" 10; then
    check "runtime: SIG$STOPSIGNAL (STOPSIGNAL) stops the server with exit 0 within 10 s (got $SERVER_RC)" \
        test "$SERVER_RC" = 0
else
    show_log "$SERVER_LOG"
    fail "runtime: SIG$STOPSIGNAL stops the server (pid $pid) within 10 s: it had to be killed"
fi
[[ -z $(listeners "$PORT") ]] || fail "runtime: port $PORT released after the stop"
umount_proc "$RT"
