#!/usr/bin/env python3
"""Fuzzes the API with schemathesis, as each role, against `mudou demo`.

Starts the demo (its own data folder, a free port), logs in as the admin, a lead, a client
and an annotator on an enrolled device, then runs schemathesis against
/api/openapi.json once per role with that role's cookies. A run fails on any 5xx, any
status or content type the document does not list, and any answer that breaks its schema (an
error's `code` outside the `ErrorCode` enum, the server's one table of codes, included).

    python3 ops/fuzz/fuzz.py --bin target/debug/mudou --seconds 60
"""

import argparse
import http.cookiejar
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

# Routes that end or change the caller's own session or device: the walker would log
# itself out (they are covered by the integration tests).
EXCLUDED_PATHS = [
    "/api/v1/auth/logout",
    "/api/v1/auth/login",
    "/api/v1/auth/pin",
    "/api/v1/device",
    "/api/v1/device/claim",
    "/api/v1/devices/enroll",
    "/api/v1/admin/users/{id}/disable",
    "/metrics",
]
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.http = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Origin", self.base)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with self.http.open(req, timeout=30) as r:
            text = r.read().decode()
            return json.loads(text) if text else None

    def cookie_header(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def wait_ready(base, proc, seconds=240):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            sys.exit(f"fuzz: the demo exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit("fuzz: the demo did not become ready")


def logins(base):
    roles = {}
    for role, user, password in [
        ("admin", "admin", "mudou-admin"),
        ("lead", "lead", "mudou-lead"),
        ("client", "client", "mudou-client"),
    ]:
        s = Session(base)
        s.call("POST", "/api/v1/auth/login", {"username": user, "password": password})
        roles[role] = s
    # An annotator taps their name on a device the lead enrolled.
    pc = Session(base)
    pc.call("POST", "/api/v1/auth/login", {"username": "lead", "password": "mudou-lead"})
    pc.call("POST", "/api/v1/devices/enroll", {"name": "fuzz"})
    pc.call("POST", "/api/v1/auth/logout", {})
    roster = pc.call("GET", "/api/v1/device/roster")
    first = next(a for a in roster["annotators"] if a["display_name"] == "王芳")
    pc.call("POST", "/api/v1/auth/pin", {"user_id": first["id"], "pin": "1111"})
    roles["annotator"] = pc
    return roles


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True, help="the mudou binary")
    ap.add_argument("--seconds", type=int, default=60, help="schemathesis time per role")
    ap.add_argument("--roles", default="client,lead,annotator,admin")
    args = ap.parse_args()
    st = shutil.which("schemathesis") or shutil.which("st")
    if not st:
        sys.exit("fuzz: schemathesis is not installed (python3 -m pip install schemathesis)")
    data = tempfile.mkdtemp(prefix="mudou-fuzz-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(os.path.join(data, "demo.log"), "w")
    demo = subprocess.Popen(
        [args.bin, "demo", "--listen", f"127.0.0.1:{port}", "--data-dir", os.path.join(data, "d")],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    failed = []
    try:
        wait_ready(base, demo)
        roles = logins(base)
        for role in args.roles.split(","):
            cmd = [st, "run", base + "/api/openapi.json",
                   "-H", f"Cookie: {roles[role].cookie_header()}",
                   "-H", f"Origin: {base}",
                   "--checks", CHECKS,
                   "--max-time", str(args.seconds),
                   # One worker: CPython 3.11.7's ast.parse, which hypothesis calls to describe
                   # its strategies, fails now and then when two threads parse at once.
                   "--workers", "1",
                   "--request-timeout", "30",
                   "--warnings", "off",
                   "--no-color"]
            for p in EXCLUDED_PATHS:
                cmd += ["--exclude-path", p]
            print(f"fuzz: {role}: {args.seconds} s", flush=True)
            r = subprocess.run(cmd, timeout=args.seconds * 3 + 120, cwd=data)
            print(f"fuzz: {role}: {'passed' if r.returncode == 0 else 'FAILED'}", flush=True)
            if r.returncode != 0:
                failed.append(role)
    finally:
        demo.terminate()
        try:
            demo.wait(30)
        except subprocess.TimeoutExpired:
            demo.kill()
        log.close()
        if demo.returncode not in (0, -15, None):
            print(open(os.path.join(data, "demo.log")).read()[-4000:])
        shutil.rmtree(data, ignore_errors=True)
    passed = len(args.roles.split(",")) - len(failed)
    print(f"fuzz: {passed} passed, {len(failed)} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
