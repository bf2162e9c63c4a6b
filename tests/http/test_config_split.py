"""Each program its own configuration (contract §2): scripts/stack starts
every program with $AMOBILL_VAR/conf/<program>.conf, the lines of the
operator's file ($AMOBILL_CONFIG) whose keys `<program> --config-keys`
names (scripts/config-split).  register, account and refund-request never
hold the Robokassa passwords or the signing key, license-check never the
Robokassa passwords: not in their files, not among the keys they read,
not in the memory of their running processes.  The same scan of memory
finds password #1 in checkout's, so that it can fail."""
import os
import re
import stat
import subprocess
import tempfile
import time
import unittest

from stack import ROOT, VAR, config, pid

BUILD = os.environ["AMOBILL_BUILD"]
CONF = os.path.join(VAR, "conf")
SECRETS = ("robokassa_password1", "robokassa_password2", "license_signing_key")
NOT_HELD = {
    "register": SECRETS,
    "account": SECRETS,
    "refund-request": SECRETS,
    "license-check": ("robokassa_password1", "robokassa_password2"),
    # The public reads, split out of license-check: no secret at all.
    "catalogue": SECRETS,
    "documents": SECRETS,
}
# Larger mappings are ASan's shadow and reserve (poison bits, no data).
REGION_MAX = 1 << 30


def stack(*args):
    return subprocess.run([os.path.join(ROOT, "scripts", "stack")] + list(args),
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)


def keys_of(path):
    keys = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                keys.append(line.partition("=")[0].strip())
    return keys


def config_keys(program):
    r = subprocess.run([os.path.join(BUILD, program), "--config-keys"],
                       capture_output=True, text=True, timeout=20)
    return r.returncode, r.stdout.split()


def processes(program):
    """The program's supervisor (its pid file) and its workers."""
    return [pid(program)] + children(pid(program))


def children(parent):
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            found.append(int(entry))
    return found


def regions(p):
    """(start, end) of each readable mapping that holds pages."""
    out, cur = [], None
    with open("/proc/%d/smaps" % p) as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$", line)
            if m:
                a, b = int(m.group(1), 16), int(m.group(2), 16)
                cur = None
                if ("r" in m.group(3) and m.group(4) not in ("[vvar]", "[vsyscall]")
                        and b - a <= REGION_MAX):
                    cur = [a, b]
                continue
            if cur is not None and line.startswith("Rss:") and int(line.split()[1]) > 0:
                out.append(tuple(cur))
                cur = None
    return out


def memory_holds(p, needles):
    """The needles found in the memory of process p."""
    found = set()
    with open("/proc/%d/mem" % p, "rb", buffering=0) as mem:
        for a, b in regions(p):
            at = a
            while at < b:
                n = min(b - at, 1 << 22)
                try:
                    mem.seek(at)
                    chunk = mem.read(n)
                except OSError:
                    chunk = b""
                for s in needles:
                    if s in chunk:
                        found.add(s)
                at += n
    return found


def readable(p):
    try:
        with open("/proc/%d/mem" % p, "rb", buffering=0) as mem:
            a, _ = regions(p)[0]
            mem.seek(a)
            mem.read(1)
        return None
    except (OSError, IndexError) as e:
        return "cannot read /proc/%d/mem: %s" % (p, e)


class Files(unittest.TestCase):
    def test_each_program_gets_only_its_keys(self):
        for program, secrets in NOT_HELD.items():
            with self.subTest(program=program):
                path = os.path.join(CONF, program + ".conf")
                keys = keys_of(path)
                self.assertIn("base_url", keys)
                for k in secrets:
                    self.assertNotIn(k, keys)
                rc, named = config_keys(program)
                self.assertEqual(rc, 0)
                self.assertIn("database", named)
                for k in secrets:
                    self.assertNotIn(k, named)
                # Nothing but the keys it reads, and none of them lost.
                self.assertEqual(sorted(keys), sorted(k for k in named if k in config()))
                st = os.stat(path)
                self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
                self.assertEqual(stat.S_IMODE(os.stat(CONF).st_mode), 0o700)
        # The ones that need them have them.
        self.assertIn("robokassa_password1", keys_of(os.path.join(CONF, "checkout.conf")))
        self.assertIn("robokassa_password2",
                      keys_of(os.path.join(CONF, "robokassa-result.conf")))
        self.assertIn("license_signing_key",
                      keys_of(os.path.join(CONF, "license-check.conf")))

    def test_config_keys_loads_no_configuration(self):
        env = dict(os.environ, AMOBILL_CONFIG="/nonexistent/amobill.conf")
        r = subprocess.run([os.path.join(BUILD, "legal"), "-c", "/nonexistent",
                            "--config-keys"], capture_output=True, text=True,
                           env=env, timeout=20)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), ["base_url", "database", "merchant_name",
                                            "merchant_bin", "merchant_address",
                                            "support_email"])

    def test_an_edit_of_the_operators_file_reaches_the_program_at_restart(self):
        conf = os.environ["AMOBILL_CONFIG"]
        with open(conf, encoding="utf-8") as f:
            text = f.read()
        old = dict(config())
        try:
            with open(conf, "w", encoding="utf-8") as f:
                f.write(text.replace("merchant_name = " + old["merchant_name"],
                                     "merchant_name = ИП «Другой»"))
            r = stack("start", "legal")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(CONF, "legal.conf"), encoding="utf-8") as f:
                self.assertIn("merchant_name = ИП «Другой»", f.read())
            # A bad key of the operator's file, even one legal does not
            # read, is refused by name and the running legal kept.
            with open(conf, "w", encoding="utf-8") as f:
                f.write(text.replace("trial_days = 14", "trial_days = 15"))
            before = pid("legal")
            r = stack("start", "legal")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("trial_days", r.stderr)
            self.assertNotIn("dev-password", r.stderr)
            self.assertEqual(pid("legal"), before)
        finally:
            with open(conf, "w", encoding="utf-8") as f:
                f.write(text)
            self.assertEqual(stack("start", "legal").returncode, 0)


class Memory(unittest.TestCase):
    def test_no_robokassa_password_in_the_memory_of_those_without_it(self):
        c = config()
        pw1 = c["robokassa_password1"].encode()
        pw2 = c["robokassa_password2"].encode()
        why = readable(pid("checkout"))
        if why:
            self.skipTest(why)
        # The scan can fail: checkout holds password #1.
        held = set()
        for p in processes("checkout"):
            held |= memory_holds(p, [pw1])
        self.assertEqual(held, {pw1})
        for program in NOT_HELD:
            procs = processes(program)
            self.assertGreater(len(procs), 1, "%s has no workers" % program)
            for p in procs:
                with self.subTest(program=program, pid=p):
                    self.assertEqual(memory_holds(p, [pw1, pw2]), set())

    def test_given_the_whole_file_register_still_holds_no_password(self):
        # Another program's key is skipped unstored by the loader itself:
        # the split is not the only guard.
        c = config()
        needles = [c["robokassa_password1"].encode(), c["robokassa_password2"].encode()]
        with tempfile.TemporaryDirectory() as d:
            sock = os.path.join(d, "r.sock")
            with open(os.path.join(VAR, "log", "register.log"), "a") as log:
                proc = subprocess.Popen([os.path.join(BUILD, "register"), "-c",
                                         os.environ["AMOBILL_CONFIG"], "-w", "1", sock],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=log)
            try:
                t0 = time.monotonic()
                while not os.path.exists(sock) and time.monotonic() - t0 < 20:
                    time.sleep(0.05)
                self.assertTrue(os.path.exists(sock))
                why = readable(proc.pid)
                if why:
                    self.skipTest(why)
                for p in [proc.pid] + children(proc.pid):
                    self.assertEqual(memory_holds(p, needles), set())
            finally:
                proc.terminate()
                proc.wait(20)


if __name__ == "__main__":
    unittest.main()
