"""Logging without a system call per request (issue 14).

A program's request lines go through a buffer (lib/base/log.h): they reach
its log within about a second of the request, even when the worker then
stays idle, and at its exit (SIGTERM); warnings and program events at
once.  And scripts/run's follower (contract §1): with AMOBILL_FOLLOW=0
there is none, only the URLs; with it, it shows a program's start-up line
but not a line per request."""
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest

from stack import ROOT, VAR, Client, eventually, stack
from test_operations import free_port

# The shape of a request line (lib/rt/server.c), as scripts/run's filter.
REQUEST = re.compile(r"^[A-Za-z0-9_.-]+\[[0-9]+\]: [A-Z]+ .* [0-9]{3} [0-9]+us$")


def log_lines(program, var=VAR):
    with open(os.path.join(var, "log", program + ".log"), encoding="utf-8",
              errors="replace") as f:
        return f.read().splitlines()


def count(program, needle, var=VAR):
    return sum(1 for l in log_lines(program, var) if needle in l)


class RequestLines(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # Lines of the tests before this file may still be in a worker's
        # buffer for up to about 1.25 s (a second old, checked every
        # 250 ms): let them land before anything is counted.
        time.sleep(1.5)

    def test_an_idle_workers_lines_appear_within_a_second(self):
        needle = "]: POST /api/v1/widgets "
        before = count("catalogue", needle)
        t0 = time.monotonic()
        status = Client().request("POST", "/api/v1/widgets", body=b"a=1").status
        self.assertEqual(status, 405)
        if time.monotonic() - t0 < 0.5:
            # Buffered, not written at once.
            self.assertEqual(count("catalogue", needle), before)
        # Nothing else comes to this worker: its timer writes the line.
        self.assertTrue(eventually(lambda: count("catalogue", needle) == before + 1,
                                   1.5 - (time.monotonic() - t0)))
        line = [l for l in log_lines("catalogue") if needle in l][-1]
        self.assertRegex(line, REQUEST)

    def test_a_burst_of_lines_all_there(self):
        # Each worker has its own buffer, so the file holds each worker's
        # lines in its order (tests/unit/test_log.c), not one global order.
        c = Client()
        paths = ["/api/v1/widgets", "/api/v1/license/key"] * 4
        program = {"/api/v1/widgets": "catalogue", "/api/v1/license/key": "license-check"}
        before = {p: count(program[p], "]: GET %s 200 " % p) for p in paths}
        t0 = time.monotonic()
        for p in paths:
            self.assertEqual(c.get(p).status, 200)

        def all_there():
            return all(count(program[p], "]: GET %s 200 " % p) == before[p] + 4
                       for p in before)
        self.assertTrue(eventually(all_there, 1.5 - (time.monotonic() - t0) + 0.5))

    def test_lines_written_at_sigterm(self):
        # legal: a request, then at once a stop; the line is in its log
        # once it has stopped, whether or not the second had passed.
        needle = "]: GET /payment-policy "
        try:
            # Lines of earlier tests may still be in its buffer: a
            # stop writes them, so the count starts from a settled log.
            stack("stop", "legal")
            stack("start", "legal")
            before = count("legal", needle)
            self.assertEqual(Client().get("/payment-policy").status, 200)
            stack("stop", "legal")
            self.assertEqual(count("legal", needle), before + 1)
        finally:
            stack("start", "legal")

    def test_a_warning_is_written_at_once(self):
        # A program's events are not buffered: "listening" is in the log
        # as soon as the program answers.
        needle = "]: listening with "
        before = count("legal", needle)
        stack("stop", "legal")
        stack("start", "legal")
        self.assertEqual(Client().get("/payment-policy").status, 200)
        self.assertEqual(count("legal", needle), before + 1)


def descendants(root):
    """pid -> comm of the live processes below root."""
    parent, comm = {}, {}
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/stat") as f:
                s = f.read()
        except OSError:
            continue
        fields = s[s.rindex(")") + 2:].split()
        if fields[0] != "Z":
            pid = int(d[6:])
            parent[pid] = int(fields[1])
            comm[pid] = s[s.index("(") + 1:s.rindex(")")]
    out = {}
    for pid in parent:
        p = pid
        while p in parent and p not in (root, 1, 0):
            p = parent[p]
        if p == root and pid != root:
            out[pid] = comm[pid]
    return out


class Follower(unittest.TestCase):
    """Two scripts/run of its own, one after the other on one data folder:
    without and with the follower."""

    @classmethod
    def setUpClass(cls):
        cls.var = tempfile.mkdtemp(prefix="amobill-log.", dir="/tmp")
        cls.port = free_port()
        env = {k: v for k, v in os.environ.items()
               if k not in ("AMOBILL_CONFIG", "PGHOST", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                            "AMOBILL_VAR", "AMOBILL_PORT", "AMOBILL_SMTP_PORT",
                            "AMOBILL_FOLLOW")}
        env.update(AMOBILL_VAR=cls.var, AMOBILL_PORT=str(cls.port),
                   AMOBILL_SMTP_PORT=str(free_port()),
                   AMOBILL_BUILD=os.path.join(ROOT, "build"), SANITIZE="0",
                   AMOBILL_WORKERS="1")
        cls.env = env
        cls.proc = None

    @classmethod
    def tearDownClass(cls):
        cls.stop()
        subprocess.run([os.path.join(ROOT, "scripts", "stack"), "down"], env=cls.env,
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
        shutil.rmtree(cls.var, ignore_errors=True)

    @classmethod
    def start(cls, **env):
        cls.lines = []
        cls.proc = subprocess.Popen([os.path.join(ROOT, "scripts", "run")],
                                    env=dict(cls.env, **env), stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, start_new_session=True)

        def read(proc, lines):
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
        threading.Thread(target=read, args=(cls.proc, cls.lines), daemon=True).start()
        up = eventually(lambda: any("amobill is running" in l for l in cls.lines)
                        or cls.proc.poll() is not None, 300)
        assert up and cls.proc.poll() is None, "scripts/run did not start:\n" + \
            "\n".join(cls.lines[-40:])

    @classmethod
    def stop(cls):
        if cls.proc is not None and cls.proc.poll() is None:
            cls.proc.send_signal(signal.SIGTERM)
            try:
                cls.proc.wait(90)
            except subprocess.TimeoutExpired:
                cls.proc.kill()
                cls.proc.wait(10)
        if cls.proc is not None:
            cls.proc.stdout.close()
        cls.proc = None

    def part(self, *args):
        r = subprocess.run([os.path.join(ROOT, "scripts", "stack")] + list(args),
                           env=self.env, stdin=subprocess.DEVNULL, capture_output=True,
                           text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)

    def get(self, path):
        import urllib.request
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path),
                                    timeout=10) as r:
            return r.status

    def test_a_no_follower(self):
        self.start(AMOBILL_FOLLOW="0")
        try:
            self.assertTrue(any("http://127.0.0.1:%d/" % self.port in l for l in self.lines),
                            self.lines)
            kids = descendants(self.proc.pid)
            self.assertNotIn("tail", kids.values(), kids)
            self.assertNotIn("grep", kids.values(), kids)
            self.assertEqual(self.get("/api/v1/license/key"), 200)
            time.sleep(1.5)
            self.assertFalse([l for l in self.lines if "license-check[" in l], self.lines)
        finally:
            self.stop()

    def test_b_the_follower_shows_events_not_requests(self):
        self.start()
        try:
            # The follower starts with the URLs, not necessarily before them.
            self.assertTrue(eventually(lambda: "tail" in descendants(self.proc.pid).values(),
                                       5), descendants(self.proc.pid))
            # A program started while it follows: its start-up line shows.
            self.part("stop", "legal")
            self.part("start", "legal")
            self.assertTrue(eventually(lambda: any(
                re.match(r"^legal\[\d+\]: listening with 1 workers$", l)
                for l in self.lines), 5), self.lines)
            # A request: its line is in the log, not on the follower's output.
            self.assertEqual(self.get("/payment-policy"), 200)
            self.assertTrue(eventually(
                lambda: count("legal", "]: GET /payment-policy 200 ", self.var) == 1, 3))
            time.sleep(0.5)
            self.assertFalse([l for l in self.lines if REQUEST.match(l)], self.lines)
            self.assertFalse([l for l in self.lines if "payment-policy" in l], self.lines)
        finally:
            self.stop()


if __name__ == "__main__":
    unittest.main()
