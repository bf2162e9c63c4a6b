#!/usr/bin/env python3
"""The Debian package (contract section 8, issue 16).

scripts/package builds dist/amobill_<version>_amd64.deb; this test reads
it:

- its version is VERSION's; lintian reports no error;
- its file list holds every program of cgi/ and command of cmd/ under
  /usr/lib/amobill, config-split, /usr/sbin/amobill-migrate, every
  migration of sql/, the static site nginx/www, the nginx snippets and the
  example site, the systemd units, the example /etc/amobill/amobill.conf
  (mode 0640, a conffile), the sysusers.d and tmpfiles.d files; and none
  of the development tools (sandbox, the SMTP sink, the yardsticks) nor a
  test;
- its maintainer scripts never start nor enable a unit;
- every unit passes `systemd-analyze verify` against the unpacked files;
- installed into a throwaway root (dpkg --root, its maintainer scripts
  run against that root through DPKG_ROOT), the users and folders are
  made; an upgrade to a version N+1 with one more migration keeps the
  operator's edits of the configuration and the data; amobill-migrate of
  each version on a fresh database of the test cluster (PGHOST, when
  scripts/test runs it) applies every migration once, N+1's new one once,
  keeps the data and refuses an edited applied migration; remove keeps the
  configuration and the data, purge only what the package made.

AMOBILL_DEB=<path> looks at a package built before instead of building.
"""
import glob
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*args, check=True, **kw):
    r = subprocess.run(list(args), capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        raise AssertionError("%s: exit %d\n%s%s" % (" ".join(args), r.returncode,
                                                     r.stdout[-3000:], r.stderr[-3000:]))
    return r


def names(folder, pattern="*.c"):
    return sorted(os.path.basename(p).rsplit(".", 1)[0]
                  for p in glob.glob(os.path.join(ROOT, folder, pattern)))


with open(os.path.join(ROOT, "VERSION")) as f:
    VERSION = f.readline().strip()
PROGRAMS = names("cgi")
COMMANDS = names("cmd")
MIGRATIONS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "sql", "[0-9]*.sql")))
UNITS = ["amobill@.service", "amobill@.socket", "amobill-mailer.service",
         "amobill-reconcile.service", "amobill-reconcile.timer"]
SNIPPETS = ["fastcgi", "routes", "errors", "limits", "security-headers"]
DEB = None
BUILD_LOG = ""


def setUpModule():
    """scripts/package, once for every test here."""
    global DEB, BUILD_LOG
    DEB = os.environ.get("AMOBILL_DEB")
    if not DEB:
        r = run(os.path.join(ROOT, "scripts", "package"), timeout=1500)
        DEB = r.stdout.strip().splitlines()[-1]
        BUILD_LOG = r.stderr
        print(BUILD_LOG, end="")


class Package(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="amobill-package-test.")
        cls.deb = DEB
        # The file list: "mode owner/group size date time ./path[ -> target]".
        cls.files = {}
        for line in run("dpkg-deb", "-c", cls.deb).stdout.splitlines():
            f = line.split(None, 5)
            path = f[5].split(" -> ")[0]
            path = "/" + path[2:] if path.startswith("./") else path
            cls.files[path.rstrip("/") or "/"] = (f[0], f[1])
        cls.control = os.path.join(cls.tmp, "DEBIAN")
        run("dpkg-deb", "-e", cls.deb, cls.control)
        cls.unpacked = os.path.join(cls.tmp, "unpacked")
        run("dpkg-deb", "-x", cls.deb, cls.unpacked)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def field(self, name):
        return run("dpkg-deb", "-f", self.deb, name).stdout.strip()

    def script(self, name):
        path = os.path.join(self.control, name)
        if not os.path.exists(path):
            return ""
        with open(path) as f:
            return f.read()

    def test_name_and_version(self):
        self.assertEqual(os.path.basename(self.deb), "amobill_%s_amd64.deb" % VERSION)
        if not os.environ.get("AMOBILL_DEB"):
            self.assertEqual(os.path.dirname(os.path.abspath(self.deb)),
                             os.path.join(ROOT, "dist"))
        self.assertEqual(self.field("Package"), "amobill")
        self.assertEqual(self.field("Version"), VERSION)
        self.assertEqual(self.field("Architecture"), "amd64")

    def test_dependencies_computed(self):
        dep = self.field("Depends")
        # ${shlibs:Depends}: the libraries the programs link.
        for lib in ("libc6", "libpq5", "libfcgi0ldbl", "libsodium23", "libcjson1",
                    "libcurl4", "libcairo2", "libpango-1.0-0"):
            self.assertRegex(dep, r"(^|, )%s\b" % re.escape(lib), dep)
        for pkg in ("nginx", "fonts-dejavu-core", "postgresql-client"):
            self.assertRegex(dep, r"(^|, )%s\b" % re.escape(pkg), dep)

    def test_every_part_is_in_place(self):
        want = ["/usr/lib/amobill/%s" % p for p in PROGRAMS + COMMANDS + ["config-split"]]
        want += ["/usr/sbin/amobill-migrate", "/usr/share/man/man8/amobill-migrate.8.gz"]
        want += ["/usr/share/amobill/sql/%s" % m for m in MIGRATIONS]
        www = os.path.join(ROOT, "nginx", "www")
        for d, _, fs in os.walk(www):
            want += ["/usr/share/amobill/www/" + os.path.relpath(os.path.join(d, f), www)
                     for f in fs]
        want += ["/etc/nginx/snippets/amobill-%s.conf" % s for s in SNIPPETS]
        want += ["/etc/nginx/sites-available/amobill", "/etc/amobill/amobill.conf",
                 "/lib/systemd/system/nginx.service.d/amobill.conf",
                 "/usr/lib/sysusers.d/amobill.conf", "/usr/lib/tmpfiles.d/amobill.conf",
                 "/usr/share/doc/amobill/operations.md.gz"
                 if "/usr/share/doc/amobill/operations.md.gz" in self.files
                 else "/usr/share/doc/amobill/operations.md"]
        want += ["/lib/systemd/system/" + u for u in UNITS]
        for path in want:
            self.assertIn(path, self.files)
        for p in PROGRAMS + COMMANDS + ["config-split"]:
            mode, owner = self.files["/usr/lib/amobill/" + p]
            self.assertEqual((mode, owner), ("-rwxr-xr-x", "root/root"), p)
        self.assertEqual(self.files["/etc/amobill/amobill.conf"], ("-rw-r-----", "root/root"))
        # Nothing the package does not install: every program it holds is
        # one of cgi/ or cmd/.
        held = sorted(os.path.basename(p) for p in self.files
                      if p.startswith("/usr/lib/amobill/"))
        self.assertEqual(held, sorted(PROGRAMS + COMMANDS + ["config-split"]))

    def test_no_development_tool_nor_test(self):
        dev = set(names("dev")) | {"smtp-sink", "bench-signed", "bench-unsigned"}
        for path in self.files:
            base = os.path.basename(path)
            self.assertNotIn(base, dev, path)
            self.assertFalse(re.match(r"^(test_|fuzz_|version_check)", base), path)
            self.assertNotIn("/tests", path)
            self.assertFalse(path.startswith("/usr/local"), path)
        # The sandbox's templates are compiled into the dev build only.
        with open(os.path.join(self.unpacked, "usr/lib/amobill/checkout"), "rb") as f:
            self.assertNotIn(b"pages/sandbox-pay.html", f.read())

    def test_conffiles(self):
        conffiles = self.script("conffiles").split()
        self.assertIn("/etc/amobill/amobill.conf", conffiles)
        self.assertIn("/etc/nginx/sites-available/amobill", conffiles)
        for s in SNIPPETS:
            self.assertIn("/etc/nginx/snippets/amobill-%s.conf" % s, conffiles)

    def test_maintainer_scripts_start_nothing(self):
        for name in ("preinst", "postinst", "prerm", "postrm"):
            lines = [l.strip() for l in self.script(name).splitlines()
                     if l.strip() and not l.strip().startswith("#")]
            with self.subTest(script=name):
                for i, line in enumerate(lines):
                    self.assertNotRegex(line, r"\b(systemctl|deb-systemd-invoke)\b.*\b(start|restart|enable)\b")
                    self.assertNotRegex(line, r"\binvoke-rc\.d\b")
                    # debhelper's one enable: the links of a unit the
                    # operator enabled before, kept on upgrade.
                    if re.search(r"deb-systemd-helper\s+enable", line):
                        self.assertTrue(any("was-enabled" in l for l in lines[max(0, i - 3):i]),
                                        line)
        self.assertIn("systemd-sysusers", self.script("postinst"))

    def test_lintian_no_error(self):
        r = run("lintian", "--tag-display-limit", "0", self.deb, check=False)
        errors = [l for l in r.stdout.splitlines() if l.startswith("E:")]
        self.assertEqual(errors, [], r.stdout)
        print(r.stdout, end="")

    def test_units_verify(self):
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze is absent")
        # systemd-analyze resolves the units and the paths of ExecStart= in
        # a copy of the unpacked root, which gets this machine's targets
        # and slices (the units' dependencies that the package does not
        # hold).
        root = os.path.join(self.tmp, "verify-root")
        shutil.copytree(self.unpacked, root, symlinks=True)
        units = os.path.join(root, "lib/systemd/system")
        for base in glob.glob("/lib/systemd/system/*.target") + \
                glob.glob("/lib/systemd/system/*.slice"):
            if not os.path.exists(os.path.join(units, os.path.basename(base))):
                shutil.copy(base, units)
        # Each unit by name, the template as an instance of every program
        # (so each program its ExecStart= names must be there); any line
        # of output (an unknown key is only a warning) is a fault.
        names = [u for u in UNITS if "@." not in u]
        names += ["amobill@%s.%s" % (p, kind) for p in PROGRAMS for kind in ("service", "socket")]
        for u in names:
            with self.subTest(unit=u):
                r = run("systemd-analyze", "verify", "--man=no", "--root=" + root,
                        os.path.join(units, u), check=False)
                self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))

    def test_nginx_takes_the_installed_site(self):
        # The example site with the installed snippets, as nginx -t reads
        # it (only the certificate, which the operator brings, is made
        # here; paths into the unpacked root).
        if not shutil.which("nginx"):
            self.skipTest("nginx is absent")
        etc = os.path.join(self.unpacked, "etc/nginx")
        with open(os.path.join(etc, "sites-available/amobill")) as f:
            site = f.read()
        for s in SNIPPETS:
            if s != "fastcgi":      # the routes include it
                self.assertIn("include /etc/nginx/snippets/amobill-%s.conf;" % s, site)
        self.assertIn("root /usr/share/amobill/www;", site)
        cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=shop.example.kz",
            "-days", "1", "-keyout", key, "-out", cert)
        site = re.sub(r"ssl_certificate (\S+);", "ssl_certificate %s;" % cert, site)
        site = re.sub(r"ssl_certificate_key (\S+);", "ssl_certificate_key %s;" % key, site)
        site = site.replace("/etc/nginx/", etc + "/").replace(
            "/usr/share/amobill/", os.path.join(self.unpacked, "usr/share/amobill") + "/")
        site = re.sub(r"access_log /var/log/nginx/\S+", "access_log off; #", site)
        # Beside the snippets: nginx reads a relative include from the
        # folder of the file given by -c.
        conf = os.path.join(etc, "amobill-test.conf")
        with open(conf, "w") as f:
            f.write("pid %s/nginx.pid;\nevents {}\nhttp {\n%s\n}\n" % (self.tmp, site))
        r = run("nginx", "-t", "-q", "-e", "stderr", "-p", etc + "/", "-c", conf, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)


class Installed(unittest.TestCase):
    """The installed programs serve the site from a fresh database: on the
    test stack of scripts/test, a new database of its cluster is migrated
    by the installed amobill-migrate from the installed migrations and
    given the development data (plans, offer, catalogue, the stack's
    amoCRM integrations); register, checkout, robokassa-result and
    license-check are replaced by the package's binaries, pointed at that
    database, split by the package's config-split and started as their
    unit says (the listening socket as standard input, the unit's
    options); a person registers, pays (the result call as Robokassa's
    stand-in makes it) and the license check answers VALID.  The stack's
    own programs come back afterwards and the database goes."""

    REPLACED = ["register", "checkout", "robokassa-result", "license-check"]

    @classmethod
    def setUpClass(cls):
        if not os.environ.get("AMOBILL_VAR") or not os.environ.get("AMOBILL_PORT"):
            raise unittest.SkipTest("needs the test stack (scripts/test)")
        import sys
        sys.path.insert(0, os.path.join(ROOT, "tests", "http"))
        import stack
        cls.stack = stack
        cls.tmp = tempfile.mkdtemp(prefix="amobill-package-smoke.")
        # The cluster's owner (postgres) reads the migrations from here.
        os.chmod(cls.tmp, 0o755)
        cls.root = os.path.join(cls.tmp, "root")
        run("dpkg-deb", "-x", DEB, cls.root)
        with open(os.path.join(cls.root, "lib/systemd/system/amobill@.service")) as f:
            cls.exec_start = re.search(r"(?m)^ExecStart=(.*)$", f.read()).group(1).split()
        cls.procs = {}
        cls.fresh_database()

    DB = "amobill_installed"

    @classmethod
    def psql(cls, db, *args, **kw):
        return run("psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h",
                   os.environ["PGHOST"], "-U", "postgres", "-d", db, *args, **kw)

    @classmethod
    def fresh_database(cls):
        """DB, migrated by the installed amobill-migrate, with the
        development data and the stack's integrations; the operator's file
        of the installed programs names it."""
        cls.psql("postgres", "-c", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % cls.DB,
                 "-c", "CREATE DATABASE %s" % cls.DB)
        r = run("bash", os.path.join(cls.root, "usr/sbin/amobill-migrate"), "-d",
                "host=%s dbname=%s" % (os.environ["PGHOST"], cls.DB), "-U", "postgres",
                "-s", os.path.join(cls.root, "usr/share/amobill/sql"))
        assert "applied" in r.stderr, r.stderr
        dev = os.path.join(ROOT, "sql", "dev")
        texts = []
        for var, name in (("offer", "offer"), ("payment_policy", "payment-policy"),
                          ("privacy", "privacy")):
            with open(os.path.join(dev, name + ".ru.txt")) as f:
                texts += ["-v", "%s=%s" % (var, f.read())]
        cls.psql(cls.DB, *texts, "-f", os.path.join(dev, "data.sql"))
        with open(os.path.join(os.environ["AMOBILL_VAR"], "dev-integrations.tsv")) as f:
            rows = [l.rstrip("\n").split("\t") for l in f][1:]
        # Those of the development catalogue (other tests add widgets).
        widgets = set(cls.psql(cls.DB, "-c", "SELECT code FROM amobill.widgets")
                      .stdout.split())
        for code, uuid, secret, aud in rows:
            if code not in widgets:
                continue
            # (psql fills in variables in what it reads, not in -c.)
            cls.psql(cls.DB, "-v", "code=" + code, "-v", "uuid=" + uuid, "-v",
                     "secret=" + secret, "-v", "aud=" + aud,
                     input="SELECT admin.add_integration(:'code', :'uuid', :'secret',"
                     " :'aud', 'the package test');")
        cls.config = os.path.join(cls.tmp, "amobill.conf")
        with open(os.environ["AMOBILL_CONFIG"]) as f:
            text = f.read()
        with open(cls.config, "w") as f:
            f.write(re.sub(r"(?m)^database\s*=.*$", "database = host=%s dbname=%s"
                           % (os.environ["PGHOST"], cls.DB), text))

    @classmethod
    def tearDownClass(cls):
        for p, proc in cls.procs.items():
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            cls.stack.stack("start", p)
        cls.psql("postgres", "-c", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % cls.DB)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def start_installed(cls, p):
        var = os.environ["AMOBILL_VAR"]
        lib = os.path.join(cls.root, "usr/lib/amobill")
        conf = os.path.join(cls.tmp, "conf", p + ".conf")
        run(os.path.join(lib, "config-split"), os.path.join(lib, p),
            cls.config, conf)
        argv = [a.replace("%i", p) for a in cls.exec_start]
        argv = [os.path.join(lib, p) if a == "/usr/lib/amobill/" + p else
                conf if a == "/etc/amobill/conf/%s.conf" % p else a for a in argv]
        assert argv[0].startswith(cls.root) and conf in argv, argv
        cls.stack.stack("stop", p)
        path = os.path.join(var, "run", p + ".sock")
        if os.path.exists(path):
            os.unlink(path)
        import socket
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        os.chmod(path, 0o666)
        s.listen(64)
        with open(os.path.join(var, "log", p + ".log"), "a") as log:
            cls.procs[p] = subprocess.Popen(argv, stdin=s.fileno(), stderr=log)
        s.close()

    def test_register_pay_license_valid(self):
        st = self.stack
        for p in self.REPLACED:
            self.start_installed(p)
        self.assertTrue(st.eventually(
            lambda: st.Client().get("/api/v1/license/key").status == 200, 15))
        for p, proc in self.procs.items():
            self.assertIsNone(proc.poll(), p)
        c, inv, host = st.paid_order()
        sub = host.split(".")[0]
        import random
        amo_id = random.randint(10 ** 7, 10 ** 9)
        r = st.Client().get("/api/v1/license?widget=leadscore",
                            headers={"X-Auth-Token": st.amo_token(amo_id, sub)})
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(r.json()["code"], "VALID", r.body[:300])
        # All of it in the fresh database the installed migrations made.
        self.assertEqual(self.psql(self.DB, "-c", "SELECT o.status, a.host FROM amobill.orders o"
                                   " JOIN amobill.amo_accounts a ON a.id = o.account_id"
                                   " WHERE o.inv_id = %s" % int(inv)).stdout.strip(),
                         "paid|" + host)


class Lifecycle(unittest.TestCase):
    """Install, upgrade, remove and purge in a throwaway root."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("dpkg --root needs root")
        cls.tmp = tempfile.mkdtemp(prefix="amobill-package-life.")
        # The cluster's owner (postgres) reads the migrations from here.
        os.chmod(cls.tmp, 0o755)
        cls.deb = DEB
        cls.next = cls.next_version(DEB)
        cls.root = os.path.join(cls.tmp, "root")
        for d in ("var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers",
                  "etc", "run", "var/log"):
            os.makedirs(os.path.join(cls.root, d))
        for f in ("var/lib/dpkg/status", "var/lib/dpkg/available"):
            open(os.path.join(cls.root, f), "w").close()
        # A base system's groups, which the tmpfiles.d file names.
        with open(os.path.join(cls.root, "etc/group"), "w") as f:
            f.write("root:x:0:\nwww-data:x:33:\n")
        with open(os.path.join(cls.root, "etc/passwd"), "w") as f:
            f.write("root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def next_version(cls, deb):
        """Version N+1: the same package with one more migration."""
        tree = os.path.join(cls.tmp, "next")
        run("dpkg-deb", "-R", deb, tree)
        major, minor, patch = VERSION.split(".")
        cls.version_next = "%s.%s.%d" % (major, minor, int(patch) + 1)
        control = os.path.join(tree, "DEBIAN", "control")
        with open(control) as f:
            text = f.read()
        with open(control, "w") as f:
            f.write(re.sub(r"(?m)^Version: .*$", "Version: " + cls.version_next, text))
        probe = os.path.join(tree, "usr/share/amobill/sql/999_package_probe.sql")
        with open(probe, "w") as f:
            f.write("CREATE TABLE amobill.package_probe (n integer);\n"
                    "INSERT INTO amobill.package_probe VALUES (1);\n")
        with open(probe, "rb") as f:
            digest = hashlib.md5(f.read()).hexdigest()
        with open(os.path.join(tree, "DEBIAN", "md5sums"), "a") as f:
            f.write("%s  usr/share/amobill/sql/999_package_probe.sql\n" % digest)
        out = os.path.join(cls.tmp, "amobill_%s_amd64.deb" % cls.version_next)
        run("dpkg-deb", "--root-owner-group", "-b", tree, out)
        return out

    def dpkg(self, *args):
        env = dict(os.environ, PATH=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
        return run("dpkg", "--root=" + self.root, "--force-script-chrootless",
                   "--force-depends", "--force-confold", "--no-triggers", *args, env=env)

    def path(self, p):
        return os.path.join(self.root, p.lstrip("/"))

    def read(self, p):
        with open(self.path(p)) as f:
            return f.read()

    def users(self):
        with open(self.path("/etc/passwd")) as f:
            return {l.split(":")[0]: l.split(":") for l in f if l.strip()}

    def migrate(self, sql_dir, db, check=True):
        return run("bash", self.path("/usr/sbin/amobill-migrate"), "-d",
                   "host=%s dbname=%s" % (os.environ["PGHOST"], db), "-U", "postgres",
                   "-s", sql_dir, check=check)

    def psql(self, db, query):
        cmd = ["psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h",
               os.environ["PGHOST"], "-U", "postgres", "-d", db, "-c", query]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        return run(*cmd).stdout.strip()

    def test_install_upgrade_remove_purge(self):
        # N: the users, the folders; nothing started (no systemd here to
        # start it, and the scripts ask for none: Package above).
        self.dpkg("-i", self.deb)
        users = self.users()
        for p in PROGRAMS + COMMANDS:
            self.assertIn("amobill-" + p, users)
            self.assertIn(users["amobill-" + p][6].strip(), ("/usr/sbin/nologin", "/sbin/nologin"))
        self.assertIn("amobill", users)
        journal = self.path("/var/lib/amobill/journal")
        st = os.stat(journal)
        self.assertEqual(st.st_mode & 0o777, 0o700)
        self.assertEqual(st.st_uid, int(users["amobill-robokassa-result"][2]))
        self.assertEqual(os.stat(self.path("/etc/amobill/amobill.conf")).st_mode & 0o777, 0o640)
        self.assertTrue(os.access(self.path("/usr/lib/amobill/license-check"), os.X_OK))

        # The operator configures; the programs leave data behind.
        with open(self.path("/etc/amobill/amobill.conf"), "a") as f:
            f.write("base_url = https://shop.example.kz\n")
        os.makedirs(self.path("/etc/amobill/conf"), exist_ok=True)
        with open(self.path("/etc/amobill/conf/register.conf"), "w") as f:
            f.write("base_url = https://shop.example.kz\n")
        with open(self.path("/etc/amobill/license-key.pem"), "w") as f:
            f.write("the operator's key\n")
        with open(os.path.join(journal, "call-1"), "w") as f:
            f.write("a ResultURL call\n")

        db = None
        if os.environ.get("PGHOST"):
            db = "amobill_package_%d" % os.getpid()
            self.psql("postgres", "CREATE DATABASE %s" % db)
        try:
            if db:
                sql = self.path("/usr/share/amobill/sql")
                r = self.migrate(sql, db)
                self.assertEqual(r.stderr.count("applying "), len(MIGRATIONS), r.stderr)
                self.assertEqual(self.psql(db, "SELECT count(*) FROM amobill.schema_migrations"),
                                 str(len(MIGRATIONS)))
                self.psql(db, "INSERT INTO amobill.plans (code, name, price_tiyn, term_months)"
                              " VALUES ('package-probe', 'probe', 100, 1)")
                self.assertNotIn("applying", self.migrate(sql, db).stderr)

            # N+1 over N: the operator's edits and the data stay.
            self.dpkg("-i", self.next)
            self.assertIn("base_url = https://shop.example.kz\n", self.read("/etc/amobill/amobill.conf"))
            self.assertEqual(self.read("/var/lib/amobill/journal/call-1"), "a ResultURL call\n")
            self.assertTrue(os.path.exists(self.path("/etc/amobill/conf/register.conf")))
            self.assertTrue(os.path.exists(self.path("/usr/share/amobill/sql/999_package_probe.sql")))
            self.assertEqual(
                run("dpkg-query", "--admindir=" + self.path("/var/lib/dpkg"), "-W",
                    "-f=${Version}", "amobill").stdout, self.version_next)
            if db:
                r = self.migrate(sql, db)
                self.assertEqual(r.stderr.count("applying "), 1, r.stderr)
                self.assertIn("applying 999_package_probe.sql", r.stderr)
                self.assertNotIn("applying", self.migrate(sql, db).stderr)
                self.assertEqual(self.psql(db, "SELECT count(*) FROM amobill.package_probe"), "1")
                self.assertEqual(self.psql(db, "SELECT name FROM amobill.plans"
                                               " WHERE code = 'package-probe'"), "probe")
                # An applied migration edited: refused, nothing applied.
                edited = os.path.join(self.tmp, "edited")
                shutil.copytree(sql, edited)
                with open(os.path.join(edited, "999_package_probe.sql"), "a") as f:
                    f.write("-- edited\n")
                r = self.migrate(edited, db, check=False)
                self.assertEqual(r.returncode, 1)
                self.assertIn("changed after it was applied", r.stderr)
        finally:
            if db:
                self.psql("postgres", "DROP DATABASE %s" % db)

        # remove: the configuration and the data stay.
        self.dpkg("-r", "amobill")
        self.assertFalse(os.path.exists(self.path("/usr/lib/amobill/license-check")))
        self.assertIn("base_url = https://shop.example.kz\n", self.read("/etc/amobill/amobill.conf"))
        self.assertEqual(self.read("/var/lib/amobill/journal/call-1"), "a ResultURL call\n")
        self.assertTrue(os.path.exists(self.path("/etc/amobill/conf/register.conf")))

        # purge: what the package made goes, the data and the operator's
        # key stay.
        self.dpkg("-P", "amobill")
        self.assertFalse(os.path.exists(self.path("/etc/amobill/amobill.conf")))
        self.assertFalse(os.path.exists(self.path("/etc/amobill/conf")))
        self.assertEqual(self.read("/etc/amobill/license-key.pem"), "the operator's key\n")
        self.assertEqual(self.read("/var/lib/amobill/journal/call-1"), "a ResultURL call\n")
        self.assertFalse(os.path.exists(self.path("/etc/nginx/snippets/amobill-routes.conf")))


if __name__ == "__main__":
    unittest.main()
