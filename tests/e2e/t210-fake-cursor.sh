#!/usr/bin/env bash
# The fake Cursor agent CLI (tests/fakes/cursor-agent) against the real CLI's captured json
# (tests/data/claude/cursor-with-usage.json, cursor-without-usage.json): same keys, order and
# JSON types, byte-identical output for the fixture's scenario, usage on/off, scripted file
# actions, the failure mode (stderr + exit 1, no JSON), --resume, text output, refusals and
# the call log.
#
# Usage: t210-fake-cursor.sh <aidf> <tests/data dir>   (aidf itself is not used here)
DATA=${2:?usage: t210-fake-cursor.sh <aidf> <tests/data>}
DATA=$(cd "$DATA" && pwd)
FAKE=$(cd "$(dirname "$0")/../fakes" && pwd)/cursor-agent
WITH=$DATA/claude/cursor-with-usage.json
WITHOUT=$DATA/claude/cursor-without-usage.json
SID_FIX=c6b62c6f-7ead-4fd6-9922-e952131177ff
RID_FIX=10e11780-df2f-45dc-a1ff-4540af32e9c0
. "$(dirname "$0")/lib.sh"
need jq python3
cd "$TMP" || exit 1

# Every leaf path with its JSON type, in document order.
shape() { jq -c '[paths(type != "object" and type != "array") as $p | [$p, (getpath($p) | type)]]'; }
unset FAKE_CURSOR_SCENARIO FAKE_CURSOR_COUNTER FAKE_CURSOR_LOG FAKE_CURSOR_SESSION \
    FAKE_CURSOR_REQUEST FAKE_CURSOR_RESULT FAKE_CURSOR_USAGE FAKE_CURSOR_DURATION

# 1. Default json output: one line, the fixture's keys, order and types.
echo "fix the bug" | "$FAKE" -p --output-format json >def.json 2>def.err
rc=$?
check "default json exits 0" test "$rc" = 0
check "default json is one line" test "$(wc -l <def.json)" = 1
check "default json has the fixture's key order" \
    test "$(jq -c keys_unsorted def.json)" = "$(jq -c keys_unsorted "$WITH")"
check "default json has the fixture's usage key order" \
    test "$(jq -c '.usage | keys_unsorted' def.json)" = "$(jq -c '.usage | keys_unsorted' "$WITH")"
check "default json has the fixture's leaf types" test "$(shape <def.json)" = "$(shape <"$WITH")"
check "default json: duration_api_ms equals duration_ms" \
    test "$(jq '.duration_api_ms == .duration_ms' def.json)" = true
check "default json: session_id and request_id are UUIDs" test \
    "$(jq -r '[.session_id, .request_id] | map(test("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")) | all' def.json)" = true
check "default json: no cost field" test "$(jq -c '[paths | map(tostring) | join(".") | select(test("cost"; "i"))]' def.json)" = "[]"
check "default json: nothing on stderr" test ! -s def.err

# 2. The fixture's scenario reproduces both fixtures byte for byte.
mkdir proj && cd proj || exit 1
printf '%s\n' 'write src/hello.c int main(void){return 0;}\n' \
    'say Created src/hello.c\n<TASK_COMPLETE>' >../fixture.scen
echo "write hello" | FAKE_CURSOR_SCENARIO=$TMP/fixture.scen FAKE_CURSOR_SESSION=$SID_FIX \
    FAKE_CURSOR_REQUEST=$RID_FIX "$FAKE" -p --output-format json --force >../fx.json
check "fixture scenario: json byte-identical to cursor-with-usage.json" cmp -s ../fx.json "$WITH"
check "fixture scenario: the file was written" test "$(cat src/hello.c)" = "int main(void){return 0;}"
printf '%s\n' 'nousage' >>../fixture.scen
echo "write hello" | FAKE_CURSOR_SCENARIO=$TMP/fixture.scen FAKE_CURSOR_SESSION=$SID_FIX \
    FAKE_CURSOR_REQUEST=$RID_FIX "$FAKE" -p --output-format json >../fxn.json
check "nousage: json byte-identical to cursor-without-usage.json" cmp -s ../fxn.json "$WITHOUT"
cd "$TMP" || exit 1

# 3. Usage on/off from the environment and scripted values.
echo x | FAKE_CURSOR_USAGE=none "$FAKE" -p --output-format json >nu.json
check "FAKE_CURSOR_USAGE=none: the fixture's keys without usage" \
    test "$(jq -c keys_unsorted nu.json)" = "$(jq -c keys_unsorted "$WITHOUT")"
check "FAKE_CURSOR_USAGE=none: the fixture's leaf types" test "$(shape <nu.json)" = "$(shape <"$WITHOUT")"
echo x | FAKE_CURSOR_USAGE="1 2 3 4" "$FAKE" -p --output-format json >eu.json
check "FAKE_CURSOR_USAGE sets the usage object" test "$(jq -c .usage eu.json)" = \
    '{"inputTokens":1,"outputTokens":2,"cacheReadTokens":3,"cacheWriteTokens":4}'

# 4. text output: only the result text.
"$FAKE" -p "say hi" >t.txt
check "text is the default format and prints the result text" \
    test "$(cat t.txt)" = "$(printf 'Created src/hello.c\n<TASK_COMPLETE>')"
FAKE_CURSOR_RESULT='one\ntwo' "$FAKE" -p --output-format text "say hi" >t2.txt
check "FAKE_CURSOR_RESULT with escapes" test "$(cat t2.txt)" = "$(printf 'one\ntwo')"

# 5. Refusals.
echo x | "$FAKE" -p --output-format json --bogus >uo.out 2>uo.err
rc=$?
check "unknown option: exit 1, the real error text, no stdout" \
    test "$rc:$(cat uo.err):$(wc -c <uo.out)" = "1:error: unknown option '--bogus':0"
echo x | "$FAKE" -p --output-format stream-json >sj.out 2>sj.err
rc=$?
check "stream-json is refused with an error and no stdout" \
    test "$rc" != 0 -a -s sj.err -a ! -s sj.out
"$FAKE" -p --output-format json "" </dev/null >np.out 2>np.err
rc=$?
check "no prompt: non-zero exit, error on stderr, no stdout" test "$rc" != 0 -a -s np.err -a ! -s np.out

# 6. Scenario calls: the counter file picks the section.
cat >multi.scen <<'SCEN'
# call 1 writes and reports usage; call 2 fails like Cursor does; call 3 crashes; call 4
# prints no result; call 5 exits 3 after a result; later calls block without usage.
[1]
write a.txt one\n
usage 10 20 30 40
say <TASK_COMPLETE>
[2]
append a.txt two\n
stderr a warning
fail Error: You've hit your usage limit
[3]
write b.txt partial
crash
[4]
noresult
[5]
say done
exit 3
[*]
delete a.txt
nousage
say <BLOCKED: need credentials>
SCEN
export FAKE_CURSOR_SCENARIO=$TMP/multi.scen FAKE_CURSOR_LOG=$TMP/calls.log
echo "first prompt" | "$FAKE" -p --output-format json --model gpt-5 >c1.json
check "call 1: success with scripted usage" test \
    "$(jq -c '[.subtype, .is_error, .usage, .result]' c1.json)" = \
    '["success",false,{"inputTokens":10,"outputTokens":20,"cacheReadTokens":30,"cacheWriteTokens":40},"<TASK_COMPLETE>"]'
SID=$(jq -r .session_id c1.json)
"$FAKE" -p --output-format json --resume "$SID" --force "second prompt" >c2.json 2>c2.err
rc=$?
check "call 2: fail exits 1 with no JSON on stdout" test "$rc:$(wc -c <c2.json)" = "1:0"
check "call 2: fail text (after the stderr action) on stderr" test \
    "$(cat c2.err)" = "$(printf "a warning\nError: You've hit your usage limit")"
check "calls 1-2: file actions" test "$(cat a.txt)" = "$(printf 'one\ntwo')"
echo go | "$FAKE" -p --output-format json >c3.json 2>c3.err
rc=$?
check "call 3: crash exits 139 with no output" test "$rc:$(wc -c <c3.json)" = "139:0"
check "call 3: earlier file action done" test "$(cat b.txt)" = partial
echo go | "$FAKE" -p --output-format json >c4.json
rc=$?
check "call 4: noresult exits 0 with no output" test "$rc:$(wc -c <c4.json)" = "0:0"
echo go | "$FAKE" -p --output-format json >c5.json
rc=$?
check "call 5: exit 3 after a result line" test "$rc:$(jq -r .result c5.json)" = "3:done"
echo go | "$FAKE" -p --output-format json --resume chat-123 >c6.json
check "call 6: [*] section, blocked text, delete, no usage" test \
    "$(jq -r '.result, has("usage"), .session_id' c6.json | paste -sd: -):$(test -e a.txt && echo present || echo gone)" = \
    "<BLOCKED: need credentials>:false:chat-123:gone"
check "counter file counts calls" test "$(cat multi.scen.count)" = 6

# 7. The call log.
check "call log: one line per call" test "$(wc -l <calls.log)" = 6
check "call log: argv of call 2" test "$(jq -c 'select(.call == 2) | .argv' calls.log)" = \
    "[\"-p\",\"--output-format\",\"json\",\"--resume\",\"$SID\",\"--force\",\"second prompt\"]"
check "call log: prompt from stdin and from the last argument" test \
    "$(jq -r 'select(.call <= 2) | .prompt' calls.log)" = "$(printf 'first prompt\n\nsecond prompt')"
check "call log: session_id is the --resume id" test \
    "$(jq -r 'select(.call == 2 or .call == 6) | .session_id' calls.log | paste -sd, -)" = "$SID,chat-123"
check "call log: cwd" test "$(jq -r 'select(.call == 1) | .cwd' calls.log)" = "$(pwd -P)"
unset FAKE_CURSOR_SCENARIO FAKE_CURSOR_LOG

# 8. The binary name does not matter; `cursor agent ...` style works too.
mkdir bin && ln -s "$FAKE" bin/agent && ln -s "$FAKE" bin/cursor
echo x | FAKE_CURSOR_SESSION=$SID_FIX FAKE_CURSOR_REQUEST=$RID_FIX bin/agent -p --output-format json >ag.json
check "symlinked as agent: same output" cmp -s ag.json "$WITH"
echo x | FAKE_CURSOR_SESSION=$SID_FIX FAKE_CURSOR_REQUEST=$RID_FIX bin/cursor agent -p --output-format json >cu.json
check "cursor agent -p: same output" cmp -s cu.json "$WITH"

finish
