"""Routes from one table: nginx/routes.conf, included by the development
configuration (nginx/amobill.conf.in, filled by scripts/stack) and by
nginx/production.conf.  Every path a program answers (`<program>
--routes`) must reach that program through each configuration, as nginx
chooses locations, and every upstream the table names must be defined in
both.  The development tools (dev/) route in nginx/routes-dev.conf, which
production never includes."""
import glob
import os
import re
import subprocess
import tempfile
import unittest

from stack import ROOT, VAR

BUILD = os.environ["AMOBILL_BUILD"]
NGINX = os.path.join(ROOT, "nginx")
ROUTES = os.path.join(NGINX, "routes.conf")
ROUTES_DEV = os.path.join(NGINX, "routes-dev.conf")


def stems(folder):
    return sorted(os.path.splitext(os.path.basename(f))[0]
                  for f in glob.glob(os.path.join(ROOT, folder, "*.c")))


PROGRAMS = stems("cgi")            # must all be built
DEV_TOOLS = [p for p in stems("dev") if os.path.exists(os.path.join(BUILD, p))]


def routes_of(prog):
    r = subprocess.run([os.path.join(BUILD, prog), "-c", os.environ["AMOBILL_CONFIG"],
                        "--routes"], capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, "%s --routes: %s" % (prog, r.stderr)
    routes = [tuple(line.split(" ", 1)) for line in r.stdout.splitlines()]
    assert routes, "%s prints no routes" % prog
    return routes


# ---- nginx's configuration language, as much of it as these files use ----

def tokens(text):
    """Words, quoted strings, ';', '{' and '}', without the comments."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "#":
            while i < n and text[i] != "\n":
                i += 1
        elif c in ";{}":
            out.append(c)
            i += 1
        elif c in "\"'":
            j = text.index(c, i + 1)
            out.append(text[i + 1:j])
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in ";{}\"'":
                j += 1
            out.append(text[i:j])
            i = j
    return out


class Directive:
    def __init__(self, name, args, block):
        self.name, self.args, self.block = name, args, block

    def all(self, name):
        return [d for d in self.block or [] if d.name == name]

    def value(self, name):
        found = self.all(name)
        return found[-1].args if found else None


def parse(path, resolve, seen):
    """The directives of the file, its includes replaced by their content."""
    seen.add(path)
    with open(path) as f:
        toks = tokens(f.read())
    pos = 0

    def block():
        nonlocal pos
        out, words = [], []
        while pos < len(toks):
            t = toks[pos]
            pos += 1
            if t == ";":
                if words[0] == "include":
                    for p in resolve(words[1], path):
                        out.extend(parse(p, resolve, seen))
                else:
                    out.append(Directive(words[0], words[1:], None))
                words = []
            elif t == "{":
                out.append(Directive(words[0], words[1:], block()))
                words = []
            elif t == "}":
                return out
            else:
                words.append(t)
        assert not words, "%s: unterminated %r" % (path, words)
        return out

    return block()


class Location:
    def __init__(self, d):
        if len(d.args) == 2:
            self.modifier, self.pattern = d.args
        else:
            self.modifier, self.pattern = "", d.args[0]
        p = d.value("fastcgi_pass")
        self.upstream = p[0] if p else None

    def __repr__(self):
        return "location %s %s" % (self.modifier, self.pattern)


def choose(locations, uri):
    """nginx's choice: an exact match; else the longest prefix if it is ^~;
    else the first regular expression that matches, in order; else the
    longest prefix."""
    for l in locations:
        if l.modifier == "=" and l.pattern == uri:
            return l
    prefixes = [l for l in locations if l.modifier in ("", "^~") and uri.startswith(l.pattern)]
    longest = max(prefixes, key=lambda l: len(l.pattern), default=None)
    if longest is not None and longest.modifier == "^~":
        return longest
    for l in locations:
        if l.modifier in ("~", "~*") and re.search(
                l.pattern, uri, re.IGNORECASE if l.modifier == "~*" else 0):
            return l
    return longest


class Config:
    """One configuration: its upstreams (name -> servers) and the locations
    of the server block that has them."""

    def __init__(self, path, files):
        self.included = set()

        def resolve(name, where):
            if not os.path.isabs(name):
                name = os.path.join(self.prefix, name)
            if name in files:
                return [files[name]]
            found = sorted(glob.glob(name))
            assert found or "*" in name, "%s: include %s: no such file" % (where, name)
            return found

        self.prefix = files.pop("prefix")
        top = parse(path, resolve, self.included)
        http = [d for d in top if d.name == "http"]
        level = http[0].block if http else top
        self.upstreams = {d.args[0]: [s.args[0] for s in d.all("server")]
                          for d in level if d.name == "upstream"}
        servers = [d for d in level if d.name == "server" and d.all("location")]
        assert len(servers) == 1, "%s: %d server blocks with locations" % (path, len(servers))
        self.locations = [Location(d) for d in servers[0].all("location")]

    def route(self, uri):
        return choose(self.locations, uri)


def dev_config():
    """The template as scripts/stack fills it, with this tree's files and the
    upstreams scripts/stack wrote for the running stack."""
    n = os.path.join(VAR, "nginx")
    with open(os.path.join(NGINX, "amobill.conf.in")) as f:
        text = (f.read().replace("@NGINX@", n).replace("@VAR@", VAR)
                .replace("@PORT@", "8080").replace("@USER@", ""))
    with tempfile.NamedTemporaryFile("w", suffix=".conf") as filled:
        filled.write(text)
        filled.flush()
        return Config(filled.name, {
            "prefix": n,
            "/etc/nginx/mime.types": os.devnull,
            os.path.join(n, "security-headers.conf"): os.path.join(NGINX, "security-headers.conf"),
            os.path.join(n, "snippets", "amobill-fastcgi.conf"): os.path.join(NGINX, "fastcgi.conf"),
            os.path.join(n, "snippets", "amobill-routes.conf"): ROUTES,
            os.path.join(n, "snippets", "amobill-routes-dev.conf"): ROUTES_DEV,
            os.path.join(n, "snippets", "amobill-errors.conf"): os.path.join(NGINX, "errors.conf"),
            os.path.join(n, "snippets", "amobill-limits.conf"): os.path.join(NGINX, "limits.conf"),
        })


def production_config():
    s = "/etc/nginx/snippets"
    return Config(os.path.join(NGINX, "production.conf"), {
        "prefix": "/etc/nginx",
        s + "/amobill-security-headers.conf": os.path.join(NGINX, "security-headers.conf"),
        s + "/amobill-fastcgi.conf": os.path.join(NGINX, "fastcgi.conf"),
        s + "/amobill-routes.conf": ROUTES,
        s + "/amobill-errors.conf": os.path.join(NGINX, "errors.conf"),
        s + "/amobill-limits.conf": os.path.join(NGINX, "limits.conf"),
    })


def socket_of(config, prog):
    return "unix:" + (os.path.join(VAR, "run", prog + ".sock") if config == "dev"
                      else "/run/amobill/%s.sock" % prog)


class Routes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        for p in PROGRAMS:
            assert os.path.exists(os.path.join(BUILD, p)), "%s is not built" % p
        cls.routes = {p: routes_of(p) for p in PROGRAMS + DEV_TOOLS}
        cls.configs = {"dev": dev_config(), "production": production_config()}

    def test_both_configurations_include_the_table(self):
        self.assertIn(ROUTES, self.configs["dev"].included)
        self.assertIn(ROUTES_DEV, self.configs["dev"].included)
        self.assertIn(ROUTES, self.configs["production"].included)
        self.assertNotIn(ROUTES_DEV, self.configs["production"].included)

    def test_every_route_reaches_its_program(self):
        for name, config in self.configs.items():
            for prog, routes in self.routes.items():
                for method, path in routes:
                    with self.subTest(config=name, route="%s %s" % (method, path)):
                        l = config.route(path)
                        if prog in DEV_TOOLS and name == "production":
                            # No development tool behind production's nginx.
                            self.assertIsNone(l and l.upstream, l)
                        else:
                            self.assertIsNotNone(l, "no location")
                            self.assertEqual(l.upstream, "amobill_" + prog, l)

    def test_every_upstream_is_a_program_defined_in_both(self):
        with open(ROUTES) as f:
            names = set(re.findall(r"fastcgi_pass\s+(\S+);", f.read()))
        with open(ROUTES_DEV) as f:
            dev_names = set(re.findall(r"fastcgi_pass\s+(\S+);", f.read()))
        self.assertTrue(names)
        for n in sorted(names | dev_names):
            prog = n[len("amobill_"):]
            with self.subTest(upstream=n):
                self.assertTrue(n.startswith("amobill_"))
                self.assertIn(prog, self.routes, "no such program")
                for config in ("dev", "production") if n in names else ("dev",):
                    self.assertEqual(self.configs[config].upstreams.get(n),
                                     [socket_of(config, prog)], config)
        # Every program has its upstream, and the table names each.
        self.assertEqual(names, {"amobill_" + p for p in PROGRAMS})
        self.assertEqual(dev_names, {"amobill_" + p for p in DEV_TOOLS})

    def test_every_location_of_the_table_serves_a_route(self):
        # A location left over from a route a program no longer has.
        for name, config in self.configs.items():
            used = {id(config.route(path)) for routes in self.routes.values()
                    for _, path in routes}
            for l in config.locations:
                if l.upstream is not None:
                    with self.subTest(config=name, location=repr(l)):
                        self.assertTrue(id(l) in used, "no program's route ends here")

    def test_other_paths_fall_to_the_static_files(self):
        for name, config in self.configs.items():
            for path in ("/accounts", "/login/x", "/offer.html", "/api/v1/sessions",
                         "/password/forgotten", "/sandbox/x"):
                with self.subTest(config=name, path=path):
                    l = config.route(path)
                    self.assertEqual((l.modifier, l.pattern, l.upstream), ("", "/", None))


if __name__ == "__main__":
    unittest.main()
