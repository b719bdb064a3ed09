#!/usr/bin/env bash
# The fake `claude` (tests/fakes/claude) against the real CLI's captured output
# (tests/data/claude/, Claude Code 2.1.330): same keys and JSON types in json and stream-json,
# byte-identical json for the fixture's scenario, the root refusal, the stream-json/--verbose
# error, and the per-call scenario actions.
#
# Usage: t200-fake-claude.sh <aidf> <tests/data dir>   (aidf itself is not used here)
DATA=${2:?usage: t200-fake-claude.sh <aidf> <tests/data>}
DATA=$(cd "$DATA" && pwd)
FAKE=$(cd "$(dirname "$0")/../fakes" && pwd)/claude
FIX=$DATA/claude
. "$(dirname "$0")/lib.sh"
need jq python3
cd "$TMP" || exit 1

# Every leaf path with its JSON type, e.g. ["usage","input_tokens"] number; modelUsage's
# key (the model name) is replaced by "*".
shape() { jq -c '(if .modelUsage then .modelUsage |= with_entries(.key = "*") else . end)
    | (if .model_usage_since_last_result then .model_usage_since_last_result
       |= with_entries(.key = "*") else . end)
    | [paths(type != "object" and type != "array") as $p | [$p, (getpath($p) | type)]]'; }
unset FAKE_CLAUDE_SCENARIO FAKE_CLAUDE_COUNTER FAKE_CLAUDE_SESSION FAKE_CLAUDE_UUID \
    FAKE_CLAUDE_RESULT FAKE_CLAUDE_SUBTYPE FAKE_CLAUDE_USAGE FAKE_CLAUDE_LOG
export FAKE_CLAUDE_ROOT=0

# 1. Default json output: same keys, order and types as the real object.
echo "fix the bug" | "$FAKE" -p --output-format json >def.json 2>def.err
rc=$?
check "default json exits 0" test "$rc" = 0
check "default json is one line" test "$(wc -l <def.json)" = 1
check "default json has the fixture's key order" \
    test "$(jq -c keys_unsorted def.json)" = "$(jq -c keys_unsorted "$FIX/result-json-two-turns.json")"
check "default json has the fixture's leaf types" \
    test "$(shape <def.json)" = "$(shape <"$FIX/result-json-two-turns.json")"
check "default json: nothing on stderr" test ! -s def.err

# 2. The fixture's own scenario reproduces it byte for byte.
mkdir proj && cd proj || exit 1
printf '%s\n' 'write src/hello.c int main(void){return 0;}\n' \
    'say Wrote src/hello.c.\n<TASK_COMPLETE>' >../fixture.scen
echo "write hello" | FAKE_CLAUDE_SCENARIO=$TMP/fixture.scen \
    FAKE_CLAUDE_SESSION=6f513726-25d8-4bfa-8d22-60464c250d5c \
    FAKE_CLAUDE_UUID=970c5f02-8276-4423-8fd6-57a8fcc6abe7 \
    "$FAKE" -p --output-format json --permission-mode acceptEdits >../fx.json
check "fixture scenario: json byte-identical to the real CLI" cmp -s ../fx.json "$FIX/result-json-two-turns.json"
check "fixture scenario: the file was written" test "$(cat src/hello.c)" = "int main(void){return 0;}"

# 3. stream-json: same event sequence, keys and types line by line.
echo "write hello" | FAKE_CLAUDE_SCENARIO=$TMP/fixture.scen \
    "$FAKE" -p --output-format stream-json --verbose --permission-mode acceptEdits >../fx.ndjson
rc=$?
cd "$TMP" || exit 1
check "stream-json exits 0" test "$rc" = 0
check "stream-json: same event types and keys per line" test \
    "$(jq -c '[.type, .subtype, keys_unsorted]' fx.ndjson)" = \
    "$(jq -c '[.type, .subtype, keys_unsorted]' "$FIX/stream-json-two-turns.ndjson")"
check "stream-json: same leaf types per line" test \
    "$(jq -c 'del(.tools, .slash_commands, .skills, .agents, .plugins, .capabilities)' fx.ndjson | shape)" = \
    "$(jq -c 'del(.tools, .slash_commands, .skills, .agents, .plugins, .capabilities)' "$FIX/stream-json-two-turns.ndjson" | shape)"
check "stream-json: result line equals the json totals" test \
    "$(tail -1 fx.ndjson | jq -c '[.usage, .total_cost_usd, .num_turns, .result]')" = \
    "$(jq -c '[.usage, .total_cost_usd, .num_turns, .result]' fx.json)"
check "stream-json: one session_id throughout" test "$(jq -r .session_id fx.ndjson | sort -u | wc -l)" = 1

# 4. Refusals with the real texts.
echo x | FAKE_CLAUDE_ROOT=1 "$FAKE" -p --output-format json --dangerously-skip-permissions >root.out 2>root.err
rc=$?
check "root refusal exits 1" test "$rc" = 1
check "root refusal: stdout as the real CLI" cmp -s root.out "$FIX/as-root-skip-permissions.stdout"
check "root refusal: stderr as the real CLI" cmp -s root.err "$FIX/as-root-skip-permissions.stderr"
echo x | FAKE_CLAUDE_ROOT=0 "$FAKE" -p --output-format json --dangerously-skip-permissions >nr.out
check "non-root may skip permissions" test "$(jq -r .subtype nr.out)" = success
echo x | "$FAKE" -p --output-format stream-json >sv.out 2>sv.err
rc=$?
check "stream-json without --verbose exits 1" test "$rc" = 1
check "stream-json without --verbose: the real error text" test \
    "$(cat sv.err)" = "Error: When using --print, --output-format=stream-json requires --verbose"
check "stream-json without --verbose: no stdout" test ! -s sv.out

# 5. Scenario calls: the counter file picks the section.
cat >multi.scen <<'SCEN'
# call 1 writes, call 2 runs out of turns, call 3 hits an overloaded API, call 4 crashes,
# call 5 prints no result line, later calls block.
[1]
write a.txt one\n
usage 10 20 30 40 0.5
say <TASK_COMPLETE>
[2]
append a.txt two\n
subtype error_max_turns
turns 7
[3]
apierror 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}
[4]
write b.txt partial
crash
[5]
noresult
[*]
delete a.txt
say <BLOCKED: need credentials>
SCEN
export FAKE_CLAUDE_SCENARIO=$TMP/multi.scen FAKE_CLAUDE_LOG=$TMP/calls.log
echo go | "$FAKE" -p --output-format json >c1.json
check "call 1: success with scripted usage" test \
    "$(jq -c '[.subtype, .is_error, .usage.input_tokens, .usage.output_tokens, .usage.cache_read_input_tokens, .usage.cache_creation_input_tokens, .total_cost_usd, .num_turns, .result]' c1.json)" = \
    '["success",false,10,20,30,40,0.5,2,"<TASK_COMPLETE>"]'
SID=$(jq -r .session_id c1.json)
echo go | "$FAKE" -p --output-format json --resume "$SID" >c2.json
rc=$?
check "call 2: error_max_turns, is_error, exit 1, no result" test \
    "$rc:$(jq -c '[.subtype, .is_error, .num_turns, has("result"), .errors]' c2.json)" = \
    '1:["error_max_turns",true,7,false,[]]'
check "call 2: --resume keeps the session_id" test "$(jq -r .session_id c2.json)" = "$SID"
check "calls 1-2: file actions" test "$(cat a.txt)" = "$(printf 'one\ntwo')"
echo go | "$FAKE" -p --output-format json >c3.json
rc=$?
check "call 3: API error is success + is_error + 529" test \
    "$rc:$(jq -c '[.subtype, .is_error, .api_error_status]' c3.json)" = '1:["success",true,529]'
echo go | "$FAKE" -p --output-format json >c4.json 2>c4.err
rc=$?
check "call 4: crash exits 139 with no output" test "$rc:$(wc -c <c4.json)" = "139:0"
check "call 4: earlier file action done" test -f b.txt
echo go | "$FAKE" -p --output-format stream-json --verbose >c5.ndjson
rc=$?
check "call 5: noresult exits 0 without a result line" test \
    "$rc:$(jq -r .type c5.ndjson | grep -c result)" = "0:0"
check "call 5: init still printed" test "$(head -1 c5.ndjson | jq -r .subtype)" = init
echo go | "$FAKE" -p --output-format json >c6.json
check "call 6: [*] section, blocked text, delete" test \
    "$(jq -r .result c6.json):$(test -e a.txt && echo present || echo gone)" = "<BLOCKED: need credentials>:gone"
check "counter file counts calls" test "$(cat multi.scen.count)" = 6
check "call log has one line per call with argv" test \
    "$(jq -c 'select(.call == 2) | .argv' calls.log)" = "[\"-p\",\"--output-format\",\"json\",\"--resume\",\"$SID\"]"

finish
