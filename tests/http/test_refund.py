"""Refunds: the customer's request with its arithmetic, the window, the
errors of the contract, and the administrator's decision through psql."""
import datetime
import json
import os
import subprocess
import threading
import unittest
import zoneinfo

from stack import (ROOT, Client, admin, amo_token, count, eventually, paid_order, register,
                   sql, unique, within_a_second)

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
BANK = {"recipient": "Иван Петров", "recipient_iin_bin": "791028302728",
        "iban": "KZ86 125K ZT50 0410 0100", "bic": "caspkzka"}
REASON = "Виджеты не подошли для наших процессов продаж, отказываемся."


def started(inv, days_ago):
    """Moves the order's period (and payment) days_ago calendar days back,
    in Almaty, as if access had begun then."""
    sql("UPDATE amobill.license_periods SET starts_at = starts_at - make_interval(days => %d),"
        " ends_at = ends_at - make_interval(days => %d) WHERE inv_id = %s"
        % (days_ago, days_ago, inv))
    sql("UPDATE amobill.orders SET paid_at = paid_at - make_interval(days => %d)"
        " WHERE inv_id = %s" % (days_ago, inv))


def expected_amount(inv):
    start, end = sql("SELECT (starts_at AT TIME ZONE 'Asia/Almaty')::date,"
                     " (ends_at AT TIME ZONE 'Asia/Almaty')::date"
                     " FROM amobill.license_periods WHERE inv_id = %s" % inv)[0]
    start, end = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
    total = (end - start).days
    used = (datetime.datetime.now(ALMATY).date() - start).days + 1
    tiyn = (6000000 * (total - used) * 2 + total) // (2 * total)  # half up
    return "%d.%02d" % divmod(tiyn, 100)


class Request(unittest.TestCase):
    def request(self, c, inv, **over):
        f = dict(BANK, inv_id=inv, reason=REASON)
        f.update(over)
        return c.post("/refund", f)

    def test_first_day_and_fourteenth_day_accepted_fifteenth_refused(self):
        for days_ago, ok in ((0, True), (1, True), (6, True), (13, True), (14, False)):
            with self.subTest(day=days_ago + 1):
                c, inv, _ = paid_order(prefix="rf")
                started(inv, days_ago)
                want = expected_amount(inv)
                r = self.request(c, inv)
                if ok:
                    self.assertEqual(r.status, 201, r.text)
                    self.assertEqual(r.json()["amount"], want)
                    cab = c.get("/account").json()
                    ref = [x for x in cab["refunds"] if x["refund_id"] == r.json()["refund_id"]][0]
                    self.assertEqual((ref["inv_id"], ref["amount"], ref["status"],
                                      ref["payout_deadline"]), (int(inv), want, "pending", None))
                else:
                    self.assertEqual(r.status, 422)
                    self.assertEqual(r.json()["error"], "window_closed")

    def test_arithmetic_on_the_first_day(self):
        # A period of 181 days (as from 10 February): one day used, 180 left.
        c, inv, _ = paid_order(prefix="rf")
        sql("UPDATE amobill.license_periods SET ends_at = starts_at + interval '181 days'"
            " WHERE inv_id = %s" % inv)
        r = self.request(c, inv)
        self.assertEqual(r.json()["amount"], "59668.51")   # 6 000 000 * 180 / 181
        self.assertEqual(sql("SELECT days_total, days_used, amount_tiyn FROM amobill.refunds"
                             " WHERE inv_id = %s" % inv), [["181", "1", "5966851"]])

    def test_arithmetic_nine_days_used(self):
        c, inv, _ = paid_order(prefix="rf")
        sql("UPDATE amobill.license_periods SET ends_at = starts_at + interval '181 days'"
            " WHERE inv_id = %s" % inv)
        started(inv, 8)
        self.assertEqual(self.request(c, inv).json()["amount"], "57016.57")  # * 172 / 181

    def test_errors_write_nothing(self):
        c, inv, _ = paid_order(prefix="rf")
        other, other_inv, _ = paid_order(prefix="rf")
        unpaid = str(c.post("/checkout", {"amo_domain": unique("np"), "accept_offer": "yes"})
                     .json()["inv_id"])
        before = count("amobill.refunds")
        cases = [
            ("someone else's order", dict(inv_id=other_inv), 422, "invalid", "inv_id"),
            ("unknown order", dict(inv_id="2147483000"), 422, "invalid", "inv_id"),
            ("bad order number", dict(inv_id="12ab"), 422, "invalid", "inv_id"),
            ("unpaid order", dict(inv_id=unpaid), 422, "not_paid", None),
            ("bad IBAN", dict(iban="KZ87125KZT5004100100"), 422, "invalid", "iban"),
            ("foreign IBAN", dict(iban="GB82WEST12345698765432"), 422, "invalid", "iban"),
            ("bad BIC", dict(bic="CASPRUKA"), 422, "invalid", "bic"),
            ("short reason", dict(reason="не подошло"), 422, "invalid", "reason"),
            ("HTML in reason", dict(reason="<script>alert(1)</script> не подошли виджеты"),
             422, "invalid", "reason"),
            ("bad IIN", dict(recipient_iin_bin="791028302729"), 422, "invalid", "recipient_iin_bin"),
            ("SQL in recipient", dict(recipient="x'); DELETE FROM amobill.refunds; --"),
             422, "invalid", "recipient"),
            ("oversized reason", dict(reason="я" * 3000), 422, "invalid", "reason"),
        ]
        for name, over, status, code, field in cases:
            with self.subTest(name):
                c.move()   # past the per-address rate limit, as another person would be
                r = c.post("/refund", dict(dict(BANK, inv_id=inv, reason=REASON), **over))
                self.assertEqual(r.status, status, r.text)
                self.assertEqual(r.json()["error"], code)
                if field:
                    self.assertIn(field, r.json()["fields"])
        for raw in (b"inv_id=%zz", b"reason=%FF%FE", b"iban=KZ%00"):
            c.move()
            r = c.post("/refund", raw + b"&csrf=" + c.csrf().encode())
            self.assertEqual(r.status, 422)
        self.assertEqual(c.post("/refund", dict(BANK, inv_id=inv, reason=REASON),
                                csrf=False).status, 403)
        self.assertEqual(Client(json_api=True).post("/refund", dict(BANK, inv_id=inv,
                                                                     reason=REASON)).status, 401)
        self.assertEqual(count("amobill.refunds"), before)

    def test_second_request_for_the_same_order(self):
        c, inv, _ = paid_order(prefix="rf")
        self.assertEqual(self.request(c, inv).status, 201)
        r = self.request(c, inv)
        self.assertEqual(r.status, 409)
        self.assertEqual(r.json()["error"], "already_requested")
        self.assertEqual(sql("SELECT count(*) FROM amobill.refunds WHERE inv_id = %s" % inv),
                         [["1"]])

    def test_browser_form(self):
        b = Client()
        register(b)
        _, inv, host = paid_order(b, prefix="rf")
        page = b.get("/refund?inv_id=" + inv)
        self.assertEqual(page.status, 200)
        self.assertIn(host, page.text)
        r = b.post("/refund", dict(BANK, inv_id=inv, reason="коротко"))
        self.assertEqual(r.status, 422)
        self.assertIn('id="reason-err">Опишите причину', r.text)
        self.assertIn('value="Иван Петров"', r.text)
        r = b.post("/refund", dict(BANK, inv_id=inv, reason=REASON))
        self.assertEqual(r.status, 303)
        cab = b.get("/account").text
        self.assertIn("на рассмотрении", cab)
        self.assertEqual(b.get("/refund?inv_id=1").status, 404)


class Decisions(unittest.TestCase):
    def refund(self):
        c, inv, host = paid_order(prefix="rf")
        r = c.post("/refund", dict(BANK, inv_id=inv, reason=REASON))
        self.assertEqual(r.status, 201)
        return c, inv, host, r.json()["refund_id"]

    def license_of(self, host, amo_id):
        sub = host.split(".")[0]
        r = Client().get("/api/v1/license?widget=leadscore",
                         headers={"X-Auth-Token": amo_token(amo_id, sub)})
        return r.json()

    def test_approve_suspends_within_a_second_then_paid(self):
        c, inv, host, rid = self.refund()
        amo_id = int(inv) * 10 + 7
        self.assertEqual(self.license_of(host, amo_id)["code"], "VALID")
        r = admin("SELECT admin.approve_refund(%d, 'motivated, approved')" % rid)
        self.assertEqual(r.returncode, 0, r.stderr)
        for j in within_a_second(lambda: [self.license_of(host, amo_id) for _ in range(4)],
                                 lambda j: j["code"] != "VALID"):
            self.assertEqual(j["code"], "SUSPENDED")
        cab = c.get("/account").json()
        ref = [x for x in cab["refunds"] if x["refund_id"] == rid][0]
        self.assertEqual(ref["status"], "approved")
        deadline = datetime.datetime.fromisoformat(ref["payout_deadline"])
        self.assertLess(abs((deadline - datetime.datetime.now(datetime.timezone.utc)
                             - datetime.timedelta(days=14)).total_seconds()), 120)
        lic = [x for x in cab["licenses"] if x["inv_id"] == int(inv)][0]
        self.assertEqual(lic["status"], "suspended")
        due = admin("SELECT refund_id, status, overdue FROM admin.refunds_due"
                    " WHERE refund_id = %d" % rid)
        self.assertEqual(due.stdout.split(), [str(rid), "approved", "f"])
        r = admin("SELECT admin.mark_refund_paid(%d, 'PP-2026-0042')" % rid)
        self.assertEqual(r.returncode, 0, r.stderr)
        cab = c.get("/account").json()
        self.assertEqual([x["status"] for x in cab["refunds"] if x["refund_id"] == rid], ["paid"])
        self.assertEqual([o["status"] for o in cab["orders"] if o["inv_id"] == int(inv)],
                         ["refunded"])
        self.assertEqual(admin("SELECT count(*) FROM admin.refunds_due WHERE refund_id = %d"
                               % rid).stdout.strip(), "0")

    def test_reject_keeps_the_license(self):
        c, inv, host, rid = self.refund()
        amo_id = int(inv) * 10 + 3
        r = admin("SELECT admin.reject_refund(%d, 'reason not motivated')" % rid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.license_of(host, amo_id)["code"], "VALID")
        cab = c.get("/account").json()
        self.assertEqual([x["status"] for x in cab["refunds"] if x["refund_id"] == rid],
                         ["rejected"])
        # Paying out a rejected request is refused, and changes nothing.
        r = admin("SELECT admin.mark_refund_paid(%d, 'PP-1')" % rid)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not approved", r.stderr)

    def test_overdue_refunds_are_flagged(self):
        _, _, _, rid = self.refund()
        self.assertEqual(admin("SELECT admin.approve_refund(%d, 'approved')" % rid).returncode, 0)
        sql("UPDATE amobill.refunds SET decided_at = now() - interval '15 days' WHERE id = %d" % rid)
        due = admin("SELECT overdue, payout_deadline < now() FROM admin.refunds_due"
                    " WHERE refund_id = %d" % rid)
        self.assertEqual(due.stdout.split(), ["t", "t"])


def period(inv):
    """The order's license period as the database holds it: (starts_at,
    ends_at, revoked_at or None), as aware datetimes."""
    row = sql("SELECT to_json(starts_at) #>> '{}', to_json(ends_at) #>> '{}',"
              " coalesce(to_json(revoked_at) #>> '{}', '')"
              " FROM amobill.license_periods WHERE inv_id = %s" % inv)[0]
    return tuple(datetime.datetime.fromisoformat(v) if v else None for v in row)


def license_of(host, amo_id):
    r = Client().get("/api/v1/license?widget=leadscore",
                     headers={"X-Auth-Token": amo_token(amo_id, host.split(".")[0])})
    return r.json()


def expires(answer):
    return datetime.datetime.fromisoformat(answer["expires_at"].replace("Z", "+00:00"))


def approved_refund(c, inv):
    """The customer asks for the order's refund and an administrator
    approves it through psql: the refund's id."""
    r = c.post("/refund", dict(BANK, inv_id=inv, reason=REASON))
    assert r.status == 201, r.text
    rid = r.json()["refund_id"]
    a = admin("SELECT admin.approve_refund(%d, 'motivated, approved')" % rid)
    assert a.returncode == 0, a.stderr
    return rid


def day(t):
    return t.astimezone(ALMATY).strftime("%d.%m.%Y")


class Periods(unittest.TestCase):
    """The periods around a refund: what was queued behind a refunded
    period moves up to the revocation keeping its length, and buying
    again after a refund starts at once (issue 11)."""

    def test_refund_with_a_queued_period_keeps_the_license_valid(self):
        for k, who in ((1, "same"), (2, "other")):
            with self.subTest(customer=who):
                c, first, host = paid_order(prefix="rq")
                started(first, 5)
                buyer = c if who == "same" else register()[0]
                _, second, _ = paid_order(buyer, host=host)
                s0, e0, _ = period(second)
                self.assertEqual(s0, period(first)[1], "queued behind the first")
                amo_id = int(first) * 10 + k
                j = license_of(host, amo_id)
                self.assertEqual((j["code"], expires(j)), ("VALID", e0.replace(microsecond=0)))

                approved_refund(c, first)
                _, _, revoked = period(first)
                s1, e1, _ = period(second)
                self.assertEqual(s1, revoked, "the queued period starts at the revocation")
                self.assertEqual(e1 - s1, e0 - s0, "and keeps its length")
                within_a_second(lambda: [license_of(host, amo_id) for _ in range(4)],
                                lambda j: j["code"] == "VALID"
                                and expires(j) == e1.replace(microsecond=0))
                for client in {c, buyer}:
                    lic = {l["inv_id"]: l for l in client.get("/account").json()["licenses"]
                           if l["amo_domain"] == host}
                    # Each customer sees the periods they paid for (issue 12).
                    self.assertEqual(int(first) in lic, client is c)
                    self.assertEqual(int(second) in lic, client is buyer)
                    if client is c:
                        self.assertEqual(lic[int(first)]["status"], "suspended")
                        self.assertEqual(datetime.datetime.fromisoformat(
                            lic[int(first)]["ends_at"]), revoked)
                    if client is buyer:
                        self.assertEqual(lic[int(second)]["status"], "active")
                        self.assertEqual(datetime.datetime.fromisoformat(
                            lic[int(second)]["starts_at"]), s1)
                        self.assertEqual(datetime.datetime.fromisoformat(
                            lic[int(second)]["ends_at"]), e1)
                    html = client.get("/account", headers={"Accept": "text/html"}).text
                    self.assertEqual(day(e1) in html, client is buyer)
                    self.assertNotIn(day(e0), html)

    def test_buying_again_after_a_refund_is_valid_at_once(self):
        c, first, host = paid_order(prefix="rb")
        started(first, 3)
        amo_id = int(first) * 10 + 4
        self.assertEqual(license_of(host, amo_id)["code"], "VALID")
        approved_refund(c, first)
        within_a_second(lambda: [license_of(host, amo_id) for _ in range(4)],
                        lambda j: j["code"] == "SUSPENDED")
        _, second, _ = paid_order(c, host=host)
        s, e, _ = period(second)
        self.assertGreater(s, period(first)[2], "after the revocation")
        self.assertLess(abs(s - datetime.datetime.now(datetime.timezone.utc)).total_seconds(),
                        60, "the new period starts at once, not at the refunded one's end")
        within_a_second(lambda: [license_of(host, amo_id) for _ in range(4)],
                        lambda j: j["code"] == "VALID" and expires(j) == e.replace(microsecond=0))
        lic = [l for l in c.get("/account").json()["licenses"] if l["inv_id"] == int(second)][0]
        self.assertEqual(lic["status"], "active")
        self.assertEqual(datetime.datetime.fromisoformat(lic["starts_at"]).astimezone(
            ALMATY).date(), datetime.datetime.now(ALMATY).date())

    def test_a_payment_during_the_approval_follows_the_moved_period(self):
        # The approval holds the account's lock until it commits: a payment
        # for the same account made meanwhile waits, then starts after the
        # moved period, not after where it used to be.
        c, first, host = paid_order(prefix="rl")
        started(first, 2)
        _, second, _ = paid_order(c, host=host)
        s0, e0, _ = period(second)
        r = c.post("/refund", dict(BANK, inv_id=first, reason=REASON))
        self.assertEqual(r.status, 201, r.text)
        rid = r.json()["refund_id"]
        name = unique("held")
        held = subprocess.Popen([os.path.join(ROOT, "scripts", "psql"), "-X", "-q",
                                 "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=dict(os.environ, PGAPPNAME=name))
        third = []
        t = threading.Thread(target=lambda: third.append(paid_order(c, host=host)[1]))
        try:
            held.stdin.write("BEGIN;\nSELECT admin.approve_refund(%d, 'approved, held');\n"
                             % rid)
            held.stdin.flush()
            self.assertTrue(eventually(lambda: sql(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = :'a1'"
                " AND state = 'idle in transaction' AND query LIKE '%approve_refund%'",
                name) == [["1"]]), "the approval is done, not committed")
            t.start()
            self.assertTrue(eventually(lambda: sql(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = 'amobill_payment'"
                " AND wait_event_type = 'Lock'") == [["1"]], 3.0),
                "the payment waits for the approval: %r %r" % (third, sql(
                    "SELECT usename, state, wait_event_type, left(query, 60)"
                    " FROM pg_stat_activity WHERE datname = 'amobill'"
                    " AND state <> 'idle'")))
            self.assertEqual(third, [])
            _, err = held.communicate("COMMIT;\n", timeout=10)
            self.assertEqual(held.returncode, 0, err)
        finally:
            if held.poll() is None:
                held.kill()
                held.communicate()
            if t.ident:
                t.join(10)
        self.assertEqual(len(third), 1)
        s1, e1, _ = period(second)
        self.assertEqual(e1 - s1, e0 - s0)
        s3, e3, _ = period(third[0])
        self.assertEqual(s3, e1, "the payment follows the moved period")
        amo_id = int(first) * 10 + 5
        within_a_second(lambda: [license_of(host, amo_id) for _ in range(4)],
                        lambda j: j["code"] == "VALID" and expires(j) == e3.replace(microsecond=0))


if __name__ == "__main__":
    unittest.main()
