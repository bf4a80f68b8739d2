#!/usr/bin/env python3
"""Simulated annotators against a running Label Studio: the same loop as Mudou's dispatch bench.

Each annotator is a thread with its own user and token (threads sharing a user are all handed the
same locked task) and loops flat out: `GET /api/projects/{id}/next/`, then
`POST /api/tasks/{task}/annotations/?project={id}` with one choice. About 1% of the POSTs are sent
a second time with the same body, as a browser does when the first answer was lost to a timeout;
Mudou's bench does the same and must store such a label once.

Afterwards it reads Label Studio's own SQLite database (read-only) for what was stored: tasks with
more annotations than the overlap, tasks where one user has two annotations, annotations stored
against annotations acknowledged.

Standard library only (urllib), so it runs under any Python 3.

The last line is `ls_labels_per_s=N next_p99_ms=M submit_p99_ms=M errors=E over=O dup=D`.
"""

import argparse
import http.client
import json
import os
import random
import sqlite3
import threading
import time
import urllib.parse

LABELS = ["a", "b", "c", "d"]


def pct(v, p):
    if not v:
        return float("nan")
    v = sorted(v)
    return v[round((len(v) - 1) * p)]


class Conn:
    """One keep-alive HTTP connection per annotator, as a browser tab holds."""

    def __init__(self, url, token, timeout):
        u = urllib.parse.urlparse(url)
        self.host, self.port = u.hostname, u.port
        self.timeout = timeout
        self.headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
        self.c = None

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(2):
            if self.c is None:
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.c.request(method, path, body=data, headers=self.headers)
                r = self.c.getresponse()
                raw = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.c.close()
                    self.c = None
                return r.status, raw
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection: open a new one, once.
                self.c.close()
                self.c = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")


class Stats:
    def __init__(self):
        self.next = []
        self.submit = []
        self.labels = 0
        self.nothing = 0
        self.posts_ok = 0  # every POST answered 201, retries included
        self.retries = 0
        self.retries_stored = 0  # the retried POST answered 201 too
        self.errors = {}

    def error(self, what):
        self.errors[what] = self.errors.get(what, 0) + 1

    def merge(self, o):
        self.next += o.next
        self.submit += o.submit
        self.labels += o.labels
        self.nothing += o.nothing
        self.posts_ok += o.posts_ok
        self.retries += o.retries
        self.retries_stored += o.retries_stored
        for k, n in o.errors.items():
            self.errors[k] = self.errors.get(k, 0) + n


def annotator(url, project, token, deadline, retry_share, seed, timeout, st):
    rng = random.Random(seed)
    conn = Conn(url, token, timeout)
    while time.monotonic() < deadline:
        t0 = time.monotonic()
        try:
            status, raw = conn.request("GET", f"/api/projects/{project}/next/")
        except Exception as e:  # timeouts, refused connections: counted, then go on
            st.error(f"next {type(e).__name__}")
            conn.c = None
            continue
        if status == 404:
            st.nothing += 1
            time.sleep(0.05)
            continue
        if status != 200:
            st.error(f"next {status}")
            continue
        st.next.append((time.monotonic() - t0) * 1000)
        task = json.loads(raw)
        body = {
            "result": [
                {
                    "from_name": "choice",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": [rng.choice(LABELS)]},
                }
            ],
            "lead_time": rng.uniform(1.5, 6.0),
        }
        retry = rng.random() < retry_share
        if retry:
            st.retries += 1
        t1 = time.monotonic()
        for attempt in range(1 + retry):
            try:
                status, raw = conn.request(
                    "POST", f"/api/tasks/{task['id']}/annotations/?project={project}", body
                )
            except Exception as e:
                st.error(f"annotation {type(e).__name__}")
                conn.c = None
                continue
            if status == 201:
                st.posts_ok += 1
                if attempt == 0:
                    st.submit.append((time.monotonic() - t1) * 1000)
                    st.labels += 1
                else:
                    st.retries_stored += 1
            else:
                st.error(f"annotation {status} on attempt {attempt}")


def tree_peak_rss_mib(pid):
    """Peak resident memory (VmHWM) of the server process and its children, summed, in MiB."""
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    kib = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        kib += int(line.split()[1])
        except OSError:
            pass
    return kib / 1024 if kib else float("nan")


def check(db, project, overlap):
    """What Label Studio stored, read straight from its SQLite file."""
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60)
    q = lambda sql: c.execute(sql, (project,)).fetchall()  # noqa: E731
    tasks = q("SELECT COUNT(*) FROM task WHERE project_id = ?")[0][0]
    per_task = q(
        "SELECT task_id, COUNT(*) FROM task_completion WHERE project_id = ? AND was_cancelled = 0 "
        "GROUP BY task_id"
    )
    stored = sum(n for _, n in per_task)
    touched = len(per_task)
    full = sum(1 for _, n in per_task if n >= overlap)
    over = [n for _, n in per_task if n > overlap]
    dups = q(
        "SELECT task_id, completed_by_id, COUNT(*) FROM task_completion WHERE project_id = ? "
        "GROUP BY task_id, completed_by_id HAVING COUNT(*) > 1"
    )
    c.close()
    return {
        "tasks": tasks,
        "tasks_labelled": touched,
        "tasks_full": full,
        "stored": stored,
        "over": len(over),
        "over_extra": sum(n - overlap for n in over),
        "over_max": max(over, default=0),
        "dup_tasks": len(dups),
        "dup_extra": sum(n - 1 for _, _, n in dups),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--project", type=int, required=True)
    ap.add_argument("--tokens", required=True, help="JSON list of annotator tokens")
    ap.add_argument("--annotators", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--overlap", type=int, default=3)
    ap.add_argument("--retry-share", type=float, default=0.01)
    ap.add_argument("--timeout", type=float, default=120, help="client timeout per request, s")
    ap.add_argument("--pid", type=int, help="the server's pid, for its peak RSS")
    ap.add_argument("--db", help="Label Studio's SQLite file, for the check")
    ap.add_argument("--json-out", help="write the figures here as JSON")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()

    tokens = json.load(open(a.tokens))
    if len(tokens) < a.annotators:
        raise SystemExit(f"{a.annotators} annotators but only {len(tokens)} tokens")
    stats = [Stats() for _ in range(a.annotators)]
    t0 = time.monotonic()
    deadline = t0 + a.seconds
    threads = [
        threading.Thread(
            target=annotator,
            args=(a.url, a.project, tokens[i], deadline, a.retry_share, a.seed * 1000 + i,
                  a.timeout, stats[i]),
            daemon=True,
        )
        for i in range(a.annotators)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    secs = time.monotonic() - t0
    st = Stats()
    for s in stats:
        st.merge(s)

    rate = st.labels / secs
    print(f"== label studio: {a.annotators} annotators, no pause, {secs:.1f} s, overlap {a.overlap}")
    print(f"  labels {st.labels} ({rate:.2f}/s = next+annotation cycles/s), "
          f"next answered nothing {st.nothing}")
    print("  latency (ms)      n       p50      p95      p99      max")
    for name, v in [("next", st.next), ("annotation", st.submit)]:
        print(f"  {name:<15}{len(v):>6} {pct(v, .5):>8.1f} {pct(v, .95):>8.1f} "
              f"{pct(v, .99):>8.1f} {pct(v, 1):>8.1f}")
    n_err = sum(st.errors.values())
    print(f"  errors: {n_err} {sorted(st.errors.items()) if st.errors else ''}".rstrip())
    print(f"  retried POSTs {st.retries}, of which the retry was stored again (201) {st.retries_stored}")
    rss = tree_peak_rss_mib(a.pid) if a.pid else float("nan")
    print(f"== server peak RSS {rss:.0f} MiB")
    out = {
        "annotators": a.annotators,
        "seconds": secs,
        "labels": st.labels,
        "labels_per_s": rate,
        "next_p50_ms": pct(st.next, .5),
        "next_p95_ms": pct(st.next, .95),
        "next_p99_ms": pct(st.next, .99),
        "submit_p50_ms": pct(st.submit, .5),
        "submit_p95_ms": pct(st.submit, .95),
        "submit_p99_ms": pct(st.submit, .99),
        "errors": n_err,
        "error_kinds": st.errors,
        "retries": st.retries,
        "retries_stored": st.retries_stored,
        "posts_acknowledged": st.posts_ok,
        "peak_rss_mib": rss,
    }
    if a.db:
        ck = check(a.db, a.project, a.overlap)
        out.update(ck)
        share = ck["over"] / ck["tasks_labelled"] if ck["tasks_labelled"] else 0.0
        out["over_share"] = share
        print(
            f"== check (Label Studio's database): tasks labelled {ck['tasks_labelled']} "
            f"(at or past the overlap {ck['tasks_full']}), over the overlap {ck['over']} "
            f"({100 * share:.1f}% of labelled tasks, {ck['over_extra']} annotations too many, "
            f"at most {ck['over_max']} on one task), tasks with one user twice {ck['dup_tasks']} "
            f"({ck['dup_extra']} phantom annotations), annotations acknowledged "
            f"{st.posts_ok}, stored {ck['stored']}"
        )
    if a.json_out:
        with open(a.json_out, "w") as f:
            json.dump(out, f, indent=1)
    print(f"ls_labels_per_s={rate:.2f} next_p99_ms={out['next_p99_ms']:.0f} "
          f"submit_p99_ms={out['submit_p99_ms']:.0f} errors={n_err} "
          f"over={out.get('over', 'na')} dup={out.get('dup_tasks', 'na')}")


if __name__ == "__main__":
    main()
