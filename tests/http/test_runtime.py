"""The runtime under stress: PostgreSQL restarting, a program told to
stop in the middle of a request, a worker dying, and what the logs say."""
import glob
import os
import signal
import subprocess
import threading
import time
import unittest

from stack import VAR, Client, eventually, pid, register, registration, stack


def children(parent):
    out = subprocess.run(["pgrep", "-P", str(parent)], capture_output=True, text=True)
    return sorted(int(p) for p in out.stdout.split())


class Database(unittest.TestCase):
    def test_503_while_postgresql_is_down_then_normal_service(self):
        c, form = register()
        self.assertEqual(c.get("/account").status, 200)
        stack("pg-stop")
        try:
            t0 = time.monotonic()
            for path in ("/account", "/offer"):
                r = c.get(path)
                self.assertEqual(r.status, 503, path)
                self.assertEqual(r.json()["error"], "unavailable")
            self.assertLess(time.monotonic() - t0, 5)
            r = Client(json_api=True).post("/register", registration())
            self.assertEqual(r.status, 503)
        finally:
            stack("pg-start")
        # The very first request after the restart succeeds: every worker
        # notices its dead connection and reconnects before using it.
        for _ in range(4):
            self.assertEqual(c.get("/account").status, 200)
        self.assertEqual(Client(json_api=True).post("/register", registration()).status, 201)


class Signals(unittest.TestCase):
    def test_sigterm_lets_the_request_in_hand_finish(self):
        parent = pid("register")
        result = {}

        def slow_registration():
            # Registration hashes the password (about half a second).
            result["r"] = Client(json_api=True).post("/register", registration())

        try:
            t = threading.Thread(target=slow_registration)
            t.start()
            time.sleep(0.2)
            os.kill(parent, signal.SIGTERM)
            t.join(30)
            self.assertEqual(result["r"].status, 201)
            gone = eventually(lambda: subprocess.run(
                ["kill", "-0", str(parent)], capture_output=True).returncode != 0, 10)
            self.assertTrue(gone, "register did not exit after SIGTERM")
            # Stopped: nginx now cannot reach it.
            self.assertEqual(Client(json_api=True).post("/register", registration()).status, 502)
        finally:
            stack("start", "register")
        self.assertEqual(Client(json_api=True).post("/register", registration()).status, 201)

    def test_a_dead_worker_is_replaced(self):
        parent = pid("account")
        before = children(parent)
        self.assertEqual(len(before), 2)
        os.kill(before[0], signal.SIGKILL)
        replaced = eventually(lambda: len(children(parent)) == 2 and
                              children(parent) != before, 5)
        self.assertTrue(replaced)
        for _ in range(4):
            self.assertEqual(Client().get("/offer").status, 200)


class Logs(unittest.TestCase):
    def test_one_line_per_request_and_no_personal_data(self):
        c, form = register(iin_bin="900115300401", password="секретный пароль 42")
        c.get("/account?token=query-secret-123")
        logs = ""
        for f in glob.glob(os.path.join(VAR, "log", "*.log")):
            with open(f, encoding="utf-8", errors="replace") as fh:
                logs += fh.read()
        for secret in (form["password"], form["iin_bin"], form["email"],
                       c.cookies["session"], c.cookies["csrf"], "query-secret-123",
                       "Иван Петров"):
            self.assertNotIn(secret, logs)
        lines = [l for l in logs.splitlines() if l.startswith("account[") and "GET /account " in l]
        self.assertTrue(lines)
        program, method, path, status, micros = lines[-1].split(" ")
        self.assertEqual((method, path, status), ("GET", "/account", "200"))
        self.assertTrue(micros.endswith("us") and micros[:-2].isdigit())


if __name__ == "__main__":
    unittest.main()
