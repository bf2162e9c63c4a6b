"""Issue 12, findings 2 and 3, as an attacker would try them: the cabinet,
checkout and refunds limited per address (nginx) and per account (the
programs, amobill.limits); an address change that needs the password,
takes effect only from the new address's link, tells the old address
with a link that undoes it, and answers a taken address like a free one."""
import unittest
import urllib.parse

from stack import Client, count, sql, unique
from test_mail import mails_to, new_user, quiet, token_hash, wait_mails

CHANGE = "Подтвердите новый адрес"
NOTICE = "Запрошена смена адреса"
IN_USE = "Ваш адрес указали"


def change_email(c, password, new):
    return c.post("/account", {"email": new, "current_password": password},
                  headers={"Accept": "application/json"})


def cabinet(c):
    r = c.get("/account", headers={"Accept": "application/json"})
    assert r.status == 200, r.status
    return r.json()["user"]


def outbox(uid):
    return sql("SELECT kind, to_address FROM amobill.mail_outbox"
               " WHERE user_id = %s ORDER BY id" % uid)


class EmailChange(unittest.TestCase):
    def test_a_new_address_needs_the_current_password(self):
        c, form, uid = new_user()
        wait_mails(form["email"], "Подтвердите адрес")
        before = outbox(uid)
        new = unique("np") + "@example.kz"
        for fields in ({"email": new},
                       {"email": new, "current_password": "not the password"},
                       {"email": new, "current_password": ""}):
            r = c.post("/account", fields, headers={"Accept": "application/json"})
            self.assertEqual(r.status, 422, fields)
            self.assertEqual(r.json()["error"], "invalid")
            self.assertIn("current_password", r.json()["fields"])
        # The browser sees the cabinet again with the message by the field.
        r = c.post("/account", {"email": new})
        self.assertEqual(r.status, 422)
        self.assertIn("Введите текущий пароль, чтобы сменить адрес", r.text)
        self.assertEqual(cabinet(c)["email"], form["email"])
        self.assertIsNone(cabinet(c)["email_pending"])
        self.assertEqual(outbox(uid), before)
        # The address the user already has is no change: no password asked.
        r = c.post("/account", {"email": form["email"], "full_name": "Пётр Петров"},
                   headers={"Accept": "application/json"})
        self.assertEqual(r.status, 200, r.text)

    def test_the_link_to_the_new_address_changes_it_and_the_old_one_is_told(self):
        c, form, uid = new_user()
        old = form["email"]
        _, reg_token = wait_mails(old, "Подтвердите адрес")[0].links("/email/verify")[0]
        new = unique("nw") + "@example.kz"
        r = change_email(c, form["password"], new.upper())
        self.assertEqual(r.status, 200, r.text)
        # Nothing changes until the new address answers.
        me = r.json()["user"]
        self.assertEqual((me["email"], me["email_pending"]), (old, new))
        self.assertIn(new, c.get("/account").text)
        link = wait_mails(new, CHANGE)[0]
        self.assertIn(form["login"], link.text)
        _, token = link.links("/email/verify")[0]
        told = wait_mails(old, NOTICE)[0]
        self.assertIn(new, told.text)
        self.assertEqual(len(told.links("/email/undo")), 1)
        self.assertEqual(len(told.links("/email/verify")), 0)
        # The link's page sends no Referer on, with its token in the URL.
        r = Client(json_api=True).get("/email/verify?token=" + token)
        self.assertEqual((r.status, r.json()), (200, {"email_verified": True}))
        self.assertEqual(r.headers_named("Referrer-Policy"), ["no-referrer"])
        me = cabinet(c)
        self.assertEqual((me["email"], me["email_pending"]), (new, None))
        self.assertEqual(sql("SELECT email_verified_at IS NOT NULL FROM amobill.users"
                             " WHERE id = %s" % uid), [["t"]])
        # Followed again it says the same; the registration link is dead.
        self.assertEqual(Client().get("/email/verify?token=" + token).status, 200)
        r = Client(json_api=True).get("/email/verify?token=" + reg_token)
        self.assertEqual((r.status, r.json()["error"]), (422, "bad_token"))
        # A confirmed change sends no further mail to the new address.
        quiet()
        self.assertEqual(len(mails_to(new)), 1)

    def test_the_old_address_takes_the_account_back(self):
        """With a stolen session and password, an attacker moves the address
        to theirs, confirms it and asks for a reset link there; the owner's
        undo link brings the address back, ends the attacker's sessions and
        kills the reset link."""
        owner, form, uid = new_user()
        old = form["email"]
        attacker = Client(json_api=True)
        self.assertEqual(attacker.post("/login", {"login": form["login"],
                                                  "password": form["password"]}).status, 200)
        evil = unique("ev") + "@example.kz"
        self.assertEqual(change_email(attacker, form["password"], evil).status, 200)
        _, token = wait_mails(evil, CHANGE)[0].links("/email/verify")[0]
        self.assertEqual(Client().get("/email/verify?token=" + token).status, 200)
        self.assertEqual(Client().post("/password/forgot", {"email": evil}).status, 303)
        _, reset = wait_mails(evil, "Восстановление пароля")[0].links("/password/reset")[0]

        url, undo = wait_mails(old, NOTICE)[0].links("/email/undo")[0]
        # Following the link only shows the form: a mail scanner changes nothing.
        b = Client()
        r = b.get("/email/undo?token=" + undo)
        self.assertEqual(r.status, 200)
        self.assertIn('action="/email/undo"', r.text)
        self.assertEqual(r.headers_named("Referrer-Policy"), ["no-referrer"])
        self.assertEqual(cabinet(attacker)["email"], evil)
        r = b.post("/email/undo", {"token": undo})
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("Location").endswith("/login"), r.header("Location"))
        self.assertIn("Прежний адрес восстановлен", b.get("/login").text)
        self.assertEqual(attacker.get("/account").status, 401)
        self.assertEqual(owner.get("/account").status, 401)
        self.assertEqual(sql("SELECT email, email_verified_at IS NOT NULL, pending_email"
                             "  FROM amobill.users WHERE id = %s" % uid), [[old, "t", ""]])
        r = Client(json_api=True).get("/password/reset?token=" + reset)
        self.assertEqual((r.status, r.json()["error"]), (422, "bad_token"))
        # Once only.
        r = Client(json_api=True).post("/email/undo", {"token": undo})
        self.assertEqual((r.status, r.json()["error"]), (422, "bad_token"))
        # The owner logs in with the address they have again.
        self.assertEqual(Client(json_api=True).post("/login", {
            "login": old, "password": form["password"]}).status, 200)

    def test_undo_before_the_link_is_followed_drops_the_change(self):
        c, form, uid = new_user()
        new = unique("un") + "@example.kz"
        self.assertEqual(change_email(c, form["password"], new).status, 200)
        _, token = wait_mails(new, CHANGE)[0].links("/email/verify")[0]
        _, undo = wait_mails(form["email"], NOTICE)[0].links("/email/undo")[0]
        r = Client(json_api=True).post("/email/undo", {"token": undo})
        self.assertEqual((r.status, r.json()), (200, {"email_restored": True}))
        r = Client(json_api=True).get("/email/verify?token=" + token)
        self.assertEqual((r.status, r.json()["error"]), (422, "bad_token"))
        self.assertEqual(sql("SELECT email, pending_email FROM amobill.users WHERE id = %s"
                             % uid), [[form["email"], ""]])

    def test_bad_undo_links(self):
        for q in ("", "?token=", "?token=short", "?token=" + "A" * 43, "?token=%zz",
                  "?token=" + "A" * 42 + "%00", "?token=" + urllib.parse.quote("' OR 1=1 --")):
            r = Client(json_api=True).get("/email/undo" + q)
            self.assertEqual((r.status, r.json()["error"]), (422, "bad_token"), q)
            r = Client().get("/email/undo" + q)
            self.assertEqual(r.status, 422, q)
            self.assertIn("недействительна", r.text)
        for fields in ({}, {"token": "A" * 43}, {"token": "<script>"}, {"token": "x" * 5000}):
            r = Client(json_api=True).post("/email/undo", fields)
            self.assertEqual((r.status, r.json()["error"]), (422, "bad_token"), fields)
        # Without the CSRF token, nothing is looked at.
        r = Client(json_api=True).post("/email/undo", {"token": "A" * 43}, csrf=False)
        self.assertEqual((r.status, r.json()["error"]), (403, "csrf"))

    def test_an_expired_undo_link_is_refused(self):
        c, form, uid = new_user()
        new = unique("ex") + "@example.kz"
        self.assertEqual(change_email(c, form["password"], new).status, 200)
        _, undo = wait_mails(form["email"], NOTICE)[0].links("/email/undo")[0]
        # Valid for seven days from sending.
        self.assertEqual(sql("SELECT expires_at - created_at FROM amobill.mail_tokens"
                             " WHERE token_hash = decode('%s', 'hex')" % token_hash(undo)),
                         [["7 days"]])
        sql("UPDATE amobill.mail_tokens SET created_at = now() - interval '8 days',"
            " expires_at = now() - interval '1 day' WHERE token_hash = decode('%s', 'hex')"
            % token_hash(undo))
        self.assertEqual(Client().get("/email/undo?token=" + undo).status, 422)
        self.assertEqual(Client().post("/email/undo", {"token": undo}).status, 422)

    def test_a_taken_address_is_answered_like_a_free_one(self):
        """Finding 2: 409 against 200 told which addresses are registered."""
        victim, vform, _ = new_user()
        wait_mails(vform["email"], "Подтвердите адрес")
        c, form, uid = new_user()
        free = unique("fr") + "@example.kz"
        taken = change_email(c, form["password"], vform["email"])
        self.assertEqual(taken.status, 200, taken.text)
        after_taken = dict(taken.json()["user"])
        self.assertEqual(after_taken["email_pending"], vform["email"])
        c2, form2, _ = new_user()
        free_r = change_email(c2, form2["password"], free)
        self.assertEqual(free_r.status, 200)
        self.assertEqual(sorted(free_r.json()), sorted(taken.json()))
        self.assertEqual(sorted(free_r.json()["user"]), sorted(after_taken))
        # The browser's answers too: the same redirect and notice.
        c3, form3, _ = new_user(Client())
        r = c3.post("/account", {"email": vform["email"], "current_password": form3["password"]})
        c4, form4, _ = new_user(Client())
        r2 = c4.post("/account", {"email": unique("f2") + "@example.kz",
                                  "current_password": form4["password"]})
        self.assertEqual((r.status, r.header("Location")), (r2.status, r2.header("Location")))
        self.assertEqual(r.status, 303)
        self.assertTrue(r.header("Location").endswith("/account"), r.header("Location"))
        # The address's owner is told, with no link and no one's login.
        m = wait_mails(vform["email"], IN_USE, n=2)[0]
        self.assertEqual(m.links("/email/verify"), [])
        self.assertNotIn(form["login"], m.text + m.html + m.subject)
        quiet()
        self.assertEqual(mails_to(vform["email"], CHANGE), [])
        self.assertEqual(cabinet(victim)["email"], vform["email"])
        self.assertEqual(cabinet(c)["email"], form["email"])


class Limits(unittest.TestCase):
    def test_address_changes_are_limited_per_account(self):
        """20 changes in 0.2 s sent 10 mails to a victim's address."""
        c, form, uid = new_user()
        target = unique("vi") + "@example.kz"
        statuses = []
        for i in range(8):
            c.move()    # from many addresses: nginx's limit is per address
            statuses.append(change_email(c, form["password"], target).status)
        self.assertEqual(statuses[:5], [200] * 5)
        self.assertEqual(statuses[5:], [429] * 3)
        r = change_email(c, form["password"], target)
        self.assertEqual((r.status, r.json()["error"]), (429, "rate_limited"))
        r = c.post("/account", {"email": target, "current_password": form["password"]})
        self.assertEqual(r.status, 429)
        self.assertIn("Слишком много", r.text)
        quiet()
        self.assertEqual(len(mails_to(target)), 5)
        # The rest of the profile can still be saved.
        r = c.post("/account", {"full_name": "Анна Смирнова"},
                   headers={"Accept": "application/json"})
        self.assertEqual(r.status, 200)

    def test_password_checks_are_limited_per_account(self):
        """Wrong-password changes (scrypt) from many addresses."""
        c, form, uid = new_user()
        limit = int(sql("SELECT count FROM amobill.limits WHERE name = 'account_change'")[0][0])
        statuses = []
        for i in range(limit + 3):
            if i % 8 == 0:
                c.move()
            r = c.post("/account", {"current_password": "guess %d" % i,
                                    "new_password": "a new good secret"},
                       headers={"Accept": "application/json"})
            statuses.append(r.status)
        self.assertEqual(statuses[:limit], [422] * limit)
        self.assertEqual(statuses[limit:], [429] * 3)
        # Even the right password now waits: the limit is the account's.
        r = c.post("/account", {"current_password": form["password"],
                                "new_password": "a new good secret"},
                   headers={"Accept": "application/json"})
        self.assertEqual(r.status, 429)
        # An invalid form is answered without a password check, and
        # without telling whether the guess was right.
        r = c.post("/account", {"current_password": form["password"], "new_password": "short",
                                "iin_bin": "123"}, headers={"Accept": "application/json"})
        self.assertEqual(r.status, 422)
        self.assertNotIn("current_password", r.json()["fields"])

    def test_account_posts_are_limited_per_address(self):
        c, form, uid = new_user()
        statuses = [c.post("/account", {"full_name": "Имя %d" % i},
                           headers={"Accept": "application/json"}).status for i in range(14)]
        self.assertIn(429, statuses)
        self.assertTrue(all(s in (200, 429) for s in statuses), statuses)
        r = c.post("/account", {"full_name": "Имя"}, headers={"Accept": "application/json"})
        self.assertEqual((r.status, r.json()["error"]), (429, "rate_limited"))

    def test_orders_are_limited_per_address_and_per_account(self):
        """50 orders in 0.23 s."""
        c, form, uid = new_user()
        def order(i):
            return c.post("/checkout", {"amo_domain": "lim%s-%d" % (uid, i),
                                        "accept_offer": "yes"},
                          headers={"Accept": "application/json"}).status
        statuses = [order(i) for i in range(14)]
        self.assertIn(429, statuses)
        self.assertTrue(all(s in (201, 429) for s in statuses), statuses)
        limit = int(sql("SELECT count FROM amobill.limits WHERE name = 'checkout'")[0][0])
        made = statuses.count(201)
        for i in range(14, 14 + 3 * limit):
            if i % 8 == 0:
                c.move()
            s = order(i)
            self.assertIn(s, (201, 429))
            made += s == 201
        self.assertEqual(made, limit)
        self.assertEqual(int(sql("SELECT count(*) FROM amobill.orders WHERE user_id = %s"
                                 % uid)[0][0]), limit)
        r = c.post("/checkout", {"amo_domain": "one-more", "accept_offer": "yes"})
        self.assertEqual(r.status, 429)
        self.assertIn("Слишком много", r.text)

    def test_refund_requests_are_limited_per_account(self):
        c, form, uid = new_user()
        limit = int(sql("SELECT count FROM amobill.limits WHERE name = 'refund'")[0][0])
        statuses = []
        for i in range(limit + 2):
            if i % 8 == 0:
                c.move()
            statuses.append(c.post("/refund", {
                "inv_id": "999999", "reason": "Причина отказа, подробно и понятно.",
                "recipient": "Иван Петров", "recipient_iin_bin": "791028302728",
                "iban": "KZ86 125K ZT50 0410 0100", "bic": "CASPKZKA"},
                headers={"Accept": "application/json"}).status)
        self.assertEqual(statuses[:limit], [422] * limit)
        self.assertEqual(statuses[limit:], [429] * 2)

    def test_invalid_forms_do_not_count(self):
        """A person who mistypes is not locked out by their typos."""
        c, form, uid = new_user()
        before = count("amobill.user_actions")
        for i in range(6):
            c.post("/account", {"iin_bin": "12345"}, headers={"Accept": "application/json"})
        self.assertEqual(count("amobill.user_actions"), before)


if __name__ == "__main__":
    unittest.main()
