"""Operations (issue 11, defects 4 and 7): a part that dies comes back by
itself, and a restart checks before it stops anything.

Against a scripts/run of its own (its own data folder, cluster and ports,
AMOBILL_FOLLOW=0), as a developer runs it: a program killed outright, the
mailer and nginx are started again within seconds and scripts/run says so;
a part stopped on purpose stays stopped; a second scripts/run on the same
data folder says so and exits 1; a restart whose new start would fail (an
unwritable log, no binary, a refused configuration, an nginx
configuration nginx -t refuses) leaves the running part running and says
why.  And the production units restart what dies (Restart=)."""
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

from stack import ROOT, eventually


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for every purpose here.
    with open("/proc/%d/stat" % pid) as f:
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"


def processes():
    """pid -> (ppid, pgrp, comm) of every live process."""
    out = {}
    for d in glob.glob("/proc/[0-9]*"):
        try:
            with open(d + "/stat") as f:
                s = f.read()
        except OSError:
            continue
        comm = s[s.index("(") + 1:s.rindex(")")]
        fields = s[s.rindex(")") + 2:].split()
        if fields[0] != "Z":
            out[int(d[6:])] = (int(fields[1]), int(fields[2]), comm)
    return out


class ScriptsRun(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.var = tempfile.mkdtemp(prefix="amobill-ops.", dir="/tmp")
        cls.port = free_port()
        env = {k: v for k, v in os.environ.items()
               if k not in ("AMOBILL_CONFIG", "PGHOST", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                            "AMOBILL_VAR", "AMOBILL_PORT", "AMOBILL_SMTP_PORT")}
        # The optimised build scripts/test made beside the sanitized one:
        # scripts/run builds it (a no-op) and runs it.
        env.update(AMOBILL_VAR=cls.var, AMOBILL_PORT=str(cls.port),
                   AMOBILL_SMTP_PORT=str(free_port()), AMOBILL_FOLLOW="0",
                   AMOBILL_BUILD=os.path.join(ROOT, "build"), SANITIZE="0",
                   AMOBILL_WORKERS="1")
        cls.env = env
        cls.lines = []
        cls.run_proc = subprocess.Popen([os.path.join(ROOT, "scripts", "run")], env=env,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)

        def read():
            for line in cls.run_proc.stdout:
                cls.lines.append(line.rstrip("\n"))
        threading.Thread(target=read, daemon=True).start()
        up = eventually(lambda: any("amobill is running" in l for l in cls.lines)
                        or cls.run_proc.poll() is not None, 300)
        assert up and cls.run_proc.poll() is None, "scripts/run did not start:\n" + \
            "\n".join(cls.lines[-40:])

    @classmethod
    def tearDownClass(cls):
        if cls.run_proc.poll() is None:
            cls.run_proc.send_signal(signal.SIGTERM)
            try:
                cls.run_proc.wait(90)
            except subprocess.TimeoutExpired:
                cls.run_proc.kill()
                cls.run_proc.wait(10)
        # Whatever a failed test left behind.
        cls.stack("down")
        shutil.rmtree(cls.var, ignore_errors=True)

    @classmethod
    def stack(cls, *args, **env):
        return subprocess.run([os.path.join(ROOT, "scripts", "stack")] + list(args),
                              env=dict(cls.env, **env), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=120)

    def status(self, path):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path),
                                        timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None

    def pid(self, part):
        try:
            with open(os.path.join(self.var, "run", part + ".pid")) as f:
                return int(f.read())
        except (OSError, ValueError):
            return None

    def said(self, pattern):
        return any(re.search(pattern, l) for l in self.lines)

    def test_a_dead_part_comes_back(self):
        # license-check killed outright, its supervisor and its workers.
        old = self.pid("license-check")
        self.assertEqual(self.status("/api/v1/license/key"), 200)
        for p, (ppid, _, _) in processes().items():
            if p == old or ppid == old:
                os.kill(p, signal.SIGKILL)
        self.assertTrue(eventually(lambda: self.status("/api/v1/license/key") == 200 and
                                   self.pid("license-check") not in (None, old) and
                                   alive(self.pid("license-check")), 10),
                        "\n".join(self.lines[-10:]))
        self.assertTrue(self.said(r"^license-check died \(status 137, killed by SIGKILL\); "
                                  r"restarting in 1 s$"), "\n".join(self.lines[-10:]))
        self.assertTrue(eventually(lambda: self.said(r"^license-check is running again$"), 5))

        # nginx's master killed outright: its workers go too, a new one answers.
        old = self.pid("nginx")
        os.kill(old, signal.SIGKILL)
        self.assertTrue(eventually(lambda: self.pid("nginx") not in (None, old) and
                                   alive(self.pid("nginx")) and self.status("/") == 200, 10),
                        "\n".join(self.lines[-10:]))
        self.assertEqual(processes()[self.pid("nginx")][2], "nginx")
        self.assertEqual([p for p, (_, g, _) in processes().items() if g == old], [],
                         "the old master's workers are left")
        self.assertTrue(self.said(r"^nginx died \(status 137, killed by SIGKILL\); "
                                  r"restarting in 1 s$"))

        # The mailer, stopped by a signal from outside scripts/stack.
        old = self.pid("mailer")
        os.kill(old, signal.SIGTERM)
        self.assertTrue(eventually(lambda: self.pid("mailer") not in (None, old) and
                                   alive(self.pid("mailer")), 10))
        self.assertTrue(self.said(r"^mailer died \(status \d+\); restarting in 1 s$"))

    def test_b_a_part_stopped_on_purpose_stays_stopped(self):
        r = self.stack("stop", "legal")
        self.assertEqual(r.returncode, 0, r.stderr)
        try:
            time.sleep(3)
            self.assertIsNone(self.pid("legal"))
            self.assertEqual(self.status("/offer"), 502)
            self.assertFalse(self.said(r"^legal died"))
        finally:
            r = self.stack("start", "legal")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.status("/offer"), 200)

    def test_c_a_second_run_on_the_folder_is_refused(self):
        before = {p: self.pid(p) for p in ("legal", "nginx")}
        r = subprocess.run([os.path.join(ROOT, "scripts", "run")], env=self.env,
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("already running on %s" % self.var, r.stderr)
        self.assertIn("pid %d" % self.run_proc.pid, r.stderr)
        self.assertEqual({p: self.pid(p) for p in before}, before)
        self.assertEqual(self.status("/offer"), 200)

    def assert_refused_and_running(self, r, part, path, status, *words):
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("the running %s is left as it is" % part, r.stderr)
        for w in words:
            self.assertIn(w, r.stderr)
        self.assertEqual(self.status(path), status)

    def test_d_a_restart_checks_before_it_stops(self):
        # An unwritable log (here: a folder where the log should be).
        log = os.path.join(self.var, "log", "refund-request.log")
        old = self.pid("refund-request")
        answer = self.status("/refund")
        self.assertNotIn(answer, (None, 502))
        os.rename(log, log + ".kept")
        os.mkdir(log)
        try:
            r = self.stack("start", "refund-request")
        finally:
            os.rmdir(log)
            os.rename(log + ".kept", log)
        self.assert_refused_and_running(r, "refund-request", "/refund", answer, log)
        self.assertEqual(self.pid("refund-request"), old)
        self.assertTrue(alive(old))

        # No binary; a configuration the program refuses.
        with tempfile.TemporaryDirectory() as d:
            r = self.stack("start", "legal", AMOBILL_BUILD=d)
            self.assert_refused_and_running(r, "legal", "/offer", 200, "no program")
            bad = os.path.join(d, "bad.conf")
            with open(os.path.join(self.var, "amobill.conf")) as f, open(bad, "w") as g:
                g.write(f.read() + "colour = blue\n")
            r = self.stack("start", "legal", AMOBILL_CONFIG=bad)
            self.assert_refused_and_running(r, "legal", "/offer", 200, "colour")

        # An nginx configuration nginx -t refuses.
        old = self.pid("nginx")
        extra = os.path.join(self.var, "nginx", "extra", "broken.conf")
        with open(extra, "w") as f:
            f.write("location = /broken {\n")
        try:
            r = self.stack("nginx")
        finally:
            os.unlink(extra)
        self.assert_refused_and_running(r, "nginx", "/offer", 200, "broken.conf")
        self.assertEqual(self.pid("nginx"), old)
        r = self.stack("nginx")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(self.pid("nginx"), old)
        self.assertEqual(self.status("/offer"), 200)
        # None of that was taken for a death.
        self.assertFalse(self.said(r"^(refund-request|legal) died"))


class Units(unittest.TestCase):
    def test_every_service_restarts_what_dies(self):
        # The production counterpart of scripts/run's watch.
        files = sorted(glob.glob(os.path.join(ROOT, "nginx", "systemd", "*.service")) +
                       glob.glob(os.path.join(ROOT, "nginx", "systemd", "*.service.d", "*.conf")))
        self.assertTrue(any(f.endswith("nginx.service.d/amobill.conf") for f in files))
        for path in files:
            with self.subTest(unit=os.path.relpath(path, ROOT)):
                with open(path) as f:
                    keys = dict(l.strip().split("=", 1) for l in f
                                if "=" in l and not l.lstrip().startswith("#"))
                self.assertIn(keys.get("Restart"), ("on-failure", "always"))
                self.assertRegex(keys.get("RestartSec", ""), r"^[1-9][0-9]*(s|min)?$")


if __name__ == "__main__":
    unittest.main()
