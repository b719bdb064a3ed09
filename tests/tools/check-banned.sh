#!/usr/bin/env bash
# Proves that include/aidf/banned.h, force-included by CMake (aidf_banned()), fires: each
# banned function, called from a tiny C file compiled with the flags of the aidf_core target,
# must fail to compile with an error that names the ban. A control file that includes the
# system and library headers the project uses after the banned header, and calls the allowed
# alternatives, must compile.
#
# Usage: check-banned.sh CC [compiler flags of aidf_core...]   (run by ctest)
set -u
cc=${1:?usage: check-banned.sh CC [flags...]}
shift
flags=("$@")
case " ${flags[*]} " in
*banned.h*) ;;
*)
    echo "not ok - the target's flags do not force-include banned.h: ${flags[*]}"
    exit 1
    ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/aidf-banned.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# compile FILE: syntax-check FILE with the target's flags; diagnostics in $tmp/err.
compile() { "$cc" "${flags[@]}" -fsyntax-only -c "$1" 2>"$tmp/err"; }

while read -r fn call; do
    printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <time.h>\n' >"$tmp/$fn.c"
    printf 'int use_%s(void);\nint use_%s(void)\n{\n    char b[64] = "a,b";\n    time_t t = 0;\n' \
        "$fn" "$fn" >>"$tmp/$fn.c"
    printf '    (void)b;\n    (void)t;\n    %s;\n    return 0;\n}\n' "$call" >>"$tmp/$fn.c"
    if compile "$tmp/$fn.c"; then
        echo "not ok - $fn compiles (the ban does not fire)"
        fail=$((fail + 1))
    elif grep -q "sorry_${fn}_is_a_banned_function" "$tmp/err"; then
        echo "ok - $fn is a compile error naming the ban"
        pass=$((pass + 1))
    else
        echo "not ok - $fn fails to compile, but not because of the ban:"
        sed 's/^/#   /' "$tmp/err" | head -n 10
        fail=$((fail + 1))
    fi
done <<'CALLS'
strcpy (void)strcpy(b, "x")
strcat (void)strcat(b, "x")
sprintf (void)sprintf(b, "%d", 1)
vsprintf (void)vsprintf(b, "%d", 0)
strtok (void)strtok(b, ",")
gets (void)gets(b)
atoi (void)atoi(b)
atol (void)atol(b)
gmtime (void)gmtime(&t)
localtime (void)localtime(&t)
CALLS

# The control: headers included after banned.h, and the bounded / reentrant alternatives.
cat >"$tmp/control.c" <<'C'
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <wchar.h>
#include <yaml.h>

#include "aidf/buf.h"
#include "aidf/log.h"
#include "aidf/version.h"

int control(const char *s);
int control(const char *s)
{
    char b[64], *save = NULL;
    struct tm tm;
    time_t t = 0;
    snprintf(b, sizeof(b), "%s,%s", s, AIDF_VERSION);
    (void)strtok_r(b, ",", &save);
    (void)gmtime_r(&t, &tm);
    (void)localtime_r(&t, &tm);
    return (int)strtol(s, NULL, 10);
}
C
if compile "$tmp/control.c"; then
    echo "ok - headers after banned.h and the allowed alternatives compile"
    pass=$((pass + 1))
else
    echo "not ok - the control file does not compile:"
    sed 's/^/#   /' "$tmp/err" | head -n 20
    fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
