#!/usr/bin/env bash
# Filters, the same in the CLI and the API, single and multi-valued. A few dozen generated
# reports with different projects, actors, branches, tags, CI flags, statuses, providers
# and models; every filter alone, several values in the comma and the repeated form, and
# combinations, each checked in `aidf report list --json`, `aidf report summary --json`,
# GET /runs and GET /summary against an independent computation in python3 over the report
# files. The rows of `list --json` and /runs carry the team dimensions and receivedAt.
# receivedSince: a run POSTed with a weeks-old timestamp (a late CI outbox delivery) is
# exactly what `receivedSince=<time before the POST>` returns; a report file copied into the
# directory gets receivedAt from its file time. Bad filter values are usage errors (exit 2)
# and 400 invalid_parameter. Every response is checked against api/openapi.yaml.
#
# Usage: t115-filters.sh <aidf> <tests/data dir>
. "$(dirname "$0")/serve-lib.sh" "$@"

dir=$TMP/reports
cases=$TMP/cases
mkdir -p "$dir" "$cases"

# The reports, the cases and the expected answers (an oracle that reads the report files
# itself and knows nothing of aidf's index).
cat >"$TMP/oracle.py" <<'PYEOF'
import fnmatch, json, os, random, sys, urllib.parse
from datetime import datetime, timedelta, timezone

def gen(d):
    rng = random.Random(115)
    projects = ["acme/widgets", "acme/gadgets", "other/tool", None]
    actors = ["alice", "bob", "carol@example.com", None]
    branches = ["main", "dev", "feature/login", None]
    models = [("claude-cli", "claude-sonnet-4-5"), ("claude-cli", "claude-haiku-4-5"),
              ("openai-api", "gpt-4o"), ("openai-api", "gpt-5"), ("cursor-cli", None)]
    tasks = ["001-add-login.md", "002-fix-logout.md", "003-refactor-db.md", "004-fix-typo.md"]
    start = datetime(2026, 10, 1, 6, 0, tzinfo=timezone.utc)
    seen = set()
    for i in range(48):
        while True:
            rid = "%08x-%04x-4%03x-8%03x-%012x" % (rng.getrandbits(32), rng.getrandbits(16),
                                                  rng.getrandbits(12), rng.getrandbits(12),
                                                  rng.getrandbits(48))
            if rid[:8] not in seen:
                seen.add(rid[:8])
                break
        ts = start + timedelta(hours=17 * i + rng.randint(0, 9), milliseconds=rng.randint(0, 999))
        iso = ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ts.microsecond // 1000)
        prov, model = models[i % len(models)]
        task = tasks[rng.randrange(len(tasks))]
        folder = rng.choice(["pending", "completed", "blocked"])
        r = {"runId": rid, "timestamp": iso,
             "status": ["completed", "blocked", "failed"][rng.randrange(3)],
             "taskPath": ".ai/tasks/%s/%s" % (folder, task),
             "provider": {"type": prov}, "schemaVersion": 1}
        if model:
            r["provider"]["model"] = model
        if rng.random() < 0.5:
            r["taskName"] = task
        if rng.random() < 0.5:
            r["taskType"] = rng.choice(["feature", "bugfix"])
        proj, br = projects[i % 4], branches[(i // 4) % 4]
        if proj or br:
            r["project"] = {}
            if proj:
                r["project"]["name"] = proj
            if br:
                r["project"]["branch"] = br
        actor = actors[(i // 2) % 4]
        if actor:
            r["actor"] = actor
        tags = {}
        if rng.random() < 0.6:
            tags["team"] = rng.choice(["core", "infra"])
        if rng.random() < 0.5:
            tags["ticket"] = "WID-%d" % rng.randint(1, 3)
        if rng.random() < 0.2:
            tags["env"] = "prod"
        if tags:
            r["tags"] = tags
        ci = rng.random() < 0.5
        if rng.random() < 0.8:
            r["environment"] = {"os": "linux", "ci": ci}
            if ci and not br and rng.random() < 0.7:
                r["environment"]["ciBranch"] = "ci-branch"
        r["cost"] = {"estimatedTotal": round(rng.random(), 6)}
        if i % 7 == 3:
            r["cost"]["currency"] = "EUR"
        day = os.path.join(d, iso[:10])
        os.makedirs(day, exist_ok=True)
        with open(os.path.join(day, "run-%s.json" % rid[:8]), "w") as f:
            json.dump(r, f, indent=2)

def load(d):
    runs = []
    for root, _, files in os.walk(d):
        for n in files:
            if n.startswith("run-") and n.endswith(".json"):
                with open(os.path.join(root, n)) as f:
                    runs.append(json.load(f))
    return runs

def when(s, end_of_day=False):
    if len(s) == 10:
        t = datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=timezone.utc)
        return t + timedelta(days=1, milliseconds=-1) if end_of_day else t
    return datetime.fromisoformat(s.replace("Z", "+00:00"))

def dims(r):
    p = r.get("project") or {}
    env = r.get("environment") or {}
    tp = r.get("taskPath") or ""
    return {"project": p.get("name"), "actor": r.get("actor"),
            "branch": p.get("branch") or env.get("ciBranch"),
            "tags": r.get("tags") or {}, "ci": env.get("ci") is True,
            "taskName": r.get("taskName") or (tp.rsplit("/", 1)[-1] or None),
            "taskType": r.get("taskType"),
            "currency": (r.get("cost") or {}).get("currency") or "USD"}

def one(r, name, v):
    d = dims(r)
    prov = r.get("provider") or {}
    if name == "status":
        return r["status"] == v
    if name == "provider":
        return prov.get("type") == v
    if name == "model":
        m = prov.get("model") or ""
        return m == v or fnmatch.fnmatchcase(m, v)
    if name == "task":
        tp = r.get("taskPath") or ""
        return any(fnmatch.fnmatchcase(x, v) for x in (tp, tp.rsplit("/", 1)[-1], d["taskName"] or ""))
    if name in ("project", "actor", "branch"):
        return d[name] == v
    if name == "tag":
        k, sep, val = v.replace("=", ":", 1).partition(":")
        if k not in d["tags"]:
            return False
        return not sep or val == "*" or d["tags"][k] == val
    if name == "ci":
        return d["ci"] == (v == "true")
    if name == "since":
        return when(r["timestamp"]) >= when(v)
    if name == "until":
        return when(r["timestamp"]) <= when(v, True)
    raise ValueError(name)

def match(r, flt):
    # The same filter given again adds values; different filters AND.
    merged = {}
    for n, vals in flt:
        merged.setdefault(n, []).extend(vals)
    return all(any(one(r, n, v) for v in vals) for n, vals in merged.items())

CLI = {"receivedSince": "received-since"}

def cases(d, out):
    runs = load(d)
    single = [("status", ["failed"]), ("status", ["completed"]), ("provider", ["openai-api"]),
              ("model", ["gpt-4o"]), ("model", ["claude-*"]), ("task", ["*login*"]),
              ("task", ["003-*"]), ("task", [".ai/tasks/blocked/*"]),
              ("project", ["acme/widgets"]), ("project", ["nope/none"]), ("actor", ["alice"]),
              ("actor", ["carol@example.com"]), ("branch", ["main"]),
              ("branch", ["ci-branch"]), ("branch", ["feature/login"]),
              ("tag", ["team:core"]), ("tag", ["ticket:*"]), ("tag", ["env"]),
              ("tag", ["team=infra"]), ("ci", ["true"]), ("ci", ["false"]),
              ("since", ["2026-10-20T00:00:00Z"]), ("until", ["2026-10-20"])]
    multi = [("status", ["failed", "blocked"]), ("model", ["gpt-4o", "claude-haiku-4-5"]),
             ("model", ["gpt-*", "claude-sonnet-4-5"]),
             ("project", ["acme/widgets", "other/tool"]),
             ("actor", ["alice", "carol@example.com"]), ("branch", ["main", "dev"]),
             ("tag", ["team:core", "ticket:WID-2"]), ("tag", ["team:infra", "env:*"]),
             ("provider", ["cursor-cli", "openai-api"]), ("task", ["*login*", "*-fix-*"]),
             ("ci", ["true", "false"]), ("project", ["acme/gadgets", "acme/gadgets"])]
    combos = [[("project", ["acme/widgets"]), ("status", ["failed", "blocked"]), ("ci", ["true"])],
              [("actor", ["bob", "alice"]), ("tag", ["team:core", "team:infra"]),
               ("since", ["2026-10-10"])],
              [("model", ["claude-*"]), ("branch", ["main", "dev"]), ("until", ["2026-11-15"])],
              [("project", ["acme/widgets", "acme/gadgets"]), ("actor", ["alice", "bob"]),
               ("branch", ["main", "dev", "feature/login"]), ("tag", ["team"])],
              []]
    specs = [(s, "single") for s in ([x] for x in single)]
    for m in multi:
        specs.append(([m], "comma"))
        specs.append(([m], "repeat"))
    for c in combos:
        specs.append((c, "comma"))
        specs.append((c, "repeat"))
    # A mix: one value with a comma and the same filter again.
    specs.append(([("status", ["failed", "blocked"]), ("status", ["completed"])], "comma"))
    for i, (flt, form) in enumerate(specs):
        cli, q = [], []
        for n, vals in flt:
            if form == "repeat":
                for v in vals:
                    cli += ["--" + CLI.get(n, n), v]
                    q.append("%s=%s" % (n, urllib.parse.quote(v, safe="")))
            else:
                cli += ["--" + CLI.get(n, n), ",".join(vals)]
                q.append("%s=%s" % (n, ",".join(urllib.parse.quote(v, safe="") for v in vals)))
        want = sorted(r["runId"] for r in runs if match(r, flt))
        name = " & ".join("%s=%s" % (n, ",".join(v)) for n, v in flt) or "no filter"
        base = os.path.join(out, "%03d" % i)
        with open(base + ".name", "w") as f:
            f.write("%s (%s)" % (name, form))
        with open(base + ".cli", "w") as f:
            f.write("".join(a + "\n" for a in cli))
        with open(base + ".query", "w") as f:
            f.write("&".join(q))
        with open(base + ".expect", "w") as f:
            f.write("".join(x + "\n" for x in want))

def rows(d, listing):
    """The rows of list --json / GET /runs carry the dimensions the report files say."""
    by_id = {r["runId"]: r for r in load(d)}
    with open(listing) as f:
        got = json.load(f)["runs"]
    bad = []
    for row in got:
        want = dims(by_id[row["runId"]])
        for k, v in want.items():
            if row.get(k) != v:
                bad.append("%s %s: %r, want %r" % (row["runId"][:8], k, row.get(k), v))
        ra = row.get("receivedAt")
        if not (isinstance(ra, str) and len(ra) == 24 and ra.endswith("Z")):
            bad.append("%s receivedAt %r" % (row["runId"][:8], ra))
    if len(got) != len(by_id):
        bad.append("%d rows for %d reports" % (len(got), len(by_id)))
    if bad:
        print("\n".join(bad[:10]))
    return not bad

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "cases":
        cases(sys.argv[2], sys.argv[3])
    elif cmd == "rows":
        sys.exit(0 if rows(sys.argv[2], sys.argv[3]) else 1)
PYEOF

python3 "$TMP/oracle.py" gen "$dir" || not_ok "generating the reports"
python3 "$TMP/oracle.py" cases "$dir" "$cases" || not_ok "computing the expected answers"
nruns=$(find "$dir" -name 'run-*.json' | wc -l | tr -d ' ')
check "48 reports generated" [ "$nruns" = 48 ]
# Every report was "received" two hours ago (file time), before anything below.
find "$dir" -name 'run-*.json' -exec touch -d "@$(($(date +%s) - 7200))" {} +

serve_start main --reports-dir "$dir" || finish

# --- the rows carry the dimensions -----------------------------------------------------------
expect 0 "list --json --limit 0" report list --json --limit 0 --reports-dir "$dir"
cp "$OUT" "$TMP/list.json"
check "list --json rows carry project, actor, branch, tags, ci, currency, taskName, taskType, receivedAt" \
    python3 "$TMP/oracle.py" rows "$dir" "$TMP/list.json"
expect_http 200 "GET /runs?limit=1000" GET "/runs?limit=1000"
hcheck "GET /runs rows carry the same dimensions" python3 "$TMP/oracle.py" rows "$dir" "$B"
hcheck "GET /runs rows are the rows of list --json" \
    bjq '.runs == $cli[0].runs' --slurpfile cli "$TMP/list.json"
OUT=$TMP/list.json
check "an EUR run says so" jq_ok '[.runs[] | select(.currency == "EUR")] | length > 0'
check "runs without tags have tags {}" jq_ok '[.runs[] | select(.tags == {})] | length > 0'
check "runs outside CI have ci false" jq_ok '[.runs[] | select(.ci == false)] | length > 0'
OUT=$TMP/stdout

# --- every filter, CLI and API, against the oracle --------------------------------------------
ncases=0
for f in "$cases"/*.name; do
    base=${f%.name}
    name=$(cat "$f")
    mapfile -t args <"$base.cli"
    query=$(cat "$base.query")
    want=$(cat "$base.expect")
    nwant=$(grep -c . "$base.expect")
    ncases=$((ncases + 1))

    run report list --json --limit 0 --reports-dir "$dir" "${args[@]}"
    got=$(jq -r '.runs[].runId' "$OUT" 2>/dev/null | sort)
    if [ "$RC" = 0 ] && [ "$got" = "$want" ] && jq_ok ".total == $nwant"; then
        ok "list: $name ($nwant runs)"
    else
        not_ok "list: $name (exit $RC; want $nwant runs: $(echo $want | cut -c1-80))"
    fi
    run report summary --json --reports-dir "$dir" "${args[@]}"
    if [ "$RC" = 0 ] && jq_ok ".runs == $nwant"; then
        ok "summary: $name"
    else
        not_ok "summary: $name (exit $RC, want $nwant runs)"
    fi

    req GET "/runs?limit=1000${query:+&$query}"
    got=$(jq -r '.runs[].runId' "$B" 2>/dev/null | sort)
    if [ "$STATUS" = 200 ] && [ "$got" = "$want" ] && bjq ".total == $nwant"; then
        ok "GET /runs: $name"
    else
        http_fail "GET /runs?$query: $name (want $nwant runs)"
    fi
    req GET "/summary${query:+?$query}"
    if [ "$STATUS" = 200 ] && bjq ".runs == $nwant"; then
        ok "GET /summary: $name"
    else
        http_fail "GET /summary?$query: $name (want $nwant runs)"
    fi
done
check "the oracle gave at least 50 cases" [ "$ncases" -ge 50 ]
empty=0
full=0
for f in "$cases"/*.expect; do
    n=$(grep -c . "$f")
    [ "$n" = 0 ] && empty=$((empty + 1))
    [ "$n" = 48 ] && full=$((full + 1))
done
check "some cases match nothing, some every run" [ "$empty" -gt 0 ] && [ "$full" -gt 0 ]

# The comma and the repeated forms share one cached /summary answer, and a %2C comma is a comma.
expect_http 200 "GET /summary?status=failed,blocked" GET "/summary?status=failed,blocked"
cp "$B" "$TMP/s1.json"
expect_http 200 "GET /summary?status=blocked&status=failed" GET "/summary?status=blocked&status=failed"
check "comma and repeated forms give the same /summary" cmp -s "$B" "$TMP/s1.json"
expect_http 200 "GET /summary?status=blocked%2Cfailed" GET "/summary?status=blocked%2Cfailed"
check "an encoded comma separates values too" cmp -s "$B" "$TMP/s1.json"
expect_http 200 "GET /export.csv with several filters" \
    GET "/export.csv?project=acme/widgets&project=other/tool&ci=true"
run report export --csv - --project acme/widgets,other/tool --ci true --reports-dir "$dir"
check "/export.csv is the CLI's export for the same filters" cmp -s "$B" "$OUT"

# --- bad values --------------------------------------------------------------------------------
cli_bad() {
    local what=$1
    shift
    run report list --reports-dir "$dir" "$@"
    if [ "$RC" = 2 ] && err_has "$what"; then
        ok "CLI $*: usage error '$what'"
    else
        not_ok "CLI $*: usage error '$what' (exit $RC, want 2)"
    fi
}
cli_bad "invalid --status 'done'" --status completed,done
cli_bad "invalid --ci 'yes'" --ci yes
cli_bad "invalid --tag 'bad key:x'" --tag "bad key:x"
cli_bad "--since given more than once" --since 1d --since 2d
cli_bad "units: s, m (minutes), h, d, w, mo (calendar months), y" --received-since 3months
cli_bad "invalid --received-since '3months'" --received-since 3months
cli_bad "--project needs a value" --project ""
cli_bad "invalid --model 'a,,b' (an empty value)" --model a,,b

api_bad() {
    local what=$1 query=$2
    req GET "/runs?$query"
    if [ "$STATUS" = 400 ] && err_code invalid_parameter &&
        jq -e --arg w "$what" '.error.message | contains($w)' "$B" >/dev/null; then
        ok "GET /runs?$query is 400 invalid_parameter"
    else
        http_fail "GET /runs?$query is 400 invalid_parameter naming '$what'"
    fi
}
api_bad "invalid status 'done'" "status=completed,done"
api_bad "invalid ci 'yes'" "ci=yes"
api_bad "invalid tag 'bad key:x'" "tag=bad%20key:x"
api_bad "since given more than once" "since=1d&since=2d"
api_bad "parameter 'limit' given more than once" "limit=1&limit=2"
api_bad "units: s, m (minutes), h, d, w, mo (calendar months), y" "receivedSince=3months"
api_bad "project needs a value" "project="
many=$(for i in $(seq 0 64); do printf 'model=m%d&' "$i"; done)
api_bad "too many values for model (at most 64)" "${many%&}"
many=$(seq -s, 0 64)
api_bad "too many values for actor (at most 64)" "actor=$many"

# --- receivedSince: what arrived since, whatever its timestamp -------------------------------
t0=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
sleep 0.1
late=$TMP/late.json
old=$(iso_ago $((21 * 86400)))
jq -n --arg ts "$old" '{runId: "1a7e0000-0000-4000-8000-00000000d311", timestamp: $ts,
    status: "completed", project: {name: "acme/widgets", branch: "main"}, actor: "ci-bot",
    environment: {ci: true}, tags: {team: "core"}}' >"$late"
post_file "$late"
hcheck "POST a run three weeks old (late outbox delivery) -> 201" [ "$STATUS" = 201 ]
t1=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)

expect_http 200 "GET /runs?receivedSince=<before the POST>" GET "/runs?receivedSince=$(urlenc "$t0")"
hcheck "receivedSince returns exactly the late run" \
    bjq '.total == 1 and .runs[0].runId == "1a7e0000-0000-4000-8000-00000000d311"'
hcheck "its receivedAt is the POST time, its timestamp three weeks old" \
    bjq '.runs[0].receivedAt >= $t0 and .runs[0].receivedAt <= $t1 and .runs[0].timestamp == $old' \
    --arg t0 "$t0" --arg t1 "$t1" --arg old "$old"
expect_http 200 "GET /runs?since=7d&receivedSince=..." GET "/runs?since=7d&receivedSince=$(urlenc "$t0")"
hcheck "since and receivedSince AND (the late run is old)" bjq '.total == 0'
expect_http 200 "GET /runs?receivedSince=1h" GET "/runs?receivedSince=1h"
hcheck "receivedSince=1h: only the late run (the files are two hours old)" bjq '.total == 1'
expect_http 200 "GET /summary?receivedSince=..." GET "/summary?receivedSince=$(urlenc "$t0")"
hcheck "/summary counts it alone" bjq '.runs == 1'
expect 0 "list --received-since <before the POST>" report list --json --received-since "$t0" --reports-dir "$dir"
check "the CLI sees the same run" jq_ok '.total == 1 and .runs[0].runId == "1a7e0000-0000-4000-8000-00000000d311"'

# A report file copied in with an old file time: receivedAt is that time, and it is not
# "received since" t0; one copied now is.
day=$(ls "$dir" | grep -E '^[0-9]{4}-' | head -n 1)
jq '.runId = "2b8f0000-0000-4000-8000-00000000e422" | .timestamp = "2026-10-05T10:00:00Z"' \
    "$late" >"$TMP/copied.json"
cp "$TMP/copied.json" "$dir/$day/run-2b8f0000.json"
touch -d "2026-01-02T03:04:05Z" "$dir/$day/run-2b8f0000.json"
jq '.runId = "3c9a0000-0000-4000-8000-00000000f533" | .timestamp = "2026-10-06T10:00:00Z"' \
    "$late" >"$TMP/fresh.json"
cp "$TMP/fresh.json" "$dir/$day/run-3c9a0000.json"
seen=0
for ((i = 0; i < $(tmo 10) * 10; i++)); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/runs/2b8f0000")" = 200 ] &&
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/runs/3c9a0000")" = 200 ]; then
        seen=1
        break
    fi
    sleep 0.2
done
check "the server found the copied files" [ "$seen" = 1 ]
expect_http 200 "GET /runs?ci=true&project=acme/widgets&limit=1000" \
    GET "/runs?ci=true&project=acme/widgets&limit=1000"
hcheck "a copied file's receivedAt is its file time" \
    bjq '.runs[] | select(.runId == "2b8f0000-0000-4000-8000-00000000e422") | .receivedAt == "2026-01-02T03:04:05.000Z"'
expect_http 200 "GET /runs?receivedSince=<before the POST> again" GET "/runs?receivedSince=$(urlenc "$t0")"
hcheck "receivedSince: the late POST and the file copied now, not the old file" \
    bjq '[.runs[].runId] | sort == ["1a7e0000-0000-4000-8000-00000000d311", "3c9a0000-0000-4000-8000-00000000f533"]'
expect 0 "list --received-since after the copies" report list --json --received-since "$t0" --reports-dir "$dir"
check "the CLI agrees" jq_ok '[.runs[].runId] | sort == ["1a7e0000-0000-4000-8000-00000000d311", "3c9a0000-0000-4000-8000-00000000f533"]'

serve_stop main
openapi_finish
finish
