"""The cabinet's documents and the checkout's choice of method (issue 15;
contract §3 GET /account, GET /checkout, §7): orders carry their method,
the invoices and acts of the user's own orders are listed (JSON and HTML)
with their links, and the checkout offers "by invoice" only to a profile
that holds a BIN or IIN and an address."""
import datetime
import html
import random
import re
import unittest

from stack import Client, admin, register, sql

BIN = "940140000385"
JSON = {"Accept": "application/json"}


def company(**over):
    return register(status="legal_entity", full_name="ТОО «Кабинет-Клиент»",
                    iin_bin=BIN, address="г. Астана, пр. Образцовый, 9", **over)[0]


def checkout(c, method):
    c.move()   # nginx's limit per address on POST /checkout
    r = c.post("/checkout", {"amo_domain": "cab%d" % random.randint(10 ** 7, 10 ** 9),
                             "accept_offer": "yes", "method": method}, headers=JSON)
    assert r.status == 201, (r.status, r.body[:300])
    return r.json()


def cabinet(c):
    r = c.get("/account", headers=JSON)
    assert r.status == 200, (r.status, r.body[:300])
    return r.json()


def day(iso):
    """"2026-12-01" as the pages write it: "01.12.2026"."""
    return datetime.date.fromisoformat(iso).strftime("%d.%m.%Y")


class CabinetDocuments(unittest.TestCase):
    def test_invoice_then_act_listed_to_the_owner_only(self):
        c = company()
        card = checkout(c, "card")
        inv = checkout(c, "invoice")
        j = cabinet(c)
        methods = {o["inv_id"]: o.get("method") for o in j["orders"]}
        self.assertEqual(methods, {card["inv_id"]: "card", inv["inv_id"]: "invoice"})

        issued = sql("SELECT issued_on FROM amobill.invoices WHERE inv_id = :'a1'",
                     inv["inv_id"])[0][0]
        invoice = {"kind": "invoice", "inv_id": inv["inv_id"], "number": inv["invoice_no"],
                   "date": issued, "url": "/documents/invoice/%d.pdf" % inv["inv_id"]}
        self.assertEqual(j.get("documents"), [invoice])
        self.assertEqual(invoice["url"], inv["invoice_url"])

        # The bank payment: the act joins it, newest first.
        r = admin("SELECT admin.record_bank_payment('%s', 60000, current_date, 'PP-C1',"
                  " 'statement')" % inv["invoice_no"])
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "paid"), r.stderr)
        act = sql("SELECT number, issued_on FROM amobill.acts WHERE inv_id = :'a1'",
                  inv["inv_id"])[0]
        j = cabinet(c)
        self.assertEqual(j["documents"], [
            {"kind": "act", "inv_id": inv["inv_id"], "number": act[0], "date": act[1],
             "url": "/documents/act/%d.pdf" % inv["inv_id"]},
            invoice])

        # The page: the method column and the links, as a person reads them.
        b = Client()
        b.cookies = dict(c.cookies)
        page = b.get("/account")
        self.assertEqual(page.status, 200)
        text = html.unescape(re.sub(r"<[^>]+>", "", page.text))
        self.assertIn("Оплата", text)
        self.assertIn("по счёту", text)
        self.assertIn("картой", text)
        self.assertIn("Документы", text)
        for kind, number, date, name in (("invoice", inv["invoice_no"], issued,
                                          "Счёт на оплату"),
                                         ("act", act[0], act[1], "Акт")):
            with self.subTest(kind=kind):
                self.assertIn("%s № %s от %s" % (name, number, day(date)), text)
                self.assertRegex(page.text, r'<a href="/documents/%s/%d\.pdf">%s'
                                 % (kind, inv["inv_id"], name))

        # Another user: none of them, in JSON or on the page.
        other = company()
        j = cabinet(other)
        self.assertEqual(j.get("documents"), [])
        self.assertNotIn(inv["inv_id"], [o["inv_id"] for o in j["orders"]])
        b = Client()
        b.cookies = dict(other.cookies)
        page = b.get("/account").text
        self.assertNotIn(inv["invoice_no"], page)
        self.assertNotIn(act[0], page)
        self.assertNotIn("/documents/invoice/%d.pdf" % inv["inv_id"], page)


class CheckoutMethod(unittest.TestCase):
    def form(self, c):
        b = Client()
        b.cookies = dict(c.cookies)
        r = b.get("/checkout")
        self.assertEqual(r.status, 200, r.body[:200])
        return r.text

    def test_offered_to_a_complete_profile(self):
        page = self.form(company())
        self.assertRegex(page, r'<input type="radio" name="method" value="card" checked>')
        self.assertRegex(page, r'<input type="radio" name="method" value="invoice">')
        self.assertIn("По счёту (банковский перевод)", page)
        self.assertIn("Картой", page)
        self.assertRegex(page, r"в течение \d+ (дня|дней)")

    def test_not_offered_without_an_address(self):
        # Registration and the cabinet always require an address (five
        # characters at least): a profile without one is one whose address
        # is blank, as create_invoice_order reads it, written directly.
        c = company()
        uid = cabinet(c)["user"]["user_id"]
        sql("UPDATE amobill.users SET address = '     ' WHERE id = :'a1'", uid)
        page = self.form(c)
        self.assertNotIn('value="invoice"', page)
        self.assertIn("доступна, когда в профиле указаны БИН или ИИН и адрес", page)
        c.move()
        r = c.post("/checkout", {"amo_domain": "cabnoaddr", "accept_offer": "yes",
                                 "method": "invoice"}, headers=JSON)
        self.assertEqual((r.status, r.json()["error"]), (422, "profile_incomplete"))

    def test_the_choice_stays_after_an_error(self):
        c = company()
        b = Client()
        b.cookies = dict(c.cookies)
        b.move()
        r = b.post("/checkout", {"amo_domain": "", "accept_offer": "yes",
                                 "method": "invoice"})
        self.assertEqual(r.status, 422, r.body[:200])
        page = r.text
        self.assertRegex(page, r'name="method" value="invoice" checked>')
        self.assertRegex(page, r'name="method" value="card">')


if __name__ == "__main__":
    unittest.main()
