"""Who holds an amoCRM account's license (issue 12, finding 1): a customer
sees, is reminded of and can lose by a block only the periods of their own
paid orders (and the trial or granted days of an account they paid for).
An order anyone can start for any account, never paid, claims nothing:
the attacker's cabinet shows nothing of the account, the attacker gets
none of its mail, and blocking the attacker leaves the payer's license
VALID."""
import datetime
import random
import unittest

from stack import (Client, admin, amo_token, paid_order, register, sql, unique,
                   within_a_second)
from test_mail import quiet, wait_mails, mails_to

ALMATY = datetime.timezone(datetime.timedelta(hours=5))


def uid_of(login):
    return sql("SELECT id FROM amobill.users WHERE login = :'a1'", login)[0][0]


def license_code(sub, amo_id):
    r = Client().get("/api/v1/license?widget=leadscore",
                     headers={"X-Auth-Token": amo_token(amo_id, sub)})
    return r.json()["code"]


def cabinet(c):
    return c.get("/account", headers={"Accept": "application/json"}).json()


class Ownership(unittest.TestCase):
    def setUp(self):
        # A pays for X.
        self.a, self.a_form = register(login=unique("own"))
        _, self.inv, self.host = paid_order(self.a, prefix="own")
        self.sub = self.host.split(".")[0]
        self.a_uid = uid_of(self.a_form["login"])
        # B checks out X too, and never pays.
        self.b, self.b_form = register(login=unique("own"))
        self.b_uid = uid_of(self.b_form["login"])
        j = self.b.post("/checkout", {"amo_domain": self.sub, "accept_offer": "yes"},
                        headers={"Accept": "application/json"}).json()
        self.b_inv = j["inv_id"]
        self.amo_id = random.randint(10 ** 8, 10 ** 9)

    def tearDown(self):
        for uid in (self.a_uid, self.b_uid):
            admin("SELECT admin.unblock_account(%s, 'end of test')" % uid)

    def test_the_cabinet_shows_only_ones_own_paid_periods(self):
        cab = cabinet(self.b)
        self.assertEqual([o["inv_id"] for o in cab["orders"]], [self.b_inv])
        self.assertEqual(cab["licenses"], [])
        html = self.b.get("/account", headers={"Accept": "text/html"}).text
        self.assertIn("Лицензий пока нет.", html)
        self.assertNotIn('data-label="Период"', html)
        # A's own cabinet is as it was: the paid period, active.
        lic = cabinet(self.a)["licenses"]
        self.assertEqual([(l["amo_domain"], l["kind"], l["inv_id"], l["status"])
                          for l in lic], [(self.host, "paid", int(self.inv), "active")])
        self.assertIn('data-label="Период"',
                      self.a.get("/account", headers={"Accept": "text/html"}).text)

    def test_reminders_go_to_the_payer_only_with_the_real_count(self):
        sql("UPDATE amobill.license_periods SET ends_at = now() + interval '5 days'"
            " - interval '1 minute' WHERE inv_id = %s" % self.inv)
        ends = datetime.datetime.fromisoformat(sql(
            "SELECT to_json(ends_at) #>> '{}' FROM amobill.license_periods"
            " WHERE inv_id = %s" % self.inv)[0][0]).astimezone(ALMATY)
        left = max(1, (ends.date() - datetime.datetime.now(ALMATY).date()).days)
        words = {4: "4 дня", 5: "5 дней"}[left]
        sql("SELECT amobill.mail_enqueue_reminders()")
        self.assertEqual(sql("SELECT count(*) FROM amobill.mail_outbox WHERE user_id = %s"
                             " AND kind = 'license_ending'" % self.b_uid), [["0"]])
        got = sql("SELECT data->>'days_text' FROM amobill.mail_outbox WHERE user_id = %s"
                  " AND kind = 'license_ending'" % self.a_uid)
        self.assertEqual(got, [[words]])
        m = wait_mails(self.a_form["email"], "заканчивается через " + words)[0]
        self.assertIn(self.host, m.subject)
        self.assertIn("через " + words, m.text)
        quiet()
        self.assertEqual(mails_to(self.b_form["email"], "заканчивается"), [])

    def test_a_block_suspends_only_what_the_blocked_user_paid_for(self):
        self.assertEqual(license_code(self.sub, self.amo_id), "VALID")
        r = admin("SELECT admin.block_account(%s, 'terms_violation', 'case B')" % self.b_uid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(license_code(self.sub, self.amo_id), "VALID")
        self.assertEqual(cabinet(self.a)["licenses"][0]["status"], "active")
        r = admin("SELECT suspended FROM admin.active_licenses WHERE amo_domain = '%s'"
                  % self.host)
        self.assertEqual(r.stdout.split(), ["f"])
        r = admin("SELECT admin.block_account(%s, 'terms_violation', 'case A')" % self.a_uid)
        self.assertEqual(r.returncode, 0, r.stderr)
        # Within a second on every worker (contract §3), not necessarily
        # the very next answer.
        within_a_second(lambda: [license_code(self.sub, self.amo_id) for _ in range(4)],
                        lambda c: c == "SUSPENDED")
        r = admin("SELECT suspended FROM admin.active_licenses WHERE amo_domain = '%s'"
                  % self.host)
        self.assertEqual(r.stdout.split(), ["t"])
        admin("SELECT admin.unblock_account(%s, 'resolved')" % self.a_uid)
        within_a_second(lambda: [license_code(self.sub, self.amo_id) for _ in range(4)],
                        lambda c: c == "VALID")


if __name__ == "__main__":
    unittest.main()
