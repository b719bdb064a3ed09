#!/usr/bin/env bash
# The sandbox of the API providers' run_command (security.sandbox), driven through a real
# `aidf run` with the fake Anthropic API scripting the model's tool calls. Under bubblewrap:
# no secret of aidf's environment reaches a command (`echo $ANTHROPIC_API_KEY`, `env`); the
# project's parent, siblings and /root are not visible; writes to $HOME, /tmp and the parent
# do not land outside; no network unless security.sandbox.network; a bounded fork bomb
# stops at the command timeout with its whole tree; background processes (&, setsid,
# nohup) are gone once the command returns. Under Landlock (forced): the write checks
# again. The choice of backend: `required` with no backend fails before the first
# iteration (SANDBOX_UNAVAILABLE), `bwrap` without bwrap fails, `auto` without any
# warns and reports "none", `off` reports "off" without a warning; the environment is
# filtered in every mode; `aidf report show` names the sandbox.
#
# Backends are hidden with the test-only knob AIDF_TEST_SANDBOX_UNAVAILABLE.
#
# Usage: t480-run-sandbox.sh <aidf> <tests/data dir>
. "$(dirname "$0")/run-lib.sh" "$@"
. "$(dirname "$0")/receiver-lib.sh"

need git jq python3 bwrap
LLM=$FAKES/llm-api
[ -x "$LLM" ] || { not_ok "the fake API server tests/fakes/llm-api is missing"; finish; }
unset AIDF_TEST_SANDBOX_UNAVAILABLE

API_LOG=$TMP/api.ndjson
API_PID=
# A unique word: processes started by this test carry it in their environment.
MARK=aidf-t480-$$-$RANDOM

# The secrets aidf has in its environment; none may reach a command.
export AIDF_SERVER_TOKEN=tok-SECRET-server-$MARK
export T480_CI_DEPLOY_KEY=ci-SECRET-deploy-$MARK
export OPENAI_API_KEY=sk-openai-SECRET-$MARK

api_start() {
    [ -n "$API_PID" ] && stop_pid "$API_PID"
    cat >"$TMP/api.script"
    rm -f "$TMP/api.port" "$API_LOG"
    python3 "$LLM" --port-file "$TMP/api.port" --log "$API_LOG" --script "$TMP/api.script" \
        --lifetime 300 >"$TMP/api.out" 2>&1 &
    API_PID=$!
    BG_PIDS+=("$API_PID")
    wait_file "$TMP/api.port" || { not_ok "the fake API server did not start"; return 1; }
    local port
    port=$(cat "$TMP/api.port")
    export ANTHROPIC_BASE_URL=http://127.0.0.1:$port
    export ANTHROPIC_API_KEY=sk-ant-SECRET-$MARK
}
nreqs() { [ -f "$API_LOG" ] && nreq "$API_LOG" || echo 0; }

# script_cmds CMD...: a scenario that runs each command (one turn), then completes.
# An argument starting with "{" is a tool call as it is (JSON).
script_cmds() {
    local c calls=""
    for c in "$@"; do
        case $c in
        "{"*) calls+="${calls:+,}$c" ;;
        *) calls+="${calls:+,}$(jq -cn --arg c "$c" '{name: "run_command", input: {command: $c}}')" ;;
        esac
    done
    api_start <<EOF
[
 {"anthropic": "tool_use", "calls": [$calls]},
 {"anthropic": "tool_use", "calls": [{"name": "task_complete", "input": {"summary": "done"}}]}
]
EOF
}

# result N: the text run_command N (1-based) returned to the model.
result() {
    jq -r -s --argjson n "$1" \
        '[.[1].body.messages[2].content[] | select(.type == "tool_result")][$n - 1].content' \
        "$API_LOG"
}
# rhas N TEXT / rlacks N TEXT: the result of command N contains / lacks TEXT.
# (A failing check shows the result.)
show_result() {
    result "$1" | head -c 1500 | sed "s/^/#   result $1: /" >&2
    return 1
}
rhas() { result "$1" | grep -qF -- "$2" || show_result "$1"; }
rlacks() { ! result "$1" | grep -qF -- "$2" || show_result "$1"; }
# rgrep N REGEX...: the result of command N matches each extended regular expression.
rgrep() {
    local n=$1 re
    shift
    for re in "$@"; do result "$n" | grep -qE -- "$re" || show_result "$n" || return 1; done
}

# project NAME SANDBOX-YAML [TIMEOUT]: an anthropic-api project with that sandbox setting.
project() {
    new_project "$1"
    write_config <<EOF
provider:
  type: anthropic-api
  model: claude-sonnet-4-5
validation:
  command_timeout: ${3:-20}
security:
  sandbox: $2
EOF
    add_task 001-sbx "Try to get out" "**" "nothing/**"
}

# left MARK: pids of processes whose environment holds T480_MARK=MARK.
left() {
    local f pids=""
    for f in /proc/[0-9]*/environ; do
        if { tr '\0' '\n' <"$f"; } 2>/dev/null | grep -qxF "T480_MARK=$1"; then
            pids+="${f#/proc/} "
        fi
    done
    printf '%s' "${pids//\/environ/}"
}
kill_left() {
    local p
    for p in $(left "$1"); do kill -9 "$p" 2>/dev/null; done
}
at_exit "kill_left $MARK-bomb; kill_left $MARK-bg; kill_left $MARK-ll; rm -f /tmp/t480-in-tmp-$MARK /tmp/t480-ll-tmp-$MARK"

# A TCP listener on 127.0.0.1 that answers every connection with "hello".
PORT_FILE=$TMP/listener.port
python3 -c '
import socket, sys, threading
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(300)
while True:
    try:
        c, _ = s.accept()
    except Exception:
        break
    c.sendall(b"hello\n"); c.close()
' "$PORT_FILE" &
LPID=$!
BG_PIDS+=("$LPID")
wait_file "$PORT_FILE" || not_ok "the TCP listener did not start"
LPORT=$(cat "$PORT_FILE")
CONNECT="python3 -c 'import socket; s = socket.create_connection((\"127.0.0.1\", $LPORT), 3); print(\"GOT \" + s.recv(16).decode().strip())' 2>&1 || echo CONNECT-FAILED"

# Things outside the project that commands must not see or change.
printf 'outside-content-%s\n' "$MARK" >"$TMP/outside.txt"
mkdir -p "$TMP/sibling"
printf 'sibling-content-%s\n' "$MARK" >"$TMP/sibling/secret.txt"
REAL_HOME=$TMP/realhome
mkdir -p "$REAL_HOME"
export HOME=$REAL_HOME

# --- bubblewrap: secrets, visibility, writes, network ---------------------------------------
project bwrap bwrap
script_cmds \
    'echo "key=[$ANTHROPIC_API_KEY] token=[$AIDF_SERVER_TOKEN]"' \
    'env' \
    'cat ../outside.txt; echo "status=$?"' \
    "cat $TMP/sibling/secret.txt; ls $TMP; test -e /root && echo root-visible || echo root-hidden" \
    "echo x >\"\$HOME/y\" && echo home-write-ok; echo x >/tmp/t480-in-tmp-$MARK && echo tmp-write-ok; echo x >../written-outside.txt" \
    "$CONNECT" \
    'echo "home=$HOME"; ls -A "$HOME" | wc -l; ls -A /tmp' \
    "kill -0 $LPID; echo \"signal=\$?\"; ps -e | wc -l" \
    'echo "#!/bin/sh" >.git/hooks/post-commit; echo "hook=$?"; git config core.fsmonitor "touch /tmp/pwned"; echo "config=$?"; git log --oneline | wc -l'
expect 0 "bwrap: the run completes" run
last_report
rcheck "the report names the sandbox" '.security.sandbox == "bwrap"'
check "no secret in echo \$ANTHROPIC_API_KEY" rlacks 1 SECRET
check "the key variables are empty" rhas 1 "key=[] token=[]"
check "env shows no secret" rlacks 2 SECRET
check "env shows no AIDF_ variable" rlacks 2 AIDF_
check "env shows the private HOME" rhas 2 "HOME=/home/sandbox"
check "env keeps PATH" rhas 2 "PATH="
check "the project's parent is not visible" rlacks 3 "outside-content"
check "cat ../outside.txt failed" rgrep 3 'status=[1-9]'
check "a sibling of the project is not visible" rlacks 4 "sibling-content"
check "/root is not visible" rhas 4 root-hidden
check "writes to the private HOME and /tmp work" rgrep 5 home-write-ok tmp-write-ok
check "nothing landed in the real HOME" test ! -e "$REAL_HOME/y"
check "nothing landed in the real /tmp" test ! -e /tmp/t480-in-tmp-$MARK
check "nothing landed in the project's parent" test ! -e "$TMP/written-outside.txt"
check "no network: the listener is not reachable" rgrep 6 CONNECT-FAILED
check "no network: nothing received" rlacks 6 "GOT hello"
check "each command gets a fresh empty HOME and /tmp" rgrep 7 '^home=/home/sandbox$' '^0$'
check "a process of the host cannot be signalled" rgrep 8 'signal=[1-9]'
check "the processes of the host are not visible" sh -c "[ \"\$(printf '%s' \"\$1\" | tail -n 1)\" -lt 10 ]" _ "$(result 8)"
check "the repository is read-only: no hook" rgrep 9 'hook=[1-9]'
check "the repository is read-only: no git config" rgrep 9 'config=[1-9]'
check "no hook landed in .git/hooks" test ! -e "$PROJ/.git/hooks/post-commit"
check "git still reads the repository" rgrep 9 '^[1-9][0-9]*$'
report_show_ok() { "$AIDF" report show --reports-dir "$PROJ/.ai/reports" "$(jq -r .runId "$REPORT")" 2>&1 | grep -E 'Sandbox: +bwrap'; }
qcheck "aidf report show names the sandbox" report_show_ok

# --- bubblewrap with network: true ---------------------------------------------------------
project bwrapnet '{mode: bwrap, network: true, env: [T480_EXTRA]}'
export T480_EXTRA=extra-value
script_cmds "$CONNECT" 'echo "extra=$T480_EXTRA ci=$T480_CI_DEPLOY_KEY"'
expect 0 "bwrap with network: the run completes" run
check "network: true reaches the listener" rhas 1 "GOT hello"
check "security.sandbox.env passes a named variable, nothing else" rgrep 2 "^extra=extra-value ci=$"
unset T480_EXTRA

# --- a bounded fork bomb and processes left running ----------------------------------------
project bomb bwrap 3
# 2^8 leaves sleeping, with shells between: bounded, but only the timeout ends it. Written
# with write_file: the command policy refuses it as a command (the sandbox is what is tested).
BOMB_SH='b() { if [ $1 -gt 0 ]; then b $(($1 - 1)) & b $(($1 - 1)); wait; else sleep 300; fi; }; b 8'
BOMB_WRITE=$(jq -cn --arg c "$BOMB_SH" '{name: "write_file", input: {path: "bomb.sh", content: $c}}')
BOMB="export T480_MARK=$MARK-bomb; sh bomb.sh"
BG="export T480_MARK=$MARK-bg; sleep 300 >/dev/null 2>&1 & setsid sleep 300 >/dev/null 2>&1 & nohup sleep 300 >/dev/null 2>&1 & (setsid sh -c 'sleep 300 &' >/dev/null 2>&1 &); echo started"
script_cmds "$BOMB_WRITE" "$BOMB" "$BG"
T0=$(date +%s)
expect 0 "bwrap: fork bomb and background processes, the run completes" run
T1=$(date +%s)
check "the fork bomb ended at the command timeout" rhas 2 "Command timed out after 3s"
check "the run did not hang (under $(tmo 60)s)" [ $((T1 - T0)) -lt "$(tmo 60)" ]
check "the background command returned" rhas 3 started
sleep 1
check "nothing of the fork bomb is left" [ -z "$(left "$MARK-bomb")" ]
check "no background process is left (&, setsid, nohup)" [ -z "$(left "$MARK-bg")" ]

# --- Landlock (forced): the write checks again --------------------------------------------
# The kernel's Landlock ABI: network rules from 4, signal scoping from 6.
LL_ABI=$(python3 -c 'import ctypes; print(max(0, ctypes.CDLL(None, use_errno=True).syscall(444, None, 0, 1)))' 2>/dev/null || echo 0)
project landlock landlock
script_cmds \
    'echo "key=[$ANTHROPIC_API_KEY]"; env | grep -c SECRET' \
    'echo x >"$HOME/y" && echo home-write-ok; echo x >"$TMPDIR/z" && echo tmpdir-write-ok' \
    "echo x >../ll-outside.txt; echo \"parent-write=\$?\"; echo x >/tmp/t480-ll-tmp-$MARK; echo \"tmp-write=\$?\"" \
    'echo x >src/inside.txt && echo inside-write-ok; rm -f ../outside.txt; echo "rm=$?"' \
    "$CONNECT" \
    "kill -0 $LPID; echo \"signal=\$?\""
expect 0 "landlock: the run completes" run
last_report
rcheck "the report names landlock" '.security.sandbox == "landlock"'
check "landlock: no secret reaches the command" rgrep 1 'key=\[\]' '^0$'
check "landlock: the private HOME and TMPDIR are writable" rgrep 2 home-write-ok tmpdir-write-ok
check "landlock: a write to the parent is refused" rgrep 3 'parent-write=[1-9]'
check "landlock: a write to /tmp is refused" rgrep 3 'tmp-write=[1-9]'
check "landlock: nothing landed outside" sh -c "[ ! -e '$TMP/ll-outside.txt' ] && [ ! -e /tmp/t480-ll-tmp-$MARK ] && [ ! -e '$REAL_HOME/y' ]"
check "landlock: the project is writable" test -f src/inside.txt
check "landlock: a file outside cannot be removed" rgrep 4 'rm=[1-9]'
check "landlock: the file outside is still there" test -f "$TMP/outside.txt"
if [ "$LL_ABI" -ge 4 ]; then
    check "landlock (ABI $LL_ABI): no TCP connection" rgrep 5 CONNECT-FAILED
else
    skip "landlock network rules need ABI 4, this kernel has $LL_ABI"
fi
if [ "$LL_ABI" -ge 6 ]; then
    check "landlock (ABI $LL_ABI): no signal to a process outside" rgrep 6 'signal=[1-9]'
else
    skip "landlock signal scoping needs ABI 6, this kernel has $LL_ABI"
fi

# --- choosing a backend ------------------------------------------------------------------------
project required required
script_cmds 'echo hi'
AIDF_TEST_SANDBOX_UNAVAILABLE="bwrap landlock" expect 1 "required without any sandbox fails" run
last_report
rcheck "failed before the first iteration, SANDBOX_UNAVAILABLE" '.status == "failed" and .error.code == "SANDBOX_UNAVAILABLE" and .error.category == "config" and (.iterations // 0) == 0'
rcheck "the report says none" '.security.sandbox == "none"'
check "the model was never asked" [ "$(nreqs)" = 0 ]
check "the error says why" err_has "security.sandbox is required"

project forcebwrap bwrap
script_cmds 'echo hi'
AIDF_TEST_SANDBOX_UNAVAILABLE=bwrap expect 1 "mode bwrap without bwrap fails (Landlock is not taken instead)" run
last_report
rcheck "SANDBOX_UNAVAILABLE" '.status == "failed" and .error.code == "SANDBOX_UNAVAILABLE"'

project fallback auto
script_cmds 'echo "key=[$ANTHROPIC_API_KEY]"'
AIDF_TEST_SANDBOX_UNAVAILABLE=bwrap expect 0 "auto without bwrap runs under Landlock" run
last_report
rcheck "the report says landlock" '.security.sandbox == "landlock"'

project nosandbox auto
script_cmds 'echo "key=[$ANTHROPIC_API_KEY] ci=[$T480_CI_DEPLOY_KEY]"'
AIDF_TEST_SANDBOX_UNAVAILABLE="bwrap landlock" expect 0 "auto without any sandbox runs" run
last_report
rcheck "the report says none" '.security.sandbox == "none"'
check "a warning says the commands are not sandboxed" err_has "without a sandbox"
check "the warning is given once" [ "$(grep -c 'without a sandbox' "$ERR")" = 1 ]
check "unsandboxed, the environment is still filtered" rhas 1 "key=[] ci=[]"

project off off
script_cmds 'echo "key=[$ANTHROPIC_API_KEY] token=[$AIDF_SERVER_TOKEN]"'
expect 0 "off runs" run
last_report
rcheck "the report says off" '.security.sandbox == "off"'
check "off: no warning" sh -c "! grep -q 'sandbox' '$ERR'"
check "off: the environment is still filtered" rhas 1 "key=[] token=[]"

project badmode maybe
script_cmds 'echo hi'
expect 1 "an unknown mode is a config error" run
check "the error names the key and the modes" err_has "security.sandbox: expected one of auto, required, bwrap, landlock, off"

finish
