"""Buying the subscription end to end: checkout, the (sandboxed) payment
page, Robokassa's ResultURL call, the success page and the cabinet."""
import datetime
import json
import re
import urllib.parse
import unittest
import zoneinfo

from stack import (Client, config, count, hidden_inputs, register, rk_signature,
                   sql, unique)

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")


def six_months_on(day):
    """The same day six calendar months later (the end of the month if the
    day does not exist there), as PostgreSQL's interval arithmetic does."""
    import calendar
    month = day.month + 6
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def path_of(url):
    u = urllib.parse.urlsplit(url)
    return u.path + ("?" + u.query if u.query else "")


class Purchase(unittest.TestCase):
    def test_whole_purchase_through_the_sandbox(self):
        b = Client()
        _, form = register(b)
        host = unique("shop") + ".amocrm.ru"

        page = b.get("/checkout")
        self.assertEqual(page.status, 200)
        self.assertIn("60\u00a0000\u00a0₸", page.text)
        self.assertIn('href="/offer"', page.text)

        r = b.post("/checkout", {"amo_domain": "https://" + host.upper() + "/",
                                 "accept_offer": "yes"})
        self.assertEqual(r.status, 200)
        self.assertIn('action="%s"' % config()["robokassa_url"], r.text)
        params = hidden_inputs(r.text)
        inv = params["InvId"]
        self.assertEqual(params["MerchantLogin"], config()["robokassa_merchant_login"])
        self.assertEqual(params["OutSum"], "60000.00")
        self.assertEqual(params["Email"], form["email"])
        self.assertEqual(params["IsTest"], "1")
        self.assertEqual(params["Culture"], "ru")
        # The receipt: one service line, quantity 1, the sum, the tax code.
        receipt = json.loads(urllib.parse.unquote_plus(params["Receipt"]))
        self.assertEqual(len(receipt["items"]), 1)
        item = receipt["items"][0]
        self.assertEqual((item["quantity"], item["sum"], item["tax"]), (1, 60000, "none"))
        self.assertIn(host, item["name"])
        # The start signature, computed here from the formula.
        shp = {k: v for k, v in params.items() if k.lower().startswith("shp_")}
        self.assertEqual(params["SignatureValue"], rk_signature(
            params["MerchantLogin"], params["OutSum"], inv, params["Receipt"],
            config()["robokassa_password1"], shp=shp))
        self.assertEqual(sql("SELECT status FROM amobill.orders WHERE inv_id = %s" % inv),
                         [["unpaid"]])

        # The browser posts the form to the payment page...
        pay = b.post(path_of(config()["robokassa_url"]), urllib.parse.urlencode(params))
        self.assertEqual(pay.status, 200, pay.text[:300])
        self.assertIn("60\u00a0000", pay.text)
        # ...and pays; the sandbox calls ResultURL, then sends it back.
        r = b.post("/sandbox/robokassa/Pay", {"InvId": inv, "action": "pay"}, csrf=False)
        self.assertEqual(r.status, 303, r.text[:300])
        back = r.header("Location")
        self.assertTrue(back.startswith(config()["base_url"] + "/robokassa/success?"))
        done = b.get(path_of(back))
        self.assertEqual(done.status, 200)
        self.assertIn("Оплата получена", done.text)

        calls = sql("SELECT outcome, method FROM amobill.payment_events"
                    " WHERE inv_id = %s AND source = 'result_url'" % inv)
        self.assertEqual(calls, [["paid", "POST"]])
        params_seen = json.loads(sql("SELECT params FROM amobill.payment_events"
                                     " WHERE inv_id = %s" % inv)[0][0])
        self.assertEqual(params_seen["OutSum"], "60000.000000")
        for k in ("Fee", "EMail", "PaymentMethod", "IncCurrLabel", "Shp_plan"):
            self.assertIn(k, params_seen)

        cab = b.get("/account", headers={"Accept": "application/json"}).json()
        order = [o for o in cab["orders"] if o["inv_id"] == int(inv)][0]
        self.assertEqual(order["status"], "paid")
        self.assertEqual(order["amount"], "60000.00")
        self.assertEqual(order["amo_domain"], host)
        self.assertEqual(order["plan"], "all-widgets-6m")
        lic = [l for l in cab["licenses"] if l["inv_id"] == int(inv)][0]
        self.assertEqual((lic["amo_domain"], lic["kind"], lic["status"]),
                         (host, "paid", "active"))
        starts = datetime.datetime.fromisoformat(lic["starts_at"]).astimezone(ALMATY)
        ends = datetime.datetime.fromisoformat(lic["ends_at"]).astimezone(ALMATY)
        self.assertEqual(starts.date(), datetime.datetime.now(ALMATY).date())
        self.assertEqual(ends.date(), six_months_on(starts.date()))
        self.assertEqual(ends.time(), starts.time())
        html = b.get("/account").text
        self.assertIn(host, html)
        self.assertIn(ends.strftime("%d.%m.%Y"), html)
        # Payment is acceptance of the offer version shown at checkout.
        self.assertEqual(sql("SELECT d.kind, d.version FROM amobill.acceptances a"
                             " JOIN amobill.documents d ON d.id = a.offer_id"
                             " WHERE a.inv_id = %s" % inv), [["offer", "sample-1"]])

    def test_declined_payment_goes_to_the_fail_page(self):
        b = Client()
        register(b)
        r = b.post("/checkout", {"amo_domain": unique("shop"), "accept_offer": "yes"})
        params = hidden_inputs(r.text)
        b.post(path_of(config()["robokassa_url"]), urllib.parse.urlencode(params))
        r = b.post("/sandbox/robokassa/Pay", {"InvId": params["InvId"], "action": "decline"},
                   csrf=False)
        self.assertEqual(r.status, 303)
        fail = b.get(path_of(r.header("Location")))
        self.assertEqual(fail.status, 200)
        for text in ("срок действия", "достаточно ли средств", "платежи в интернете",
                     "дневного лимита", config()["support_email"]):
            self.assertIn(text, fail.text)
        self.assertEqual(sql("SELECT status FROM amobill.orders WHERE inv_id = %s"
                             % params["InvId"]), [["unpaid"]])


class Checkout(unittest.TestCase):
    def test_json_checkout(self):
        c, _ = register()
        r = c.post("/checkout", {"amo_domain": "MyCo-" + unique("x") + ".kommo.com",
                                 "accept_offer": "yes", "plan": "all-widgets-6m"})
        self.assertEqual(r.status, 201)
        j = r.json()
        self.assertEqual(j["payment_url"], config()["robokassa_url"])
        self.assertEqual(j["params"]["InvId"], str(j["inv_id"]))
        self.assertLessEqual(j["inv_id"], 2 ** 31 - 1)
        for k in ("MerchantLogin", "OutSum", "InvId", "Description", "SignatureValue",
                  "Email", "Culture", "IsTest", "Receipt"):
            self.assertIn(k, j["params"])
        host = sql("SELECT a.host FROM amobill.orders o JOIN amobill.amo_accounts a"
                   " ON a.id = o.account_id WHERE o.inv_id = %d" % j["inv_id"])[0][0]
        self.assertTrue(host.startswith("myco-") and host.endswith(".kommo.com"))

    def test_bare_name_means_amocrm_ru(self):
        c, _ = register()
        name = unique("bare")
        j = c.post("/checkout", {"amo_domain": name, "accept_offer": "yes"}).json()
        self.assertEqual(sql("SELECT a.host FROM amobill.orders o JOIN amobill.amo_accounts a"
                             " ON a.id = o.account_id WHERE o.inv_id = %d" % j["inv_id"]),
                         [[name + ".amocrm.ru"]])

    def test_bad_input_creates_no_order(self):
        c, _ = register()
        orders = count("amobill.orders")
        for domain in ("", "my company", "evil.example.com", "x.amocrm.ru.evil.com",
                       "-bad.amocrm.ru", "a" * 64, "<script>", "'; DROP TABLE amobill.orders; --",
                       "%00", "mycompany.amocrm.ru/path"):
            with self.subTest(domain=domain):
                c.move()    # each from its own address: nginx limits 10 in a row
                r = c.post("/checkout", {"amo_domain": domain, "accept_offer": "yes"})
                self.assertEqual(r.status, 422)
                self.assertIn("amo_domain", r.json()["fields"])
        c.move()
        r = c.post("/checkout", {"amo_domain": "fine"})
        self.assertEqual(r.status, 422)
        self.assertIn("accept_offer", r.json()["fields"])
        r = c.post("/checkout", {"amo_domain": "fine", "accept_offer": "yes", "plan": "gold"})
        self.assertEqual(r.status, 422)
        self.assertIn("plan", r.json()["fields"])
        r = c.post("/checkout", {"amo_domain": "fine", "accept_offer": "yes", "csrf": "C" * 43})
        self.assertEqual(r.status, 403)
        r = Client(json_api=True).post("/checkout", {"amo_domain": "fine", "accept_offer": "yes"})
        self.assertEqual(r.status, 401)
        self.assertEqual(count("amobill.orders"), orders)

    def test_success_page_needs_a_valid_signature(self):
        c, _ = register()
        inv = str(c.post("/checkout", {"amo_domain": unique("s"), "accept_offer": "yes"})
                  .json()["inv_id"])
        out_sum = "60000.000000"
        good = rk_signature(out_sum, inv, config()["robokassa_password1"],
                            shp={"Shp_plan": "all-widgets-6m"})
        q = "/robokassa/success?" + urllib.parse.urlencode(
            {"OutSum": out_sum, "InvId": inv, "SignatureValue": good,
             "Shp_plan": "all-widgets-6m", "IsTest": "1", "Culture": "ru"})
        r = Client().get(q)
        self.assertEqual(r.status, 200)
        self.assertIn("Оплата подтверждается", r.text)
        bad = q.replace(good, rk_signature(out_sum, inv, config()["robokassa_password2"],
                                           shp={"Shp_plan": "all-widgets-6m"}))
        self.assertEqual(Client().get(bad).status, 400)


if __name__ == "__main__":
    unittest.main()
