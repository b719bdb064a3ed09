#!/usr/bin/env bash
# Check api/execution-report.schema.json against the report fixtures:
#   every tests/data/reports/valid/*.json must pass the schema, and every
#   tests/data/reports/invalid/*.json must fail it, except the cases a JSON Schema
#   cannot express (named syntax-*.json: malformed JSON, duplicate keys, bad UTF-8,
#   "\u0000"; limit-*.json: nesting depth, size). The C decoder is checked against the
#   same directories by tests/unit/test_report.c.
#
# Usage: t010-report-schema.sh <aidf binary (unused)> <tests/data dir>
# Needs python3 with the jsonschema module (Debian: python3-jsonschema).
data=${2:?usage: $0 <aidf> <tests/data dir>}
here=$(cd "$(dirname "$0")" && pwd)
src=${AIDF_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
schema=$src/api/execution-report.schema.json
. "$here/lib.sh"
need_py jsonschema

# The checker prints one "ok<TAB>name" or "not ok<TAB>name" line per fixture.
python3 - "$schema" "$data/reports" >"$TMP/schema.out" 2>&1 <<'PY'
import glob
import json
import os
import sys

import jsonschema

schema_path, reports = sys.argv[1], sys.argv[2]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema)


def no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("duplicate key %r" % k)
        seen[k] = v
    return seen


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    return json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)



def report(ok, msg):
    print(("ok\t" if ok else "not ok\t") + msg)


valid = sorted(glob.glob(os.path.join(reports, "valid", "*.json")))
invalid = sorted(glob.glob(os.path.join(reports, "invalid", "*.json")))
if not valid or not invalid:
    report(False, "no fixtures under " + reports)

for path in valid:
    name = "valid/" + os.path.basename(path)
    try:
        doc = load(path)
    except Exception as e:
        report(False, "%s: not loadable: %s" % (name, e))
        continue
    errors = list(validator.iter_errors(doc))
    detail = "; ".join("%s: %s" % ("/".join(map(str, e.absolute_path)), e.message) for e in errors[:3])
    report(not errors, name + (": " + detail if errors else ""))

for path in invalid:
    base = os.path.basename(path)
    name = "invalid/" + base
    if base.startswith(("syntax-", "limit-")):
        continue  # not expressible in a schema; covered by test_report.c
    try:
        doc = load(path)
    except Exception as e:
        report(False, "%s: not loadable (rename it syntax-*): %s" % (name, e))
        continue
    errors = list(validator.iter_errors(doc))
    report(bool(errors), name + (": rejected" if errors else ": accepted by the schema"))
PY
rc=$?
while IFS=$'\t' read -r verdict name; do
    case $verdict in
    ok) ok "$name" ;;
    'not ok') not_ok "$name" ;;
    *) echo "# $verdict${name:+ $name}" ;;
    esac
done <"$TMP/schema.out"
check "the schema checker exits 0 (exit $rc)" [ "$rc" = 0 ]
finish
