#!/usr/bin/env python3
"""A scripted HTTP receiver for the push and webhook end-to-end tests.

Listens on 127.0.0.1 (port 0 = any free port, written to --port-file once listening),
answers every request with the next status of --statuses (the last one repeats), and
appends one JSON line per request to --log:
  {"n": 1, "method": "POST", "path": "/runs", "headers": {lower-case name: value},
   "body": "<text>", "t": <arrival time, epoch seconds>, "sigValid": true|false|null}
With --secret it checks the Standard Webhooks signature itself (hmac/hashlib/base64,
independent of aidf) and records the verdict in "sigValid".
It stops by itself after --lifetime seconds, or on SIGTERM/SIGINT.
"""
import argparse
import base64
import email.utils
import hashlib
import hmac
import json
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--statuses", default="201", help="comma-separated, e.g. 503,503,201")
    p.add_argument("--retry-after", default=None,
                   help="Retry-After on 429/503 answers: seconds, or date:N for an HTTP-date N s ahead")
    p.add_argument("--delay", type=float, default=0.0, help="seconds to wait before answering")
    p.add_argument("--secret", default=None, help="whsec_... secret to verify signatures with")
    p.add_argument("--lifetime", type=float, default=60.0)
    return p.parse_args()


ARGS = parse_args()
STATUSES = [int(s) for s in ARGS.statuses.split(",") if s.strip()]
LOCK = threading.Lock()
COUNT = [0]


def verify(headers, body):
    if not ARGS.secret:
        return None
    sec = ARGS.secret
    key = base64.b64decode(sec[len("whsec_"):]) if sec.startswith("whsec_") else sec.encode()
    msg_id = headers.get("webhook-id")
    ts = headers.get("webhook-timestamp")
    sigs = headers.get("webhook-signature")
    if not msg_id or not ts or not sigs:
        return False
    signed = msg_id.encode() + b"." + ts.encode() + b"." + body
    want = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for s in sigs.split(" "):
        version, _, value = s.partition(",")
        if version == "v1" and hmac.compare_digest(value, want):
            return True
    return False


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def handle_any(self):
        t = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        with LOCK:
            COUNT[0] += 1
            n = COUNT[0]
            status = STATUSES[min(n, len(STATUSES)) - 1]
            rec = {"n": n, "method": self.command, "path": self.path, "headers": headers,
                   "body": body.decode("utf-8", "replace"), "t": t,
                   "sigValid": verify(headers, body)}
            with open(ARGS.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")
                f.flush()
        if ARGS.delay > 0:
            time.sleep(ARGS.delay)
        if 200 <= status < 300:
            try:
                run_id = json.loads(body).get("runId", "")
            except (ValueError, AttributeError):
                run_id = ""
            out = json.dumps({"runId": run_id, "file": "x/run-%s.json" % run_id[:8]}).encode()
        else:
            out = json.dumps({"error": {"code": "scripted", "message": "scripted %d" % status}}).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            if status == 201:
                self.send_header("Location", "/runs/" + run_id)
            if status in (429, 503) and ARGS.retry_after is not None:
                ra = ARGS.retry_after
                if ra.startswith("date:"):
                    ra = email.utils.formatdate(time.time() + float(ra[5:]), usegmt=True)
                self.send_header("Retry-After", ra)
            self.end_headers()
            self.wfile.write(out)
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    srv.daemon_threads = True
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    th = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    th.start()
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.replace(tmp, ARGS.port_file)
    done.wait(ARGS.lifetime)
    srv.shutdown()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
