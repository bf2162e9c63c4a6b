"""Robokassa's ResultURL call: forged calls change nothing, a real one has
its effect exactly once however it arrives, and an outage is never
answered OK."""
import concurrent.futures
import datetime
import os
import stat
import urllib.parse
import unittest

from stack import (Client, config, count, eventually, register, rk_signature, sql, stack,
                   unique)


def new_order(host=None):
    c, _ = register()
    host = host or unique("acc") + ".amocrm.ru"
    r = c.post("/checkout", {"amo_domain": host, "accept_offer": "yes"})
    assert r.status == 201, r.body
    return str(r.json()["inv_id"]), host


def call(fields, method="POST"):
    """One ResultURL call from a client of its own (Robokassa's servers)."""
    c = Client()
    body = fields if isinstance(fields, (bytes, str)) else urllib.parse.urlencode(fields)
    if method == "GET":
        return c.get("/robokassa/result?" + (body if isinstance(body, str) else body.decode()))
    return c.request("POST", "/robokassa/result",
                     body=body if isinstance(body, bytes) else body.encode())


def signed(inv, out_sum="60000.000000", password=None, upper=True, **extra):
    shp = {k: v for k, v in extra.items() if k.lower().startswith("shp_")}
    f = {"OutSum": out_sum, "InvId": inv,
         "SignatureValue": rk_signature(out_sum, inv,
                                        password or config()["robokassa_password2"],
                                        shp=shp, upper=upper),
         "Fee": "2100.000000", "EMail": "payer@example.kz",
         "PaymentMethod": "BankCard", "IncCurrLabel": "BankCardKZT", "IsTest": "1"}
    f.update(extra)
    return f


def periods(inv):
    return int(sql("SELECT count(*) FROM amobill.license_periods WHERE inv_id = %s" % inv)[0][0])


def status(inv):
    return sql("SELECT status FROM amobill.orders WHERE inv_id = %s" % inv)[0][0]


def outcomes(inv):
    return [r[0] for r in sql("SELECT outcome FROM amobill.payment_events"
                              " WHERE inv_id = %s ORDER BY id" % inv)]


class Forged(unittest.TestCase):
    def assert_unchanged(self, inv):
        self.assertEqual(status(inv), "unpaid")
        self.assertEqual(periods(inv), 0)

    def test_forged_calls_change_nothing(self):
        inv, _ = new_order()
        events = count("amobill.payment_events")
        p2, p1 = config()["robokassa_password2"], config()["robokassa_password1"]
        cases = [
            ("wrong signature", dict(signed(inv), SignatureValue="0" * 32), 400),
            ("password #1", signed(inv, password=p1), 400),
            ("secret guessed", signed(inv, password="dev-password"), 400),
            ("one tiyn less", signed(inv, out_sum="59999.990000"), 409),
            ("one tiyn more", signed(inv, out_sum="60000.01"), 409),
            ("below a tiyn", signed(inv, out_sum="60000.001"), 409),
            ("changed after signing", dict(signed(inv), OutSum="6000.000000"), 400),
            ("Shp added after signing", dict(signed(inv), Shp_plan="free"), 400),
            ("no signature", {k: v for k, v in signed(inv).items() if k != "SignatureValue"}, 400),
            ("no OutSum", {k: v for k, v in signed(inv).items() if k != "OutSum"}, 400),
            ("no InvId", {k: v for k, v in signed(inv).items() if k != "InvId"}, 400),
            ("bad OutSum", signed(inv, out_sum="60 000"), 400),
            ("negative", signed(inv, out_sum="-60000.00"), 400),
            ("huge InvId", dict(signed(inv), InvId="99999999999999999999"), 400),
            ("InvId 2^31", dict(signed(inv), InvId="2147483648"), 400),
            ("oversize value", dict(signed(inv), Shp_x="y" * 5000), 400),
            ("SQL in InvId", dict(signed(inv), InvId=inv + "; DELETE FROM amobill.orders"), 400),
        ]
        for name, fields, want in cases:
            with self.subTest(name):
                r = call(fields)
                self.assertEqual(r.status, want, r.text)
                self.assertFalse(r.text.startswith("OK"))
                self.assert_unchanged(inv)
        raw = urllib.parse.urlencode(signed(inv))
        for name, body in (("repeated field", raw + "&OutSum=60000.000000"),
                           ("bad escape", raw + "&EMail=%zz"),
                           ("NUL", raw.replace("InvId=", "InvId=%00")),
                           ("bad UTF-8", raw + "&Shp_a=%FF"),
                           ("empty pair", raw + "&&x=1")):
            with self.subTest(name):
                r = call(body)
                self.assertEqual(r.status, 400, r.text)
                self.assert_unchanged(inv)
        # Every call was recorded, with what became of it.
        self.assertEqual(count("amobill.payment_events") - events, len(cases) + 5)
        self.assertIn("bad_signature", outcomes(inv))
        self.assertIn("amount_mismatch", outcomes(inv))
        # Body too large for anyone.
        r = call(raw + "&pad=" + "x" * 70000)
        self.assertEqual(r.status, 413)
        self.assert_unchanged(inv)

    def test_an_invid_past_the_range_is_malformed_and_recorded(self):
        before = count("amobill.payment_events")
        r = call(signed("2147483648"))
        self.assertEqual(r.status, 400, r.text)
        self.assertEqual(count("amobill.payment_events"), before + 1)
        self.assertEqual(sql("SELECT outcome, inv_id IS NULL FROM amobill.payment_events"
                             " ORDER BY id DESC LIMIT 1"), [["malformed", "t"]])

    def test_unknown_invid(self):
        r = call(signed("2147483000"))
        self.assertEqual(r.status, 404)
        self.assertEqual(sql("SELECT outcome FROM amobill.payment_events WHERE inv_id = 2147483000"
                             " ORDER BY id DESC LIMIT 1"), [["unknown_order"]])

    def test_upper_and_lower_case_hex_and_get(self):
        inv, _ = new_order()
        r = call(signed(inv, upper=True))
        self.assertEqual((r.status, r.text), (200, "OK" + inv))
        self.assertEqual(status(inv), "paid")
        r = call(urllib.parse.urlencode(signed(inv, upper=False)), method="GET")
        self.assertEqual((r.status, r.text), (200, "OK" + inv))
        self.assertEqual(periods(inv), 1)
        self.assertEqual(outcomes(inv), ["paid", "already_paid"])

    def test_head_with_a_valid_signature_is_refused_and_applies_nothing(self):
        # A HEAD is a GET without a body for every other route; here a GET
        # applies the payment, so a link checker or proxy must not.
        inv, _ = new_order()
        query = urllib.parse.urlencode(signed(inv))
        r = Client().request("HEAD", "/robokassa/result?" + query)
        self.assertEqual(r.status, 405)
        self.assertEqual(status(inv), "unpaid")
        self.assertEqual(periods(inv), 0)
        self.assertNotIn("paid", outcomes(inv))
        # The same call as GET still is the payment.
        r = call(query, method="GET")
        self.assertEqual((r.status, r.text), (200, "OK" + inv))
        self.assertEqual(status(inv), "paid")


class ExactlyOnce(unittest.TestCase):
    def test_fifty_concurrent_identical_calls(self):
        inv, _ = new_order()
        fields = signed(inv, Shp_plan="all-widgets-6m")
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(lambda _: call(fields), range(50)))
        self.assertEqual([(a.status, a.text) for a in answers], [(200, "OK" + inv)] * 50)
        self.assertEqual(periods(inv), 1)
        self.assertEqual(status(inv), "paid")
        self.assertEqual(sorted(outcomes(inv)), ["already_paid"] * 49 + ["paid"])

    def test_second_purchase_extends_from_the_end(self):
        host = unique("ext") + ".amocrm.ru"
        first, _ = new_order(host)
        second, _ = new_order(host)
        self.assertEqual(call(signed(first)).text, "OK" + first)
        self.assertEqual(call(signed(second)).text, "OK" + second)
        rows = sql("SELECT inv_id, starts_at, ends_at FROM amobill.license_periods p"
                   " JOIN amobill.amo_accounts a ON a.id = p.account_id"
                   " WHERE a.host = :'a1' ORDER BY starts_at", host)
        self.assertEqual([r[0] for r in rows], [first, second])
        self.assertEqual(rows[1][1], rows[0][2])
        end = datetime.datetime.fromisoformat(rows[1][2].replace(" ", "T"))
        start = datetime.datetime.fromisoformat(rows[0][1].replace(" ", "T"))
        self.assertTrue(360 <= (end - start).days <= 368)


def journal():
    """The file robokassa-result keeps the calls of an outage in."""
    return os.path.join(config()["journal_dir"], "robokassa-result.journal")


def journal_lines():
    try:
        with open(journal()) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


class Outage(unittest.TestCase):
    def test_database_down_is_never_ok_and_the_retry_succeeds(self):
        inv, _ = new_order()
        fields = signed(inv)
        stack("pg-stop")
        try:
            r = call(fields)
            self.assertEqual(r.status, 503)
            self.assertFalse(r.text.startswith("OK"))
        finally:
            stack("pg-start")
        # Robokassa's retry: OK, and one period whoever applied it first
        # (the retry, or the journal's replay of the call above).
        r = call(fields)
        self.assertEqual((r.status, r.text), (200, "OK" + inv))
        self.assertEqual(periods(inv), 1)
        self.assertEqual(status(inv), "paid")

    def test_a_call_during_an_outage_is_replayed_once(self):
        inv, _ = new_order()
        other, _ = new_order()
        fields = signed(inv, Shp_plan="all-widgets-6m")
        forged = dict(signed(other), SignatureValue="0" * 32)
        stack("pg-stop")
        try:
            r = call(fields)
            self.assertEqual(r.status, 503)
            self.assertFalse(r.text.startswith("OK"))
            r = call(urllib.parse.urlencode(forged), method="GET")
            self.assertEqual(r.status, 503)
            # Kept on disk before the answer, for the program alone, with
            # nothing but what Robokassa sent.
            lines = journal_lines()
            self.assertEqual(len(lines), 2, lines)
            self.assertEqual(stat.S_IMODE(os.stat(journal()).st_mode), 0o600)
            self.assertIn("InvId=" + inv, lines[0])
            self.assertIn("InvId=" + other, lines[1])
            for secret in (config()["robokassa_password2"], config()["robokassa_password1"]):
                self.assertNotIn(secret, "\n".join(lines))
        finally:
            stack("pg-start")
        # Back: within seconds both calls are recorded, with the outcome a
        # live call gets, and the signed one paid the order.
        self.assertTrue(eventually(lambda: outcomes(inv) and outcomes(other), 10),
                        (outcomes(inv), outcomes(other)))
        self.assertEqual(outcomes(inv), ["paid"])
        self.assertEqual(outcomes(other), ["bad_signature"])
        self.assertEqual((status(inv), periods(inv)), ("paid", 1))
        self.assertEqual((status(other), periods(other)), ("unpaid", 0))
        # Recorded as the call it was, at the time it came.
        rows = sql("SELECT e.method, e.params->>'Shp_plan', e.received_at < o.paid_at"
                   " FROM amobill.payment_events e JOIN amobill.orders o USING (inv_id)"
                   " WHERE e.inv_id = %s" % inv)
        self.assertEqual(rows, [["POST", "all-widgets-6m", "t"]])
        self.assertTrue(eventually(lambda: journal_lines() == [], 5), journal_lines())
        # The same lines replayed again (a worker that died before it could
        # clear the file): recorded once.
        with open(journal(), "a") as f:
            f.write("\n".join(lines) + "\n")
        self.assertTrue(eventually(lambda: journal_lines() == [], 10), journal_lines())
        self.assertEqual(outcomes(inv), ["paid"])
        self.assertEqual(outcomes(other), ["bad_signature"])
        # Robokassa's own retry is a call of its own: recorded, answered OK.
        r = call(fields)
        self.assertEqual((r.status, r.text), (200, "OK" + inv))
        self.assertEqual(outcomes(inv), ["paid", "already_paid"])
        self.assertEqual(periods(inv), 1)


if __name__ == "__main__":
    unittest.main()
