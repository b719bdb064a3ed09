#!/usr/bin/env bash
# The option parser and what is generated from its tables: aidf version and --version,
# "did you mean" for a mistyped command or option, exact option names (--lim is not
# --limit), the short flags of init and run, FORCE_COLOR and NO_COLOR, the bash and zsh
# completion scripts, and the man page installed by cmake --install.
#
# Usage: t025-cli-options.sh <aidf> <tests/data dir>
. "$(dirname "$0")/run-lib.sh" "$@"

small=$TMP/small
cp -r "$DATA/reportdirs/small" "$small"

# --- version ----------------------------------------------------------------------------
expect 0 "version exits 0" version
version_out=$(cat "$OUT")
check "version prints 'aidf <version>'" bash -c "grep -qxE 'aidf [0-9]+\.[0-9]+\.[0-9]+.*' '$OUT'"
expect 0 "--version exits 0" --version
check "--version prints what version prints" [ "$(cat "$OUT")" = "$version_out" ]
expect 0 "-V exits 0" -V
check "-V prints the version" [ "$(cat "$OUT")" = "$version_out" ]
expect 0 "version --json exits 0" version --json
if command -v python3 >/dev/null 2>&1; then
    check "version --json has the version and the libraries" python3 - "$OUT" "${version_out#aidf }" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["version"] == sys.argv[2], o
assert all(isinstance(v, str) and v for v in o["libraries"].values()), o
assert {"jansson", "libcurl"} <= set(o["libraries"]), o
PY
else
    check "version --json names the version" out_has "\"version\": \"${version_out#aidf }\""
fi
expect 2 "version with an argument is a usage error" version extra
expect 0 "help version exits 0" help version
check "help version prints its usage" out_has "usage: aidf version"

# --- did you mean ------------------------------------------------------------------------
expect 2 "aidf reprot exits 2" reprot
check "aidf reprot suggests report" err_has "aidf: 'reprot' is not an aidf command; did you mean 'report'?"
check "aidf reprot prints nothing on stdout" out_empty
expect 2 "aidf stauts exits 2" stauts
check "aidf stauts suggests status" err_has "did you mean 'status'?"
expect 2 "aidf report lsit exits 2" report lsit
check "report lsit suggests list" err_has "unknown report command 'lsit'; did you mean 'list'?"
check "report lsit hints at report --help" err_has "Try 'aidf report --help'."
expect 2 "aidf help reprot exits 2" help reprot
check "help reprot suggests report" err_has "did you mean 'report'?"
expect 2 "a far-off command gets no suggestion" frobnicate
check "... and no 'did you mean'" bash -c "! grep -q 'did you mean' '$ERR'"

# --- exact option names ------------------------------------------------------------------
expect 2 "--lim is refused" report list --lim 2 --reports-dir "$small"
check "--lim is an unknown option" err_has "aidf: unknown option '--lim'; did you mean '--limit'?"
check "--lim: nothing on stdout" out_empty
expect 2 "--lim=2 is refused" report list --lim=2 --reports-dir "$small"
check "--lim=2 names --lim" err_has "unknown option '--lim'"
expect 0 "--limit 2 works" report list --limit 2 --reports-dir "$small"
check "--limit 2 shows two runs" out_has "Showing 2 of 6 runs"
expect 0 "--limit=2 works" report list --limit=2 --reports-dir "$small"
check "--limit=2 shows two runs" out_has "Showing 2 of 6 runs"
expect 2 "--reports (a prefix of --reports-dir) is refused" report list --reports "$small"
check "--reports suggests --reports-dir" err_has "did you mean '--reports-dir'?"
expect 2 "status --rep is refused" status --rep
check "status --rep suggests --report" err_has "did you mean '--report'?"
expect 2 "--jsno is refused" report list --jsno --reports-dir "$small"
check "--jsno suggests --json" err_has "did you mean '--json'?"
expect 2 "report --json before a subcommand is refused" report --json list
expect 2 "serve --max-bod is refused" serve --max-bod 10
check "serve --max-bod suggests --max-body" err_has "did you mean '--max-body'?"
expect 0 "report list -p and -m filter too" report list -p claude-cli -m '*' --reports-dir "$small"
expect 0 "-- ends the options" report show --reports-dir "$small" --json -- a1b2c3d4
check "the id after -- is shown" out_has "a1b2c3d4"

# --- every command: -h, and its options in the man page and the completions --------------
"$AIDF" help --man >"$TMP/aidf.1" 2>"$ERR"
check "help --man exits 0" [ $? = 0 ]
"$AIDF" completion bash >"$TMP/aidf.bash" 2>"$ERR"
check "completion bash exits 0" [ $? = 0 ]
for cmd in "init" "run" "report" "report list" "report show" "report summary" "report stats" \
    "report daily" "report monthly" "report export" \
    "report clean" "report push" "report webhook" "status" "serve" "version" "completion"; do
    # shellcheck disable=SC2086
    expect 0 "aidf $cmd -h exits 0" $cmd -h
    check "aidf $cmd -h prints its usage" out_has "usage: aidf $cmd"
    missing=""
    for opt in $(grep -oE '^  (-[a-zA-Z], )?--[a-z][a-z-]*' "$OUT" | grep -oE -- '--[a-z][a-z-]*'); do
        [ "$opt" = --help ] && continue
        grep -qF -- "$(printf '%s' "$opt" | sed 's/-/\\-/g')" "$TMP/aidf.1" || missing="$missing man:$opt"
        grep -qF -- "$opt" "$TMP/aidf.bash" || missing="$missing bash:$opt"
    done
    check "aidf $cmd: every option of --help is in the man page and the completion${missing:+ (missing$missing)}" \
        [ -z "$missing" ]
done

# --- short flags on init and run -----------------------------------------------------------
if command -v git >/dev/null 2>&1; then
    new_project short
    expect 1 "init again without -f refuses" init -y
    expect 0 "init -y -f rewrites the templates" init -y -f
    expect 0 "init -yf (a bundle) works too" init -yf
    add_task 001-short "Do nothing for real"
    scenario <<'EOF'
say <TASK_COMPLETE>
EOF
    expect 0 "run -d -n 3 -p claude-cli -m my-model -v exits 0" \
        run -d -n 3 -p claude-cli -m my-model -v
    check "-d is a dry run (the prompt)" out_has "# AIDF Autonomous Execution - Iteration 1"
    check "-n, -p and -m reach the run" err_has "with claude-cli / my-model (max 3 iterations"
    check "the agent was not called" [ "$(ncalls)" = 0 ]
    expect 0 "long forms give the same run" \
        run --dry-run --max-iterations=3 --provider=claude-cli --model=my-model --verbose
    check "the long forms reach the run" err_has "with claude-cli / my-model (max 3 iterations"
    expect 0 "bundled -vdn4 works" run -vdn4 -mother
    check "the bundle reaches the run" err_has "with claude-cli / other (max 4 iterations"
    expect 2 "-n 0 is a usage error" run -d -n 0
    check "-n 0 says the range" err_has "invalid --max-iterations '0' (expected 1..1000)"
    expect 2 "-n without a value is a usage error" run -d -n
    check "-n without a value says so" err_has "option '-n' requires an argument"
    expect 2 "-p with an unknown provider is a usage error" run -d -p gpt-cli
    expect 2 "-v and -q together are a usage error" run -d -vq
    expect 2 "--max-iter (a prefix) is refused" run -d --max-iter 3
    check "--max-iter suggests --max-iterations" err_has "did you mean '--max-iterations'?"
    check "no report for dry runs" [ "$(report_count)" = 0 ]
    cd "$TMP" || exit 1
else
    skip "git is not installed: the short flags of init and run not tested"
fi

# --- colour ------------------------------------------------------------------------------
FORCE_COLOR=1 "$AIDF" report list --reports-dir "$small" >"$OUT" 2>"$ERR"
check "NO_COLOR wins over FORCE_COLOR" no_escapes
(unset NO_COLOR; FORCE_COLOR=1 "$AIDF" report list --reports-dir "$small" >"$OUT" 2>"$ERR")
check "FORCE_COLOR=1 colours a pipe" grep -q $'\033\\[' "$OUT"
(unset NO_COLOR; FORCE_COLOR=0 "$AIDF" report list --reports-dir "$small" >"$OUT" 2>"$ERR")
check "FORCE_COLOR=0 does not" no_escapes
(unset NO_COLOR; FORCE_COLOR='' "$AIDF" report list --reports-dir "$small" >"$OUT" 2>"$ERR")
check "an empty FORCE_COLOR does not" no_escapes
(unset NO_COLOR; FORCE_COLOR=1 "$AIDF" report list --color=never --reports-dir "$small" \
    >"$OUT" 2>"$ERR")
check "--color=never wins over FORCE_COLOR" no_escapes

# --- completion scripts --------------------------------------------------------------------
expect 2 "completion without a shell is a usage error" completion
expect 2 "completion fish is a usage error" completion fish
check "bash completion parses (bash -n)" bash -n "$TMP/aidf.bash"
# complete WORDS...: what the bash completion offers for the last word.
complete_words() {
    bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        _aidf; echo "${COMPREPLY[*]}"' _ "$TMP/aidf.bash" "$@"
}
check "bash completes the commands" [ "$(complete_words aidf re)" = "report" ]
check "bash completes the report commands" \
    [ "$(complete_words aidf report "")" = "list show summary stats daily monthly export clean push webhook help" ]
check "bash completes the options" [ "$(complete_words aidf report list --li)" = "--limit" ]
check "bash completes --status values" \
    [ "$(complete_words aidf report summary --status "")" = "completed blocked failed" ]
check "bash completes -p values" [ "$(complete_words aidf run -p cu)" = "cursor-cli" ]
check "bash completes --color after --color=" \
    [ "$(complete_words aidf status --color = al)" = "always" ]
check "bash completes the shells" [ "$(complete_words aidf completion "")" = "bash zsh" ]
expect 0 "completion zsh exits 0" completion zsh
check "the zsh script is a #compdef file" bash -c "head -n 1 '$OUT' | grep -qx '#compdef aidf'"
if command -v zsh >/dev/null 2>&1; then
    check "zsh completion parses (zsh -n)" zsh -n "$OUT"
else
    skip "zsh is not installed: the zsh script is not parsed"
fi

# --- cmake --install: the binary, the man page and the completions -------------------------
if command -v cmake >/dev/null 2>&1 && [ -f "$BUILD/cmake_install.cmake" ]; then
    prefix=$TMP/prefix
    if cmake --install "$BUILD" --prefix "$prefix" >"$TMP/install.log" 2>&1; then
        ok "cmake --install succeeds"
    else
        not_ok "cmake --install succeeds"
        sed 's/^/#   /' "$TMP/install.log"
    fi
    check "the binary is installed" test -x "$prefix/bin/aidf"
    check "the man page is installed" test -s "$prefix/share/man/man1/aidf.1"
    check "the bash completion is installed" \
        cmp -s "$prefix/share/bash-completion/completions/aidf" "$TMP/aidf.bash"
    check "the zsh completion is installed" test -s "$prefix/share/zsh/site-functions/_aidf"
    check "the installed man page is the generated one" \
        cmp -s "$prefix/share/man/man1/aidf.1" "$TMP/aidf.1"
    if command -v man >/dev/null 2>&1; then
        MANPAGER=cat MANWIDTH=100 man -l "$prefix/share/man/man1/aidf.1" >"$OUT" 2>"$ERR"
        check "man -l renders the page" [ $? = 0 ]
    elif command -v groff >/dev/null 2>&1; then
        groff -man -Tutf8 "$prefix/share/man/man1/aidf.1" >"$OUT" 2>"$ERR"
        check "groff renders the page" [ $? = 0 ]
    else
        skip "neither man nor groff: the page is not rendered"
        cp "$TMP/aidf.1" "$OUT"
    fi
    check "the page names the command" grep -q "aidf report list" "$OUT"
    check "the page documents --max-iterations" grep -q "max.iterations" "$OUT"
    check "the page documents FORCE_COLOR" grep -q "FORCE_COLOR" "$OUT"
    if command -v groff >/dev/null 2>&1; then
        groff -man -Tutf8 -ww -z "$prefix/share/man/man1/aidf.1" >"$TMP/groff.err" 2>&1
        check "groff has no warnings about the page" [ ! -s "$TMP/groff.err" ]
    fi
else
    skip "cmake or the build directory is missing: cmake --install not tested"
fi

finish
