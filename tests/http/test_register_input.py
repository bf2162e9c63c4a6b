"""Bad input to POST /register: every field malformed, oversized and
hostile gets 422 with that field's message, the form is shown again with
the error next to the field, and nothing is written."""
import urllib.parse
import unittest

from stack import Client, count, registration, sql

TABLES = ("amobill.users", "amobill.consents", "amobill.sessions")

# field -> values that must be refused with a message for that field.
BAD = {
    "login": ["ab", "a" * 33, "Ivan", "иван", "ivan petrov", "' OR 1=1--",
              "<b>x</b>", "ivan@example"],
    "email": ["plain", "a@b", "a@@example.kz", "a b@example.kz",
              ".a@example.kz", "a..b@example.kz", "a@-example.kz",
              "\"a\"@example.kz", "<script>@example.kz",
              "x'; DROP TABLE amobill.users; --@example.kz", "a" * 250 + "@e.kz"],
    "password": ["short", "123456789", "п" * 9, "x" * 129],
    "full_name": ["<script>alert(1)</script>", "'; DROP TABLE amobill.users; --",
                  "a", "Иван\tПетров", "x" * 201, "Иван\u202eПетров"],
    "status": ["", "entity", "INDIVIDUAL", "individual'--"],
    "address": ["<img src=x onerror=alert(1)>", "ул.", "a;b;c;d;e",
                "x" * 301, "Алматы\r\nBcc: x"],
    "iin_bin": ["791028302729", "79102830272", "7910283027288", "79102830272a",
                "850720401600", "' OR '1'='1", "940140000385"],
    "consent": ["", "no", "on", "YES"],
}

# Raw bytes a form may carry: each must be refused for its field.
RAW = [
    ("login", b"ivan%00petrov"),
    ("full_name", b"%D0%98%D0"),          # truncated UTF-8
    ("full_name", b"%FF%FE"),             # not UTF-8 at all
    ("address", b"%C0%AF%2e%2e"),          # overlong '/'
    ("email", b"a%zz@example.kz"),         # bad %-escape
    ("login", b"ivan%4"),                  # cut %-escape
    ("full_name", b"%ED%A0%80"),           # a UTF-16 surrogate
]


class RegisterInput(unittest.TestCase):
    def setUp(self):
        self.before = {t: count(t) for t in TABLES}

    def tearDown(self):
        for t in TABLES:
            self.assertEqual(count(t), self.before[t], "%s changed" % t)

    def expect_field_error(self, field, body, client=None):
        c = client or Client(json_api=True)
        r = c.post("/register", body)
        self.assertEqual(r.status, 422, (field, body, r.body[:200]))
        j = r.json()
        self.assertEqual(j["error"], "invalid")
        self.assertIn(field, j["fields"], (field, body, j))
        self.assertTrue(j["fields"][field])
        return j

    def test_each_bad_value_is_refused_for_its_field(self):
        for field, values in BAD.items():
            for v in values:
                with self.subTest(field=field, value=v):
                    self.expect_field_error(field, registration(**{field: v}))

    def test_bad_bytes_are_refused_for_their_field(self):
        for field, raw in RAW:
            with self.subTest(field=field, raw=raw):
                c = Client(json_api=True)
                form = registration(csrf=c.csrf())
                del form[field]
                body = urllib.parse.urlencode(form).encode() + b"&" + \
                    field.encode() + b"=" + raw
                self.expect_field_error(field, body, c)

    def test_raw_nul_byte_in_body(self):
        c = Client(json_api=True)
        body = urllib.parse.urlencode(registration(csrf=c.csrf())).encode()
        body = body.replace(b"login=", b"login=iv\x00an")
        r = c.post("/register", body)
        self.assertEqual(r.status, 422)

    def test_repeated_field(self):
        c = Client(json_api=True)
        body = urllib.parse.urlencode(registration(csrf=c.csrf())).encode()
        self.expect_field_error("login", body + b"&login=second", c)

    def test_every_field_missing(self):
        c = Client(json_api=True)
        j = self.expect_field_error("login", {"csrf": c.csrf()}, c)
        self.assertEqual(set(j["fields"]), {"login", "email", "password",
                                            "full_name", "status", "address",
                                            "iin_bin", "consent"})

    def test_too_many_fields(self):
        c = Client(json_api=True)
        body = urllib.parse.urlencode(registration(csrf=c.csrf()))
        body += "".join("&x%d=1" % i for i in range(40))
        r = c.post("/register", body.encode())
        self.assertEqual(r.status, 422)

    def test_oversized_values_and_bodies(self):
        # A long value: refused for the field without a server error.
        self.expect_field_error("full_name", registration(full_name="Я" * 5000))
        # Past 64 KiB the body is refused whole.
        c = Client(json_api=True)
        r = c.post("/register", registration(address="x" * 70000, csrf=c.csrf()))
        self.assertEqual(r.status, 413)
        self.assertEqual(r.json()["error"], "too_large")

    def test_bin_for_an_individual_and_iin_for_an_entity(self):
        j = self.expect_field_error("iin_bin", registration(iin_bin="940140000385"))
        self.assertIn("ИИН", j["fields"]["iin_bin"])
        j = self.expect_field_error("iin_bin", registration(
            status="legal_entity", full_name="ТОО Ромашка"))
        self.assertIn("БИН", j["fields"]["iin_bin"])

    def test_html_form_shows_errors_next_to_fields_escaped(self):
        b = Client()
        r = b.post("/register", registration(
            full_name="<script>alert(1)</script>", iin_bin="791028302729"))
        self.assertEqual(r.status, 422)
        self.assertIn("text/html", r.header("Content-Type"))
        self.assertIn('id="iin_bin-err">ИИН/БИН: неверная контрольная цифра', r.text)
        self.assertIn('id="full_name-err">ФИО', r.text)
        self.assertNotIn("<script>alert(1)</script>", r.text)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", r.text)
        # The password is never sent back.
        self.assertNotIn("correct horse 1", r.text)

    def test_bad_content_type(self):
        c = Client(json_api=True)
        r = c.request("POST", "/register", body=b'{"login": "x"}',
                      headers={"Content-Type": "application/json",
                               "Cookie": "csrf=" + c.csrf()})
        self.assertEqual(r.status, 415)


class Conflicts(unittest.TestCase):
    def test_taken_login_and_email(self):
        c = Client(json_api=True)
        form = registration()
        self.assertEqual(c.post("/register", form).status, 201)
        users = count("amobill.users")

        r = Client(json_api=True).post("/register", form)
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json()["error"], "login_taken")
        self.assertIn("login", r.json()["fields"])

        again = dict(form, login=form["login"] + "x", email=form["email"].upper())
        r = Client(json_api=True).post("/register", again)
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json()["error"], "email_taken")

        r = Client().post("/register", again)
        self.assertEqual(r.status, 409)
        self.assertIn('id="email-err">Этот адрес уже зарегистрирован', r.text)
        self.assertEqual(count("amobill.users"), users)
        self.assertEqual(sql("SELECT count(*) FROM amobill.users WHERE email = :'a1'",
                             form["email"]), [["1"]])


if __name__ == "__main__":
    unittest.main()
