"""CSRF on every form, login answers that reveal nothing, rate limits."""
import unittest

from stack import Client, count, register, registration, unique


def without_date(r):
    return [(k, v) for k, v in r.headers if k.lower() != "date"]


class Csrf(unittest.TestCase):
    def test_register_without_or_with_a_wrong_token_writes_nothing(self):
        users = count("amobill.users")
        for json_api in (True, False):
            c = Client(json_api=json_api)
            c.csrf()
            r = c.post("/register", registration(), csrf=False)
            self.assertEqual(r.status, 403)
            r = c.post("/register", registration(csrf="A" * 43))
            self.assertEqual(r.status, 403)
            # A token in the form but no cookie: still refused.
            token = c.cookies.pop("csrf")
            r = c.post("/register", registration(csrf=token))
            self.assertEqual(r.status, 403)
        self.assertEqual(count("amobill.users"), users)
        self.assertEqual(Client(json_api=True).post(
            "/register", registration(), csrf=False).json()["error"], "csrf")

    def test_every_form_checks_the_token(self):
        c, form = register()
        for path, fields in (("/login", {"login": form["login"],
                                          "password": form["password"]}),
                             ("/logout", {}),
                             ("/account", {"full_name": "Пётр Иванов"})):
            with self.subTest(path=path):
                r = c.post(path, dict(fields, csrf="B" * 43))
                self.assertEqual(r.status, 403)
                self.assertEqual(r.json()["error"], "csrf")
        # The session survived, the name did not change.
        self.assertEqual(c.get("/account").json()["user"]["full_name"], "Иван Петров")


class Login(unittest.TestCase):
    def test_identical_bytes_for_identical_input(self):
        # The strict form of the rule: the same form for a real user with a
        # wrong password and for a login nobody has is answered byte for byte
        # the same.  We free the login by renaming the user afterwards.
        name = unique("twin")
        fields = {"login": name, "password": "wrong password"}
        browser, api = Client(), Client(json_api=True)
        unknown = [c.post("/login", fields) for c in (browser, api)]
        register(login=name)
        known = [c.post("/login", fields) for c in (browser, api)]
        for k, u in zip(known, unknown):
            self.assertEqual(k.status, 401)
            self.assertEqual((k.status, without_date(k), k.body),
                             (u.status, without_date(u), u.body))

    def test_login_by_email_any_case(self):
        _, form = register()
        c = Client(json_api=True)
        r = c.post("/login", {"login": "  " + form["email"].upper() + " ",
                              "password": form["password"]})
        self.assertEqual(r.status, 200)
        self.assertEqual(c.get("/api/v1/session").json()["user"]["login"], form["login"])

    def test_cabinet_needs_a_session(self):
        self.assertEqual(Client(json_api=True).get("/account").json()["error"],
                         "unauthenticated")
        r = Client().get("/account")
        self.assertEqual(r.status, 401)
        self.assertIn('action="/login"', r.text)
        forged = Client(json_api=True)
        forged.cookies["session"] = "C" * 43
        self.assertEqual(forged.get("/account").status, 401)
        forged.cookies["session"] = "'; DROP TABLE amobill.sessions; --"
        self.assertEqual(forged.get("/account").status, 401)


class RateLimits(unittest.TestCase):
    def hammer(self, path, fields, n):
        c = Client(json_api=True)
        return [c.post(path, fields).status for _ in range(n)]

    def test_login_is_rate_limited(self):
        statuses = self.hammer("/login", {"login": "nobody", "password": "x" * 10}, 30)
        self.assertIn(429, statuses)
        self.assertEqual(statuses[0], 401)
        self.assertTrue(all(s in (401, 429) for s in statuses), statuses)

    def test_register_is_rate_limited(self):
        statuses = self.hammer("/register", {"login": "x"}, 15)
        self.assertIn(429, statuses)
        self.assertTrue(all(s in (422, 429) for s in statuses), statuses)

    def test_rate_limit_answers_json_or_html(self):
        c = Client(json_api=True)
        for _ in range(15):
            r = c.post("/register", {"login": "x"})
        self.assertEqual(r.status, 429)
        self.assertEqual(r.json()["error"], "rate_limited")
        c.json_api = False
        r = c.post("/register", {"login": "x"})
        self.assertEqual(r.status, 429)
        self.assertIn("Слишком много", r.text)

    def test_other_clients_are_not_limited(self):
        self.hammer("/login", {"login": "nobody", "password": "x" * 10}, 25)
        self.assertEqual(Client(json_api=True).post(
            "/login", {"login": "nobody", "password": "x" * 10}).status, 401)


if __name__ == "__main__":
    unittest.main()
