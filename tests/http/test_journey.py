"""A customer registers, uses the cabinet, changes the password, logs out
and in again: in a browser's way (HTML, redirects, cookies) and in the
JSON way."""
import unittest

from stack import Client, registration, sql, unique


class BrowserJourney(unittest.TestCase):
    def test_register_cabinet_profile_password_logout_login(self):
        b = Client()
        page = b.get("/register")
        self.assertEqual(page.status, 200)
        self.assertIn('name="csrf" value="%s"' % b.cookies["csrf"], page.text)

        form = registration()
        r = b.post("/register", form)
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("Location").endswith("/account"))
        session = [c for c in r.headers_named("Set-Cookie")
                   if c.startswith("session=")][0]
        self.assertIn("HttpOnly", session)
        self.assertIn("SameSite=Lax", session)
        self.assertIn("Path=/", session)

        cab = b.get("/account")
        self.assertEqual(cab.status, 200)
        self.assertIn(form["login"], cab.text)
        self.assertIn('value="Иван Петров"', cab.text)
        self.assertIn('value="791028302728"', cab.text)

        # Profile: a legal entity with a BIN, a new name and address.
        r = b.post("/account", {"status": "legal_entity",
                                "iin_bin": "940140000385",
                                "full_name": "ТОО «Ромашка»",
                                "address": "г. Астана, пр. Мангилик Ел, 55"})
        self.assertEqual(r.status, 303)
        cab = b.get("/account", headers={"Accept": "application/json"}).json()
        self.assertEqual(cab["user"]["status"], "legal_entity")
        self.assertEqual(cab["user"]["iin_bin"], "940140000385")
        self.assertEqual(cab["user"]["full_name"], "ТОО «Ромашка»")
        self.assertEqual(cab["user"]["address"], "г. Астана, пр. Мангилик Ел, 55")

        # Wrong current password: refused, shown next to the field.
        r = b.post("/account", {"current_password": "not my password",
                                "new_password": "a brand new secret"})
        self.assertEqual(r.status, 422)
        self.assertIn('id="current_password-err">Неверный текущий пароль', r.text)

        r = b.post("/account", {"current_password": form["password"],
                                "new_password": "a brand new secret"})
        self.assertEqual(r.status, 303)

        old_session = b.cookies["session"]
        r = b.post("/logout", {})
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("Location").endswith("/"))
        self.assertNotIn("session", b.cookies)

        # The logged-out token no longer opens the cabinet.
        stale = Client(json_api=True)
        stale.cookies["session"] = old_session
        self.assertEqual(stale.get("/account").status, 401)

        r = b.post("/login", {"login": form["login"], "password": form["password"]})
        self.assertEqual(r.status, 401)
        self.assertIn("Неверный логин или пароль", r.text)
        r = b.post("/login", {"login": form["email"].upper(),
                              "password": "a brand new secret"})
        self.assertEqual(r.status, 303)
        self.assertEqual(b.get("/account").status, 200)


class JsonJourney(unittest.TestCase):
    def test_session_endpoint_and_cabinet(self):
        c = Client(json_api=True)
        s = c.get("/api/v1/session")
        self.assertEqual(s.status, 200)
        self.assertIsNone(s.json()["user"])
        self.assertEqual(s.json()["csrf"], c.cookies["csrf"])
        csrf_cookie = [v for v in s.headers_named("Set-Cookie") if v.startswith("csrf=")][0]
        self.assertIn("SameSite=Strict", csrf_cookie)

        form = registration(email="Mixed.Case@Example.KZ")
        r = c.post("/register", form)
        self.assertEqual(r.status, 201)
        uid = r.json()["user_id"]
        self.assertIsInstance(uid, int)

        me = c.get("/api/v1/session").json()["user"]
        self.assertEqual(me, {"login": form["login"], "email": "mixed.case@example.kz"})

        cab = c.get("/account").json()
        self.assertEqual(cab["user"]["user_id"], uid)
        self.assertEqual(cab["user"]["email"], "mixed.case@example.kz")
        self.assertIsNone(cab["user"]["blocked"])
        for key in ("licenses", "orders", "refunds"):
            self.assertEqual(cab[key], [])

        # The consent was recorded with the text's version and the address.
        rows = sql("SELECT c.purpose, d.kind, d.version, host(c.ip)"
                   "  FROM amobill.consents c JOIN amobill.documents d"
                   "    ON d.id = c.document_id WHERE c.user_id = %d" % uid)
        self.assertEqual(rows, [["personal_data", "privacy", "sample-1", c.address]])

        # A new address waits for its link; until then the old one holds.
        r = c.post("/account", {"email": "new-" + form["email"],
                                "current_password": form["password"]})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["user"]["email"], form["email"].lower())
        self.assertEqual(r.json()["user"]["email_pending"], "new-" + form["email"].lower())

    def test_password_change_ends_other_sessions(self):
        a = Client(json_api=True)
        form = registration()
        self.assertEqual(a.post("/register", form).status, 201)
        b = Client(json_api=True)
        self.assertEqual(b.post("/login", {"login": form["login"],
                                           "password": form["password"]}).status, 200)
        self.assertEqual(b.get("/account").status, 200)
        r = a.post("/account", {"current_password": form["password"],
                                "new_password": "another good secret"})
        self.assertEqual(r.status, 200)
        self.assertEqual(a.get("/account").status, 200)
        self.assertEqual(b.get("/account").status, 401)

    def test_documents_are_served_from_the_database(self):
        c = Client()
        offer = c.get("/offer")
        self.assertEqual(offer.status, 200)
        self.assertIn("Публичная оферта", offer.text)
        self.assertIn("Редакция sample-1", offer.text)
        policy = c.get("/payment-policy")
        self.assertEqual(policy.status, 200)
        self.assertIn("3-D Secure", policy.text)

    def test_unknown_login_shape(self):
        # A login or e-mail no one has is just wrong credentials.
        c = Client(json_api=True)
        r = c.post("/login", {"login": unique("nobody"), "password": "whatever it is"})
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["error"], "bad_credentials")


if __name__ == "__main__":
    unittest.main()
