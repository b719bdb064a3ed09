#!/usr/bin/env python3
"""A minimal SMTP listener for the notification tests (standard library only).

Listens on 127.0.0.1 (port 0 = any free port, written to --port-file once listening).
Answers EHLO/HELO (advertising AUTH PLAIN LOGIN and 8BITMIME, never STARTTLS), AUTH
PLAIN and AUTH LOGIN (with or without an initial response), MAIL, RCPT, DATA, RSET,
NOOP and QUIT, and appends one JSON line per accepted message to --log:
  {"n": 1, "from": "a@x", "to": ["b@y"], "data": "<message, CRLF kept, dots unstuffed>",
   "auth": {"mechanism": "PLAIN", "user": "u", "password": "p"} | null,
   "crlf": true when every line of the message ended with CRLF, "t": <epoch seconds>}
--user/--password make AUTH check the credentials (535 on a mismatch); --reject
answers 550 at one stage (mail, rcpt or data) so failures can be tested.
It stops by itself after --lifetime seconds, or on SIGTERM/SIGINT.
"""
import argparse
import base64
import binascii
import json
import os
import signal
import socketserver
import sys
import threading
import time


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--user", default=None, help="accept only this AUTH user")
    p.add_argument("--password", default=None, help="accept only this AUTH password")
    p.add_argument("--reject", choices=["none", "mail", "rcpt", "data"], default="none")
    p.add_argument("--lifetime", type=float, default=60.0)
    return p.parse_args()


ARGS = parse_args()
LOCK = threading.Lock()
COUNT = [0]
MAX_LINE = 65536
MAX_DATA = 10 * 1024 * 1024


def b64text(s):
    try:
        return base64.b64decode(s.strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def address(arg, keyword):
    """The address of 'FROM:<a@b> SIZE=1' (keyword 'FROM'), or None."""
    head, sep, rest = arg.partition(":")
    if not sep or head.strip().upper() != keyword:
        return None
    rest = rest.strip()
    if rest.startswith("<"):
        end = rest.find(">")
        if end < 0:
            return None
        return rest[1:end]
    return rest.split(" ")[0]


class Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def send(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def readline(self):
        line = self.rfile.readline(MAX_LINE)
        if not line:
            raise EOFError
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def reset(self):
        self.mail_from = None
        self.rcpt = []

    def auth(self, arg):
        parts = arg.split(" ", 1)
        mech = parts[0].upper()
        initial = parts[1].strip() if len(parts) > 1 else None
        if mech == "PLAIN":
            if initial is None or initial == "=":
                self.send("334 ")
                initial = self.readline()
            if initial == "*":
                return self.send("501 5.0.0 authentication cancelled")
            text = b64text(initial)
            if text is None or text.count("\0") != 2:
                return self.send("501 5.5.2 cannot decode the PLAIN response")
            _, user, password = text.split("\0")
        elif mech == "LOGIN":
            if initial is None:
                self.send("334 VXNlcm5hbWU6")
                initial = self.readline()
            if initial == "*":
                return self.send("501 5.0.0 authentication cancelled")
            user = b64text(initial)
            self.send("334 UGFzc3dvcmQ6")
            answer = self.readline()
            if answer == "*":
                return self.send("501 5.0.0 authentication cancelled")
            password = b64text(answer)
            if user is None or password is None:
                return self.send("501 5.5.2 cannot decode the LOGIN response")
        else:
            return self.send("504 5.5.4 unrecognised authentication type")
        if (ARGS.user is not None and user != ARGS.user) or (
                ARGS.password is not None and password != ARGS.password):
            return self.send("535 5.7.8 authentication credentials invalid")
        self.auth_info = {"mechanism": mech, "user": user, "password": password}
        self.send("235 2.7.0 authentication successful")

    def data(self):
        if ARGS.reject == "data":
            return self.send("554 5.6.0 scripted rejection of the message")
        self.send("354 end data with <CR><LF>.<CR><LF>")
        raw = []
        size = 0
        crlf = True
        while True:
            line = self.rfile.readline(MAX_LINE)
            if not line:
                raise EOFError
            if line == b".\r\n" or line == b".\n":
                break
            if not line.endswith(b"\r\n"):
                crlf = False
            if line.startswith(b"."):
                line = line[1:]  # dot-unstuffing (RFC 5321 4.5.2)
            size += len(line)
            if size <= MAX_DATA:
                raw.append(line)
        with LOCK:
            COUNT[0] += 1
            n = COUNT[0]
            rec = {"n": n, "from": self.mail_from, "to": self.rcpt,
                   "data": b"".join(raw).decode("utf-8", "replace"),
                   "auth": self.auth_info, "crlf": crlf, "t": time.time()}
            with open(ARGS.log, "a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")
                f.flush()
        self.reset()
        self.send("250 2.0.0 queued as %d" % n)

    def handle(self):
        self.reset()
        self.auth_info = None
        try:
            self.send("220 aidf-smtp-sink ESMTP ready")
            while True:
                line = self.readline()
                verb, _, arg = line.partition(" ")
                verb = verb.upper()
                if verb == "EHLO":
                    self.send("250-aidf-smtp-sink greets %s" % arg.strip())
                    self.send("250-AUTH PLAIN LOGIN")
                    self.send("250-8BITMIME")
                    self.send("250 SIZE %d" % MAX_DATA)
                elif verb == "HELO":
                    self.send("250 aidf-smtp-sink")
                elif verb == "AUTH":
                    self.auth(arg)
                elif verb == "MAIL":
                    addr = address(arg, "FROM")
                    if addr is None:
                        self.send("501 5.5.4 syntax: MAIL FROM:<address>")
                    elif ARGS.reject == "mail":
                        self.send("550 5.7.1 scripted rejection of the sender")
                    else:
                        self.reset()
                        self.mail_from = addr
                        self.send("250 2.1.0 ok")
                elif verb == "RCPT":
                    addr = address(arg, "TO")
                    if self.mail_from is None:
                        self.send("503 5.5.1 need MAIL first")
                    elif addr is None:
                        self.send("501 5.5.4 syntax: RCPT TO:<address>")
                    elif ARGS.reject == "rcpt":
                        self.send("550 5.1.1 scripted rejection of the recipient")
                    else:
                        self.rcpt.append(addr)
                        self.send("250 2.1.5 ok")
                elif verb == "DATA":
                    if self.mail_from is None or not self.rcpt:
                        self.send("503 5.5.1 need MAIL and RCPT first")
                    else:
                        self.data()
                elif verb == "RSET":
                    self.reset()
                    self.send("250 2.0.0 ok")
                elif verb == "NOOP":
                    self.send("250 2.0.0 ok")
                elif verb == "QUIT":
                    self.send("221 2.0.0 bye")
                    return
                else:
                    self.send("502 5.5.2 command not implemented")
        except (EOFError, ConnectionError, OSError):
            return


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    srv = Server(("127.0.0.1", ARGS.port), Handler)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    th = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    th.start()
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.replace(tmp, ARGS.port_file)
    done.wait(ARGS.lifetime)
    srv.shutdown()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
