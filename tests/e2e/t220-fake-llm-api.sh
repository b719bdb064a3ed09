#!/usr/bin/env bash
# The fake HTTP LLM API (tests/fakes/llm-api) against the real wire formats: each script
# shorthand expands to the documented Anthropic Messages / OpenAI Chat Completions shape,
# requests are validated like the real APIs (401/400 in the real error shapes, no script entry
# consumed), errors carry the real headers, answers come FIFO across both endpoints, an
# exhausted script is a 500, every request is logged, and the fake stops after --lifetime and
# on SIGTERM. Only 127.0.0.1 is contacted.
#
# Usage: t220-fake-llm-api.sh <aidf> <tests/data dir>   (both unused: the fake is tested alone)
FAKE=$(cd "$(dirname "$0")/../fakes" && pwd)/llm-api
. "$(dirname "$0")/lib.sh"
need jq python3 curl
PIDS=()
stop_fakes() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
}
at_exit stop_fakes
cd "$TMP" || exit 1

# start NAME SCRIPT LIFETIME [args]: start the fake, wait for its port file; sets PID and PORT.
start() {
    local name=$1 script=$2 life=$3
    shift 3
    "$FAKE" --port-file "$name.port" --log "$name.log" --script "$script" --lifetime "$life" "$@" \
        2>"$name.err" &
    PID=$!
    PIDS+=("$PID")
    wait_file "$name.port" 5 "$PID"
    PORT=$(cat "$name.port" 2>/dev/null)
}
AKEY=sk-ant-fake-0123456789
OKEY=sk-fake-openai-9876543210
# post OUT PATH DATA [curl args]: POST to the fake; OUT.code, OUT.hdr, OUT.body.
post() {
    local out=$1 path=$2 data=$3
    shift 3
    curl -sS --max-time 10 -o "$out.body" -D "$out.hdr" -w '%{http_code}' "$@" \
        --data-binary "$data" "http://127.0.0.1:$PORT$path" >"$out.code" 2>"$out.curlerr"
    echo $? >"$out.rc"
}
# ant OUT DATA [curl args]: an Anthropic request with the usual headers; set KEY= or VER= (empty)
# for the call to leave out x-api-key or anthropic-version.
ant() {
    local out=$1 data=$2 h=()
    shift 2
    [ -n "${KEY-$AKEY}" ] && h+=(-H "x-api-key: ${KEY-$AKEY}")
    [ -n "${VER-2023-06-01}" ] && h+=(-H "anthropic-version: ${VER-2023-06-01}")
    post "$out" /v1/messages "$data" "${h[@]}" -H 'content-type: application/json' "$@"
}
# oai OUT DATA [curl args]: an OpenAI request with the usual headers; KEY= leaves out the token.
oai() {
    local out=$1 data=$2 h=()
    shift 2
    [ -n "${KEY-$OKEY}" ] && h+=(-H "Authorization: Bearer ${KEY-$OKEY}")
    post "$out" /v1/chat/completions "$data" "${h[@]}" -H 'content-type: application/json' "$@"
}
code() { cat "$1.code"; }
hdr() { grep -i "^$2:" "$1.hdr" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
jqb() { jq -c "$2" "$1.body"; }

cat >script.json <<'EOF'
[
  {"anthropic": "text", "text": "Hello from the fake", "usage": {"input_tokens": 10, "cache_read_input_tokens": 500}},
  {"anthropic": "tool_use", "text": "I'll write the file.", "calls": [
      {"name": "write_file", "input": {"path": "src/a.c", "content": "int a;\n"}},
      {"name": "task_complete", "input": {"summary": "done"}}]},
  {"anthropic": "text", "text": "cut", "stop_reason": "max_tokens"},
  {"openai": "text", "text": "Hi from gpt", "usage": {"prompt_tokens": 1000, "cached_tokens": 400, "completion_tokens": 50, "reasoning_tokens": 20}},
  {"openai": "tool_calls", "calls": [
      {"name": "write_file", "arguments": {"path": "b.txt", "content": "x"}},
      {"name": "run_command", "arguments": "{not json"}]},
  {"openai": "text", "text": "after tools", "finish_reason": "length"},
  {"error": 429, "retry_after": 1},
  {"error": 429, "retry_after": 2},
  {"error": 529},
  {"error": 500},
  {"error": 401},
  {"anthropic": "text", "text": "for the wrong endpoint"},
  {"status": 200, "body": "this is not json"},
  {"anthropic": "text", "text": "slow", "delay": 2},
  {"drop": true}
]
EOF
start main script.json 60
qcheck "fake starts and writes its port file" test -n "$PORT"
MODEL=claude-sonnet-4-20250514
USER1='{"role":"user","content":"write a.c"}'
TOOLS='[{"name":"write_file","description":"Write content to a file","input_schema":{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}},{"name":"task_complete","description":"Signal that the task is complete","input_schema":{"type":"object","properties":{"summary":{"type":"string"}},"required":["summary"]}}]'
NREQ=0

# 1. Anthropic text shorthand.
ant a1 "{\"model\":\"$MODEL\",\"max_tokens\":8192,\"tools\":$TOOLS,\"messages\":[$USER1]}"
NREQ=$((NREQ + 1))
qcheck "anthropic text: 200" test "$(code a1)" = 200
qcheck "anthropic text: the real key order" test "$(jqb a1 keys_unsorted)" = \
    '["id","type","role","model","content","stop_reason","stop_sequence","usage"]'
qcheck "anthropic text: type/role/model/stop fields" test \
    "$(jqb a1 '[.type, .role, .model, .stop_reason, .stop_sequence]')" = \
    "[\"message\",\"assistant\",\"$MODEL\",\"end_turn\",null]"
qcheck "anthropic text: one text block" test "$(jqb a1 .content)" = '[{"type":"text","text":"Hello from the fake"}]'
qcheck "anthropic text: msg_01 id" jq -e '.id | test("^msg_01[A-Za-z0-9]{22}$")' a1.body
qcheck "anthropic text: usage with overrides and defaults" test "$(jqb a1 .usage)" = \
    '{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":500,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0},"output_tokens":80,"service_tier":"standard"}'
qcheck "anthropic: content-type application/json" test "$(hdr a1 content-type)" = application/json
qcheck "anthropic: request-id req_..." grep -Eqi '^request-id: req_[A-Za-z0-9]+' a1.hdr
qcheck "anthropic: content-length matches the body" test "$(hdr a1 content-length)" = "$(wc -c <a1.body)"
qcheck "anthropic: HTTP/1.1" grep -q '^HTTP/1.1 200' a1.hdr

# Validation failures in between: answered 400/401, entry 2 is not consumed.
KEY='' ant v1 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1]}"
qcheck "anthropic: no x-api-key → 401 authentication_error" test \
    "$(code v1):$(jqb v1 '[.type, .error.type, .error.message]')" = \
    '401:["error","authentication_error","x-api-key header is required"]'
qcheck "anthropic: error body has request_id like the real API" jq -e '.request_id | startswith("req_")' v1.body
VER='' ant v2 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1]}"
qcheck "anthropic: no anthropic-version → 400" test \
    "$(code v2):$(jqb v2 '.error.type'):$(jqb v2 .error.message)" = \
    '400:"invalid_request_error":"anthropic-version: header is required"'
ant v3 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1,{\"role\":\"user\",\"content\":\"again\"}]}"
qcheck "anthropic: non-alternating roles → 400" test \
    "$(code v3):$(jq -r .error.message v3.body)" = \
    '400:messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row'
ant v4 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[{\"role\":\"assistant\",\"content\":\"hi\"}]}"
qcheck "anthropic: first message not user → 400" test "$(code v4)" = 400
ant v5 "{\"model\":\"$MODEL\",\"messages\":[$USER1]}"
qcheck "anthropic: missing max_tokens → 400" test "$(code v5):$(jq -r .error.message v5.body)" = \
    "400:max_tokens: Field required"
ant v6 "{\"model\":\"$MODEL\",\"max_tokens\":0,\"messages\":[$USER1]}"
qcheck "anthropic: max_tokens 0 → 400" test "$(code v6)" = 400
ant v7 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[]}"
qcheck "anthropic: empty messages → 400" test "$(code v7)" = 400
ant v8 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"max_token\":5,\"messages\":[$USER1]}"
qcheck "anthropic: unknown parameter → 400 Extra inputs" test "$(jq -r .error.message v8.body)" = \
    "max_token: Extra inputs are not permitted"
ant v9 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[{\"role\":\"system\",\"content\":\"x\"},$USER1]}"
qcheck "anthropic: system role in messages → 400" grep -q 'Unexpected role \\"system\\"' v9.body
ant v10 "not json"
qcheck "anthropic: a body that is not JSON → 400" test "$(code v10):$(jqb v10 .error.type)" = '400:"invalid_request_error"'
ant v11 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"system\":[{\"type\":\"text\",\"text\":\"be brief\"}],\"tools\":[{\"name\":\"bad name!\",\"input_schema\":{\"type\":\"object\"}}],\"messages\":[$USER1]}"
qcheck "anthropic: tool name pattern → 400" test "$(code v11)" = 400
NREQ=$((NREQ + 11))

# 2. Anthropic tool_use shorthand: several tool_use blocks in one message.
ant a2 "{\"model\":\"$MODEL\",\"max_tokens\":8192,\"system\":\"You are aidf\",\"tools\":$TOOLS,\"messages\":[$USER1]}"
NREQ=$((NREQ + 1))
qcheck "anthropic tool_use: 200, entry 2 after the refused requests" test \
    "$(code a2):$(jqb a2 .stop_reason)" = '200:"tool_use"'
qcheck "anthropic tool_use: preface text then two tool_use blocks" test \
    "$(jqb a2 '[.content[] | .type]')" = '["text","tool_use","tool_use"]'
qcheck "anthropic tool_use: block keys type/id/name/input" test \
    "$(jqb a2 '[.content[1:][] | keys_unsorted] | unique')" = '[["type","id","name","input"]]'
qcheck "anthropic tool_use: names and inputs" test \
    "$(jqb a2 '[.content[1:][] | [.name, .input]]')" = \
    '[["write_file",{"path":"src/a.c","content":"int a;\n"}],["task_complete",{"summary":"done"}]]'
qcheck "anthropic tool_use: unique toolu_01 ids" jq -e \
    '[.content[1:][] | .id] | (unique | length) == 2 and all(test("^toolu_01[A-Za-z0-9]{22}$"))' a2.body
ID1=$(jq -r '.content[1].id' a2.body)
ID2=$(jq -r '.content[2].id' a2.body)
ASSIST=$(jq -c '{role, content}' a2.body)
R1="{\"type\":\"tool_result\",\"tool_use_id\":\"$ID1\",\"content\":\"File written: src/a.c\"}"
R2="{\"type\":\"tool_result\",\"tool_use_id\":\"$ID2\",\"content\":[{\"type\":\"text\",\"text\":\"Task completed: done\"}]}"

# Tool pairing violations.
ant t1 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"tools\":$TOOLS,\"messages\":[$USER1,$ASSIST,{\"role\":\"user\",\"content\":[$R1]}]}"
qcheck "anthropic: a tool_use without tool_result → 400 (real message)" test \
    "$(code t1):$(jq -r .error.message t1.body)" = \
    "400:messages.1: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: $ID2. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message."
ant t2 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"tools\":$TOOLS,\"messages\":[$USER1,$ASSIST,{\"role\":\"user\",\"content\":[$R1]},{\"role\":\"assistant\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":[$R2]}]}"
qcheck "anthropic: results split over two user messages → 400" test \
    "$(code t2):$(jq -r '.error.message | test("without `tool_result` blocks immediately after")' t2.body)" = "400:true"
ant t3 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"tools\":$TOOLS,\"messages\":[$USER1,$ASSIST,{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"results:\"},$R1,$R2]}]}"
qcheck "anthropic: text before the tool_result blocks → 400" test "$(code t3)" = 400
ant t4 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"tools\":$TOOLS,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_01nothing\",\"content\":\"x\"}]}]}"
qcheck "anthropic: a tool_result without its tool_use → 400 (real message)" test \
    "$(code t4):$(jq -r '.error.message | startswith("messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01nothing.")' t4.body)" = "400:true"
ant t5 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1,$ASSIST,{\"role\":\"user\",\"content\":[$R1,$R2]}]}"
# shellcheck disable=SC2016 # backquotes are literal in the API's message
qcheck "anthropic: tool blocks without tools → 400" test "$(code t5):$(jq -r .error.message t5.body)" = \
    '400:Requests which include `tool_use` or `tool_result` blocks must define tools.'
ant t6 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"tools\":$TOOLS,\"messages\":[$USER1,$ASSIST,$ASSIST,{\"role\":\"user\",\"content\":[$R1,$R2]}]}"
qcheck "anthropic: duplicated assistant message (the upstream quirk) → 400" test "$(code t6)" = 400
NREQ=$((NREQ + 6))

# 3. The correct follow-up: one assistant message, one user message with all the results.
ant a3 "{\"model\":\"$MODEL\",\"max_tokens\":8192,\"tools\":$TOOLS,\"messages\":[$USER1,$ASSIST,{\"role\":\"user\",\"content\":[$R1,$R2]}]}"
NREQ=$((NREQ + 1))
qcheck "anthropic: all results in the next user message → 200, entry 3" test \
    "$(code a3):$(jqb a3 '[.stop_reason, .content[0].text]')" = '200:["max_tokens","cut"]'

# 4. OpenAI text shorthand.
GPT=gpt-4o
OTOOLS='[{"type":"function","function":{"name":"write_file","description":"Write content to a file","parameters":{"type":"object","properties":{"path":{"type":"string"},"content":{"type":"string"}},"required":["path","content"]}}},{"type":"function","function":{"name":"run_command","description":"Run a shell command","parameters":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}}]'
OUSER='{"role":"user","content":"write b.txt"}'
oai o1 "{\"model\":\"$GPT\",\"max_tokens\":8192,\"tools\":$OTOOLS,\"messages\":[$OUSER]}"
NREQ=$((NREQ + 1))
qcheck "openai text: 200" test "$(code o1)" = 200
qcheck "openai text: the real key order" test "$(jqb o1 keys_unsorted)" = \
    '["id","object","created","model","choices","usage","service_tier","system_fingerprint"]'
qcheck "openai text: object/model/id/fingerprint" jq -e \
    ".object == \"chat.completion\" and .model == \"$GPT\" and (.id | test(\"^chatcmpl-\")) and (.created | type == \"number\") and (.system_fingerprint | test(\"^fp_\"))" o1.body
qcheck "openai text: choice and message shape" test "$(jqb o1 '.choices')" = \
    '[{"index":0,"message":{"role":"assistant","content":"Hi from gpt","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}]'
qcheck "openai text: usage (prompt includes cached, completion includes reasoning)" test "$(jqb o1 .usage)" = \
    '{"prompt_tokens":1000,"completion_tokens":50,"total_tokens":1050,"prompt_tokens_details":{"cached_tokens":400,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":20,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}'
qcheck "openai: x-request-id header" grep -Eqi '^x-request-id: req_[0-9a-f]{32}' o1.hdr
qcheck "openai: content-type and content-length" test \
    "$(hdr o1 content-type):$(hdr o1 content-length)" = "application/json:$(wc -c <o1.body)"

# OpenAI validation failures; entry 5 is not consumed.
KEY='' oai w1 "{\"model\":\"$GPT\",\"messages\":[$OUSER]}"
qcheck "openai: no bearer token → 401 (real body)" test \
    "$(code w1):$(jqb w1 '[.error.type, .error.param, .error.code, (.error.message | startswith("You didn'"'"'t provide an API key"))]')" = \
    '401:["invalid_request_error",null,null,true]'
oai w2 "{\"model\":\"$GPT\",\"messages\":[$OUSER,{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_A\",\"type\":\"function\",\"function\":{\"name\":\"write_file\",\"arguments\":\"{}\"}},{\"id\":\"call_B\",\"type\":\"function\",\"function\":{\"name\":\"run_command\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"call_A\",\"content\":\"ok\"},{\"role\":\"user\",\"content\":\"next\"}],\"tools\":$OTOOLS}"
qcheck "openai: tool_calls without all tool messages → 400 (real message)" test \
    "$(code w2):$(jq -r .error.message w2.body)" = \
    "400:An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: call_B"
qcheck "openai: error body keys message/type/param/code" test "$(jqb w2 '.error | keys_unsorted')" = \
    '["message","type","param","code"]'
oai w3 "{\"model\":\"$GPT\",\"messages\":[$OUSER,{\"role\":\"tool\",\"tool_call_id\":\"call_X\",\"content\":\"ok\"}]}"
qcheck "openai: tool message without tool_calls → 400" test \
    "$(code w3):$(jqb w3 .error.param)" = '400:"messages.[1].role"'
oai w4 "{\"model\":\"$GPT\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}"
qcheck "openai: unknown role → 400 invalid_value" test "$(code w4):$(jqb w4 .error.code)" = '400:"invalid_value"'
oai w5 "{\"messages\":[$OUSER]}"
qcheck "openai: no model → 400" test "$(code w5):$(jq -r .error.message w5.body)" = "400:you must provide a model parameter"
oai w6 "{\"model\":\"$GPT\",\"max_tokens\":-1,\"messages\":[$OUSER]}"
qcheck "openai: max_tokens -1 → 400" test "$(code w6):$(jqb w6 .error.code)" = '400:"integer_below_min_value"'
oai w7 "{\"model\":\"$GPT\",\"messages\":[$OUSER,{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_A\",\"type\":\"function\",\"function\":{\"name\":\"write_file\",\"arguments\":{\"path\":\"x\"}}}]},{\"role\":\"tool\",\"tool_call_id\":\"call_A\",\"content\":\"ok\"}]}"
qcheck "openai: arguments sent as an object → 400 invalid_type" test "$(code w7):$(jqb w7 .error.code)" = '400:"invalid_type"'
oai w8 "{\"model\":\"$GPT\",\"messages\":[$OUSER],\"tools\":[{\"name\":\"write_file\",\"input_schema\":{\"type\":\"object\"}}]}"
qcheck "openai: Anthropic-shaped tools → 400" test "$(code w8)" = 400
oai w9 "{\"model\":\"$GPT\",\"messages\":[$OUSER],\"max_token\":5}"
qcheck "openai: unknown parameter → 400" test "$(jq -r .error.message w9.body)" = "Unrecognized request argument supplied: max_token"
qcheck "openai: error bodies are pretty-printed as by the real API" grep -q '^    "error": {' w9.body
NREQ=$((NREQ + 9))

# 5. OpenAI tool_calls shorthand.
oai o2 "{\"model\":\"$GPT\",\"max_completion_tokens\":100,\"tools\":$OTOOLS,\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},$OUSER]}"
NREQ=$((NREQ + 1))
qcheck "openai tool_calls: 200, finish_reason tool_calls, content null" test \
    "$(code o2):$(jqb o2 '[.choices[0].finish_reason, .choices[0].message.content]')" = '200:["tool_calls",null]'
qcheck "openai tool_calls: message key order" test "$(jqb o2 '.choices[0].message | keys_unsorted')" = \
    '["role","content","tool_calls","refusal","annotations"]'
qcheck "openai tool_calls: arguments are JSON strings; a raw string stays raw" test \
    "$(jqb o2 '[.choices[0].message.tool_calls[] | [.type, .function.name, .function.arguments]]')" = \
    '[["function","write_file","{\"path\":\"b.txt\",\"content\":\"x\"}"],["function","run_command","{not json"]]'
qcheck "openai tool_calls: unique call_ ids" jq -e \
    '[.choices[0].message.tool_calls[].id] | (unique | length) == 2 and all(test("^call_[A-Za-z0-9]{24}$"))' o2.body
OASSIST=$(jq -c '.choices[0].message' o2.body)
C1=$(jq -r '.choices[0].message.tool_calls[0].id' o2.body)
C2=$(jq -r '.choices[0].message.tool_calls[1].id' o2.body)
oai o3 "{\"model\":\"$GPT\",\"tools\":$OTOOLS,\"messages\":[$OUSER,$OASSIST,{\"role\":\"tool\",\"tool_call_id\":\"$C1\",\"content\":\"File written: b.txt\"},{\"role\":\"tool\",\"tool_call_id\":\"$C2\",\"content\":\"Invalid arguments\"}]}"
NREQ=$((NREQ + 1))
qcheck "openai: the returned message sent back plus one tool message per call → 200" test \
    "$(code o3):$(jqb o3 '[.choices[0].message.content, .choices[0].finish_reason]')" = '200:["after tools","length"]'

# 6. Scripted errors, each in the shape of the endpoint called.
ant e1 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1]}"
qcheck "anthropic 429: rate_limit_error" test "$(code e1):$(jqb e1 .error.type)" = '429:"rate_limit_error"'
qcheck "anthropic 429: retry-after and ratelimit headers" test \
    "$(hdr e1 retry-after):$(hdr e1 anthropic-ratelimit-requests-remaining)" = "1:0"
oai e2 "{\"model\":\"$GPT\",\"messages\":[$OUSER]}"
qcheck "openai 429: type requests, code rate_limit_exceeded, retry-after" test \
    "$(code e2):$(jqb e2 '[.error.type, .error.code]'):$(hdr e2 retry-after)" = '429:["requests","rate_limit_exceeded"]:2'
ant e3 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1]}"
qcheck "anthropic 529: overloaded_error" test "$(code e3):$(jqb e3 .error)" = '529:{"type":"overloaded_error","message":"Overloaded"}'
oai e4 "{\"model\":\"$GPT\",\"messages\":[$OUSER]}"
qcheck "openai 500: server_error" test "$(code e4):$(jqb e4 .error.type)" = '500:"server_error"'
ant e5 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1]}"
qcheck "anthropic scripted 401: authentication_error" test "$(code e5):$(jqb e5 .error.type)" = '401:"authentication_error"'
oai e6 "{\"model\":\"$GPT\",\"messages\":[$OUSER]}"
qcheck "an Anthropic shorthand on the OpenAI endpoint → 500 naming the mismatch" test \
    "$(code e6):$(jq -r '.error.message | test("entry 12 is an anthropic response")' e6.body)" = "500:true"
oai e7 "{\"model\":\"$GPT\",\"messages\":[$OUSER]}"
qcheck "raw entry: status and string body as given" test "$(code e7):$(cat e7.body)" = "200:this is not json"
ant e8 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1]}" --max-time 0.5
qcheck "delay: a client with a short timeout gives up" test "$(cat e8.rc)" = 28
ant e9 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1]}"
qcheck "drop: the connection closes without an answer" test "$(cat e9.rc)" = 52
NREQ=$((NREQ + 9))

# 7. Exhausted script.
ant x1 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1]}"
qcheck "anthropic: exhausted script → 500 api_error" test "$(code x1):$(jqb x1 .error)" = \
    '500:{"type":"api_error","message":"fake llm-api: script exhausted"}'
post x2 /chat/completions "{\"model\":\"$GPT\",\"messages\":[$OUSER]}" \
    -H "Authorization: Bearer $OKEY" -H 'content-type: application/json'
qcheck "openai (/chat/completions): exhausted script → 500 in the OpenAI shape" test \
    "$(code x2):$(jqb x2 .error)" = '500:{"message":"fake llm-api: script exhausted","type":"server_error","param":null,"code":null}'
NREQ=$((NREQ + 2))

# 8. Unknown paths, keep-alive.
post n1 /v1/complete '{}' -H "x-api-key: $AKEY"
qcheck "unknown path → 404 not_found_error (Anthropic shape)" test "$(code n1):$(jqb n1 .error.type)" = '404:"not_found_error"'
post n2 /v1/responses '{}' -H "Authorization: Bearer $OKEY"
qcheck "unknown path → 404 Invalid URL (OpenAI shape)" test "$(code n2):$(jq -r .error.message n2.body)" = \
    "404:Invalid URL (POST /v1/responses)"
curl -sv --max-time 5 "http://127.0.0.1:$PORT/a" "http://127.0.0.1:$PORT/b" >/dev/null 2>ka.err
qcheck "HTTP/1.1 keep-alive: curl reuses the connection" grep -Eqi 're-?using existing connection' ka.err
NREQ=$((NREQ + 4))

# 9. The log.
qcheck "log: one line per request" test "$(wc -l <main.log)" = "$NREQ"
qcheck "log: every line has the documented keys" test \
    "$(jq -c 'keys_unsorted' main.log | sort -u)" = '["n","api","method","path","headers","body","status","invalid","entry","response","t"]'
qcheck "log: n counts 1..N" test "$(jq -s -c '[.[].n] == [range(1; length + 1)]' main.log)" = true
qcheck "log: first line records the API, key, version header and parsed body" test \
    "$(head -1 main.log | jq -c '[.api, .method, .path, .headers["x-api-key"], .headers["anthropic-version"], .body.model, .status, .invalid, .entry]')" = \
    "[\"anthropic\",\"POST\",\"/v1/messages\",\"$AKEY\",\"2023-06-01\",\"$MODEL\",200,null,1]"
qcheck "log: a refused request has its reason, its status and no entry" test \
    "$(jq -c 'select(.n == 4) | [.status, .entry, (.invalid | test("roles must alternate"))]' main.log)" = '[400,null,true]'
qcheck "log: the OpenAI bearer token is recorded" test \
    "$(jq -r 'select(.api == "openai" and .status == 200) | .headers.authorization' main.log | sort -u)" = "Bearer $OKEY"
qcheck "log: entries are used in order, FIFO across both APIs" test \
    "$(jq -s -c '[.[] | select(.entry != null) | [.entry, .api]]' main.log)" = \
    '[[1,"anthropic"],[2,"anthropic"],[3,"anthropic"],[4,"openai"],[5,"openai"],[6,"openai"],[7,"anthropic"],[8,"openai"],[9,"anthropic"],[10,"openai"],[11,"anthropic"],[12,"openai"],[13,"openai"],[14,"anthropic"],[15,"anthropic"]]'
qcheck "log: an exhausted-script answer has status 500 and no entry" test \
    "$(jq -s -c '[.[] | select((.response | type) == "object" and .response.error.message == "fake llm-api: script exhausted") | [.status, .entry, .invalid]]' main.log)" = \
    '[[500,null,null],[500,null,null]]'
qcheck "log: the response body is recorded" test \
    "$(jq -r 'select(.entry == 1) | .response.content[0].text' main.log)" = "Hello from the fake"
qcheck "log: drop has status null" test "$(jq -c 'select(.entry == 15) | .status' main.log)" = null
qcheck "log: t is epoch seconds" test "$(jq -s -c 'all(.[]; (.t | type) == "number" and .t > 1600000000)' main.log)" = true
qcheck "the fake printed nothing on stderr" test ! -s main.err

# 10. --api-key: other keys are refused.
echo '[{"anthropic":"text","text":"k"},{"openai":"text","text":"k"}]' >keyed.json
start keyed keyed.json 20 --api-key "$AKEY"
KEY=wrong ant k1 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1]}"
qcheck "--api-key: another x-api-key → 401 invalid x-api-key" test "$(code k1):$(jq -r .error.message k1.body)" = \
    "401:invalid x-api-key"
ant k2 "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1]}"
qcheck "--api-key: the right key → 200" test "$(code k2)" = 200
KEY=sk-wrong-key-123456 oai k3 "{\"model\":\"$GPT\",\"messages\":[$OUSER]}"
qcheck "--api-key: another bearer token → 401 invalid_api_key" test "$(code k3):$(jqb k3 .error.code)" = '401:"invalid_api_key"'
kill -TERM "$PID"
wait "$PID"
rc=$?
qcheck "SIGTERM: the fake exits 0" test "$rc" = 0
post k4 /v1/messages '{}'
qcheck "after SIGTERM: connection refused" test "$(cat k4.rc)" = 7

# 11. --lifetime.
echo '[]' >empty.json
start life empty.json 1
LPID=$PID
qcheck "short-lived fake is listening" test -n "$PORT"
post l1 /v1/messages "{\"model\":\"$MODEL\",\"max_tokens\":10,\"messages\":[$USER1]}" \
    -H "x-api-key: $AKEY" -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json'
qcheck "empty script → 500 at once" test "$(code l1)" = 500
sleep 1.5
alive=yes
for _ in $(seq 40); do
    kill -0 "$LPID" 2>/dev/null || { alive=no; break; }
    sleep 0.1
done
qcheck "--lifetime: the fake exits by itself" test "$alive" = no
wait "$LPID"
qcheck "--lifetime: exit status 0" test "$?" = 0
post l2 /v1/messages '{}'
qcheck "after --lifetime: connection refused" test "$(cat l2.rc)" = 7

# 12. A bad script is refused at start-up.
echo '[{"anthropic":"txt"}]' >bad.json
"$FAKE" --port-file bad.port --log bad.log --script bad.json --lifetime 5 2>bad.err
rc=$?
qcheck "bad script: exit 2 with a message, no port file" test \
    "$rc:$(grep -c 'script entry 1' bad.err):$(test -e bad.port && echo port || echo none)" = "2:1:none"

finish
