"""nginx's own errors on the license endpoint (issue 11, defect 8): a widget
on an amoCRM page reads every answer of /api/v1/license, so the errors
nginx makes there (license-check down: 502; a query too long: 414; headers
too long: 400) are JSON with "valid": false, whatever the client accepts,
with the CORS headers license-check itself sends (the Origin echoed for an
account's own page on amoCRM or Kommo, nothing for any other) and the
security headers of every answer."""
import unittest

from stack import Client, stack

ALLOWED = ("https://mycompany.amocrm.ru", "https://my-co.kommo.com", "https://old1.amocrm.com")
REFUSED = ("https://evil.example.com", "http://mycompany.amocrm.ru",
           "https://mycompany.amocrm.ru.evil.com", "https://a.b.amocrm.ru", "null")
PATH = "/api/v1/license?widget=leadscore&nonce="


def get(path, origin, accept="text/html", **headers):
    return Client().get(path, headers=dict({"Origin": origin, "Accept": accept}, **headers))


class LicenseErrors(unittest.TestCase):
    def assert_json_refusal(self, r, status, origin, cors=True):
        self.assertEqual(r.status, status, r.body[:200])
        self.assertTrue(r.header("Content-Type").startswith("application/json"),
                        r.header("Content-Type"))
        j = r.json()
        self.assertIs(j["valid"], False)
        self.assertTrue(j["code"])
        self.assertEqual(len(r.headers_named("Content-Security-Policy")), 1)
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        if cors and origin in ALLOWED:
            self.assertEqual(r.header("Access-Control-Allow-Origin"), origin)
            self.assertIn("Origin", r.header("Vary"))
        else:
            self.assertIsNone(r.header("Access-Control-Allow-Origin"))

    def test_program_down_is_json_502(self):
        stack("stop", "license-check")
        try:
            for origin in ALLOWED + REFUSED:
                for accept in ("text/html", "application/json", "*/*"):
                    with self.subTest(origin=origin, accept=accept):
                        self.assert_json_refusal(get(PATH + "n1", origin, accept), 502, origin)
            self.assertEqual(get(PATH + "n1", ALLOWED[0]).json()["code"], "UNAVAILABLE")
        finally:
            stack("start", "license-check")
        # The program back: its own answer, signed, as before.
        r = get(PATH + "n1", ALLOWED[0])
        self.assertEqual(r.status, 401)
        self.assertTrue(r.header("X-Signature").startswith("ed25519="))

    def test_huge_query_is_json_414(self):
        for origin in ALLOWED + REFUSED:
            with self.subTest(origin=origin):
                r = get(PATH + "x" * (100 * 1024), origin)
                self.assert_json_refusal(r, 414, origin)
                self.assertEqual(r.json()["code"], "TOO_LARGE")
        # Longer than nginx reads (128 KiB): it never saw the headers, so no
        # CORS, but JSON still.
        self.assert_json_refusal(get(PATH + "x" * (140 * 1024), ALLOWED[0]), 414,
                                 ALLOWED[0], cors=False)
        # A real check is still answered by the program.
        self.assertEqual(get(PATH + "n" * 32, ALLOWED[0]).status, 401)

    def test_huge_header_is_json_400(self):
        for origin in (ALLOWED[0], REFUSED[0]):
            with self.subTest(origin=origin):
                r = get(PATH + "n1", origin, **{"X-Auth-Token": "a" * (140 * 1024)})
                self.assert_json_refusal(r, 400, origin)

    def test_other_paths_keep_their_pages(self):
        r = Client().get("/no-such-page?q=" + "x" * (140 * 1024))
        self.assertEqual(r.status, 414)
        self.assertIn("<title>Слишком длинный адрес — amobill</title>", r.text)
        self.assertIsNone(r.header("Access-Control-Allow-Origin"))
        r = Client(json_api=True).get("/no-such-page", headers={"Origin": ALLOWED[0]})
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["error"], "not_found")
        self.assertIsNone(r.header("Access-Control-Allow-Origin"))


if __name__ == "__main__":
    unittest.main()
