"""No 5xx from an oversized request (issue 12, finding 6): a header or a
query of 100 KiB, which nginx reads (its header buffers are 128 KiB), on
every route a program answers.  nginx used to pass every request header,
and the query, in the one FastCGI parameters record, which stops at 64 KiB:
"fastcgi request record is too big", a 500 on every FastCGI route.  Now a
query that long is refused with 414, a header the programs read (Cookie,
User-Agent, Accept, Origin, Content-Type) that long with 400, and any other
header is not passed on at all."""
import os
import secrets
import unittest

from stack import VAR, Client, stack
from test_routes import PROGRAMS, routes_of

BIG = 100 * 1024
# The headers the programs read (lib/web/http.c http_begin, the FastCGI
# CONTENT_TYPE), refused when oversized.
READ = ("Cookie", "User-Agent", "Accept", "Origin", "Content-Type")
# Headers no program reads: ignored, whatever their size.
IGNORED = ("X-Filler", "Referer", "X-Auth-Token")


def routes():
    out = set()
    for prog in PROGRAMS:
        for method, path in routes_of(prog):
            if method in ("GET", "POST"):
                out.add((method, path))
    return sorted(out)


def send(method, path, headers=None, query=""):
    body = b"" if method == "POST" else None
    return Client().request(method, path + query, body=body, headers=headers)


class Oversized(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.routes = routes()
        assert len(cls.routes) >= 15, cls.routes

    def test_a_query_of_100_kib_is_414_on_every_route(self):
        for method, path in self.routes:
            with self.subTest(method=method, path=path):
                r = send(method, path, query="?q=" + "a" * BIG)
                self.assertEqual(r.status, 414, r.body[:200])

    def test_a_header_the_programs_read_of_100_kib_is_400(self):
        for method, path in self.routes:
            for name in READ:
                with self.subTest(method=method, path=path, header=name):
                    value = "x=" + "a" * BIG if name == "Cookie" else "a" * BIG
                    r = send(method, path, headers={name: value})
                    self.assertEqual(r.status, 400, r.body[:200])

    def test_any_other_header_of_100_kib_is_ignored(self):
        for method, path in self.routes:
            for name in IGNORED:
                with self.subTest(method=method, path=path, header=name):
                    plain = send(method, path)
                    r = send(method, path, headers={name: "a" * BIG})
                    self.assertLess(r.status, 500, r.body[:200])
                    if name != "X-Auth-Token":
                        # As if it had not been sent (the license check
                        # refuses an oversized token with its signed 401).
                        self.assertEqual(r.status, plain.status, r.body[:200])

    def test_sizes_a_browser_sends_still_pass(self):
        # A long but real cookie header and user agent reach the program.
        r = send("GET", "/login", headers={"Cookie": "a=" + "b" * 4000,
                                           "User-Agent": "Mozilla/5.0 " + "x" * 900,
                                           "Accept": "text/html," + "a" * 900})
        self.assertEqual(r.status, 200, r.body[:200])
        r = send("GET", "/login", query="?next=" + "a" * 7000)
        self.assertLess(r.status, 500)
        self.assertNotEqual(r.status, 414)


def logs_with(needle):
    """The log files of the data folder that contain needle."""
    found = []
    for top, _, files in os.walk(VAR):
        for f in files:
            path = os.path.join(top, f)
            if not (f.endswith(".log") or os.sep + "log" in path[len(VAR):]):
                continue
            try:
                with open(path, "rb") as fh:
                    if needle.encode() in fh.read():
                        found.append(path)
            except OSError:
                pass
    return found


class TokensNeverLogged(unittest.TestCase):
    """Finding 7: nginx's error lines carry the request line, query and
    all, and the links of /email/verify and /password/reset carry their
    token there.  Whatever nginx refuses on them, no log has the token."""

    def provoke(self, path, token):
        url = path + "?token=" + token
        seen = []
        c = Client()
        seen.append(c.request("POST", url, body=b"a=" + b"b" * (70 * 1024)).status)
        seen.append(c.get(url + "&pad=" + "x" * (100 * 1024)).status)
        seen.append(c.get(url + "&pad=" + "x" * (140 * 1024)).status)
        c = Client()
        seen.extend(c.request("POST", url, body=b"password=x").status for _ in range(12))
        stack("stop", "password")
        try:
            seen.append(Client().get(url).status)
            seen.append(Client().request("POST", url, body=b"password=x").status)
        finally:
            stack("start", "password")
        return seen

    def test_no_token_in_any_log(self):
        for path in ("/email/verify", "/password/reset"):
            with self.subTest(path=path):
                token = "SECRET" + secrets.token_hex(16)
                seen = self.provoke(path, token)
                self.assertIn(413, seen)
                self.assertIn(414, seen)
                self.assertIn(502, seen)
                if path == "/password/reset":
                    self.assertIn(429, seen)
                self.assertEqual(logs_with(token), [])
        # The error log is still written for the other routes: a program
        # down is on record.
        stack("stop", "password")
        try:
            self.assertEqual(Client().get("/password/forgot?x=MARK" + token).status, 502)
        finally:
            stack("start", "password")
        self.assertTrue(any(p.endswith("nginx-error.log") for p in logs_with("MARK" + token)))


if __name__ == "__main__":
    unittest.main()
