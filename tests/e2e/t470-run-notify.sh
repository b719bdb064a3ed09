#!/usr/bin/env bash
# Notifications at the end of `aidf run`, against local receivers: Slack, Discord and a
# generic webhook (HTTP receivers), email (a minimal SMTP listener), desktop (a fake
# notify-send on PATH); the level filter; the report's cost, tokens, duration and status
# in the messages; and a dead channel that neither fails nor slows the run beyond its
# time limit.
#
# Usage: t470-run-notify.sh <aidf> <tests/data dir>
. "$(dirname "$0")/run-lib.sh" "$@"
. "$(dirname "$0")/receiver-lib.sh"

need git jq python3
SMTP_SINK=$(cd "$(dirname "$0")" && pwd)/smtp_sink.py

start_receiver slack --statuses 200 || finish
SLACK=$RPORT SLACK_LOG=$RLOG
start_receiver discord --statuses 204 || finish
DISCORD=$RPORT DISCORD_LOG=$RLOG
start_receiver hook --statuses 200 || finish
HOOK=$RPORT HOOK_LOG=$RLOG
rm -f "$TMP/smtp.port"
python3 "$SMTP_SINK" --port-file "$TMP/smtp.port" --log "$TMP/smtp.log" --lifetime 120 \
    >"$TMP/smtp.out" 2>&1 &
BG_PIDS+=("$!")
wait_file "$TMP/smtp.port" || { not_ok "the SMTP sink did not start"; finish; }
SMTP=$(cat "$TMP/smtp.port")
: >"$TMP/smtp.log"

# A fake notify-send that logs its arguments.
mkdir -p "$TMP/bin"
cat >"$TMP/bin/notify-send" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >>"$TMP/desktop.log"
EOF
chmod +x "$TMP/bin/notify-send"

export HOOK_TOKEN=tok-123
notify_config() { # LEVEL
    write_config <<EOF
notifications:
  level: $1
  desktop:
    enabled: true
  slack:
    enabled: true
    webhook_url: http://127.0.0.1:$SLACK/services/T0/B0/xyz
  discord:
    enabled: true
    webhook_url: http://127.0.0.1:$DISCORD/api/webhooks/1/abc
  webhook:
    enabled: true
    url: http://127.0.0.1:$HOOK/aidf
    headers:
      Authorization: "Bearer \${HOOK_TOKEN}"
  email:
    enabled: true
    smtp_host: 127.0.0.1
    smtp_port: $SMTP
    smtp_user: ci-bot
    smtp_pass: hunter2
    from: aidf@example.com
    to: team@example.com
EOF
}

# --- a completed run, level all: every channel -----------------------------------------------
new_project all
notify_config all
add_task 001-note "Tell everyone"
scenario <<'EOF'
[1]
write src/n.c int n;\n
say <TASK_COMPLETE>
EOF
PATH="$TMP/bin:$PATH" expect 0 "a run with every channel completes" run
last_report
check "slack got one message" [ "$(nreq "$SLACK_LOG")" = 1 ]
check "slack: the title and the cost" jq -e -s '.[0].body | fromjson | (.attachments[0].blocks[0].text.text == "AIDF: Task Completed") and (tostring | test("\\$0\\.0085"))' "$SLACK_LOG"
check "slack: green for completed" jq -e -s '.[0].body | fromjson | .attachments[0].color == "#36a64f"' "$SLACK_LOG"
check "discord got the embed" jq -e -s '.[0].body | fromjson | .embeds[0].title == "AIDF: Task Completed" and (.embeds[0].fields | map(.name) | index("Tokens"))' "$DISCORD_LOG"
check "webhook: the run's facts" jq -e -s --arg id "$(jq -r .runId "$REPORT")" '.[0].body | fromjson | .type == "completed" and .runId == $id and .iterations == 1 and .tokens == 1610 and (.cost - 0.008456 | fabs) < 1e-9 and .durationMs > 0' "$HOOK_LOG"
check "webhook: the configured header, expanded" jq -e -s '.[0].headers.authorization == "Bearer tok-123"' "$HOOK_LOG"
check "email delivered with auth" jq -e -s '.[0].auth.user == "ci-bot" and .[0].to == ["team@example.com"] and .[0].from == "aidf@example.com"' "$TMP/smtp.log"
check "email subject and html table" jq -e -s '.[0].data | test("Subject: AIDF: Task Completed") and test("text/html") and test("Sent by AIDF Notification System")' "$TMP/smtp.log"
check "desktop notification" grep -qF "AIDF: Task Completed" "$TMP/desktop.log"
check "the webhook URLs are not in the output" sh -c "! grep -q 'services/T0' '$ERR'"

# --- level errors: a completed run is quiet, a blocked one is not --------------------------------
new_project errors
notify_config errors
add_task 002-quiet "Quiet success"
add_task 003-loud "Loud block"
scenario <<'EOF'
[1]
say <TASK_COMPLETE>
[2]
say <BLOCKED: need a decision>
EOF
: >"$SLACK_LOG"
PATH="$TMP/bin:$PATH" expect 1 "one completed, one blocked" run 002-quiet 003-loud
check "only the blocked run was announced" [ "$(nreq "$SLACK_LOG")" = 1 ]
check "slack: orange and the reason" jq -e -s '.[0].body | fromjson | .attachments[0].color == "#ff9900" and (tostring | test("need a decision"))' "$SLACK_LOG"

# --- a dead channel does not fail the run ------------------------------------------------------------
new_project dead
DEAD=$(free_port)
write_config <<EOF
notifications:
  slack:
    enabled: true
    webhook_url: http://127.0.0.1:$DEAD/x
EOF
add_task 004-dead "Nobody listens"
scenario <<'EOF'
[1]
say <TASK_COMPLETE>
EOF
T0=$(date +%s)
expect 0 "a dead notification channel leaves the run completed" run
T1=$(date +%s)
check "it warned" err_has "slack"
check "and did not hang (< 15 s)" [ $((T1 - T0)) -lt 15 ]
last_report
rcheck "the report says completed" '.status == "completed"'

finish
