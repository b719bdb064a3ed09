#!/usr/bin/env python3
"""Check HTTP responses of `aidf serve` against api/openapi.yaml.

Usage:
  openapi_check.py [--spec FILE] check METHOD TARGET [STATUS] HEADERS BODY [--log LOG]
  openapi_check.py [--spec FILE] batch MANIFEST [--log LOG]
  openapi_check.py [--spec FILE] coverage LOG
  openapi_check.py [--spec FILE] lint [--doc docs/serve.md]

check     one response: METHOD and TARGET (path with optional query) of the request, the
          status (taken from the last status line of HEADERS when omitted, or given as
          "-"), HEADERS as written by `curl -D`, BODY the response body. Finds the
          operation (path templates; HEAD is checked as GET without a body; an unknown
          path against the spec's x-aidf-unknown-path response, a known path with another
          method against x-aidf-wrong-method and its Allow header), checks that the status
          is documented, that the Content-Type matches the documented media type (with its
          parameters), that required headers are present and match their schemas, and
          validates a JSON body (duplicate keys refused) against the response schema,
          resolving $refs into execution-report.schema.json. A body with
          Content-Encoding: gzip is decompressed first (unless curl --compressed already
          did); such a response must say Vary: Accept-Encoding, and one with an
          Access-Control-Allow-Origin other than * must say Vary: Origin. 304 and 204
          answers must have no body.
batch     the same for every line of MANIFEST: METHOD<TAB>TARGET<TAB>STATUS<TAB>HEADERS<TAB>BODY
          (STATUS may be "-"). Prints "ok"/"not ok" per line.
coverage  every operation of the spec (and the unknown-path and wrong-method responses)
          appears at least once in LOG (written by check/batch --log). Lists the documented
          (operation, status) pairs that were not seen, for information.
lint      the spec itself: local $refs resolve, every schema is a valid JSON Schema
          2020-12, every operation documents its responses; with --doc, the endpoints and
          error codes of docs/serve.md and of the spec are the same.

Exit status: 0 all good, 1 a check failed, 2 usage or spec errors.
Needs python3-yaml and python3-jsonschema (Debian packages).
"""

import gzip
import json
import os
import zlib
import re
import sys
import urllib.parse
import warnings

try:
    import yaml
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError as e:  # pragma: no cover
    sys.stderr.write("openapi_check: %s (apt-get install python3-yaml python3-jsonschema)\n" % e)
    sys.exit(2)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SPEC = os.path.normpath(os.path.join(HERE, "..", "..", "api", "openapi.yaml"))
UNKNOWN_PATH = "x-aidf-unknown-path"
WRONG_METHOD = "x-aidf-wrong-method"


class SpecError(Exception):
    pass


def _no_dupes(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise ValueError("duplicate key %r" % k)
        d[k] = v
    return d


def load_json_strict(data):
    """Parse JSON bytes: UTF-8, no duplicate keys, no NaN/Infinity."""
    text = data.decode("utf-8")

    def bad_const(c):
        raise ValueError("non-JSON constant %s" % c)

    return json.loads(text, object_pairs_hook=_no_dupes, parse_constant=bad_const)


class Spec:
    def __init__(self, path):
        self.path = os.path.abspath(path)
        try:
            with open(self.path, "rb") as f:
                loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
                self.doc = yaml.load(f, Loader=loader)
        except (OSError, yaml.YAMLError) as e:
            raise SpecError("cannot load %s: %s" % (path, e))
        if not isinstance(self.doc, dict) or not str(self.doc.get("openapi", "")).startswith("3.1"):
            raise SpecError("%s is not an OpenAPI 3.1 document" % path)
        self.base_uri = "file://" + urllib.parse.quote(self.path)
        self.store = {self.base_uri: self.doc}
        self._load_external(self.doc)
        self.resolver = self.new_resolver()
        # (method, template) of every operation, in document order.
        self.operations = []
        for tpl, item in (self.doc.get("paths") or {}).items():
            for m in METHODS:
                if m in item:
                    self.operations.append((m.upper(), tpl))

    def _load_external(self, node):
        """Load every schema file a relative $ref points to (and what those point to)."""
        todo = [(node, self.base_uri)]
        seen = set()
        while todo:
            n, base = todo.pop()
            if isinstance(n, dict):
                ref = n.get("$ref")
                if isinstance(ref, str) and not ref.startswith("#"):
                    url = urllib.parse.urljoin(base, ref).split("#", 1)[0]
                    if url not in self.store and url not in seen:
                        seen.add(url)
                        if not url.startswith("file://"):
                            raise SpecError("only local files may be referenced: %s" % ref)
                        fpath = urllib.parse.unquote(url[len("file://"):])
                        try:
                            with open(fpath, "rb") as f:
                                sub = json.load(f) if fpath.endswith(".json") else yaml.safe_load(f)
                        except (OSError, ValueError, yaml.YAMLError) as e:
                            raise SpecError("cannot load %s: %s" % (fpath, e))
                        self.store[url] = sub
                        if isinstance(sub, dict) and isinstance(sub.get("$id"), str):
                            self.store[sub["$id"].split("#", 1)[0]] = sub
                        todo.append((sub, url))
                todo.extend((v, base) for v in n.values())
            elif isinstance(n, list):
                todo.extend((v, base) for v in n)

    def deref(self, node):
        """Follow local $refs of non-schema objects (responses, headers, parameters)."""
        depth = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise SpecError("non-local $ref %s outside a schema" % ref)
            cur = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(cur, dict) or part not in cur:
                    raise SpecError("unresolvable $ref %s" % ref)
                cur = cur[part]
            node = cur
            depth += 1
            if depth > 20:
                raise SpecError("$ref loop at %s" % ref)
        return node

    def match_path(self, path):
        """The path template matching a raw (still percent-encoded) path, or None."""
        segs = path.split("/")
        best = None
        for tpl in (self.doc.get("paths") or {}):
            tsegs = tpl.split("/")
            if len(tsegs) != len(segs):
                continue
            literal = 0
            for t, s in zip(tsegs, segs):
                if t.startswith("{") and t.endswith("}"):
                    if s == "":
                        break
                elif t == s:
                    literal += 1
                else:
                    break
            else:
                # Prefer the template with the most literal segments (/runs/x vs /{a}/x).
                if best is None or literal > best[0]:
                    best = (literal, tpl)
        return best[1] if best else None

    def new_resolver(self):
        # RefResolver keeps a scope stack: one per validator, so that no state leaks
        # between checks. (Deprecated in jsonschema 4.18 in favour of `referencing`, but
        # Debian 12 ships 4.10, which has only this.)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return jsonschema.RefResolver(self.base_uri, self.doc, store=self.store)

    def validator(self, schema):
        return Draft202012Validator(schema, resolver=self.new_resolver())


def parse_headers(text):
    """Status and headers of the last response in a `curl -D` dump."""
    blocks = []
    cur = None
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith("HTTP/"):
            cur = {"status": None, "headers": []}
            blocks.append(cur)
            parts = line.split(None, 2)
            if len(parts) >= 2 and parts[1].isdigit():
                cur["status"] = int(parts[1])
        elif cur is not None and ":" in line:
            name, value = line.split(":", 1)
            cur["headers"].append((name.strip().lower(), value.strip()))
    # Skip interim 1xx responses (100 Continue).
    final = [b for b in blocks if b["status"] is None or b["status"] >= 200]
    if not final:
        return None, []
    return final[-1]["status"], final[-1]["headers"]


def parse_media_type(value):
    parts = [p.strip() for p in value.split(";")]
    essence = parts[0].lower()
    params = {}
    for p in parts[1:]:
        if not p:
            continue
        if "=" not in p:
            params[p.lower()] = ""
            continue
        k, v = p.split("=", 1)
        v = v.strip()
        if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
            v = v[1:-1]
        k = k.strip().lower()
        params[k] = v.lower() if k == "charset" else v
    return essence, params


def check_response(spec, method, target, status, headers_text, body, problems):
    """Append problems to the list; return the coverage key (operation) or None."""
    method = method.upper()
    got_status, headers = parse_headers(headers_text)
    if status is None:
        status = got_status
    elif got_status is not None and got_status != status:
        problems.append("status %s given but the headers say %s" % (status, got_status))
    if status is None:
        problems.append("no status line in the headers")
        return None
    hdr = {}
    for k, v in headers:
        hdr.setdefault(k, []).append(v)

    path = target.split("?", 1)[0].split("#", 1)[0]
    tpl = spec.match_path(path)
    op_method = "GET" if method == "HEAD" else method
    is_head = method == "HEAD"
    key = None
    if tpl is None:
        key = UNKNOWN_PATH
        response = spec.doc.get(UNKNOWN_PATH)
        if response is None:
            problems.append("no operation for path %s and no %s in the spec" % (path, UNKNOWN_PATH))
            return None
        responses = {"404": response}
    else:
        item = spec.doc["paths"][tpl]
        if op_method.lower() in item:
            op = item[op_method.lower()]
            key = "%s %s" % (op_method, tpl)
            responses = op.get("responses") or {}
        else:
            key = WRONG_METHOD
            response = spec.doc.get(WRONG_METHOD)
            if response is None:
                problems.append("no %s operation on %s and no %s" % (method, tpl, WRONG_METHOD))
                return None
            responses = {"405": response}
            allowed = {m.upper() for m in METHODS if m in item}
            if "GET" in allowed:
                allowed.add("HEAD")
            got_allow = hdr.get("allow")
            if got_allow:
                have = {m.strip().upper() for m in ",".join(got_allow).split(",") if m.strip()}
                if have != allowed:
                    problems.append("Allow: %s, want the methods %s"
                                    % (", ".join(got_allow), ", ".join(sorted(allowed))))

    resp = responses.get(str(status))
    if resp is None:
        resp = responses.get("%dXX" % (status // 100)) or responses.get("default")
    if resp is None:
        problems.append("status %d is not documented for %s (documented: %s)"
                        % (status, key, ", ".join(sorted(responses))))
        return key
    resp = spec.deref(resp)

    # Headers the response documents as required.
    for name, h in (resp.get("headers") or {}).items():
        h = spec.deref(h)
        values = hdr.get(name.lower())
        if not values:
            if h.get("required"):
                problems.append("missing header %s" % name)
            continue
        if len(values) > 1:
            problems.append("header %s repeated: %r" % (name, values))
        sch = h.get("schema")
        if sch is not None:
            for err in spec.validator(sch).iter_errors(values[0]):
                problems.append("header %s: %r: %s" % (name, values[0], err.message))

    vary = {v.strip().lower() for v in ",".join(hdr.get("vary", [])).split(",") if v.strip()}
    encoding = [v.strip().lower() for v in hdr.get("content-encoding", [])]
    if encoding and encoding != ["gzip"]:
        problems.append("Content-Encoding %r (only gzip is ever used)" % encoding)
    if encoding and "accept-encoding" not in vary:
        problems.append("gzipped answer without Vary: Accept-Encoding")
    acao = hdr.get("access-control-allow-origin", [])
    if acao and acao[0] != "*" and "origin" not in vary:
        problems.append("Access-Control-Allow-Origin %r without Vary: Origin" % acao[0])
    if acao and hdr.get("access-control-allow-credentials"):
        problems.append("Access-Control-Allow-Credentials is never sent")
    if status in (204, 304) and body and not is_head:
        problems.append("%d answer with a body (%d bytes)" % (status, len(body)))

    content = resp.get("content") or {}
    ctype = hdr.get("content-type")
    if not content:
        if body and not is_head:
            problems.append("response has a body but the spec documents none")
        return key
    if not ctype:
        problems.append("missing Content-Type (documented: %s)" % ", ".join(content))
        return key
    if len(ctype) > 1:
        problems.append("Content-Type repeated: %r" % ctype)
    got_ess, got_params = parse_media_type(ctype[0])
    media = None
    for mt in content:
        ess, params = parse_media_type(mt)
        if ess == got_ess and params == got_params:
            media = mt
            break
    if media is None:
        problems.append("Content-Type %r not documented (documented: %s)"
                        % (ctype[0], ", ".join(content)))
        return key
    if is_head:
        if body:
            problems.append("HEAD response has a body (%d bytes)" % len(body))
        return key
    cl = hdr.get("content-length")
    if encoding == ["gzip"]:
        if body[:2] == b"\x1f\x8b":
            if cl and cl[0].isdigit() and int(cl[0]) != len(body):
                problems.append("Content-Length %s but %d gzip bytes" % (cl[0], len(body)))
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError, zlib.error) as e:
                problems.append("Content-Encoding: gzip but the body is not gzip: %s" % e)
                return key
        # else curl --compressed decoded it already: the length is the wire's, not this.
    elif cl and cl[0].isdigit() and int(cl[0]) != len(body):
        problems.append("Content-Length %s but %d body bytes" % (cl[0], len(body)))
    schema = (content[media] or {}).get("schema")
    if schema is None:
        return key
    if got_ess == "application/json" or got_ess.endswith("+json"):
        try:
            instance = load_json_strict(body)
        except (UnicodeDecodeError, ValueError) as e:
            problems.append("body is not valid JSON: %s" % e)
            return key
    else:
        try:
            instance = body.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append("body is not UTF-8: %s" % e)
            return key
    errors = sorted(spec.validator(schema).iter_errors(instance), key=lambda e: list(e.path))
    for err in errors[:10]:
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        problems.append("body %s: %s" % (where, err.message[:300]))
    if len(errors) > 10:
        problems.append("... and %d more schema errors" % (len(errors) - 10))
    return key


def log_line(log, key, status, ok, method, target):
    if not log or key is None:
        return
    with open(log, "a", encoding="utf-8") as f:
        f.write("%s\t%s\t%s\t%s %s\n" % (key, status if status is not None else "-",
                                         "ok" if ok else "fail", method, target))


def read_file(p):
    with open(p, "rb") as f:
        return f.read()


def cmd_check(spec, args, log):
    if len(args) == 4:
        method, target, hfile, bfile = args
        status = None
    elif len(args) == 5:
        method, target, st, hfile, bfile = args
        status = None if st == "-" else int(st)
    else:
        raise SystemExit(usage(2))
    problems = []
    try:
        headers_text = read_file(hfile).decode("latin-1")
        body = read_file(bfile) if os.path.exists(bfile) else b""
    except OSError as e:
        print("not ok - %s %s: %s" % (method, target, e))
        return 1
    key = check_response(spec, method, target, status, headers_text, body, problems)
    st, _ = parse_headers(headers_text)
    log_line(log, key, status if status is not None else st, not problems, method, target)
    if problems:
        print("not ok - %s %s (%s)" % (method, target, key))
        for p in problems:
            print("#   " + p)
        return 1
    return 0


def cmd_batch(spec, args, log):
    if len(args) != 1:
        raise SystemExit(usage(2))
    bad = 0
    n = 0
    with open(args[0], encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 5:
                print("not ok - manifest line %d: want 5 tab-separated fields" % lineno)
                bad += 1
                continue
            n += 1
            method, target, st, hfile, bfile = fields
            problems = []
            try:
                headers_text = read_file(hfile).decode("latin-1")
                body = read_file(bfile) if os.path.exists(bfile) else b""
            except OSError as e:
                print("not ok - openapi: %s %s: %s" % (method, target, e))
                bad += 1
                continue
            status = None if st in ("-", "") else int(st)
            key = check_response(spec, method, target, status, headers_text, body, problems)
            got, _ = parse_headers(headers_text)
            log_line(log, key, status if status is not None else got, not problems, method, target)
            if problems:
                bad += 1
                print("not ok - openapi: %s %s -> %s (%s)" % (method, target, got, key))
                for p in problems:
                    print("#   " + p)
    print("# openapi: %d responses checked, %d failed" % (n, bad))
    return 1 if bad else 0


def cmd_coverage(spec, args):
    if len(args) != 1:
        raise SystemExit(usage(2))
    seen = {}
    try:
        with open(args[0], encoding="utf-8") as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if len(fields) >= 3:
                    seen.setdefault(fields[0], set()).add(fields[1])
    except OSError as e:
        print("not ok - coverage: %s" % e)
        return 1
    missing = []
    wanted = ["%s %s" % op for op in spec.operations]
    if UNKNOWN_PATH in spec.doc:
        wanted.append(UNKNOWN_PATH)
    if WRONG_METHOD in spec.doc:
        wanted.append(WRONG_METHOD)
    for key in wanted:
        if key not in seen:
            missing.append(key)
    # Documented statuses never seen: information only.
    for m, tpl in spec.operations:
        key = "%s %s" % (m, tpl)
        for st in (spec.doc["paths"][tpl][m.lower()].get("responses") or {}):
            if st not in seen.get(key, set()):
                print("# coverage: %s %s not exercised" % (key, st))
    for key in missing:
        print("not ok - coverage: operation %s never exercised" % key)
    print("# coverage: %d of %d operations exercised" % (len(wanted) - len(missing), len(wanted)))
    return 1 if missing else 0


def walk_schemas(spec):
    """Yield (where, schema) for every schema object in the spec."""
    doc = spec.doc
    for name, s in ((doc.get("components") or {}).get("schemas") or {}).items():
        yield "components/schemas/" + name, s
    for name, p in ((doc.get("components") or {}).get("parameters") or {}).items():
        if "schema" in p:
            yield "components/parameters/%s/schema" % name, p["schema"]
    for name, h in ((doc.get("components") or {}).get("headers") or {}).items():
        if "schema" in h:
            yield "components/headers/%s/schema" % name, h["schema"]
    for m, tpl in spec.operations:
        op = doc["paths"][tpl][m.lower()]
        rb = spec.deref(op.get("requestBody") or {})
        for mt, c in (rb.get("content") or {}).items():
            if "schema" in c:
                yield "%s %s request %s" % (m, tpl, mt), c["schema"]
        for st, r in (op.get("responses") or {}).items():
            r = spec.deref(r)
            for mt, c in (r.get("content") or {}).items():
                if "schema" in c:
                    yield "%s %s %s %s" % (m, tpl, st, mt), c["schema"]


def cmd_lint(spec, args):
    doc_path = None
    if args[:1] == ["--doc"] and len(args) == 2:
        doc_path = args[1]
    elif args:
        raise SystemExit(usage(2))
    problems = []

    # Every local $ref anywhere resolves.
    def refs(n, where):
        if isinstance(n, dict):
            r = n.get("$ref")
            if isinstance(r, str):
                try:
                    spec.new_resolver().resolve(r)
                except Exception as e:  # noqa: BLE001 - report any resolution failure
                    problems.append("%s: $ref %s: %s" % (where, r, e))
            for k, v in n.items():
                refs(v, where + "/" + str(k))
        elif isinstance(n, list):
            for i, v in enumerate(n):
                refs(v, "%s/%d" % (where, i))

    refs(spec.doc, "#")
    for where, s in walk_schemas(spec):
        try:
            Draft202012Validator.check_schema(s)
        except jsonschema.SchemaError as e:
            problems.append("%s: invalid schema: %s" % (where, e.message))
        try:  # resolve every $ref reachable from it by validating a dummy instance
            for _ in spec.validator(s).iter_errors({}):
                pass
        except Exception as e:  # noqa: BLE001 - RefResolutionError, or Unresolvable in 4.18+
            problems.append("%s: %s" % (where, e))
    for m, tpl in spec.operations:
        op = spec.doc["paths"][tpl][m.lower()]
        if not op.get("operationId"):
            problems.append("%s %s: no operationId" % (m, tpl))
        if not op.get("responses"):
            problems.append("%s %s: no responses" % (m, tpl))
        for name in re.findall(r"{([^}]+)}", tpl):
            params = [spec.deref(p) for p in op.get("parameters", [])]
            if not any(p.get("in") == "path" and p.get("name") == name for p in params):
                problems.append("%s %s: path parameter %s not described" % (m, tpl, name))

    if doc_path:
        with open(doc_path, encoding="utf-8") as f:
            text = f.read()
        doc_ops = set(re.findall(r"^### `(GET|POST|PUT|DELETE|PATCH) (/[^`]*)`", text, re.M))
        # OPTIONS (the CORS preflight) is documented once for every path, not per endpoint.
        spec_ops = {op for op in spec.operations if op[0] != "OPTIONS"}
        for op in sorted(doc_ops - spec_ops):
            problems.append("%s %s is in %s but not in the spec" % (op[0], op[1], doc_path))
        for op in sorted(spec_ops - doc_ops):
            problems.append("%s %s is in the spec but not in %s" % (op[0], op[1], doc_path))
        doc_codes = set(re.findall(r"\b[45]\d\d `?([a-z]+(?:_[a-z]+)*)`?", text))
        try:
            spec_codes = set(spec.doc["components"]["schemas"]["Error"]["properties"]["error"]
                             ["properties"]["code"]["enum"])
        except (KeyError, TypeError):
            spec_codes = set()
            problems.append("components/schemas/Error has no error.code enum")
        for c in sorted(doc_codes - spec_codes):
            problems.append("error code %s is in %s but not in the spec" % (c, doc_path))
        for c in sorted(spec_codes - doc_codes):
            problems.append("error code %s is in the spec but not in %s" % (c, doc_path))

    for p in problems:
        print("not ok - lint: " + p)
    print("# lint: %d operations, %d problems" % (len(spec.operations), len(problems)))
    return 1 if problems else 0


def usage(code):
    sys.stderr.write(__doc__.split("\n\n", 2)[1] + "\n")
    return code


def main(argv):
    spec_path = os.environ.get("AIDF_OPENAPI", DEFAULT_SPEC)
    log = None
    args = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a == "--spec" and i + 1 < len(argv):
            spec_path = argv[i + 1]
            i += 2
        elif a == "--log" and i + 1 < len(argv):
            log = argv[i + 1]
            i += 2
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            args.append(a)
            i += 1
    if not args:
        return usage(2)
    try:
        spec = Spec(spec_path)
        cmd, rest = args[0], args[1:]
        if cmd == "check":
            return cmd_check(spec, rest, log)
        if cmd == "batch":
            return cmd_batch(spec, rest, log)
        if cmd == "coverage":
            return cmd_coverage(spec, rest)
        if cmd == "lint":
            return cmd_lint(spec, rest)
        return usage(2)
    except SpecError as e:
        sys.stderr.write("openapi_check: %s\n" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
