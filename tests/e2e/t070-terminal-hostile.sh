#!/usr/bin/env bash
# Hostile strings on a terminal: a report whose every string field holds C0 and C1
# controls, OSC 0 (window title), OSC 8 (a link), CSI 2J (clear screen), bidi overrides
# and a "\r\n" that forges an output line; a config file, a project directory and a
# provider error with the same. `report show`, `list`, `summary`, `status`, `report
# export --csv -`, the JSON outputs and `aidf run` run under script(1), so stdout and
# stderr are a terminal and colours are on. What reaches the terminal may hold our own
# colour sequences (ESC [ digits m) and, for the run's live line, our "\r ESC [K", and
# nothing else that acts on a terminal: no other ESC, no BEL, no CR (after the tty's
# CRLF), no other C0 or DEL, no C1 control (UTF-8 or raw byte), no bidi override, no
# invalid UTF-8; the hostile text is shown as visible escapes ("\x1b]0;", "\u009b").
# The server's GET /export.csv writes the same neutralised cells as `report export`.
#
# Usage: t070-terminal-hostile.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"
. "$(dirname "$0")/run-lib.sh" "$@"

need git jq python3 script

# The payload, as JSON string text: jq and the fakes read JSON escapes.
P='<\u001b]0;PWNED\u0007\u001b[2J\u001b]8;;http://evil.example/\u001b\\link\u001b]8;;\u001b\\'
P+='\r\naidf: FORGED LINE\rOVER\u009b31m\u009d0;T\u009c\u0085\u007f\u202eRLO\u2066\u0001>'

# tty_run OUTFILE CMD...: run CMD under script(1) (in $TTY_DIR when set) with colours
# allowed; everything the terminal received goes to OUTFILE, the exit status to RC.
# script(1) runs CMD with $SHELL (or /bin/sh when it is unset, as in CI); CMD is quoted
# by bash's %q ($'...' for control characters), so SHELL is set to bash.
TTY_DIR=
tty_run() {
    local out=$1 cmd
    shift
    printf -v cmd '%q ' "$@"
    [ -n "$TTY_DIR" ] && cmd="cd $(printf '%q' "$TTY_DIR") && $cmd"
    env -u NO_COLOR -u FORCE_COLOR TERM=xterm-256color SHELL="$(command -v bash)" \
        script -qec "$cmd" /dev/null </dev/null >"$out" 2>&1
    RC=$?
    if [ "$RC" -ge 128 ] || grep -qaE 'Sanitizer|runtime error:' "$out"; then
        not_ok "$* crashed or tripped a sanitizer (exit $RC)"
    fi
}

# clean_tty FILE [run|csv]: 0 when FILE (a terminal capture) holds nothing that acts on a
# terminal beyond our colours (and, with "run", the live line's "\r ESC [K"; with "csv",
# the CRLF line ends of CSV and the line breaks kept inside its quoted cells); otherwise
# prints what it found.
clean_tty() {
    python3 - "$@" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
mode = sys.argv[2] if len(sys.argv) > 2 else ""
if mode == "run":
    data = data.replace(b"\r\x1b[K", b"")
if mode == "csv":
    data = data.replace(b"\r\r\n", b"\n")        # CSV's CRLF through the tty's ONLCR
data = data.replace(b"\r\n", b"\n")              # the tty's ONLCR
data = re.sub(rb"\x1b\[[0-9;]*m", b"", data)     # our SGR colours
found = []
for b, what in ((0x1B, "ESC"), (0x07, "BEL"), (0x0D, "CR"), (0x7F, "DEL")):
    if b in data:
        found.append(what)
if any(c < 0x20 and c not in (0x0A, 0x09, 0x1B, 0x07, 0x0D) for c in data):
    found.append("another C0 control")
text = data.decode("utf-8", errors="surrogateescape")
if any(0xDC80 <= ord(c) <= 0xDCFF for c in text):
    found.append("invalid UTF-8 (a raw byte such as C1 0x9B)")
if any(0x80 <= ord(c) <= 0x9F for c in text):
    found.append("a C1 control in UTF-8")
if any(0x202A <= ord(c) <= 0x202E or 0x2066 <= ord(c) <= 0x2069 for c in text):
    found.append("a bidi override")
if mode != "csv" and re.search(r"^aidf: FORGED", text, re.M):
    found.append("a forged output line")
if found:
    print("#   found: " + ", ".join(found))
    sys.exit(1)
EOF
}

# has_sgr FILE: our colours are on (stdout was a terminal).
has_sgr() { grep -qaE $'\033\\[[0-9;]*m' "$1"; }
# shows FILE TEXT: the visible escape TEXT is in FILE.
shows() { grep -qaF -- "$2" "$1"; }

# tty_checks NAME FILE [run]: the checks every capture gets.
tty_checks() {
    local name=$1 f=$2
    if clean_tty "$f" "${3:-}"; then ok "$name: nothing acts on the terminal"; else
        not_ok "$name: nothing acts on the terminal"
        head -c 1500 "$f" | cat -v | sed 's/^/#   /'
        echo
    fi
    check "$name: the OSC 0 title is shown as text" shows "$f" '\x1b]0;PWNED\x07'
    check "$name: C1 controls are shown as text" shows "$f" '\u009b31m\u009d0;T\u009c\u0085\x7f'
    check "$name: the RLO is shown as text" shows "$f" '\u202eRLO'
}

# json_checks NAME FILE: a JSON capture is clean and shows jansson's and our \u escapes.
json_checks() {
    local name=$1 f=$2
    if clean_tty "$f"; then ok "$name: nothing acts on the terminal"; else
        not_ok "$name: nothing acts on the terminal"
    fi
    check "$name: C0 controls as \\u escapes" shows "$f" '\u001B]0;PWNED\u0007'
    check "$name: DEL and C1 as \\u escapes" shows "$f" '\u009b31m\u009d0;T\u009c\u0085\u007f'
    check "$name: bidi overrides as \\u escapes" shows "$f" '\u202eRLO\u2066\u0001>'
}

# --- a report with the payload in every string field ---------------------------------------
R=$TMP/reports
mkdir -p "$R/2026-11-20"
ID=0f1e2d3c-4b5a-4968-8776-655443322110
jq --argjson p "\"$P\"" '
    walk(if type == "string" then . + $p else . end)
    | .runId = "0f1e2d3c-4b5a-4968-8776-655443322110" | .timestamp = "2026-11-20T08:30:00.000Z"
    | .status = "failed"
    | .timing.startedAt = "2026-11-20T08:25:30.000Z" | .timing.completedAt = "2026-11-20T08:30:00.000Z"
    | .timing.phases += {("phase" + $p): 5}
    | .error = {message: ("boom" + $p), category: ("provider" + $p), code: ("E" + $p)}
    | .blockedReason = ("blocked" + $p)
    | .environment.ciBuildUrl = ("https://ci.example/1" + $p)
    | .scope.blockedFiles = ["secret" + $p] | .files.created = ["new" + $p]
    | .files.deleted = ["gone" + $p]
    | .files.modified += ["c1\u009b31m\u009d0;T\u009c\u0085\u007f\u202eRLO\u2066\u0001>"]' \
    "$DATA/reportdirs/small/2026-11-20/run-0f1e2d3c.json" >"$R/2026-11-20/run-0f1e2d3c.json" ||
    { not_ok "writing the hostile report"; finish; }
check "the hostile report is valid (aidf reads it)" \
    sh -c "'$AIDF' report show $ID --json --reports-dir '$R' >/dev/null 2>&1"

C=$TMP/cap
tty_run "$C.show" "$AIDF" report show "${ID:0:8}" --reports-dir "$R"
check "report show: exit 0" [ "$RC" = 0 ]
check "report show: colours on (a terminal)" has_sgr "$C.show"
tty_checks "report show" "$C.show"
for field in "Goal:" "Directory:" "Error:" "Blocked:" "Build URL:" "Branch:" "Commit:" "Host:"; do
    check "report show: $field on one line with its escapes" \
        grep -qaE "^ +$field .*\\\\x1b\\]0;PWNED\\\\x07.*\\\\r\\\\naidf: FORGED LINE\\\\rOVER" "$C.show"
done
check "report show: file lists escaped" grep -qa '^    gone<\\x1b\]0;PWNED' "$C.show"
check "report show: a phase name from the report escaped" grep -qa '^  phase<\\x1b\]0;' "$C.show"
check "report show: the FSI and a C0 at the end shown" shows "$C.show" '\u202eRLO\u2066\x01>'

tty_run "$C.list" "$AIDF" report list --reports-dir "$R"
check "report list: exit 0" [ "$RC" = 0 ]
check "report list: colours on" has_sgr "$C.list"
tty_checks "report list" "$C.list"
# The table is laid out on the escaped text: the header's columns line up with the row's.
check "report list: columns line up on the escaped text" python3 - "$C.list" <<'EOF'
import re, sys
lines = re.sub(rb"\x1b\[[0-9;]*m", b"", open(sys.argv[1], "rb").read()).decode().split("\r\n")
head = next(l for l in lines if l.startswith("RUN "))
row = next(l for l in lines if l.startswith("0f1e2d3c"))
# "ITER" ends where the row's iteration count (2) ends.
sys.exit(0 if head.index("ITER") + 4 == row.index(" 2  ") + 2 else 1)
EOF

tty_run "$C.summary" "$AIDF" report summary --reports-dir "$R"
check "report summary: exit 0" [ "$RC" = 0 ]
check "report summary: colours on" has_sgr "$C.summary"
# (The changed file "c1<C1 controls, RLO>" is short enough to show whole in "Most changed
# files": the longer hostile strings are cut to their column.)
tty_checks "report summary" "$C.summary"
# Beside a run in plain USD the hostile currency is a second one: its own "Cost in" line
# and cost cells, escaped.
R2=$TMP/reports-2
cp -r "$R" "$R2"
mkdir -p "$R2/2026-11-18"
cp "$DATA/reportdirs/small/2026-11-18/run-a1b2c3d4.json" "$R2/2026-11-18/"
tty_run "$C.summary2" "$AIDF" report summary --reports-dir "$R2"
check "report summary, two currencies: exit 0" [ "$RC" = 0 ]
tty_checks "report summary, two currencies" "$C.summary2"
check "report summary, two currencies: the hostile one's line escaped" \
    grep -qaE '│ Cost in USD<\\x1b\]0;.*: ' "$C.summary2"

tty_run "$C.csv" "$AIDF" report export --csv - --reports-dir "$R"
check "report export --csv -: exit 0" [ "$RC" = 0 ]
if clean_tty "$C.csv" csv; then ok "report export --csv -: nothing acts on the terminal"; else
    not_ok "report export --csv -: nothing acts on the terminal"
fi
check "report export --csv -: controls escaped in the cells" shows "$C.csv" '\x1b]0;PWNED\x07'
check "report export --csv -: C1 escaped in the cells" shows "$C.csv" '\u009b31m'

# The server's CSV export: the same cells as `aidf report export --csv -`.
"$AIDF" report export --csv - --reports-dir "$R" >"$TMP/cli.csv" 2>"$ERR"
if serve_start main --reports-dir "$R"; then
    req GET /export.csv
    check "GET /export.csv: 200" [ "$STATUS" = 200 ]
    check "GET /export.csv = aidf report export --csv -" cmp -s "$TMP/cli.csv" "$B"
    if clean_tty "$B" csv; then ok "GET /export.csv: no control characters"; else
        not_ok "GET /export.csv: no control characters"
    fi
    check "GET /export.csv: controls escaped in the cells" shows "$B" '\x1b]0;PWNED\x07'
    serve_stop main
    openapi_finish
fi

# JSON stays JSON with the same values; jansson's \u escapes keep the terminal clean.
tty_run "$C.json" "$AIDF" report show "$ID" --json --reports-dir "$R"
check "report show --json: exit 0" [ "$RC" = 0 ]
json_checks "report show --json" "$C.json"
sed 's/\r$//' "$C.json" >"$C.json.txt"
qcheck "report show --json: the same values as the file" \
    jq -e --slurpfile f "$R/2026-11-20/run-0f1e2d3c.json" \
    '.taskGoal == $f[0].taskGoal and .error == $f[0].error and .files == $f[0].files' "$C.json.txt"
tty_run "$C.ljson" "$AIDF" report list --json --reports-dir "$R"
check "report list --json: exit 0" [ "$RC" = 0 ]
json_checks "report list --json" "$C.ljson"
sed 's/\r$//' "$C.ljson" >"$C.ljson.txt"
qcheck "report list --json: the task path as in the file" \
    jq -e --slurpfile f "$R/2026-11-20/run-0f1e2d3c.json" '.runs[0].taskPath == $f[0].taskPath' \
    "$C.ljson.txt"

# --- error messages quote their arguments ----------------------------------------------------
tty_run "$C.err" "$AIDF" report show "$(printf 'ab\033]0;ARG\007\r\naidf: FORGED LINE')" \
    --reports-dir "$R"
check "an unknown run id: exit 1" [ "$RC" = 1 ]
if clean_tty "$C.err"; then ok "the error message does not act on the terminal"; else
    not_ok "the error message does not act on the terminal"
fi
check "the error message shows the escapes" shows "$C.err" '\x1b]0;ARG\x07\r\naidf: FORGED'

# --- status: a hostile project directory, config and last report -----------------------------
# The directory name holds ESC, BEL, a raw C1 byte (0x9B, invalid UTF-8) and a CR LF.
D=$TMP/$(printf 'proj\033]0;DIR\007\233x\r\naidf: FORGED LINE')
mkdir -p "$D/.ai/reports" && cp -r "$R/2026-11-20" "$D/.ai/reports/"
printf 'provider:\n  type: claude-cli\n  model: "m\\e]0;PWNED\\a\\r\\naidf: FORGED LINE\\rOVER\\u009b31m\\u009d0;T\\u009c\\u0085\\x7f\\u202eRLO\\u2066\\x01>"\n' \
    >"$D/.ai/config.yml"
TTY_DIR=$D tty_run "$C.status" "$AIDF" status --report
check "status --report: exit 0" [ "$RC" = 0 ]
check "status --report: colours on" has_sgr "$C.status"
tty_checks "status --report" "$C.status"
check "status --report: the directory's raw byte shown as \\x9b" shows "$C.status" '\x07\x9bx\r\naidf'
check "status --report: the model from the config escaped" shows "$C.status" 'model m\x1b]0;PWNED'
check "status --report: the last run's task escaped" shows "$C.status" '001-add-login.md<\x1b]0;PWNED'

# A config error that quotes the file's text.
printf '"k\\e]0;KEY\\a\\r\\naidf: FORGED LINE": 1\n' >"$D/.ai/config.yml"
TTY_DIR=$D tty_run "$C.cfgerr" "$AIDF" status
check "status with an unknown config key: exit 0" [ "$RC" = 0 ]
if clean_tty "$C.cfgerr"; then ok "status: the config warning does not act on the terminal"; else
    not_ok "status: the config warning does not act on the terminal"
    cat -v "$C.cfgerr" | sed 's/^/#   /'
fi
check "status: the config warning shows the key's escapes" \
    shows "$C.cfgerr" "unknown key 'k\\x1b]0;KEY\\x07\\r\\naidf: FORGED LINE'"

# --- report push: a server's error message ---------------------------------------------------
# A server that answers every POST with 400 and an error message full of escapes.
cat >"$TMP/bad-server.py" <<'EOF'
import http.server, json, sys
MSG = "nope\u009b2J\u202eRLO\u2066\u001b]0;SRV\u0007\u001b[2J\r\naidf: FORGED LINE"
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps({"error": {"code": "invalid_report", "message": MSG}}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1], "w") as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
EOF
timeout "$(tmo 120)" python3 "$TMP/bad-server.py" "$TMP/bad.port" >/dev/null 2>&1 &
BAD_PID=$!
at_exit "kill $BAD_PID 2>/dev/null; wait $BAD_PID 2>/dev/null"
if wait_file "$TMP/bad.port" 10 "$BAD_PID"; then
    cp -r "$R" "$TMP/push-reports"
    tty_run "$C.push" "$AIDF" report push "$ID" --server "http://127.0.0.1:$(cat "$TMP/bad.port")" \
        --retries 0 --reports-dir "$TMP/push-reports"
    check "report push: exit 1 (rejected)" [ "$RC" = 1 ]
    if clean_tty "$C.push"; then ok "report push: the server's message does not act on the terminal"; else
        not_ok "report push: the server's message does not act on the terminal"
        cat -v "$C.push" | sed 's/^/#   /'
    fi
    check "report push: the server's C1 and RLO shown as text" shows "$C.push" 'nope\u009b2J\u202eRLO\u2066'
else
    not_ok "the fake server for report push did not start"
fi

# --- aidf run: a provider error full of escapes ---------------------------------------------
new_project run
add_task 001-hostile "Trip over a hostile provider error"
# The scenario is line based: the fake decodes "\n" and "\\" itself; the other bytes are
# raw (ESC, BEL, DEL, U+009B..., U+202E), and the fake passes them on in its JSON output.
# aidf keeps the first line of a provider's error: the line break comes last.
RP=$'key\xc2\x9b31m\xc2\x9d0;T\xc2\x9c\xc2\x85\x7f\xe2\x80\xaeRLO\xe2\x81\xa6\x01>'
RP+=$'\e]0;PWNED\a\e[2J\e]8;;http://evil.example/\e\\\\link\e]8;;\e\\\\\\naidf: FORGED LINE'
scenario <<EOF
[*]
stderr stderr$RP
apierror 401 $RP
EOF
tty_run "$C.run" "$AIDF" run --verbose
check "run: exit 1 (the provider refused)" [ "$RC" = 1 ]
check "run: colours on" has_sgr "$C.run"
last_report
rcheck "run: the report keeps the provider's error as it was" '.error.message | contains("\u001b]0;PWNED")'
tty_checks "run" "$C.run" run
check "run: the live line was drawn (stderr is a terminal)" grep -qaF $'\r\033[K' "$C.run"

# --dry-run prints the prompt, which quotes the task file: on a terminal its controls are
# escaped (TAB and line breaks stay), into a pipe it is the prompt as it is.
add_task 002-dry "$(printf 'Goal\033]0;TASK\007\033[2J\302\233x\342\200\256RLO\rOVER')"
tty_run "$C.dry" "$AIDF" run --dry-run 002-dry
check "run --dry-run: exit 0" [ "$RC" = 0 ]
if clean_tty "$C.dry" run; then ok "run --dry-run: the prompt does not act on the terminal"; else
    not_ok "run --dry-run: the prompt does not act on the terminal"
fi
check "run --dry-run: the task's escapes shown" shows "$C.dry" 'Goal\x1b]0;TASK\x07\x1b[2J\u009bx\u202eRLO\rOVER'
"$AIDF" run --dry-run 002-dry >"$TMP/dry.out" 2>/dev/null
check "run --dry-run into a pipe: the prompt as it is" grep -qaF "$(printf 'Goal\033]0;TASK\007')" "$TMP/dry.out"

finish
