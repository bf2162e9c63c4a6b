"""Checkout by invoice and the bank payment that pays it (issue 15;
contract §3 POST /checkout method=invoice, §5 admin.record_bank_payment,
§7): a legal entity orders by invoice, the invoice holds its details and
the seller's from the configuration, and the administrator's one call
pays it once; bad input writes nothing."""
import random
import unittest
import urllib.parse

from stack import (Client, admin, amo_token, config, count, register, sql,
                   within_a_second)

BIN = "940140000385"


def company(**over):
    c, form = register(status="legal_entity", full_name="ТОО «Образец-Клиент»",
                       iin_bin=BIN, address="г. Астана, пр. Образцовый, 7", **over)
    return c, form


def order(c, host, **over):
    fields = {"amo_domain": host, "accept_offer": "yes", "method": "invoice"}
    fields.update(over)
    c.move()   # nginx's limit per address on POST /checkout
    return c.post("/checkout", fields, headers={"Accept": "application/json"})


def license_code(n, sub):
    r = Client().get("/api/v1/license?widget=leadscore",
                     headers={"X-Auth-Token": amo_token(n, sub)})
    return r.json()["code"]


class InvoiceCheckout(unittest.TestCase):
    def test_an_invoice_order_paid_by_transfer(self):
        c, _ = company()
        n = random.randint(10 ** 7, 10 ** 9)
        sub = "inv%d" % n
        r = order(c, sub)
        self.assertEqual(r.status, 201, r.body[:300])
        j = r.json()
        self.assertRegex(j["invoice_no"], r"^\d{4}-\d{6}$")
        self.assertEqual(j["invoice_url"], "/documents/invoice/%d.pdf" % j["inv_id"])
        self.assertRegex(j["payable_until"], r"^\d{4}-\d{2}-\d{2}$")
        conf = config()
        row = sql("SELECT v.buyer_name, v.buyer_iin_bin, v.buyer_address, v.amount_tiyn,"
                  "       v.seller->>'iik', v.seller->>'bic', v.seller->>'kbe',"
                  "       v.seller->>'knp', v.seller->>'bin', o.method, o.status,"
                  "       v.payable_until - v.issued_on"
                  "  FROM amobill.invoices v JOIN amobill.orders o USING (inv_id)"
                  " WHERE v.inv_id = :'a1'", j["inv_id"])[0]
        self.assertEqual(row, ["ТОО «Образец-Клиент»", BIN, "г. Астана, пр. Образцовый, 7",
                               "6000000", conf["merchant_iik"], conf["merchant_bic"],
                               conf["merchant_kbe"], conf["invoice_knp"], conf["merchant_bin"],
                               "invoice", "unpaid", conf["invoice_days"]])
        # Not paid yet: the account is in its trial, at most.
        self.assertNotEqual(license_code(n, sub), "VALID")
        # A wrong amount: refused, nothing written.
        before = count("amobill.license_periods"), count("amobill.payment_events")
        r = admin("SELECT admin.record_bank_payment('%s', 6000, current_date, 'PP-1', 'statement')"
                  % j["invoice_no"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not 6000", r.stderr)
        self.assertEqual((count("amobill.license_periods"), count("amobill.payment_events")),
                         before)
        # The right one: paid, licensed within a second on every worker, its act.
        r = admin("SELECT admin.record_bank_payment('%s', 60000.00, current_date, 'PP-2',"
                  " 'statement')" % j["invoice_no"])
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "paid"), r.stderr)
        within_a_second(lambda: [license_code(n, sub) for _ in range(4)],
                        lambda code: code == "VALID")
        acts = sql("SELECT count(*) FROM amobill.acts WHERE inv_id = :'a1'", j["inv_id"])
        self.assertEqual(acts, [["1"]])
        # Again: no second effect.
        r = admin("SELECT admin.record_bank_payment('%s', 60000, current_date, 'PP-2',"
                  " 'entered twice')" % j["invoice_no"])
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "already_paid"), r.stderr)
        self.assertEqual(sql("SELECT count(*) FROM amobill.license_periods WHERE inv_id = :'a1'",
                             j["inv_id"]), [["1"]])

    def test_a_browser_goes_to_the_cabinet(self):
        b = Client()
        company(client=b)
        b.move()
        before = count("amobill.invoices")
        r = b.post("/checkout", {"amo_domain": "invb%d" % random.randint(10 ** 7, 10 ** 9),
                                 "accept_offer": "yes", "method": "invoice"})
        self.assertEqual(r.status, 303, r.body[:200])
        self.assertTrue(r.header("Location").endswith("/account"), r.header("Location"))
        self.assertEqual(count("amobill.invoices"), before + 1)

    def test_bad_methods_write_nothing(self):
        c, _ = company()
        before = count("amobill.orders"), count("amobill.invoices")
        # (An empty method is the default, card, as an absent one.)
        for method in ("cash", "INVOICE", "invoice' OR '1'='1", "<b>invoice</b>",
                       "invoice\x00", "%ff", "x" * 5000):
            with self.subTest(method=method[:20]):
                r = order(c, "invbad.amocrm.ru", method=method)
                self.assertEqual(r.status, 422, r.body[:200])
                self.assertIn("method", r.json()["fields"])
        c.move()
        r = c.post("/checkout", "amo_domain=x&accept_offer=yes&method=%zz&csrf=" +
                   urllib.parse.quote(c.csrf()), headers={"Accept": "application/json"})
        self.assertIn(r.status, (400, 422), r.body[:200])
        # Without the CSRF token.
        c.move()
        r = c.post("/checkout", {"amo_domain": "invbad.amocrm.ru", "accept_offer": "yes",
                                 "method": "invoice"}, csrf=False,
                   headers={"Accept": "application/json"})
        self.assertEqual(r.status, 403)
        self.assertEqual((count("amobill.orders"), count("amobill.invoices")), before)


if __name__ == "__main__":
    unittest.main()
