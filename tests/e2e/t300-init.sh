#!/usr/bin/env bash
# aidf init: the files it creates, the project name (directory, package.json), a config
# that loads without warnings, task templates that parse, .gitignore create / append /
# no duplicates, refusal without --force (nothing changes), --force keeping tasks and
# reports, detected validation commands, --json, usage errors, non-git and read-only
# directories, and the terminal prompt.
#
# Usage: t300-init.sh <aidf> <tests/data dir>
. "$(dirname "$0")/cli-lib.sh" "$@"

need jq git
HAVE_YAML=0
if python3 -c 'import yaml' 2>/dev/null; then HAVE_YAML=1; fi

# at DIR ARGS...: run aidf ARGS from DIR.
at() {
    local dir=$1
    shift
    (cd "$dir" && "$AIDF" "$@" >"$OUT" 2>"$ERR")
    RC=$?
    if [ "$RC" -ge 128 ] || grep -qE 'Sanitizer|runtime error:' "$ERR"; then
        not_ok "aidf $* in $dir crashed or tripped a sanitizer (exit $RC)"
    fi
}

# jqq ARGS...: jq -e, quietly.
jqq() { jq -e "$@" >/dev/null 2>&1; }

# tree_sum DIR: checksum of every file below DIR (names and contents), .git excluded.
tree_sum() {
    (cd "$1" && find . -path ./.git -prune -o -type f -print | LC_ALL=C sort |
        while IFS= read -r f; do printf '%s ' "$f"; sha256sum <"$f"; done | sha256sum)
}

# yq DIR EXPR: evaluate a Python expression over the parsed .ai/config.yml as `c`.
yq() {
    python3 - "$1/.ai/config.yml" "$2" <<'EOF'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
print(eval(sys.argv[2]))
EOF
}

# status_clean DIR: aidf status --json loads the config with no warning at all.
status_clean() {
    at "$1" status --json
    [ "$RC" = 0 ] && ! grep -qiE 'unknown key|warning' "$ERR" && [ ! -s "$ERR" ] &&
        jq -e '.config.ok == true and .provider.type == "claude-cli"' "$OUT" >/dev/null
}

FILES=".ai/AGENTS.md .ai/config.yml
.ai/roles/architect.md .ai/roles/developer.md .ai/roles/documenter.md
.ai/roles/reviewer.md .ai/roles/tester.md
.ai/templates/TASK.template.md
.ai/templates/tasks/bug-fix.template.md .ai/templates/tasks/dependency-update.template.md
.ai/templates/tasks/documentation.template.md .ai/templates/tasks/new-feature.template.md
.ai/templates/tasks/refactor.template.md .ai/templates/tasks/test-coverage.template.md
.ai/tasks/pending/.gitkeep .ai/tasks/completed/.gitkeep .ai/tasks/blocked/.gitkeep
.ai/plans/.gitkeep .gitignore"
TEMPLATES=".ai/templates/TASK.template.md $(printf '.ai/templates/tasks/%s.template.md ' \
    bug-fix dependency-update documentation new-feature refactor test-coverage)"

all_files() {
    local f
    for f in $FILES; do [ -f "$1/$f" ] || { echo "# missing $f"; return 1; }; done
}

# --- usage ----------------------------------------------------------------------------
expect 0 "--help: exit 0" init --help
check "--help documents --force, --yes and --json" \
    bash -c "grep -q -- '--force' '$OUT' && grep -q -- '--yes' '$OUT' && grep -q -- '--json' '$OUT'"
check "--help names the files" grep -q 'AGENTS.md' "$OUT"
expect 0 "aidf help init: exit 0" help init
check "aidf help init shows the usage" out_has "usage: aidf init"
expect 0 "aidf --help lists init" --help
check "init is in the command list" grep -qE '^  init +create the .ai/ folder' "$OUT"

mkdir -p "$TMP/usage"
at "$TMP/usage" init --bogus
check "unknown option: exit 2" [ "$RC" = 2 ]
check "unknown option: message" err_has "aidf: unknown option '--bogus'"
check "unknown option: hint" err_has "Try 'aidf init --help'."
at "$TMP/usage" init extra
check "unexpected argument: exit 2" [ "$RC" = 2 ]
at "$TMP/usage" init -x
check "unknown short option: exit 2" [ "$RC" = 2 ]
at "$TMP/usage" init --json=1
check "--json=1: exit 2" [ "$RC" = 2 ]
check "usage errors create nothing" [ ! -e "$TMP/usage/.ai" ]

# --- a git repository, run from a subdirectory -----------------------------------------
g=$TMP/myproj
mkdir -p "$g/src/deep"
git -C "$g" init -q
groot=$(cd "$g" && pwd -P)
at "$g/src/deep" init
check "init in a git repo: exit 0" [ "$RC" = 0 ]
check "init: nothing on stderr" err_empty
check "init: every file is created at the work-tree top" all_files "$g"
check "init: nothing created in the subdirectory" [ ! -e "$g/src/deep/.ai" ]
check "init: no example pending task" \
    [ "$(find "$g/.ai/tasks" -name '*.md' | wc -l)" = 0 ]
check "init: no reports directory yet" [ ! -e "$g/.ai/reports" ]
check "init: summary names the project and root" out_has "Initialized AIDF for \"myproj\" in $groot"
check "init: summary lists created files" grep -qE '^  created  \.ai/config\.yml$' "$OUT"
check "init: next steps" bash -c "grep -q 'Next steps' '$OUT' && grep -q 'aidf run' '$OUT' &&
    grep -q '.ai/tasks/pending/' '$OUT'"
check "init: no validation detected message" out_has "No validation commands detected"
check "init: no colour when piped" no_escapes

a=$g/.ai/AGENTS.md
check "AGENTS.md: project name from the directory" grep -q '^# AGENTS.md: myproj$' "$a"
for s in "## Project Overview" "## Architecture" "## Technology Stack" "## Conventions" \
    "## Quality Standards" "## Boundaries" "### Never Modify Without Approval" \
    "### Never Do" "### Requires Discussion" "## Commands" "### Development" \
    "### Quality Checks" "### Build & Deploy"; do
    check "AGENTS.md: section '$s'" grep -qxF "$s" "$a"
done
check "AGENTS.md: three bash blocks" [ "$(grep -c '^```bash$' "$a")" = 3 ]
check "AGENTS.md: fences balanced" [ $(($(grep -c '^```' "$a") % 2)) = 0 ]
check "no placeholder left unreplaced" bash -c "! grep -rq '{{' '$g/.ai'"

for r in architect developer documenter reviewer tester; do
    f=$g/.ai/roles/$r.md
    miss=""
    for s in "## Identity" "## Expertise" "## Responsibilities" "## Constraints" \
        "## Quality Criteria" "## Behavior Rules" "### ALWAYS" "### NEVER" "## Output Format"; do
        grep -qxF "$s" "$f" || miss="$miss '$s'"
    done
    check "role $r: every section${miss:+ (missing$miss)}" [ -z "$miss" ]
done

# config.yml: loads with no warning, and is plain YAML.
check "config: aidf status loads it without warnings" status_clean "$g"
check "config: status reports the config path" \
    jqq --arg p "$groot/.ai/config.yml" '.config.path == $p' "$OUT"
check "config: every non-blank line of the template is commented or a key" \
    bash -c "! grep -vE '^\s*(#|$|[a-z_]+:|- )' '$g/.ai/config.yml'"
if [ "$HAVE_YAML" = 1 ]; then
    check "config: python yaml parses it" yq "$g" 'True' >/dev/null
    check "config: values" [ "$(yq "$g" '[c["framework"], c["version"], c["project"]["name"],
        c["provider"]["type"], c["execution"]["max_iterations"],
        c["execution"]["max_consecutive_failures"], c["execution"]["timeout_per_iteration"],
        c["execution"]["session_continuation"], c["permissions"]["scope_enforcement"],
        c["permissions"]["auto_commit"], c["permissions"]["auto_push"],
        c["validation"]["pre_commit"], c["git"]["commit_prefix"],
        c["notifications"]["level"], c["security"]["skip_permissions"],
        c["security"]["warn_on_skip"], c["security"]["commands"]["blocked"],
        c["security"]["commands"]["strict"], c["cost"]["currency"],
        c["observability"]["webhook"]["enabled"], c["observability"]["webhook"]["events"],
        c["observability"]["webhook"]["timeout"], c["observability"]["webhook"]["retry"],
        c["observability"]["server"]["token_env"]]')" = \
        "['aidf', 1, 'myproj', 'claude-cli', 50, 3, 300, True, 'ask', True, False, [], 'aidf:', 'all', True, True, ['rm -rf /', 'sudo'], False, 'USD', False, ['completed', 'blocked', 'failed'], 10000, 2, 'AIDF_SERVER_TOKEN']" ]
else
    missing "python3 yaml module missing: YAML checks skipped"
fi
check "config: commented rates example with snake_case keys" bash -c "
    grep -q '^  # rates:' '$g/.ai/config.yml' && grep -q '#     input_per_1m:' '$g/.ai/config.yml' &&
    grep -q '#     output_per_1m:' '$g/.ai/config.yml' &&
    grep -q '#     cache_read_per_1m:' '$g/.ai/config.yml' &&
    grep -q '#     cache_write_per_1m:' '$g/.ai/config.yml'"
check "config: commented webhook secret" grep -qF '# secret: ${AIDF_WEBHOOK_SECRET}' "$g/.ai/config.yml"
check "config: commented model" grep -q '^  # model: ' "$g/.ai/config.yml"
# Uncommenting the examples must still give a valid config (no unknown keys).
u=$TMP/uncommented
mkdir -p "$u/.ai"
sed -E 's/^( *)# ([a-z_]+:.*)$/\1\2/; s/^( *)#   /\1  /' "$g/.ai/config.yml" >"$u/.ai/config.yml"
SLACK_WEBHOOK_URL=x DISCORD_WEBHOOK_URL=x SMTP_PASSWORD=x HOOK_TOKEN=x AIDF_WEBHOOK_SECRET=whsec_x \
    at "$u" status --json
check "config: with the examples uncommented it still loads without warnings" \
    bash -c "[ '$RC' = 0 ] && [ ! -s '$ERR' ]"

# .gitignore created from nothing.
check ".gitignore: created with the AIDF block" [ "$(cat "$g/.gitignore")" = "# AIDF
.ai/reports/
.ai/tasks/*.log
.ai/tasks/*.tmp
.ai/.cache/
.ai/config.local.yml" ]
check "git ignores the reports and sees the templates" bash -c "
    cd '$g' && git check-ignore -q .ai/reports/x.json && ! git check-ignore -q .ai/AGENTS.md"

# Task templates parse as tasks: each counts as one pending task, and the sections the
# parser reads are there (python re-implementation of lib/run/task.c's section rule).
for t in $TEMPLATES; do
    name=$(basename "$t")
    cp "$g/$t" "$g/.ai/tasks/pending/001-$name"
    at "$g" status --json
    check "template $name: one pending task" jqq '.tasks.pending == 1 and .tasks.total == 1' "$OUT"
    rm -f "$g/.ai/tasks/pending/001-$name"
    check "template $name: sections parse" python3 - "$g/$t" "$g/.ai/roles" <<'EOF'
import os, re, sys
text = open(sys.argv[1]).read()
assert text.startswith("# TASK\n"), "no # TASK"
def section(name):
    m = re.search(r"^## " + re.escape(name) + r"\n(.*?)(?=\n## |\Z)", text, re.S | re.M | re.I)
    return m.group(1).strip() if m else ""
def items(block):
    return [l.strip()[1:].strip() for l in block.split("\n") if l.strip().startswith("-")]
def sub(block, name):
    m = re.search(re.escape(name) + r"(.*?)(?=\n### |\Z)", block, re.S)
    return m.group(1) if m else None
assert section("Goal"), "Goal"
assert section("Task Type") in ("component", "refactor", "test", "docs", "architecture",
                                "bugfix"), "Task Type %r" % section("Task Type")
roles = items(section("Suggested Roles"))
assert roles and all(os.path.exists(os.path.join(sys.argv[2], r + ".md")) for r in roles), roles
scope = section("Scope")
allowed = [i.replace("`", "") for i in items(sub(scope, "### Allowed") or "")]
forbidden = [i.replace("`", "") for i in items(sub(scope, "### Forbidden") or "")]
assert allowed and forbidden, "scope"
assert ".env*" in forbidden, forbidden
assert section("Requirements"), "Requirements"
dod = [l for l in section("Definition of Done").split("\n") if re.match(r"^-\s*\[[ xX]\]", l)]
assert dod, "Definition of Done"
assert re.search(r"^## Notes\n", text, re.M), "Notes"
order = [text.index(h) for h in ("## Goal\n", "## Task Type\n", "## Suggested Roles\n",
         "## Scope\n", "## Requirements\n", "## Definition of Done\n", "## Notes\n")]
assert order == sorted(order), "section order"
EOF
done
check "TASK.template.md has the optional Ask Before" grep -qxF '### Ask Before' \
    "$g/.ai/templates/TASK.template.md"

# --- a second init without --force changes nothing -------------------------------------
before=$(tree_sum "$g")
at "$g" init
check "second init: exit 1" [ "$RC" = 1 ]
check "second init: clear message" bash -c "grep -q 'aidf: .*/.ai.* already exists' '$ERR' &&
    grep -q -- '--force' '$ERR'"
check "second init: nothing on stdout" out_empty
check "second init: tree unchanged" [ "$(tree_sum "$g")" = "$before" ]
at "$g" init --yes
check "second init --yes: exit 1 (never overwrites without --force)" [ "$RC" = 1 ]
at "$g" init --json
check "second init --json: exit 1, no JSON" bash -c "[ '$RC' = 1 ] && [ ! -s '$OUT' ]"
check "second init variants: tree unchanged" [ "$(tree_sum "$g")" = "$before" ]

# --- --force: idempotent, restores templates, keeps tasks and reports -------------------
at "$g" init --force --json
check "init --force on an up-to-date tree: exit 0" [ "$RC" = 0 ]
check "init --force: nothing created" jqq '.created == []' "$OUT"
check "init --force: everything skipped" jqq '.skipped | length == 19' "$OUT"
check "init --force on an up-to-date tree: tree unchanged" [ "$(tree_sum "$g")" = "$before" ]

echo "# my task" >"$g/.ai/tasks/pending/001-mine.md"
echo "# done" >"$g/.ai/tasks/completed/000-old.md"
printf 'note\n' >"$g/.ai/tasks/blocked/.gitkeep"
mkdir -p "$g/.ai/reports/2026-01-01"
echo '{}' >"$g/.ai/reports/2026-01-01/run-deadbeef.json"
echo "# plan" >"$g/.ai/plans/p.md"
echo "changed" >>"$g/.ai/AGENTS.md"
rm "$g/.ai/roles/tester.md"
at "$g" init --force --json
check "init --force: exit 0" [ "$RC" = 0 ]
check "init --force: rewrote AGENTS.md and recreated the role" \
    jqq '.created | (index(".ai/AGENTS.md") != null) and (index(".ai/roles/tester.md") != null)' "$OUT"
check "init --force: AGENTS.md restored" bash -c "! grep -q '^changed$' '$g/.ai/AGENTS.md'"
check "init --force: role restored" [ -f "$g/.ai/roles/tester.md" ]
check "init --force: pending task kept" [ "$(cat "$g/.ai/tasks/pending/001-mine.md")" = "# my task" ]
check "init --force: completed task kept" [ "$(cat "$g/.ai/tasks/completed/000-old.md")" = "# done" ]
check "init --force: existing .gitkeep untouched" [ "$(cat "$g/.ai/tasks/blocked/.gitkeep")" = note ]
check "init --force: report kept" [ -f "$g/.ai/reports/2026-01-01/run-deadbeef.json" ]
check "init --force: plan kept" [ -f "$g/.ai/plans/p.md" ]
check "init --force: .gitignore not duplicated" [ "$(grep -c '^# AIDF$' "$g/.gitignore")" = 1 ]
check "init --force: .gitignore skipped" jqq '.skipped | index(".gitignore") != null' "$OUT"
at "$g" status --json
check "init --force: the pending task still counts" jqq '.tasks.pending == 1' "$OUT"

# A project configured with config.yaml keeps it: config.yml would take precedence.
y=$TMP/yamlcfg
mkdir -p "$y/.ai"
printf 'provider:\n  type: cursor-cli\n' >"$y/.ai/config.yaml"
at "$y" init --force --json
check "config.yaml present: exit 0" [ "$RC" = 0 ]
check "config.yaml present: no config.yml written" [ ! -e "$y/.ai/config.yml" ]
check "config.yaml present: warned" grep -q 'config.yaml exists' "$ERR"
check "config.yaml present: reported as skipped" jqq '.skipped | index(".ai/config.yml") != null' "$OUT"
check "config.yaml present: the other files are created" jqq '.created | length == 18' "$OUT"
at "$y" status --json
check "config.yaml present: still in effect" jqq '.provider.type == "cursor-cli"' "$OUT"

# --- --json shape ----------------------------------------------------------------------
j=$TMP/jsonproj
mkdir -p "$j"
git -C "$j" init -q
jroot=$(cd "$j" && pwd -P)
at "$j" init --json
check "--json: exit 0" [ "$RC" = 0 ]
check "--json: valid JSON only on stdout" jqq . "$OUT"
check "--json: shape" jqq --arg r "$jroot" '
    (.root == $r) and (.project == "jsonproj") and
    (.created | type == "array" and length == 19 and all(type == "string")) and
    (.skipped == []) and (.validation == []) and
    (.validationByStage == {"pre_commit": [], "pre_push": [], "pre_pr": []})' "$OUT"
check "--json: created lists relative paths" \
    jqq '.created | index(".ai/config.yml") != null and index(".gitignore") != null and
        all(startswith("/") | not)' "$OUT"

# --- package.json: name and validation ------------------------------------------------
n=$TMP/webapp
mkdir -p "$n"
git -C "$n" init -q
printf 'node_modules/\ndist/' >"$n/.gitignore"
cat >"$n/package.json" <<'EOF'
{
  "name": "@acme/shop-$HOME",
  "description": "A \"shop\" for ${USER}",
  "scripts": {"lint": "eslint .", "typecheck": "tsc --noEmit", "type-check": "tsc",
              "format": "prettier -w .", "test": "vitest", "build": "vite build", "dev": "vite"}
}
EOF
at "$n" init --json
check "package.json: exit 0" [ "$RC" = 0 ]
check "package.json: project name" jqq '.project == "@acme/shop-$HOME"' "$OUT"
check "package.json: validation.pre_commit detected" \
    jqq '.validation == ["npm run lint", "npm run typecheck", "npm run format"]' "$OUT"
check "package.json: test in pre_push, build in pre_pr" \
    jqq '.validationByStage.pre_push == ["npm run test"] and
           .validationByStage.pre_pr == ["npm run build"]' "$OUT"
check "package.json: AGENTS.md has the package name" grep -qF '# AGENTS.md: @acme/shop-$HOME' "$n/.ai/AGENTS.md"
check "package.json: AGENTS.md lists the commands" bash -c "
    grep -qx 'npm run lint' '$n/.ai/AGENTS.md' && grep -qx 'npm install' '$n/.ai/AGENTS.md' &&
    grep -qx 'npm run build' '$n/.ai/AGENTS.md'"
check "package.json: config loads without warnings (\$ and quotes escaped)" status_clean "$n"
if [ "$HAVE_YAML" = 1 ]; then
    check "package.json: config validation lists" [ "$(yq "$n" '[c["validation"]["pre_commit"],
        c["validation"]["pre_push"], c["validation"]["pre_pr"], c["project"]["name"],
        c["project"]["description"]]')" = \
        "[['npm run lint', 'npm run typecheck', 'npm run format'], ['npm run test'], ['npm run build'], '@acme/shop-\$\$HOME', 'A \"shop\" for \$\${USER}']" ]
fi
check ".gitignore: appended after a blank line (no final newline before)" [ "$(cat "$n/.gitignore")" = "node_modules/
dist/

# AIDF
.ai/reports/
.ai/tasks/*.log
.ai/tasks/*.tmp
.ai/.cache/
.ai/config.local.yml" ]
gi=$(sha256sum <"$n/.gitignore")
at "$n" init --force
check "second init --force: exit 0" [ "$RC" = 0 ]
check ".gitignore: unchanged by a second init --force" [ "$(sha256sum <"$n/.gitignore")" = "$gi" ]
check "text output: validation commands printed" bash -c "
    grep -qE '^  pre_commit +npm run lint$' '$OUT' && grep -qE '^  pre_push +npm run test$' '$OUT'"
check "text output: up-to-date files summarised" grep -qE '^  [0-9]+ files already up to date$' "$OUT"

# type-check / prettier fallbacks, and a broken package.json.
f=$TMP/fallback
mkdir -p "$f"
echo '{"scripts": {"type-check": "tsc", "prettier": "prettier -c ."}}' >"$f/package.json"
at "$f" init --json
check "package.json fallbacks: type-check and prettier" \
    jqq '.validation == ["npm run type-check", "npm run prettier"] and .project == "fallback"' "$OUT"
b=$TMP/broken
mkdir -p "$b"
echo '{"name": ' >"$b/package.json"
at "$b" init --json
check "broken package.json: still exit 0" [ "$RC" = 0 ]
check "broken package.json: warned about" grep -q 'package.json' "$ERR"
check "broken package.json: name from the directory" jqq '.project == "broken"' "$OUT"

# --- other ecosystems -------------------------------------------------------------------
m=$TMP/makeproj
mkdir -p "$m"
printf 'CHECK := 1\nall:\n\tcc -o x x.c\ncheck test: all\n\t./x\n' >"$m/Makefile"
echo '[package]' >"$m/Cargo.toml"
echo 'module x' >"$m/go.mod"
echo 'project(x)' >"$m/CMakeLists.txt"
at "$m" init --json
check "Makefile/Cargo/go: validation" \
    jqq '.validation == ["cargo test", "go test ./...", "make check"]' "$OUT"
check "Makefile/Cargo/go: config loads" status_clean "$m"
m2=$TMP/maketest
mkdir -p "$m2"
printf 'test:\n\t./run-tests\n' >"$m2/Makefile"
at "$m2" init --json
check "Makefile with test only: make test" jqq '.validation == ["make test"]' "$OUT"
m3=$TMP/makeassign
mkdir -p "$m3"
printf 'test := 1\ncheck ::= 2\n\ttest: not a rule\n' >"$m3/Makefile"
echo 'cmake_minimum_required(VERSION 3.16)' >"$m3/CMakeLists.txt"
at "$m3" init --json
check "Makefile assignments and CMake: no validation" jqq '.validation == []' "$OUT"

# --- .gitignore with a marker but no reports line ----------------------------------------
k=$TMP/marker
mkdir -p "$k"
printf 'build/\n# AIDF\n.ai/tasks/*.log\n' >"$k/.gitignore"
at "$k" init
check "marker without reports: exit 0" [ "$RC" = 0 ]
check "marker without reports: the line is added after the marker" [ "$(cat "$k/.gitignore")" = "build/
# AIDF
.ai/reports/
.ai/tasks/*.log" ]
rm -rf "$k/.ai"
at "$k" init
check "marker with reports: .gitignore left alone" [ "$(grep -c . "$k/.gitignore")" = 4 ]

# --- not a git repository: the current directory ---------------------------------------
above=$(d=$TMP; while [ "$d" != / ]; do [ -e "$d/.git" ] && echo "$d"; d=$(dirname "$d"); done)
if [ -n "$above" ]; then
    skip "a .git exists above $TMP: non-git checks skipped"
else
    ng=$TMP/plain/sub
    mkdir -p "$ng"
    at "$ng" init
    check "non-git: exit 0" [ "$RC" = 0 ]
    check "non-git: created in the current directory" all_files "$ng"
    check "non-git: not in the parent" [ ! -e "$TMP/plain/.ai" ]
    check "non-git: name is the directory" grep -q '^# AGENTS.md: sub$' "$ng/.ai/AGENTS.md"
    check "non-git: config loads" status_clean "$ng"
fi

# --- failures ----------------------------------------------------------------------------
x=$TMP/aifile
mkdir -p "$x"
echo hi >"$x/.ai"
at "$x" init --force
check ".ai is a file: exit 1" [ "$RC" = 1 ]
check ".ai is a file: message" err_has "is not a directory"

if [ "$(id -u)" = 0 ]; then
    skip "running as root: the read-only directory check is skipped"
else
    ro=$TMP/readonly
    mkdir -p "$ro"
    chmod 555 "$ro"
    at "$ro" init
    check "read-only directory: exit 1" [ "$RC" = 1 ]
    check "read-only directory: clear message" \
        bash -c "grep -q '^aidf: cannot create directory' '$ERR' && grep -q 'Permission denied' '$ERR'"
    check "read-only directory: nothing on stdout" out_empty
    check "read-only directory: nothing created" [ -z "$(ls -A "$ro")" ]
    chmod 755 "$ro"
fi

# --- the terminal prompt (needs script(1) for a pseudo-terminal) -------------------------
if want script && script -qec true /dev/null >/dev/null 2>&1; then
    t=$TMP/tty
    mkdir -p "$t"
    (cd "$t" && "$AIDF" init >/dev/null 2>&1)
    before=$(tree_sum "$t")
    (cd "$t" && printf 'n\n' | script -qec "'$AIDF' init" /dev/null >"$OUT" 2>&1)
    check "prompt: answered no, exit 1" [ $? = 1 ]
    check "prompt: asks Overwrite? [y/N]" grep -q 'Overwrite.*\[y/N\]' "$OUT"
    check "prompt: answered no, nothing changed" [ "$(tree_sum "$t")" = "$before" ]
    echo x >>"$t/.ai/AGENTS.md"
    (cd "$t" && printf 'y\n' | script -qec "'$AIDF' init" /dev/null >"$OUT" 2>&1)
    check "prompt: answered yes, exit 0" [ $? = 0 ]
    check "prompt: answered yes, AGENTS.md rewritten" bash -c "! grep -qx x '$t/.ai/AGENTS.md'"
    (cd "$t" && printf 'y\n' | script -qec "'$AIDF' init --yes" /dev/null >"$OUT" 2>&1)
    rc=$?
    check "prompt: --yes never asks and refuses" bash -c "[ $rc = 1 ] && ! grep -q 'y/N' '$OUT'"
else
    missing "script(1) cannot run a command on a pseudo-terminal: terminal prompt checks skipped"
fi

finish
