"""Mail (contract §6) through real HTTP and the real SMTP sink: the
outbox written with each event, the mailer's delivery, retries while the
SMTP server is down, the reminders before a license ends, password reset
and address confirmation, and what a message may never contain.

The sink (scripts/smtp-sink) keeps every message as a file in
$AMOBILL_VAR/mail; the tests read them with Python's email module."""
import datetime
import email
import email.policy
import email.utils
import glob
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

from stack import (ROOT, VAR, Client, admin, amo_token, config, eventually, pid, register,
                   sql, stack, unique)
from stack import paid_order as pay

MAIL = os.path.join(VAR, "mail")
TEMPLATES = os.path.join(ROOT, "templates", "mail")
BUILD = os.environ["AMOBILL_BUILD"]
NBSP = "\u00a0"
TOKEN = r"[A-Za-z0-9_-]{43}"
BANK = {"recipient": "Иван Петров", "recipient_iin_bin": "791028302728",
        "iban": "KZ86 125K ZT50 0410 0100", "bic": "caspkzka"}
REASON = "Виджеты не подошли для наших процессов продаж, отказываемся."
IINS = ("791028302728", "900115300401")
PASSWORDS = set()        # every password these tests typed

_parsed = {}


class Mail:
    """One message from the sink."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.raw = f.read()
        self.path = path
        self.msg = email.message_from_bytes(self.raw, policy=email.policy.default)
        self.to = str(self.msg["To"])
        self.subject = str(self.msg["Subject"])
        self.text = self.msg.get_body(("plain",)).get_content()
        self.html = self.msg.get_body(("html",)).get_content()

    def links(self, path):
        """(url, token) of the links to path in the text part."""
        return re.findall(r"(http://[^\s/]+%s\?token=(%s))" % (re.escape(path), TOKEN),
                          self.text)


def mails():
    for p in sorted(glob.glob(os.path.join(MAIL, "*.eml"))):
        if p not in _parsed:
            _parsed[p] = Mail(p)
    return list(_parsed.values())


def mails_to(address, subject=""):
    return [m for m in mails() if m.to == address and subject in m.subject]


def wait_mails(address, subject="", n=1, seconds=15):
    """At least n messages to address whose subject contains subject."""
    got = eventually(lambda: len(mails_to(address, subject)) >= n and mails_to(address, subject),
                     seconds)
    assert got, "no mail to %s about %r (%d found)" % (address, subject,
                                                       len(mails_to(address, subject)))
    return got


def quiet(seconds=1.5):
    """Lets the mailer finish what it would send."""
    time.sleep(seconds)


def new_user(client=None, **over):
    login = unique("m")
    password = "пароль-%s-%d" % (login, random.randint(10 ** 5, 10 ** 6))
    PASSWORDS.add(password)
    c, form = register(client, login=login, password=password, **over)
    uid = sql("SELECT id FROM amobill.users WHERE login = :'a1'", login)[0][0]
    return c, form, uid


def paid_order(c, host=None):
    """An order of c's paid (stack.paid_order): (inv_id, host)."""
    return pay(c, host, prefix="ml")[1:]


def almaty_day(column, table, where):
    return sql("SELECT to_char(%s AT TIME ZONE 'Asia/Almaty', 'DD.MM.YYYY') FROM %s WHERE %s"
               % (column, table, where))[0][0]


def forgot(address, json_api=False):
    c = Client(json_api=json_api)
    return c, c.post("/password/forgot", {"email": address})


def run_mailer(*args):
    return subprocess.run([os.path.join(BUILD, "mailer"), "-c", os.environ["AMOBILL_CONFIG"]]
                          + list(args), capture_output=True, text=True, timeout=60)


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Messages(unittest.TestCase):
    def test_headers_parts_and_russian_text(self):
        c, form, uid = new_user()
        m = wait_mails(form["email"], "Подтвердите адрес")[0]
        conf = config()
        raw_headers = m.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        # Subject as RFC 2047 encoded words; every line within 78.
        self.assertIn("Subject: =?UTF-8?B?", raw_headers)
        self.assertTrue(all(len(l) <= 78 for l in m.raw.split(b"\r\n")))
        self.assertEqual(m.subject, "Подтвердите адрес электронной почты")
        self.assertEqual(m.msg["From"].addresses[0].addr_spec, conf["mail_from"])
        self.assertEqual(m.msg["To"].addresses[0].addr_spec, form["email"])
        self.assertEqual(m.msg["MIME-Version"], "1.0")
        self.assertRegex(m.msg["Message-ID"], r"^<[0-9a-f]{32}\.\d+@example\.kz>$")
        sent = email.utils.parsedate_to_datetime(m.msg["Date"])
        self.assertLess(abs((datetime.datetime.now(datetime.timezone.utc) - sent)
                            .total_seconds()), 120)
        self.assertEqual(m.msg.get_content_type(), "multipart/alternative")
        parts = [p.get_content_type() for p in m.msg.iter_parts()]
        self.assertEqual(parts, ["text/plain", "text/html"])
        for p in m.msg.iter_parts():
            self.assertEqual(p.get_content_charset(), "utf-8")
        self.assertIn("Здравствуйте, %s!" % form["login"], m.text)
        self.assertIn('<html lang="ru">', m.html)
        url, token = m.links("/email/verify")[0]
        self.assertIn('<a href="%s">' % url, m.html)
        # The outbox row holds the event, sent, with its attempt.
        row = sql("SELECT state, attempts, message_id FROM amobill.mail_outbox"
                  " WHERE user_id = %s AND kind = 'verify_email'" % uid)
        self.assertEqual(row, [["sent", "1", m.msg["Message-ID"].strip("<>")]])
        self.assertEqual(sql("SELECT ok, detail FROM amobill.mail_attempts a"
                             " JOIN amobill.mail_outbox o ON o.id = a.outbox_id"
                             " WHERE o.user_id = %s AND o.kind = 'verify_email'" % uid),
                         [["t", "sent; smtp 250"]])

    def test_mailer_needs_its_keys(self):
        with open(os.environ["AMOBILL_CONFIG"]) as f:
            good = f.read()
        for key in ("smtp_url", "mail_from", "admin_email"):
            with self.subTest(key=key), tempfile.TemporaryDirectory() as d:
                conf = os.path.join(d, "mail.conf")
                with open(conf, "w") as f:
                    f.write("\n".join(l for l in good.splitlines()
                                      if not l.startswith(key)) + "\n")
                r = subprocess.run([os.path.join(BUILD, "mailer"), "-c", conf, "--once"],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(r.returncode, 1)
                lines = r.stderr.strip().splitlines()
                self.assertEqual(len(lines), 1, r.stderr)
                self.assertIn(key, lines[0])


class Verification(unittest.TestCase):
    def test_register_then_the_link_confirms_the_address(self):
        c, form, uid = new_user()
        m = wait_mails(form["email"], "Подтвердите адрес")[0]
        url, token = m.links("/email/verify")[0]
        self.assertTrue(url.startswith(config()["base_url"] + "/email/verify?token="))
        self.assertEqual(sql("SELECT email_verified_at IS NULL FROM amobill.users"
                             " WHERE id = %s" % uid), [["t"]])
        b = Client()
        r = b.get(urllib.parse.urlsplit(url)._replace(scheme="", netloc="").geturl())
        self.assertEqual(r.status, 200, r.text)
        self.assertIn("Адрес подтверждён", r.text)
        self.assertEqual(sql("SELECT email_verified_at IS NOT NULL FROM amobill.users"
                             " WHERE id = %s" % uid), [["t"]])
        # Following it again says the same; a forged one does not.
        self.assertEqual(b.get("/email/verify?token=" + token).status, 200)
        r = Client(json_api=True).get("/email/verify?token=" + "A" * 43)
        self.assertEqual((r.status, r.json()["error"]), (422, "bad_token"))
        self.assertEqual(Client().get("/email/verify?token=short").status, 422)
        self.assertEqual(Client().get("/email/verify").status, 422)

    def test_a_new_address_is_confirmed_again(self):
        c, form, uid = new_user()
        first = wait_mails(form["email"], "Подтвердите адрес")[0]
        _, old_token = first.links("/email/verify")[0]
        new = "new-" + form["email"]
        r = c.post("/account", {"email": new, "current_password": form["password"]})
        self.assertEqual(r.status, 200, r.text)
        m = wait_mails(new, "Подтвердите новый адрес")[0]
        _, token = m.links("/email/verify")[0]
        r = Client(json_api=True).get("/email/verify?token=" + token)
        self.assertEqual((r.status, r.json()), (200, {"email_verified": True}))
        # The link sent to the old address no longer confirms anything.
        r = Client(json_api=True).get("/email/verify?token=" + old_token)
        self.assertEqual((r.status, r.json()["error"]), (422, "bad_token"))
        self.assertEqual(sql("SELECT email_verified_at IS NOT NULL FROM amobill.users"
                             " WHERE id = %s" % uid), [["t"]])
        # Saving the profile without a new address sends nothing.
        c.post("/account", {"full_name": "Иван Иванов"})
        quiet()
        self.assertEqual(len(mails_to(new)), 1)


class Reset(unittest.TestCase):
    def reset_link(self, address, n=1):
        m = wait_mails(address, "Восстановление пароля", n)[n - 1]
        links = m.links("/password/reset")
        self.assertEqual(len(links), 1)
        return m, links[0][0], links[0][1]

    def test_forgot_reset_old_password_refused_sessions_gone(self):
        c1, form, uid = new_user()
        c2 = Client(json_api=True)
        self.assertEqual(c2.post("/login", {"login": form["login"],
                                            "password": form["password"]}).status, 200)
        self.assertEqual(c1.get("/account").status, 200)
        b, r = forgot(form["email"].upper())
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), config()["base_url"] + "/login")
        self.assertIn("отправлено письмо", b.get("/login").text)
        m, url, token = self.reset_link(form["email"])
        self.assertIn("один час", m.text)
        page = b.get("/password/reset?token=" + token)
        self.assertEqual(page.status, 200)
        self.assertIn('name="token" value="%s"' % token, page.text)
        new_password = "новый пароль %d" % random.randint(10 ** 5, 10 ** 6)
        PASSWORDS.add(new_password)
        b.move()
        r = b.post("/password/reset", {"token": token, "new_password": new_password})
        self.assertEqual(r.status, 303, r.text)
        self.assertEqual(r.header("Location"), config()["base_url"] + "/login")
        # Every session of the user has ended.
        self.assertEqual(c1.get("/account").status, 401)
        self.assertEqual(c2.get("/account").status, 401)
        self.assertEqual(sql("SELECT count(*) FROM amobill.sessions WHERE user_id = %s"
                             % uid), [["0"]])
        j = Client(json_api=True)
        r = j.post("/login", {"login": form["login"], "password": form["password"]})
        self.assertEqual((r.status, r.json()["error"]), (401, "bad_credentials"))
        r = j.post("/login", {"login": form["login"], "password": new_password})
        self.assertEqual(r.status, 200)
        self.assertEqual(j.get("/account").status, 200)
        # The same link again: refused, and the password stays.
        b.move()
        r = Client(json_api=True).post("/password/reset", {"token": token,
                                                           "new_password": "третий пароль 123"})
        self.assertEqual((r.status, r.json()["error"]), (422, "bad_token"))
        self.assertEqual(b.get("/password/reset?token=" + token).status, 422)
        self.assertEqual(Client(json_api=True).post(
            "/login", {"login": form["login"], "password": new_password}).status, 200)
        # Getting the mail proved the address.
        self.assertEqual(sql("SELECT email_verified_at IS NOT NULL FROM amobill.users"
                             " WHERE id = %s" % uid), [["t"]])

    def test_expired_and_forged_links(self):
        c, form, uid = new_user()
        _, r = forgot(form["email"], json_api=True)
        self.assertEqual((r.status, r.json()), (202, {"accepted": True}))
        _, _, token = self.reset_link(form["email"])
        sql("UPDATE amobill.mail_tokens SET created_at = now() - interval '61 minutes',"
            " expires_at = now() - interval '1 minute' WHERE token_hash = decode(:'a1', 'hex')",
            token_hash(token))
        for t in (token, "A" * 43, token[:-1] + ("B" if token[-1] != "B" else "C"),
                  "short", ""):
            with self.subTest(token=t):
                j = Client(json_api=True)
                r = j.post("/password/reset", {"token": t, "new_password": "другой пароль 42"})
                self.assertEqual((r.status, r.json()["error"]), (422, "bad_token"))
                r = Client().post("/password/reset", {"token": t,
                                                      "new_password": "другой пароль 42"})
                self.assertEqual(r.status, 422)
                self.assertIn("Запросите новую", r.text)
                self.assertEqual(Client().get("/password/reset?token=" + t).status, 422)
        r = Client(json_api=True).post("/login", {"login": form["login"],
                                                  "password": form["password"]})
        self.assertEqual(r.status, 200)
        # No CSRF token: refused before anything else.
        r = Client(json_api=True).post("/password/reset", {"token": token,
                                                           "new_password": "x" * 12}, csrf=False)
        self.assertEqual(r.status, 403)

    def test_a_new_password_must_be_valid(self):
        c, form, uid = new_user()
        forgot(form["email"])
        _, _, token = self.reset_link(form["email"])
        r = Client(json_api=True).post("/password/reset", {"token": token,
                                                           "new_password": "short"})
        self.assertEqual((r.status, r.json()["error"]), (422, "invalid"))
        self.assertIn("new_password", r.json()["fields"])
        # The link still works after a refused password.
        r = Client(json_api=True).post("/password/reset", {"token": token,
                                                           "new_password": "длинный пароль 77"})
        self.assertEqual(r.status, 200, r.text)
        PASSWORDS.add("длинный пароль 77")

    def test_unknown_address_same_answer_no_mail(self):
        c, form, uid = new_user()
        unknown = unique("nobody") + "@example.kz"
        answers = []
        for address in (form["email"], unknown):
            for json_api in (False, True):
                _, r = forgot(address, json_api)
                answers.append((address, json_api, r.status, r.body,
                                sorted((k, v) for k, v in r.headers if k.lower() != "date")))
        known, unknown_ = [a for a in answers if a[0] == form["email"]], \
            [a for a in answers if a[0] == unknown]
        for k, u in zip(known, unknown_):
            self.assertEqual(k[1:], u[1:])
        self.assertEqual([a[2] for a in known], [303, 202])
        wait_mails(form["email"], "Восстановление пароля", 2)
        quiet()
        self.assertEqual(mails_to(unknown), [])
        self.assertEqual(sql("SELECT count(*) FROM amobill.mail_outbox WHERE to_address = :'a1'",
                             unknown), [["0"]])
        # A malformed address is a form error, for both alike.
        r = Client(json_api=True).post("/password/forgot", {"email": "not-an-address"})
        self.assertEqual((r.status, r.json()["error"]), (422, "invalid"))
        self.assertEqual(Client().get("/password/forgot").status, 200)
        self.assertIn('href="/password/forgot"', Client().get("/login").text)


class Events(unittest.TestCase):
    def test_payment_notice(self):
        c, form, uid = new_user()
        inv, host = paid_order(c)
        m = wait_mails(form["email"], "Оплата заказа № %s получена" % inv)[0]
        starts = almaty_day("starts_at", "amobill.license_periods", "inv_id = %s" % inv)
        ends = almaty_day("ends_at", "amobill.license_periods", "inv_id = %s" % inv)
        paid = almaty_day("paid_at", "amobill.orders", "inv_id = %s" % inv)
        for text in (m.text, m.html):
            self.assertIn("60%s000%s₸" % (NBSP, NBSP), text)
            self.assertIn(host, text)
            self.assertIn("с %s по %s" % (starts, ends), text)
            self.assertIn("Дата оплаты: %s" % paid, text)
        self.assertRegex(starts, r"^\d\d\.\d\d\.\d{4}$")
        # A repeated ResultURL call sends nothing more.
        paid_again = sql("SELECT count(*) FROM amobill.mail_outbox WHERE kind = 'payment_received'"
                         " AND (data->>'inv_id')::int = %s" % inv)
        self.assertEqual(paid_again, [["1"]])

    def refund(self, c):
        inv, host = paid_order(c)
        r = c.post("/refund", dict(BANK, inv_id=inv, reason=REASON))
        self.assertEqual(r.status, 201, r.text)
        return inv, host, r.json()["refund_id"], r.json()["amount"]

    def test_refund_request_decisions_and_payout(self):
        c, form, uid = new_user()
        inv, host, rid, amount = self.refund(c)
        tiyn = int(amount.replace(".", ""))
        shown = "{:,}".format(tiyn // 100).replace(",", NBSP) + \
            ("," + "%02d" % (tiyn % 100) if tiyn % 100 else "") + NBSP + "₸"
        m = wait_mails(form["email"], "Заявление на возврат по заказу № %s" % inv)[0]
        self.assertIn(shown, m.text)
        self.assertIn("Номер заявления: %d" % rid, m.text)
        self.assertIn(almaty_day("requested_at", "amobill.refunds", "id = %d" % rid), m.text)
        # The administrator's copy, with everything needed to decide and pay.
        admin_mail = wait_mails(config()["admin_email"], "Заявление на возврат № %d " % rid)[0]
        for text in (admin_mail.text, admin_mail.html):
            for want in ("№ %s" % inv, shown, "60%s000%s₸" % (NBSP, NBSP), REASON, "Иван Петров",
                         "KZ86125KZT5004100100", "CASPKZKA", "79****2728", form["login"],
                         form["email"], host):
                self.assertIn(want, text)
            self.assertNotIn("791028302728", text)
        self.assertEqual(admin("SELECT admin.approve_refund(%d, 'approved')" % rid).returncode, 0)
        m = wait_mails(form["email"], "Возврат по заказу № %s одобрен" % inv)[0]
        deadline = sql("SELECT to_char((decided_at + interval '14 days') AT TIME ZONE"
                       " 'Asia/Almaty', 'DD.MM.YYYY') FROM amobill.refunds WHERE id = %d"
                       % rid)[0][0]
        self.assertIn("Срок выплаты: до %s" % deadline, m.text)
        self.assertIn(shown, m.text)
        self.assertEqual(admin("SELECT admin.mark_refund_paid(%d, 'PP-2026-77')" % rid)
                         .returncode, 0)
        m = wait_mails(form["email"], "Деньги по заказу № %s возвращены" % inv)[0]
        self.assertIn("PP-2026-77", m.text)
        self.assertIn(shown, m.text)
        # A rejection.
        inv2, _, rid2, _ = self.refund(c)
        self.assertEqual(admin("SELECT admin.reject_refund(%d, 'not motivated')" % rid2)
                         .returncode, 0)
        m = wait_mails(form["email"], "Возврат по заказу № %s отклонён" % inv2)[0]
        self.assertIn("продолжает действовать", m.text)
        self.assertNotIn("not motivated", m.text)

    def test_block_notice_with_the_reason(self):
        c, form, uid = new_user()
        paid_order(c)
        r = admin("SELECT admin.block_account(%s, 'copyright', 'complaint 77')" % uid)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = wait_mails(form["email"], "заблокирован")[0]
        self.assertIn("из-за нарушения авторских и смежных прав", m.text)
        self.assertIn(almaty_day("blocked_at", "amobill.users", "id = %s" % uid), m.text)
        self.assertNotIn("complaint 77", m.text)

    def test_erasure_takes_the_mail_with_it(self):
        c, form, uid = new_user()
        wait_mails(form["email"], "Подтвердите адрес")
        self.assertEqual(admin("SELECT admin.erase_user(%s, 'request 5')" % uid).returncode, 0)
        self.assertEqual(sql("SELECT count(*) FROM amobill.mail_outbox WHERE user_id = %s"
                             % uid), [["0"]])
        quiet()
        self.assertEqual(mails_to("erased-%s@erased.invalid" % uid), [])


class Reminders(unittest.TestCase):
    def schedule_many_times(self):
        """The scheduler, run again and again, from the mailer and from SQL,
        some of it at once."""
        threads = [threading.Thread(target=run_mailer, args=("--once",)) for _ in range(3)]
        threads += [threading.Thread(target=sql, args=("SELECT amobill.mail_enqueue_reminders()",))
                    for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        for _ in range(2):
            self.assertIn(run_mailer("--once").returncode, (0, 1))
            sql("SELECT amobill.mail_enqueue_reminders()")

    def check(self, address, host, kind_word, days, period_where, n_total):
        # The days really left, in Almaty days (at least 1).
        left = max(1, int(sql("SELECT amobill.almaty_day(ends_at) - amobill.almaty_day(now())"
                              " FROM amobill.license_periods WHERE " + period_where)[0][0]))
        words = {1: "1 день", 6: "6 дней", 7: "7 дней"}[left]
        subject = "%s для %s заканчивается через %s" % (kind_word, host, words)
        m = wait_mails(address, subject)[0]
        ends = almaty_day("ends_at", "amobill.license_periods", period_where)
        self.assertIn(ends, m.text)
        self.assertIn(config()["base_url"] + "/checkout", m.text)
        quiet()
        self.assertEqual(len(mails_to(address, subject)), 1)
        self.assertEqual(len(mails_to(address, "заканчивается через")), n_total)

    def test_paid_period_7_days_then_1_day_each_once(self):
        c, form, uid = new_user()
        inv, host = paid_order(c)
        where = "inv_id = %s" % inv
        sql("UPDATE amobill.license_periods SET ends_at = now() + interval '7 days'"
            " - interval '1 hour' WHERE " + where)
        self.schedule_many_times()
        self.check(form["email"], host, "Подписка", 7, where, 1)
        sql("UPDATE amobill.license_periods SET ends_at = now() + interval '23 hours'"
            " WHERE " + where)
        self.schedule_many_times()
        self.check(form["email"], host, "Подписка", 1, where, 2)
        self.schedule_many_times()
        quiet()
        self.assertEqual(len(mails_to(form["email"], "заканчивается через")), 2)
        self.assertEqual(sql("SELECT days, count(*) FROM amobill.mail_reminders r"
                             " JOIN amobill.license_periods p ON p.id = r.period_id"
                             " WHERE p.inv_id = %s GROUP BY days ORDER BY days" % inv),
                         [["1", "1"], ["7", "1"]])

    def test_a_renewed_license_gets_no_reminder(self):
        c, form, uid = new_user()
        inv, host = paid_order(c)
        inv2, _ = paid_order(c, host)      # the next period follows at once
        # One transaction: a mailer round between the two statements would
        # see the first period ending with nothing after it.
        sql("BEGIN; UPDATE amobill.license_periods SET ends_at = now() + interval"
            " '3 days' WHERE inv_id = %s; UPDATE amobill.license_periods SET starts_at ="
            " (SELECT ends_at FROM amobill.license_periods WHERE inv_id = %s)"
            " WHERE inv_id = %s; COMMIT;" % (inv, inv, inv2))
        self.schedule_many_times()
        quiet()
        self.assertEqual(mails_to(form["email"], "заканчивается"), [])

    def test_trials_only_to_a_payer(self):
        c, form, uid = new_user()
        sub = unique("tr")
        # Ordered (not paid) for the account, then the widget started a
        # trial: an order never paid claims nothing (issue 12), no reminder.
        self.assertIn("inv_id", c.post("/checkout", {"amo_domain": sub, "accept_offer": "yes"},
                                       headers={"Accept": "application/json"}).json())
        amo_id = random.randint(10 ** 8, 10 ** 9)
        r = Client().get("/api/v1/license?widget=leadscore",
                         headers={"X-Auth-Token": amo_token(amo_id, sub)})
        self.assertEqual(r.json()["code"], "TRIAL")
        where = "kind = 'trial' AND account_id = (SELECT id FROM amobill.amo_accounts" \
            " WHERE amo_account_id = %d)" % amo_id
        sql("UPDATE amobill.license_periods SET ends_at = now() + interval '2 hours' WHERE "
            + where)
        self.schedule_many_times()
        quiet()
        self.assertEqual(mails_to(form["email"], "заканчивается"), [])
        # A trial nobody ordered for: no address, no reminder.
        lone = unique("lone")
        lone_id = random.randint(10 ** 8, 10 ** 9)
        Client().get("/api/v1/license?widget=leadscore",
                     headers={"X-Auth-Token": amo_token(lone_id, lone)})
        lone_where = "kind = 'trial' AND account_id = (SELECT id FROM amobill.amo_accounts" \
            " WHERE amo_account_id = %d)" % lone_id
        sql("UPDATE amobill.license_periods SET ends_at = now() + interval '2 hours' WHERE "
            + lone_where)
        self.schedule_many_times()
        self.assertEqual(sql("SELECT count(*) FROM amobill.mail_reminders WHERE period_id ="
                             " (SELECT id FROM amobill.license_periods WHERE %s)" % lone_where),
                         [["0"]])


class SmtpDown(unittest.TestCase):
    def test_events_succeed_mail_waits_then_each_delivered_once(self):
        c, form, uid = new_user()
        wait_mails(form["email"], "Подтвердите адрес")
        stack("stop", "smtp")
        try:
            # The events all succeed while the server is down.
            c2, form2, uid2 = new_user()
            _, r = forgot(form["email"], json_api=True)
            self.assertEqual(r.status, 202)
            inv, host = paid_order(c)
            r = c.post("/refund", dict(BANK, inv_id=inv, reason=REASON))
            self.assertEqual(r.status, 201)
            def pending():
                return [row[0] for row in sql(
                    "SELECT id FROM amobill.mail_outbox WHERE user_id IN (%s, %s)"
                    " AND state = 'pending' ORDER BY id" % (uid, uid2))]
            # verify, reset (queued at the mailer's next round), payment, the
            # act, refund x 2
            eventually(lambda: len(pending()) >= 6)
            ids = pending()
            self.assertEqual(len(ids), 6)
            idlist = ",".join(ids)

            def tried():
                rows = sql("SELECT count(*) FROM amobill.mail_outbox WHERE id IN (%s)"
                           " AND attempts >= 1 AND state = 'pending'"
                           " AND next_attempt_at > now() + interval '20 seconds'" % idlist)
                return rows[0][0] == str(len(ids))
            self.assertTrue(eventually(tried, 15))
            self.assertEqual(sql("SELECT DISTINCT ok FROM amobill.mail_attempts"
                                 " WHERE outbox_id IN (%s)" % idlist), [["f"]])
            # Exponential back-off: the second failure waits twice as long.
            sql("UPDATE amobill.mail_outbox SET next_attempt_at = now() WHERE id = %s" % ids[0])
            run_mailer("--once")    # or the running mailer takes it first
            self.assertTrue(eventually(lambda: sql(
                "SELECT attempts FROM amobill.mail_outbox WHERE id = %s" % ids[0]) == [["2"]], 10))
            quiet(0.5)
            wait = sql("SELECT attempts, extract(epoch FROM next_attempt_at - now())"
                       " FROM amobill.mail_outbox WHERE id = %s" % ids[0])[0]
            self.assertEqual(wait[0], "2")
            self.assertTrue(45 < float(wait[1]) <= 60, wait)
            quiet()
            self.assertEqual(mails_to(form2["email"]), [])
        finally:
            stack("start", "smtp")
        # Back: as if the back-off had run out, every message goes, once.
        sql("UPDATE amobill.mail_outbox SET next_attempt_at = now() WHERE id IN (%s)" % idlist)
        self.assertTrue(eventually(lambda: sql(
            "SELECT count(*) FROM amobill.mail_outbox WHERE id IN (%s) AND state = 'sent'"
            % idlist)[0][0] == str(len(ids)), 20))
        quiet()
        for mid, in sql("SELECT message_id FROM amobill.mail_outbox WHERE id IN (%s)" % idlist):
            self.assertEqual(len([m for m in mails() if m.msg["Message-ID"] == "<%s>" % mid]),
                             1, mid)
        self.assertEqual(len(mails_to(form2["email"], "Подтвердите адрес")), 1)
        # The reset link that finally came works.
        m = wait_mails(form["email"], "Восстановление пароля")[-1]
        _, token = m.links("/password/reset")[0]
        r = Client(json_api=True).post("/password/reset", {"token": token,
                                                           "new_password": "после сбоя 12345"})
        PASSWORDS.add("после сбоя 12345")
        self.assertEqual(r.status, 200, r.text)

    def test_given_up_after_two_days(self):
        c, form, uid = new_user()
        wait_mails(form["email"], "Подтвердите адрес")
        stack("stop", "smtp")
        try:
            mid = sql("INSERT INTO amobill.mail_outbox (kind, user_id, to_address, data,"
                      " created_at, give_up_at) VALUES ('account_blocked', %s, :'a1',"
                      " '{\"login\": \"x\", \"reason\": \"copyright\", \"since\": \"01.01.2026\"}',"
                      " now() - interval '49 hours', now() - interval '1 hour') RETURNING id"
                      % uid, form["email"])[0][0]
            self.assertTrue(eventually(lambda: sql(
                "SELECT state FROM amobill.mail_outbox WHERE id = %s" % mid) == [["failed"]], 15))
        finally:
            stack("start", "smtp")
        quiet()
        self.assertEqual(mails_to(form["email"], "заблокирован"), [])
        # The administrator sees it, and sends it again.
        r = admin("SELECT state, attempts, recipient, last_attempt FROM admin.mail_queue"
                  " WHERE mail_id = %s" % mid)
        self.assertEqual(r.stdout.strip().split("\t")[:3], ["failed", "1", form["email"]])
        self.assertIn("Couldn't connect", r.stdout)
        r = admin("SELECT admin.retry_mail(%s, 'SMTP outage over')" % mid)
        self.assertEqual(r.returncode, 0, r.stderr)
        wait_mails(form["email"], "заблокирован")
        self.assertNotEqual(admin("SELECT admin.retry_mail(%s, 'again')" % mid).returncode, 0)


def enqueue(kind, uid, address, data):
    """Queues a message as an event would, with data of the test's making;
    returns its id."""
    return sql("SELECT amobill.mail_enqueue(:'a1', %d, :'a2', :'a3'::jsonb)" % int(uid),
               kind, address, json.dumps(data))[0][0]


def attempts_of(mail_id):
    return sql("SELECT ok, detail FROM amobill.mail_attempts WHERE outbox_id = %s ORDER BY id"
               % mail_id)


class Templates(unittest.TestCase):
    """One list of kinds (amobill.mail_kinds), each with its templates and
    known to the mailer; computed values never shadowed; a render over its
    limits never sent."""

    def test_every_kind_has_its_templates_and_every_template_a_kind(self):
        kinds = {r[0] for r in sql("SELECT kind FROM amobill.mail_kinds")}
        self.assertIn("password_reset", kinds)
        for ext in (".txt", ".html"):
            files = {f[:-len(ext)] for f in os.listdir(TEMPLATES) if f.endswith(ext)}
            self.assertEqual(files - {"layout"}, kinds, ext)
            self.assertIn("layout", files)
        for kind in kinds:
            with open(os.path.join(TEMPLATES, kind + ".txt"), encoding="utf-8") as f:
                head = f.read().split("\n", 2)
            self.assertTrue(head[0].startswith("Subject: ") and head[1] == "", kind)
        # The kinds with a link are the ones whose tokens the site accepts.
        self.assertEqual(sql("SELECT kind, link_path, link_valid FROM amobill.mail_kinds"
                             " WHERE link_path IS NOT NULL ORDER BY kind"),
                         [["email_change", "/email/verify", "1 day"],
                          ["email_change_notice", "/email/undo", "7 days"],
                          ["password_reset", "/password/reset", "01:00:00"],
                          ["verify_email", "/email/verify", "7 days"]])
        # The outbox takes no other kind.
        r = subprocess.run(["psql", "-X", "-h", os.path.join(VAR, "pg"), "-U", "postgres",
                            "-d", "amobill", "-v", "ON_ERROR_STOP=1", "-c",
                            "INSERT INTO amobill.mail_outbox (kind, to_admin) VALUES"
                            " ('no_such_kind', true)"], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("mail_outbox_kind_fkey", r.stderr)

    def test_the_mailer_sends_every_kind(self):
        c, form, uid = new_user()
        wait_mails(form["email"], "Подтвердите адрес")
        # The kinds that carry a document are test_documents.py's: their
        # data must name an order whose document exists.
        kinds = [r[0] for r in sql("SELECT kind FROM amobill.mail_kinds"
                                   " WHERE attachment IS NULL ORDER BY kind")]
        address = unique("kinds") + "@example.kz"
        ids = [enqueue(k, uid, address, {"login": form["login"]}) for k in kinds]
        got = wait_mails(address, n=len(kinds), seconds=30)
        self.assertEqual(sql("SELECT DISTINCT state FROM amobill.mail_outbox WHERE id IN (%s)"
                             % ",".join(ids)), [["sent"]])
        self.assertEqual(len({m.subject for m in got}), len(kinds))
        conf = config()
        for m in got:
            for text in (m.text, m.html, m.subject):
                self.assertNotIn("{{", text, m.subject)
                self.assertNotIn("}}", text, m.subject)
            self.assertIn(conf["support_email"], m.text)
            self.assertIn('<html lang="ru">', m.html)

    def test_data_never_shadows_a_computed_value(self):
        c, form, uid = new_user()
        wait_mails(form["email"], "Подтвердите адрес")
        evil = {"login": form["login"], "link_url": "http://evil.example/steal",
                "reset_url": "http://evil.example/reset", "site_url": "http://evil.example/",
                "account_url": "http://evil.example/account",
                "checkout_url": "http://evil.example/checkout",
                "support_email": "evil@evil.example", "merchant_name": "EVIL MERCHANT",
                "expires": "никогда", "expires_time": "25:61", "body": "EVIL BODY",
                "subject": "EVIL SUBJECT", "amount": "бесплатно", "amount_tiyn": 6000000,
                "inv_id": "77"}
        conf = config()
        enqueue("password_reset", uid, form["email"], evil)
        enqueue("payment_received", uid, form["email"], evil)
        enqueue("account_blocked", uid, form["email"], evil)
        reset = wait_mails(form["email"], "Восстановление пароля")[0]
        paid = wait_mails(form["email"], "Оплата заказа № 77 получена")[0]
        blocked = wait_mails(form["email"], "заблокирован")[0]
        self.assertEqual(len(reset.links("/password/reset")), 1)
        self.assertTrue(reset.links("/password/reset")[0][0].startswith(conf["base_url"]))
        self.assertRegex(reset.text, r"до \d\d\.\d\d\.\d{4} \d\d:\d\d по времени Алматы")
        self.assertIn("60%s000%s₸" % (NBSP, NBSP), paid.text)
        self.assertIn(conf["base_url"] + "/account", paid.text)
        for m in (reset, paid, blocked):
            for text in (m.text, m.html, m.subject):
                for word in ("evil", "EVIL", "никогда", "25:61", "бесплатно"):
                    self.assertNotIn(word, text, m.subject)
            self.assertIn(conf["support_email"], m.text)
            self.assertEqual(str(m.msg["From"].addresses[0].display_name), conf["merchant_name"])

    def test_a_render_over_its_limits_is_not_sent_but_recorded(self):
        c, form, uid = new_user()
        wait_mails(form["email"], "Подтвердите адрес")
        data = {"inv_id": "88", "login": form["login"]}
        data.update(("key_%03d" % i, "v") for i in range(200))
        too_many = enqueue("payment_received", uid, form["email"], data)
        long_subject = enqueue("payment_received", uid, form["email"],
                               {"inv_id": "9" * 2000, "login": form["login"]})
        sql("INSERT INTO amobill.mail_kinds (kind) VALUES ('no_templates')")
        try:
            missing = enqueue("no_templates", uid, form["email"], {})
            for mail_id, why in ((too_many, "not rendered: the variables do not fit"),
                                 (long_subject, "not rendered: the subject is too long"),
                                 (missing, "not rendered: a template is missing")):
                self.assertTrue(eventually(lambda: attempts_of(mail_id), 15), why)
                self.assertEqual(attempts_of(mail_id), [["f", why]])
                # A failure like any other: tried again later, until it is given up.
                self.assertEqual(sql("SELECT state, attempts, next_attempt_at > now(),"
                                     " sent_at IS NULL FROM amobill.mail_outbox WHERE id = %s"
                                     % mail_id), [["pending", "1", "t", "t"]])
        finally:
            sql("DELETE FROM amobill.mail_outbox WHERE kind = 'no_templates';"
                " DELETE FROM amobill.mail_kinds WHERE kind = 'no_templates'")
            sql("UPDATE amobill.mail_outbox SET state = 'failed' WHERE id IN (%s, %s)"
                % (too_many, long_subject))
        quiet()
        self.assertEqual(mails_to(form["email"], "Оплата заказа"), [])

    def test_urls_the_customer_typed_are_inert_in_the_admin_refund_mail(self):
        # Finding 9c: the reason and the payee's name are the customer's
        # text; in the administrator's mail a client must not make a link
        # of them.
        c, form, uid = new_user()
        wait_mails(form["email"], "Подтвердите адрес")
        address = unique("inert") + "@example.kz"
        enqueue("refund_request_admin", uid, address, {
            "refund_id": 7, "inv_id": 1000001, "login": form["login"],
            "reason": "Оплатите по ссылке https://evil.example/pay или www.evil.example,"
                      " итого 5.5 дня.",
            "recipient": "ТОО evil.example", "full_name": "Иван http://x.evil.example",
            "email": form["email"]})
        m = wait_mails(address, "Заявление на возврат № 7 ")[0]
        for part in (m.text, m.html):
            self.assertNotIn("evil.example", part)
            self.assertIn("https[:]//evil[.]example/pay", part)
            self.assertIn("www[.]evil[.]example,", part)
            self.assertIn("ТОО evil[.]example", part)
            self.assertIn("Иван http[:]//x[.]evil[.]example", part)
            self.assertIn("итого 5.5 дня.", part)
            self.assertIn(form["email"], part)


# The mailer's lease on a claimed message (cmd/mailer.c LEASE), in seconds.
LEASE = 60


def set_sink_delay(seconds):
    """Makes the SMTP sink wait before taking each message (dev/smtp-sink)."""
    path = os.path.join(MAIL, ".delay")
    if seconds:
        with open(path, "w") as f:
            f.write("%g\n" % seconds)
    elif os.path.exists(path):
        os.unlink(path)


class Crash(unittest.TestCase):
    """A mailer killed while it sends: every message goes, the killed
    one's within the lease of the restart, none twice in the normal case,
    and a message sent again is the same message."""

    def test_killed_mid_send_every_message_once_and_the_same(self):
        c, form, uid = new_user()
        wait_mails(form["email"], "Подтвердите адрес")
        address = unique("crash") + "@example.kz"
        set_sink_delay(0.4)
        try:
            ids = [r[0] for r in sql(
                "SELECT amobill.mail_enqueue('password_reset', %s, :'a1',"
                " jsonb_build_object('login', :'a2')) FROM generate_series(1, 20)"
                % uid, address, form["login"])]
            self.assertEqual(len(ids), 20)
            idlist = ",".join(ids)
            # Killed while it sends: some delivered, the rest not yet.
            self.assertTrue(eventually(lambda: len(mails_to(address)) >= 3, 30))
            os.kill(pid("mailer"), signal.SIGKILL)
            killed = time.monotonic()
            delivered = len(mails_to(address))
            self.assertLess(delivered, 20)
            stack("start", "mailer")
            got = eventually(lambda: sql(
                "SELECT count(*) FROM amobill.mail_outbox WHERE id IN (%s) AND state = 'sent'"
                % idlist) == [["20"]], LEASE + 20)
            self.assertTrue(got, "%s of 20 sent %.0f s after the kill" % (
                sql("SELECT count(*) FROM amobill.mail_outbox WHERE id IN (%s)"
                    " AND state = 'sent'" % idlist)[0][0], time.monotonic() - killed))
        finally:
            set_sink_delay(0)
        quiet()
        got = mails_to(address)
        by_id = {}
        for m in got:
            by_id.setdefault(m.msg["Message-ID"], []).append(m)
        sent = {r[0]: r[1] for r in sql("SELECT id, message_id FROM amobill.mail_outbox"
                                        " WHERE id IN (%s)" % idlist)}
        # Every message arrived, under the Message-ID the outbox recorded.
        self.assertEqual(set(by_id), {"<%s>" % mid for mid in sent.values()})
        twice = [copies for copies in by_id.values() if len(copies) > 1]
        # At most the one the kill caught after the server had taken it
        # came twice, and then as the same message: same link, same id.
        self.assertLessEqual(len(twice), 1, [len(c) for c in by_id.values()])
        for copies in twice:
            self.assertEqual(len(copies), 2)
            self.assertEqual(copies[0].links("/password/reset"),
                             copies[1].links("/password/reset"))
            self.assertEqual(copies[0].text, copies[1].text)
        # One link per message, made once, each its own; every one works.
        links = [m.links("/password/reset") for copies in by_id.values() for m in copies[:1]]
        self.assertTrue(all(len(l) == 1 for l in links))
        self.assertEqual(len({l[0][1] for l in links}), 20)
        self.assertEqual(sql("SELECT count(*) FROM amobill.mail_tokens WHERE outbox_id IN (%s)"
                             % idlist), [["20"]])
        self.assertEqual(sql("SELECT count(*) FROM amobill.mail_tokens WHERE outbox_id IN (%s)"
                             " AND token_hash IN (SELECT decode(t, 'hex') FROM"
                             " unnest(string_to_array(:'a1', ',')) t)" % idlist,
                             ",".join(token_hash(l[0][1]) for l in links)),
                         [["20"]])
        # Nothing of a sent message is kept but its Message-ID.
        self.assertEqual(sql("SELECT count(*) FROM amobill.mail_outbox WHERE id IN (%s)"
                             " AND message IS NOT NULL" % idlist), [["0"]])


class ZzSecrets(unittest.TestCase):
    """Runs last (unittest orders classes by name): looks at every message
    the tests made."""

    def test_zz_no_password_no_full_iin_no_stray_token(self):
        quiet()
        everything = mails()
        self.assertTrue(everything)
        tokens = {}
        for m in everything:
            for path in ("/password/reset", "/email/verify"):
                for url, token in m.links(path):
                    tokens.setdefault(token, m.path)
        for m in everything:
            body = m.text + m.html + m.subject
            for secret in PASSWORDS | set(IINS) | {"correct horse 1"}:
                self.assertNotIn(secret, body, m.path)
            own = {t for path in ("/password/reset", "/email/verify") for _, t in m.links(path)}
            rest = re.sub(r"http://[^\s\"<>/]+/(password/reset|email/verify)\?token=(%s)" % TOKEN,
                          "", body)
            for token, where in tokens.items():
                self.assertNotIn(token, rest, m.path)
                if token not in own:
                    self.assertNotIn(token, body, m.path)
        # Nor does the outbox hold one.
        stored = " ".join(r[0] for r in sql("SELECT data::text FROM amobill.mail_outbox"))
        for secret in PASSWORDS | set(IINS) | set(tokens):
            self.assertNotIn(secret, stored)


class Privileges(unittest.TestCase):
    def psql_as(self, role, query):
        return subprocess.run(["psql", "-X", "-h", os.path.join(VAR, "pg"), "-U", role,
                               "-d", "amobill", "-v", "ON_ERROR_STOP=1", "-tAc", query],
                              capture_output=True, text=True)

    def test_each_role_only_its_part(self):
        denied = {
            "amobill_mail": ["SELECT password_hash FROM amobill.users",
                             "SELECT iin_bin FROM amobill.users",
                             "SELECT * FROM amobill.sessions",
                             "SELECT token_hash FROM amobill.mail_tokens",
                             "DELETE FROM amobill.mail_outbox",
                             "UPDATE amobill.mail_outbox SET data = '{}'",
                             "SELECT * FROM amobill.refunds"],
            "amobill_password": ["SELECT * FROM amobill.mail_outbox",
                                 "INSERT INTO amobill.mail_tokens (token_hash, purpose, user_id,"
                                 " email, expires_at) VALUES ('\\x00', 'password_reset', 1, 'a',"
                                 " now())",
                                 "UPDATE amobill.mail_tokens SET expires_at = now()"],
            "amobill_register": ["SELECT * FROM amobill.mail_outbox",
                                 "SELECT * FROM amobill.mail_tokens"],
        }
        for role, statements in denied.items():
            for q in statements:
                with self.subTest(role=role, q=q):
                    r = self.psql_as(role, "BEGIN; %s; ROLLBACK" % q)
                    self.assertNotEqual(r.returncode, 0)
                    self.assertIn("permission denied", r.stderr)


if __name__ == "__main__":
    unittest.main()
