"""CSRF on every form, login answers that reveal nothing, rate limits."""
import base64
import os
import unittest
import urllib.parse

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


def a_token():
    """A value of a token's shape that the site never issued."""
    return base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()


def session_token(c):
    """The current token, the contract's way: GET /api/v1/session."""
    r = c.get("/api/v1/session")
    assert r.status == 200, r.status
    return r.json()["csrf"]


def login(c, form):
    return c.post("/login", {"login": form["login"], "password": form["password"],
                             "csrf": session_token(c)})


class CsrfBoundToTheSession(unittest.TestCase):
    """An attacker who can plant a cookie (a sibling subdomain, a plain-http
    page on the way) cannot make a token of their own count."""

    def test_a_planted_cookie_with_its_field_is_refused(self):
        users = count("amobill.users")
        c = Client(json_api=True)
        planted = a_token()
        c.cookies["csrf"] = planted
        r = c.post("/register", registration(csrf=planted))
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"], "csrf")
        self.assertEqual(count("amobill.users"), users)
        # Logged in: the planted pair does not change the profile either.
        v, _ = register()
        v.cookies["csrf"] = planted
        r = v.post("/account", {"full_name": "Чужое Имя", "csrf": planted})
        self.assertEqual(r.status, 403)
        self.assertEqual(v.get("/account").json()["user"]["full_name"], "Иван Петров")

    def test_a_cookie_name_sent_twice_is_refused(self):
        c = Client(json_api=True)
        real = session_token(c)
        attacker = a_token()
        for pair, field in (("csrf=%s; csrf=%s" % (attacker, real), attacker),
                            ("csrf=%s; csrf=%s" % (real, attacker), real),
                            ("csrf=%s; csrf=%s" % (real, real), real)):
            with self.subTest(cookie=pair):
                r = c.request("POST", "/register",
                              body=urllib.parse.urlencode(
                                  registration(csrf=field)).encode(),
                              headers={"Cookie": pair})
                self.assertEqual(r.status, 403)
        # A session cookie sent twice logs no one in, whichever comes first.
        v, _ = register()
        real = v.cookies["session"]
        for pair in ("session=%s; session=%s" % (real, a_token()),
                     "session=%s; session=%s" % (a_token(), real)):
            with self.subTest(cookie=pair):
                self.assertEqual(v.get("/account", headers={"Cookie": pair}).status, 401)

    def test_the_token_changes_at_login_and_logout(self):
        c = Client(json_api=True)
        before = session_token(c)
        c, form = register(c)
        registered = session_token(c)
        self.assertNotEqual(registered, before)
        # The pre-registration token no longer passes, even with its cookie.
        c.cookies["csrf"] = before
        r = c.post("/account", {"full_name": "Пётр Иванов", "csrf": before})
        self.assertEqual(r.status, 403)
        r = c.post("/logout", {"csrf": registered})
        self.assertEqual(r.status, 200)
        out = session_token(c)
        self.assertNotIn(out, (before, registered))
        self.assertEqual(c.post("/login", {"login": form["login"],
                                           "password": form["password"],
                                           "csrf": registered}).status, 403)
        self.assertEqual(login(c, form).status, 200)
        again = session_token(c)
        self.assertNotIn(again, (before, registered, out))
        self.assertEqual(c.post("/account", {"full_name": "Пётр Иванов",
                                             "csrf": out}).status, 403)
        self.assertEqual(c.post("/account", {"full_name": "Пётр Иванов",
                                             "csrf": again}).status, 200)
        self.assertEqual(c.get("/account").json()["user"]["full_name"], "Пётр Иванов")

    def test_a_token_is_good_for_its_own_session_only(self):
        a, form = register()
        b, _ = register()
        second = Client(json_api=True)
        self.assertEqual(login(second, form).status, 200)
        stolen = session_token(a)
        for victim in (b, second):
            with self.subTest(victim=victim.address):
                victim.cookies["csrf"] = stolen
                r = victim.post("/account", {"full_name": "Чужое Имя", "csrf": stolen})
                self.assertEqual(r.status, 403)
        self.assertEqual(b.get("/account").json()["user"]["full_name"], "Иван Петров")
        self.assertEqual(second.get("/account").json()["user"]["full_name"], "Иван Петров")


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
