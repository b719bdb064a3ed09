#!/usr/bin/env bash
# The aidf front end: --version, --help everywhere, help <cmd>, unknown commands and
# options, usage errors (exit 2), missing project (exit 1), and garbage arguments that
# must never crash.
#
# Usage: t020-cli-basics.sh <aidf> <tests/data dir>
. "$(dirname "$0")/cli-lib.sh" "$@"

small=$TMP/small
cp -r "$DATA/reportdirs/small" "$small"
mkdir -p "$TMP/noproj"

# --- version and help -----------------------------------------------------------------
expect 0 "--version exits 0" --version
check "--version prints 'aidf 0.8.0'" [ "$(cat "$OUT")" = "aidf 0.8.0" ]
if [ -n "${AIDF_SOURCE_DIR:-}" ] && [ -f "$AIDF_SOURCE_DIR/CMakeLists.txt" ]; then
    v=$(sed -n 's/^project(aidf VERSION \([0-9.]*\).*/\1/p' "$AIDF_SOURCE_DIR/CMakeLists.txt")
    check "--version matches the project version ($v)" [ "$(cat "$OUT")" = "aidf $v" ]
fi

expect 0 "--help exits 0" --help
check "--help goes to stdout and names the commands" \
    bash -c "grep -q '^usage: aidf' '$OUT' && grep -q 'report' '$OUT' && grep -q 'status' '$OUT'"
check "--help writes nothing to stderr" err_empty
expect 0 "-h exits 0" -h
expect 0 "help exits 0" help
check "help prints the usage" out_has "usage: aidf"

for cmd in "report" "report list" "report show" "report summary" "report export" \
    "report clean" "status"; do
    # shellcheck disable=SC2086
    expect 0 "aidf $cmd --help exits 0" $cmd --help
    check "aidf $cmd --help prints usage on stdout" out_has "usage: aidf $cmd"
    check "aidf $cmd --help is quiet on stderr" err_empty
    # shellcheck disable=SC2086
    expect 0 "aidf $cmd -h exits 0" $cmd -h
    # shellcheck disable=SC2086
    expect 0 "aidf help $cmd exits 0" help $cmd
    check "aidf help $cmd prints its usage" out_has "usage: aidf $cmd"
done
expect 0 "--help after other options still helps" report list --limit 5 --help
check "... and prints the list usage" out_has "usage: aidf report list"
check "list --help documents the filters" \
    bash -c "grep -q -- '--since' '$OUT' && grep -q -- '--status' '$OUT' && grep -q -- '--limit' '$OUT'"

# --- unknown commands and options -----------------------------------------------------
expect 2 "no command is a usage error" 
check "no command: usage on stderr, nothing on stdout" \
    bash -c "grep -q '^usage: aidf' '$ERR' && [ ! -s '$OUT' ]"
expect 2 "unknown command exits 2" frobnicate
check "unknown command is named on stderr" err_has "'frobnicate' is not an aidf command"
check "unknown command prints usage on stderr" err_has "usage: aidf"
check "unknown command prints nothing on stdout" out_empty
expect 2 "unknown global option exits 2" --frobnicate report list
check "unknown global option is named" err_has "unknown option '--frobnicate'"
expect 2 "help for an unknown command exits 2" help frobnicate
expect 2 "aidf report without a subcommand exits 2" report
check "aidf report alone prints report usage on stderr" err_has "usage: aidf report"
expect 2 "unknown report subcommand exits 2" report frobnicate
check "unknown report subcommand hint" err_has "Try 'aidf report --help'."

expect 2 "unknown option exits 2" report list --frobnicate --reports-dir "$small"
check "unknown option: git-style message" err_has "aidf: unknown option '--frobnicate'"
check "unknown option: try hint" err_has "Try 'aidf report list --help'."
check "unknown option: nothing on stdout" out_empty
expect 2 "unknown short option exits 2" report list -x --reports-dir "$small"
check "unknown short option is named" err_has "unknown option '-x'"
expect 2 "missing option argument exits 2" report list --limit
check "missing option argument message" err_has "option '--limit' requires an argument"
expect 2 "argument to a flag exits 2" report list --json=yes --reports-dir "$small"
check "argument to a flag message" err_has "option '--json' does not take an argument"
expect 2 "extra positional argument exits 2" report list extra --reports-dir "$small"
check "extra positional is named" err_has "unexpected argument 'extra'"

# --- usage errors: bad values -----------------------------------------------------------
usage_case() {
    local name=$1
    shift
    expect 2 "$name exits 2" "$@"
    check "$name says why on stderr" grep -q '^aidf: ' "$ERR"
    check "$name prints a hint" grep -q "^Try 'aidf " "$ERR"
    check "$name prints nothing on stdout" out_empty
}
usage_case "--limit -1" report list --limit -1 --reports-dir "$small"
usage_case "--limit abc" report list --limit abc --reports-dir "$small"
usage_case "--limit 1e3" report list --limit 1e3 --reports-dir "$small"
usage_case "--limit ' 5'" report list --limit " 5" --reports-dir "$small"
usage_case "--limit +5" report list --limit +5 --reports-dir "$small"
usage_case "--limit overflow" report list --limit 99999999999999999999999 --reports-dir "$small"
usage_case "--status running" report list --status running --reports-dir "$small"
usage_case "--status ''" report list --status "" --reports-dir "$small"
usage_case "--since 2026-13-45" report list --since 2026-13-45 --reports-dir "$small"
usage_case "--since 2026-02-30" report list --since 2026-02-30 --reports-dir "$small"
usage_case "--since 7x" report list --since 7x --reports-dir "$small"
usage_case "--since ''" report list --since "" --reports-dir "$small"
usage_case "--until ''" report summary --until "" --reports-dir "$small"
usage_case "--until d" report summary --until d --reports-dir "$small"
usage_case "--since -7d" report export --csv - --since -7d --reports-dir "$small"
usage_case "--color=purple" report list --color=purple --reports-dir "$small"
usage_case "global --color=purple" --color=purple report list --reports-dir "$small"
usage_case "--reports-dir ''" report list --reports-dir ""
usage_case "show without id" report show --reports-dir "$small"
usage_case "show with two ids" report show a1b2c3d4 5c6d7e8f --reports-dir "$small"
usage_case "export without --csv" report export --reports-dir "$small"
usage_case "export --csv - --json" report export --csv - --json --reports-dir "$small"
usage_case "summary --csv ''" report summary --csv "" --reports-dir "$small"
usage_case "clean without --before" report clean --reports-dir "$small"
usage_case "clean --before garbage" report clean --before garbage --reports-dir "$small"
usage_case "status with an argument" status extra
usage_case "status --frobnicate" status --frobnicate
check "invalid --status names the choices" err_has "unknown option '--frobnicate'"
run report list --status running --reports-dir "$small"
check "invalid --status lists the valid ones" err_has "completed, blocked or failed"

# --- valid edge values ------------------------------------------------------------------
expect 0 "huge --limit is fine" report list --limit 999999999999999 --reports-dir "$small"
check "huge --limit shows every run" out_has "Showing 6 of 6 runs"
expect 0 "--limit 0 means all" report list --limit 0 --reports-dir "$small"
check "--limit 0 shows every run" out_has "Showing 6 of 6 runs"
expect 0 "--color=never is accepted" report list --color=never --reports-dir "$small"
expect 0 "--color always is accepted" report list --color always --reports-dir "$small"
check "--color always colours even a pipe" grep -q $'\033\\[' "$OUT"
expect 0 "global --color never is accepted" --color never report list --reports-dir "$small"
check "--color never: no escapes" no_escapes
expect 0 "NO_COLOR and a pipe: no escapes" report list --reports-dir "$small"
check "default output to a pipe has no escapes" no_escapes

# Colour on a real terminal (optional: needs script(1)).
if want script; then
    env -u NO_COLOR TERM=xterm script -qec "'$AIDF' report list --reports-dir '$small'" /dev/null \
        >"$OUT" 2>"$ERR"
    check "a TTY gets colours" grep -q $'\033\\[32m' "$OUT"
    NO_COLOR=1 TERM=xterm script -qec "'$AIDF' report list --reports-dir '$small'" /dev/null \
        >"$OUT" 2>"$ERR"
    check "a TTY with NO_COLOR gets none" no_escapes
    env -u NO_COLOR TERM=dumb script -qec "'$AIDF' report list --reports-dir '$small'" /dev/null \
        >"$OUT" 2>"$ERR"
    check "a dumb TTY gets none" no_escapes
    env -u NO_COLOR TERM=xterm script -qec \
        "'$AIDF' report list --color=never --reports-dir '$small'" /dev/null >"$OUT" 2>"$ERR"
    check "a TTY with --color=never gets none" no_escapes
fi

# --- no project -------------------------------------------------------------------------
cd "$TMP/noproj" || exit 1
if [ -n "$(
    d=$PWD
    while [ "$d" != / ]; do [ -d "$d/.ai" ] && echo "$d"; d=$(dirname "$d"); done
)" ]; then
    skip "a .ai/ directory exists above $TMP: no-project checks skipped"
else
    for args in "report list" "report summary" "report show abc" "report export --csv x.csv" \
        "report clean --before 1d"; do
        # shellcheck disable=SC2086
        expect 1 "no project: aidf $args exits 1" $args
        check "no project: aidf $args explains" \
            err_has "aidf: no AIDF project found (no .ai/ directory here or above); run 'aidf init' or pass --reports-dir"
        check "no project: aidf $args prints nothing on stdout" out_empty
    done
    check "no project: export wrote no file" [ ! -e x.csv ]
fi
expect 1 "missing explicit --reports-dir exits 1" report list --reports-dir "$TMP/does-not-exist"
check "missing explicit --reports-dir names the directory" err_has "$TMP/does-not-exist"
check "missing explicit --reports-dir prints nothing on stdout" out_empty
cd "$TMP" || exit 1

# --- garbage must never crash -----------------------------------------------------------
garbage=(
    "" "-" "--" "---" "-h-" "--=" "--limit=" "--limit=-0" "--since=9999-99-99"
    "--until=0000-00-00" "--since=2026-11-20T25:00Z" "--since=2026-11-20T10:00+99:00"
    "--task=[" "--task=**/*[" "--model=" "--provider=" "--status=COMPLETED" "--csv"
    "--before" "--before=2026" "--json" "--json" "--detailed" "--confirm" "--report"
    "$(printf '\xff\xfe')" "$(head -c 3000 /dev/zero | tr '\0' 'a')" "--since=$(printf '1%.0s' {1..400})d"
    "--limit=18446744073709551616" "--limit=9223372036854775807" "--color=" "%s%n%s%n"
)
crashes=0
for sub in "report list" "report show" "report summary" "report export" "report clean" "status"; do
    for g in "${garbage[@]}"; do
        # shellcheck disable=SC2086
        "$AIDF" $sub "$g" --reports-dir "$small" >"$OUT" 2>"$ERR"
        rc=$?
        if [ "$rc" -gt 2 ] || grep -qE 'Sanitizer|runtime error:' "$ERR"; then
            crashes=$((crashes + 1))
            echo "# aidf $sub '$g' exited $rc"
        fi
    done
done
check "garbage arguments exit 0, 1 or 2 and never crash ($crashes bad)" [ "$crashes" -eq 0 ]

for id in "../../etc/passwd" "%2e%2e" "a1b2*" "" "zzzz" "$(printf 'a1b2\tc')" "-" \
    "a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d-extra"; do
    "$AIDF" report show --reports-dir "$small" -- "$id" >"$OUT" 2>"$ERR"
    rc=$?
    if [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ]; then
        not_ok "report show '$id' exits 1 or 2 (got $rc)"
    else
        ok "report show '$id' fails cleanly ($rc)"
    fi
done

finish
