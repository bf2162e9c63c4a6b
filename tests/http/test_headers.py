"""The security headers on every kind of answer (issue 6): pages, API
answers and errors, from the programs and from nginx alike.

On each answer: one Content-Security-Policy, without 'unsafe-inline' or
'unsafe-eval', with frame-ancestors 'none'; X-Content-Type-Options:
nosniff; a Referrer-Policy; and no Strict-Transport-Security while the
site's base_url is http (the development set-up; whether an https site
sends HSTS is checked where the https set-up is)."""
import random
import unittest
import urllib.parse

from stack import Client, amo_token, config


def directives(csp):
    """A CSP header as {directive: [values]}."""
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out.setdefault(words[0].lower(), words[1:])
    return out


class Headers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.https = config().get("base_url", "").startswith("https:")

    def check(self, what, r, status):
        with self.subTest(what):
            self.assertEqual(r.status, status, "%s: %s" % (what, r.body[:200]))
            csp = r.headers_named("Content-Security-Policy")
            self.assertEqual(len(csp), 1, "%s: one Content-Security-Policy: %r" % (what, csp))
            self.assertNotIn("'unsafe-inline'", csp[0], what)
            self.assertNotIn("'unsafe-eval'", csp[0], what)
            self.assertEqual(directives(csp[0]).get("frame-ancestors"), ["'none'"],
                             "%s: frame-ancestors 'none' in %s" % (what, csp[0]))
            self.assertEqual([v.strip().lower() for v in r.headers_named("X-Content-Type-Options")],
                             ["nosniff"], what)
            rp = r.headers_named("Referrer-Policy")
            self.assertEqual(len(rp), 1, "%s: one Referrer-Policy: %r" % (what, rp))
            self.assertTrue(rp[0].strip(), what)
            if not self.https:
                self.assertIsNone(r.header("Strict-Transport-Security"),
                                  "%s: no HSTS on an http site" % what)

    def test_pages(self):
        b = Client()
        self.check("GET / (static page)", b.get("/"), 200)
        self.check("GET /register", b.get("/register"), 200)
        self.check("GET /account without a session", Client().get("/account"), 401)

    def test_api_answers(self):
        j = Client(json_api=True)
        self.check("GET /api/v1/session", j.get("/api/v1/session"), 200)
        self.check("GET /api/v1/widgets", j.get("/api/v1/widgets"), 200)
        # The license answer, CORS and signature headers added by the program.
        amo_id = random.randint(100000000, 999999999)
        sub = "hdr%d" % amo_id
        origin = {"Origin": "https://%s.amocrm.ru" % sub}
        query = urllib.parse.urlencode({"widget": "leadscore", "nonce": "n" * 32})
        r = j.get("/api/v1/license?" + query,
                  headers=dict(origin, **{"X-Auth-Token": amo_token(amo_id, sub)}))
        self.check("GET /api/v1/license", r, 200)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), origin["Origin"])
        self.check("OPTIONS /api/v1/license (preflight)",
                   j.request("OPTIONS", "/api/v1/license", headers=dict(origin, **{
                       "Access-Control-Request-Method": "GET",
                       "Access-Control-Request-Headers": "x-auth-token"})), 204)

    def test_errors(self):
        self.check("GET /no-such-page (HTML)", Client().get("/no-such-page"), 404)
        self.check("GET /no-such-page (JSON)", Client(json_api=True).get("/no-such-page"), 404)
        r = Client(json_api=True).post("/login", {"login": "nobody", "password": "x" * 12},
                                       csrf=False)
        self.check("POST /login without csrf", r, 403)
        self.assertEqual(r.json()["error"], "csrf")
        self.check("GET /api/v1/license without a token",
                   Client(json_api=True).get("/api/v1/license?widget=leadscore&nonce=" + "n" * 32),
                   401)
        big = b"a=" + b"x" * (70 * 1024)
        self.check("POST /register of 70 KiB (HTML)", Client().post("/register", big), 413)
        self.check("POST /register of 70 KiB (JSON)",
                   Client(json_api=True).post("/register", big), 413)


class NginxErrorPages(unittest.TestCase):
    """nginx's own errors: one HTML page filled in per status, or JSON."""

    def test_html_page_names_the_error(self):
        big = b"a=" + b"x" * (70 * 1024)
        for what, r, title, text in (
                ("404", Client().get("/no-such-page"), "Страница не найдена", "Такой страницы нет"),
                ("413", Client().post("/register", big), "Слишком большой запрос",
                 "Запрос слишком велик")):
            with self.subTest(what):
                self.assertIn("<title>%s — amobill</title>" % title, r.text)
                self.assertIn("<h1>%s</h1>" % title, r.text)
                self.assertIn(text, r.text)
                self.assertNotIn("<!--#", r.text)
                self.assertTrue(r.header("Content-Type").startswith("text/html"))

    def test_json_clients_get_json(self):
        r = Client(json_api=True).get("/no-such-page")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["error"], "not_found")


if __name__ == "__main__":
    unittest.main()
