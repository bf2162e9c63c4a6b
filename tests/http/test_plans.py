"""Plans on the customer's side (issue 13): the checkout lists every plan on
sale and sells any of them at its price; a retired or unknown plan is
refused with nothing written; the cabinet says which widgets each license
covers."""
import html as htmlmod
import json
import random
import re
import urllib.parse
import unittest

from stack import Client, admin, config, count, register, rk_signature, sql, unique

NBSP = "\u00a0"
BUNDLE = "all-widgets-6m"
SINGLE = "leadscore-6m"


def browser():
    """A logged-in person whose pages come as HTML, as a browser sees them."""
    c = Client()
    register(c)
    return c


def checked_plan(page):
    """The plan code whose radio button is checked on a checkout page."""
    found = re.findall(r'<input type="radio" name="plan" value="([^"]*)" checked>', page)
    assert len(found) == 1, found
    return htmlmod.unescape(found[0])


def offered(page):
    return [htmlmod.unescape(v) for v in
            re.findall(r'<input type="radio" name="plan" value="([^"]*)"', page)]


def catalogue():
    r = Client().get("/api/v1/widgets", headers={"Accept": "application/json"})
    assert r.status == 200, r.status
    return {w["code"] for w in r.json()}


def pay(inv, out_sum):
    """Robokassa's ResultURL call for order inv, as the sandbox makes it."""
    shp = {k: v for k, v in sql("SELECT 'Shp_plan', plan_code FROM amobill.orders"
                                " WHERE inv_id = %s" % inv)}
    fields = dict(shp, OutSum=out_sum, InvId=inv, SignatureValue=rk_signature(
        out_sum, inv, config()["robokassa_password2"], shp=shp))
    r = Client().request("POST", "/robokassa/result",
                         body=urllib.parse.urlencode(fields).encode())
    assert r.text == "OK" + inv, r.text


def publish(term_months=12, widgets="ARRAY['callplan']", price="12000"):
    code = "test-%d" % random.randrange(10 ** 9)
    name = "Тестовый тариф %s" % code
    r = admin("SELECT admin.publish_plan('%s', '%s', %s, %d, %s, 'test plan')"
              % (code, name, price, term_months, widgets))
    assert r.returncode == 0, r.stderr
    return code, name


class CheckoutLists(unittest.TestCase):
    def test_every_plan_on_sale_with_price_term_and_widgets(self):
        c = browser()
        page = c.get("/checkout")
        self.assertEqual(page.status, 200)
        t = page.text
        for text in ("Все виджеты на 6 месяцев", "Оценка сделок на 6 месяцев",
                     "60" + NBSP + "000" + NBSP + "₸", "25" + NBSP + "000" + NBSP + "₸",
                     "на 6 месяцев", "все виджеты набора", "Оценка сделок",
                     "План звонков", "Поиск дублей"):
            self.assertIn(text, t)
        plans = offered(t)
        self.assertIn(BUNDLE, plans)
        self.assertIn(SINGLE, plans)
        # In the seller's order: the bundle first.
        self.assertEqual(plans, [r[0] for r in sql(
            "SELECT code FROM amobill.plans_on_sale ORDER BY position")])
        self.assertEqual(checked_plan(t), BUNDLE)
        self.assertEqual(checked_plan(c.get("/checkout?plan=" + SINGLE).text), SINGLE)
        # A plan not on sale, or garbage, asked for: the default, not echoed.
        for q in ("gold", "%3Cscript%3E", "%00", "%ff", "a" * 300):
            with self.subTest(q=q):
                r = c.get("/checkout?plan=" + q)
                self.assertEqual(r.status, 200)
                self.assertEqual(checked_plan(r.text), BUNDLE)
                self.assertNotIn("<script>", r.text)

    def test_a_published_plan_is_listed_and_a_retired_one_refused(self):
        code, name = publish()
        c = browser()
        page = c.get("/checkout").text
        self.assertIn(code, offered(page))
        self.assertIn(name, page)
        self.assertIn("на 12 месяцев", page)
        self.assertIn("12" + NBSP + "000" + NBSP + "₸", page)

        r = admin("SELECT admin.retire_plan('%s', 'test over')" % code)
        self.assertEqual(r.returncode, 0, r.stderr)
        page = c.get("/checkout").text
        self.assertNotIn(code, offered(page))
        self.assertNotIn(name, page)
        self.assertEqual(checked_plan(c.get("/checkout?plan=" + code).text), BUNDLE)
        orders = count("amobill.orders")
        c.move()
        r = c.post("/checkout", {"amo_domain": unique("ret"), "accept_offer": "yes",
                                 "plan": code}, headers={"Accept": "application/json"})
        self.assertEqual(r.status, 422)
        self.assertEqual(r.json()["error"], "invalid")
        self.assertIn("plan", r.json()["fields"])
        self.assertEqual(count("amobill.orders"), orders)
        self.assertEqual(sql("SELECT count(*) FROM amobill.orders WHERE plan_code = '%s'"
                             % code), [["0"]])


class CheckoutSells(unittest.TestCase):
    def test_the_single_widget_plan_at_its_price(self):
        c = browser()
        host = unique("single") + ".amocrm.ru"
        r = c.post("/checkout", {"amo_domain": host, "accept_offer": "yes", "plan": SINGLE},
                   headers={"Accept": "application/json"})
        self.assertEqual(r.status, 201, r.text[:300])
        j = r.json()
        inv = str(j["inv_id"])
        self.assertEqual(j["params"]["OutSum"], "25000.00")
        self.assertEqual(j["params"]["Shp_plan"], SINGLE)
        receipt = json.loads(urllib.parse.unquote_plus(j["params"]["Receipt"]))
        item = receipt["items"][0]
        self.assertEqual(item["sum"], 25000)
        self.assertIn("Оценка сделок на 6 месяцев", item["name"])
        self.assertEqual(j["params"]["SignatureValue"], rk_signature(
            j["params"]["MerchantLogin"], "25000.00", inv, j["params"]["Receipt"],
            config()["robokassa_password1"], shp={"Shp_plan": SINGLE}))
        self.assertEqual(sql("SELECT plan_code, amount_tiyn, status FROM amobill.orders"
                             " WHERE inv_id = %s" % inv), [[SINGLE, "2500000", "unpaid"]])
        pay(inv, "25000.000000")

        cab = c.get("/account", headers={"Accept": "application/json"}).json()
        order = [o for o in cab["orders"] if o["inv_id"] == int(inv)][0]
        self.assertEqual((order["plan"], order["amount"], order["status"]),
                         (SINGLE, "25000.00", "paid"))
        lic = [l for l in cab["licenses"] if l["inv_id"] == int(inv)][0]
        self.assertEqual((lic["plan"], lic["widgets"], lic["status"]),
                         (SINGLE, ["leadscore"], "active"))
        page = c.get("/account").text
        row = [r for r in page.split("<tr>") if host in r and 'data-label="Тариф"' in r]
        self.assertEqual(len(row), 1, row)
        self.assertIn("Оценка сделок на 6 месяцев", row[0])
        self.assertIn("Виджеты: Оценка сделок<", row[0])

    def test_the_bundle_covers_every_catalogue_widget(self):
        c = Client(json_api=True)
        register(c)
        j = c.post("/checkout", {"amo_domain": unique("bundle"), "accept_offer": "yes"}).json()
        inv = str(j["inv_id"])
        self.assertEqual(j["params"]["OutSum"], "60000.00")
        pay(inv, "60000.000000")
        cab = c.get("/account").json()
        lic = [l for l in cab["licenses"] if l["inv_id"] == int(inv)][0]
        self.assertEqual(lic["plan"], BUNDLE)
        self.assertEqual(len(lic["widgets"]), len(set(lic["widgets"])))
        self.assertEqual(set(lic["widgets"]), catalogue())

    def test_the_form_shown_again_keeps_the_chosen_plan(self):
        c = browser()
        r = c.post("/checkout", {"amo_domain": unique("keep"), "plan": SINGLE})
        self.assertEqual(r.status, 422)
        self.assertIn("accept_offer", r.text)
        self.assertEqual(checked_plan(r.text), SINGLE)


class BadPlans(unittest.TestCase):
    def test_unknown_and_hostile_plan_codes_write_nothing(self):
        c = Client(json_api=True)
        register(c)
        b = browser()
        orders = count("amobill.orders")
        raw = [b"gold", b"all-widgets-6m'; DROP TABLE amobill.orders; --",
               b"<script>alert(1)</script>", b"\"><img src=x>", b"all%00widgets-6m",
               b"%00", b"%ff%fe", b"%c3%28", b"a" * 33, b"a" * 65, b"x" * 20000,
               b"ALL-WIDGETS-6M", b"all-widgets-6m%20", b"leadscore-6m-"]
        for v in raw:
            for who in (c, b):
                with self.subTest(plan=v[:40], json=who is c):
                    who.move()
                    body = (b"amo_domain=" + unique("bad").encode() +
                            b"&accept_offer=yes&csrf=" + who.csrf().encode() + b"&plan=" + v)
                    r = who.post("/checkout", body)
                    self.assertLess(r.status, 500)
                    if len(v) > 10000:
                        self.assertIn(r.status, (413, 422))
                        continue
                    self.assertEqual(r.status, 422, r.text[:300])
                    if who is c:
                        self.assertEqual(r.json()["error"], "invalid")
                        self.assertIn("plan", r.json()["fields"])
                    else:
                        # The error is shown next to the plan's choice.
                        self.assertNotIn('id="plan-err"></span>', r.text)
                        self.assertNotIn("<script>alert", r.text)
                        self.assertNotIn("<img src=x>", r.text)
        self.assertEqual(count("amobill.orders"), orders)
        self.assertEqual(sql("SELECT count(*) FROM amobill.plans"
                             " WHERE code IN ('all-widgets-6m', 'leadscore-6m')"), [["2"]])


if __name__ == "__main__":
    unittest.main()
