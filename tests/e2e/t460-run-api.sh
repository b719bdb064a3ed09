#!/usr/bin/env bash
# aidf run with the API providers against the fake Anthropic / OpenAI server
# (tests/fakes/llm-api, reached only through ANTHROPIC_BASE_URL / OPENAI_BASE_URL; it
# validates requests the way the real APIs do): a task completed through tool calls that
# write files, a blocked task, an out-of-scope write refused before writing, dangerous and
# policy-blocked commands refused, 429 then success, 500 then success, 401, a max_tokens
# stop, invalid tool arguments, and a missing API key. Each report is checked: tokens with
# cache and reasoning, cost from the rate table for the configured model, files, status
# and error category.
#
# Usage: t460-run-api.sh <aidf> <tests/data dir>
. "$(dirname "$0")/run-lib.sh" "$@"
. "$(dirname "$0")/receiver-lib.sh"

need git jq python3
LLM=$FAKES/llm-api
[ -x "$LLM" ] || { not_ok "the fake API server tests/fakes/llm-api is missing"; finish; }

API_LOG=$TMP/api.ndjson
API_PID=

# api_start: start the fake with the script on stdin; sets the base URLs and keys.
api_start() {
    [ -n "$API_PID" ] && stop_pid "$API_PID"
    cat >"$TMP/api.script"
    rm -f "$TMP/api.port" "$API_LOG"
    python3 "$LLM" --port-file "$TMP/api.port" --log "$API_LOG" --script "$TMP/api.script" \
        --lifetime 120 >"$TMP/api.out" 2>&1 &
    API_PID=$!
    BG_PIDS+=("$API_PID")
    wait_file "$TMP/api.port" || { not_ok "the fake API server did not start"; sed 's/^/#   /' "$TMP/api.out"; return 1; }
    local port
    port=$(cat "$TMP/api.port")
    export ANTHROPIC_BASE_URL=http://127.0.0.1:$port OPENAI_BASE_URL=http://127.0.0.1:$port/v1
    export ANTHROPIC_API_KEY=sk-ant-test OPENAI_API_KEY=sk-openai-test
}

# nreqs: requests the fake answered; req_body N: the JSON body of request N.
nreqs() { [ -f "$API_LOG" ] && nreq "$API_LOG" || echo 0; }
req_body() { jq -c -s ".[$(($1 - 1))].body" "$API_LOG"; }
invalid_reqs() { jq -s '[.[] | select(.invalid != null)] | length' "$API_LOG"; }

anthropic_project() {
    new_project "$1"
    write_config <<'EOF'
provider:
  type: anthropic-api
  model: claude-sonnet-4-5
permissions:
  scope_enforcement: strict
security:
  commands:
    blocked: ["make deploy"]
EOF
}

USAGE='"usage": {"input_tokens": 1000, "output_tokens": 50, "cache_read_input_tokens": 400, "cache_creation_input_tokens": 100}'

# --- completed through tool calls that write files ------------------------------------------
anthropic_project write
add_task 001-api "Write src/a.c through the API"
api_start <<EOF
[
 {"anthropic": "tool_use", "text": "I will write the file.", $USAGE,
  "calls": [{"name": "write_file", "input": {"path": "src/a.c", "content": "int a;\n"}},
            {"name": "read_file", "input": {"path": "src/app.c"}}]},
 {"anthropic": "tool_use", $USAGE,
  "calls": [{"name": "task_complete", "input": {"summary": "wrote src/a.c"}}]}
]
EOF
expect 0 "anthropic-api completes through tools" run
last_report
rcheck "completed in one iteration" '.status == "completed" and .iterations == 1'
rcheck "provider and model" '.provider.type == "anthropic-api" and .provider.model == "claude-sonnet-4-5"'
rcheck "tokens summed over both turns, cache separate" '.tokens.totalInput == 2000 and .tokens.totalOutput == 100 and .tokens.cacheRead == 800 and .tokens.cacheWrite == 200 and .tokens.estimated == false'
rcheck "cost from the rate table for claude-sonnet-4-5" '.cost.source == "computed" and ((.cost.estimatedTotal - 0.00849) | fabs) < 1e-9'
rcheck "the written file" '.files.created == ["src/a.c"]'
check "the file is in the commit" git cat-file -e HEAD~1:src/a.c
check "two requests, none refused by the fake" sh -c "[ \"\$(wc -l <'$API_LOG')\" = 2 ] && [ \"\$(jq -s '[.[] | select(.invalid != null)] | length' '$API_LOG')\" = 0 ]"
check "x-api-key and anthropic-version sent" jq -e -s '.[0].headers["x-api-key"] == "sk-ant-test" and .[0].headers["anthropic-version"] == "2023-06-01"' "$API_LOG"
check "a system prompt and six tools" jq -e -s '.[0].body.system != null and (.[0].body.tools | length) == 6' "$API_LOG"
check "the model from the config" jq -e -s '.[0].body.model == "claude-sonnet-4-5"' "$API_LOG"
check "one assistant message, then one user message with both results" jq -e -s '.[1].body.messages | length == 3 and .[1].role == "assistant" and .[2].role == "user" and ([.[2].content[] | select(.type == "tool_result")] | length) == 2' "$API_LOG"
check "read_file returned the file" jq -e -s '[.[1].body.messages[2].content[] | select(.type == "tool_result") | .content] | any(test("int app"))' "$API_LOG"

# --- a blocked task -----------------------------------------------------------------------------
anthropic_project blocked
add_task 002-blk "Needs a human"
api_start <<'EOF'
[{"anthropic": "tool_use", "calls": [{"name": "task_blocked", "input": {"reason": "the schema is undecided", "suggestion": "pick one"}}]}]
EOF
expect 1 "task_blocked blocks" run
last_report
rcheck "blocked with the reason" '.status == "blocked" and (.blockedReason | test("the schema is undecided"))'
check "the task moved to blocked/" task_in blocked 002-blk

# --- an out-of-scope write refused before writing; commands refused --------------------------------
anthropic_project refused
add_task 003-ref "Try forbidden things"
api_start <<'EOF'
[
 {"anthropic": "tool_use", "calls": [
   {"name": "write_file", "input": {"path": "secrets/key.txt", "content": "x"}},
   {"name": "write_file", "input": {"path": "../outside.txt", "content": "x"}},
   {"name": "run_command", "input": {"command": "sudo rm -rf /"}},
   {"name": "run_command", "input": {"command": "make deploy"}},
   {"name": "run_command", "input": {"command": "echo hello"}}]},
 {"anthropic": "tool_use", "calls": [{"name": "task_complete", "input": {"summary": "done"}}]}
]
EOF
expect 0 "refusals are tool results, the run goes on" run
last_report
rcheck "completed" '.status == "completed"'
check "the forbidden file was never written" test ! -e secrets/key.txt
check "nothing escaped the project" test ! -e "$TMP/outside.txt"
check "scope refusal told to the model" jq -e -s '[.[1].body.messages[2].content[] | select(.type == "tool_result")][0] | .is_error == true and (.content | test("SCOPE VIOLATION"))' "$API_LOG"
check "traversal refused" jq -e -s '[.[1].body.messages[2].content[] | select(.type == "tool_result")][1].content | test("Path traversal blocked")' "$API_LOG"
check "a dangerous command refused" jq -e -s '[.[1].body.messages[2].content[] | select(.type == "tool_result")][2].content | test("dangerous pattern")' "$API_LOG"
check "security.commands.blocked applied" jq -e -s '[.[1].body.messages[2].content[] | select(.type == "tool_result")][3].content | test("blocked by policy")' "$API_LOG"
check "an allowed command ran" jq -e -s '[.[1].body.messages[2].content[] | select(.type == "tool_result")][4].content | test("Exit code: 0") and test("hello")' "$API_LOG"

# --- 429 then success; 500 then success ---------------------------------------------------------------
anthropic_project transient
add_task 004-429 "Survive rate limits"
api_start <<'EOF'
[
 {"error": 429, "retry_after": 1},
 {"error": 500},
 {"anthropic": "tool_use", "calls": [{"name": "task_complete", "input": {"summary": "ok"}}]}
]
EOF
T0=$(date +%s%N)
expect 0 "429 and 500 are retried" run
T1=$(date +%s%N)
last_report
rcheck "completed in one iteration (retries are not failures)" '.status == "completed" and .iterations == 1 and .consecutiveFailures == 0'
check "three requests" [ "$(nreqs)" = 3 ]
check "retry-after honoured (>= 1 s)" [ $(((T1 - T0) / 1000000)) -ge 1000 ]
check "identical request re-sent" test "$(req_body 1)" = "$(req_body 3)"

# --- 401 is fatal --------------------------------------------------------------------------------------
anthropic_project auth
add_task 005-401 "Bad key"
api_start <<'EOF'
[{"error": 401}]
EOF
expect 1 "401 fails the run" run
last_report
rcheck "failed with the permission category" '.status == "failed" and .error.category == "permission" and .error.code == "PROVIDER_AUTH"'
check "one request, not retried" [ "$(nreqs)" = 1 ]

# --- max_tokens stop: not re-sent as it is -----------------------------------------------------------------
anthropic_project maxtok
add_task 006-max "A long answer"
api_start <<'EOF'
[
 {"anthropic": "text", "text": "Here is a very long", "stop_reason": "max_tokens"},
 {"anthropic": "tool_use", "calls": [{"name": "task_complete", "input": {"summary": "ok"}}]}
]
EOF
expect 0 "a max_tokens stop ends the iteration, the next one continues" run
last_report
rcheck "two iterations" '.status == "completed" and .iterations == 2'
check "two requests" [ "$(nreqs)" = 2 ]
check "the second request is not the first again" test "$(req_body 1)" != "$(req_body 2)"
check "it continues the conversation" jq -e -s '.[1].body.messages | length == 3 and .[1].role == "assistant" and .[2].role == "user"' "$API_LOG"

# --- OpenAI: invalid tool arguments, usage with cached and reasoning tokens ---------------------------------
new_project openai
write_config <<'EOF'
provider:
  type: openai-api
  model: gpt-4.1
EOF
add_task 007-oai "Use OpenAI"
OUSAGE='"usage": {"prompt_tokens": 1000, "completion_tokens": 300, "total_tokens": 1300, "prompt_tokens_details": {"cached_tokens": 600, "audio_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 120, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}'
api_start <<EOF
[
 {"openai": "tool_calls", $OUSAGE, "calls": [{"name": "write_file", "arguments": "{\"path\": \"src/o.c\", \"content\": "}]},
 {"openai": "tool_calls", $OUSAGE, "calls": [{"name": "write_file", "arguments": {"path": "src/o.c", "content": "int o;\n"}}]},
 {"openai": "tool_calls", $OUSAGE, "calls": [{"name": "task_complete", "arguments": {"summary": "done"}}]}
]
EOF
expect 0 "openai-api completes" run
last_report
rcheck "completed" '.status == "completed" and .provider.type == "openai-api"'
rcheck "cached tokens not counted twice" '.tokens.totalInput == 1200 and .tokens.cacheRead == 1800'
rcheck "reasoning tokens reported" '.tokens.reasoning == 360 and .tokens.totalOutput == 900'
rcheck "cost from the rate table for gpt-4.1" '.cost.source == "computed" and ((.cost.estimatedTotal - 0.0105) | fabs) < 1e-9'
rcheck "the file" '.files.created == ["src/o.c"]'
check "Bearer key sent" jq -e -s '.[0].headers.authorization == "Bearer sk-openai-test"' "$API_LOG"
check "the invalid arguments went back as a tool message" jq -e -s '.[1].body.messages | map(select(.role == "tool")) | .[0].content | test("Invalid tool call arguments")' "$API_LOG"
check "no request refused by the fake" [ "$(invalid_reqs)" = 0 ]

# --- a missing key -------------------------------------------------------------------------------------
new_project nokey
write_config <<'EOF'
provider:
  type: anthropic-api
EOF
add_task 008-key "No key"
unset ANTHROPIC_API_KEY
expect 1 "a missing API key fails the run" run
check "it names the variable" err_has "ANTHROPIC_API_KEY"
last_report
rcheck "failed before the loop" '.status == "failed" and .iterations == 0 and .error.code == "PROVIDER_NOT_AVAILABLE"'

# --- an empty answer is not kept in the conversation ---------------------------------------------
anthropic_project empty
add_task 009-empty "Nothing to say"
api_start <<'EOF'
[
 {"status": 200, "body": {"id": "msg_empty", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5", "content": [], "stop_reason": "end_turn", "stop_sequence": null, "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "output_tokens": 1}}},
 {"anthropic": "tool_use", "calls": [{"name": "task_complete", "input": {"summary": "ok"}}]}
]
EOF
expect 0 "an empty answer, then completion" run
check "the second request was valid (no empty assistant turn)" [ "$(invalid_reqs)" = 0 ]
check "and carried only user turns merged into one" jq -e -s '.[1].body.messages | length == 1 and .[0].role == "user"' "$API_LOG"

finish
