"""The per-account login throttle (issue 12, finding 4): nginx limits
each address (10 a minute, a burst of 20), and the program each account
and address pair besides (amobill.limits 'login_failures': after 5
failures each further try waits 2^(failures - 5) seconds after the last
one, at most 15 minutes), without evaluating the password meanwhile.  A
stranger cannot lock the owner out: the delay is the pair's, another
address logs in at once, and a success clears it.  An unknown login is
throttled exactly like a known one, and the owner is told once by mail.

The attack, before the throttle: 12 addresses each got 12 evaluated tries
against one account (every answer 401) and the right password still
worked after them."""
import threading
import time
import unittest

from stack import Client, config, eventually, mails_to, register, sql, unique

COUNT = 5                # amobill.limits 'login_failures'
WRONG = "wrong password 123"
SUBJECT = "Неудачные попытки входа"


def without_date(r):
    return [(k, v) for k, v in r.headers if k.lower() != "date"]


def owner(**over):
    c, form = register(**over)
    return form


def tries(c, login, password, n):
    return [c.post("/login", {"login": login, "password": password}) for _ in range(n)]


def statuses(rs):
    return [r.status for r in rs]


def notices_to(address):
    return [m for m in mails_to(address) if SUBJECT in str(m["Subject"])]


class Throttle(unittest.TestCase):
    def test_each_address_gets_five_tries(self):
        """Four addresses stand for the twelve: each is a pair of its own."""
        form = owner()
        attackers = [Client(json_api=True) for _ in range(4)]
        for c in attackers:
            rs = tries(c, form["login"], WRONG, 8)
            self.assertEqual(statuses(rs), [401] * COUNT + [429] * 3, c.address)
            r = rs[-1]
            self.assertEqual(r.json()["error"], "rate_limited")
            self.assertIn("Подождите", r.json()["message"])
            self.assertEqual(r.header("Retry-After"), "1")
            # The right password during the delay: refused the same way,
            # so the delay tells nothing about the password either.
            r = c.post("/login", {"login": form["login"], "password": form["password"]})
            self.assertEqual(r.status, 429)
            self.assertEqual(r.body, rs[-1].body)
            self.assertIsNone(c.get("/api/v1/session").json()["user"])
        # The owner, from an address of their own, at once.
        me = Client(json_api=True)
        r = me.post("/login", {"login": form["login"], "password": form["password"]})
        self.assertEqual(r.status, 200)
        # By e-mail address as well as by login: one account, one count.
        c = Client(json_api=True)
        self.assertEqual(statuses(tries(c, form["login"], WRONG, 3)
                                  + tries(c, form["email"], WRONG, 3)),
                         [401] * COUNT + [429])

    def test_the_owner_is_told_once(self):
        form = owner()
        attackers = [Client(json_api=True) for _ in range(3)]
        for c in attackers:
            tries(c, form["login"], WRONG, COUNT + 2)
        got = eventually(lambda: notices_to(form["email"]), 15)
        self.assertTrue(got, "no notice of the failed logins")
        time.sleep(1.5)     # anything more the mailer would send
        got = notices_to(form["email"])
        self.assertEqual(len(got), 1)
        m = got[0]
        text = m.get_body(("plain",)).get_content()
        html = m.get_body(("html",)).get_content()
        self.assertIn(form["login"], text)
        self.assertIn(attackers[0].address, text)
        self.assertRegex(text, r"\d\d\.\d\d\.\d{4} в \d\d:\d\d")
        link = config()["base_url"] + "/password/forgot"
        self.assertIn(link, text)
        self.assertIn('href="%s"' % link, html)
        self.assertNotIn("{{", text + html)
        # A login that fails fewer times tells no one.
        quiet = owner()
        tries(Client(json_api=True), quiet["login"], WRONG, COUNT - 1)
        time.sleep(1.5)
        self.assertEqual(notices_to(quiet["email"]), [])

    def test_a_success_clears_the_pair(self):
        form = owner()
        c = Client(json_api=True)
        self.assertEqual(statuses(tries(c, form["login"], WRONG, COUNT - 1)),
                         [401] * (COUNT - 1))
        self.assertEqual(c.post("/login", {"login": form["login"],
                                           "password": form["password"]}).status, 200)
        self.assertEqual(statuses(tries(c, form["login"], WRONG, COUNT + 1)),
                         [401] * COUNT + [429])

    def test_the_wait_doubles_and_then_the_right_password_works(self):
        form = owner()
        c = Client(json_api=True)
        self.assertEqual(statuses(tries(c, form["login"], WRONG, COUNT + 1)),
                         [401] * COUNT + [429])
        time.sleep(1.2)             # 2^0 s after the 5th failure
        self.assertEqual(statuses(tries(c, form["login"], WRONG, 2)), [401, 429])
        time.sleep(1.2)             # 2^1 s after the 6th: not yet
        r = c.post("/login", {"login": form["login"], "password": form["password"]})
        self.assertEqual(r.status, 429)
        self.assertEqual(r.header("Retry-After"), "1")
        time.sleep(1.0)
        r = c.post("/login", {"login": form["login"], "password": form["password"]})
        self.assertEqual(r.status, 200)
        self.assertEqual(c.get("/api/v1/session").json()["user"]["login"], form["login"])

    def test_concurrent_tries_cannot_pass_on_one_count(self):
        form = owner()
        c = Client(json_api=True)
        c.csrf()
        got = []

        def one():
            got.append(c.post("/login", {"login": form["login"], "password": WRONG}).status)

        threads = [threading.Thread(target=one) for _ in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(got), [401] * COUNT + [429] * 7)

    def test_an_unknown_login_is_throttled_alike(self):
        # The same tries against a login nobody has, then, once it is
        # registered, against the user: answered the same, byte for byte.
        name = unique("thr")
        seq = [WRONG] * (COUNT + 1) + ["correct horse 1"]
        a, b = Client(json_api=True), Client()
        unknown = [c.post("/login", {"login": name, "password": p})
                   for c in (a, b) for p in seq]
        owner(login=name)
        # The same browsers (cookies, hence pages, the same) from new
        # addresses: pairs of their own.
        a.move(), b.move()
        known = [c.post("/login", {"login": name, "password": p})
                 for c in (a, b) for p in seq]
        self.assertEqual(statuses(unknown), ([401] * COUNT + [429, 429]) * 2)
        for k, u in zip(known, unknown):
            self.assertEqual((k.status, without_date(k), k.body),
                             (u.status, without_date(u), u.body))
        # The browser's page says to wait.
        self.assertIn("Подождите", unknown[-1].text)
        self.assertIn('name="password"', unknown[-1].text)
        # The unknown login is kept only hashed.
        self.assertEqual(sql("SELECT count(*) FROM amobill.login_failures"
                             " WHERE subject LIKE '%' || :'a1' || '%'", name), [["0"]])

    def test_invalid_input_writes_nothing(self):
        form = owner()
        before = sql("SELECT count(*), coalesce(sum(failures), 0)"
                     " FROM amobill.login_failures")
        c = Client(json_api=True)
        for fields in ({"login": form["login"]}, {"login": "ab", "password": WRONG},
                       {"login": form["login"], "password": "x" * 600}):
            self.assertEqual(c.post("/login", fields).status, 422, fields)
        self.assertEqual(c.post("/login", {"login": form["login"], "password": WRONG},
                                csrf=False).status, 403)
        self.assertEqual(sql("SELECT count(*), coalesce(sum(failures), 0)"
                             " FROM amobill.login_failures"), before)
        self.assertEqual(sql("SELECT count(*) FROM amobill.login_failures"
                             " WHERE address = :'a1'", c.address), [["0"]])


if __name__ == "__main__":
    unittest.main()
