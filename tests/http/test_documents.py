"""The order documents as PDF (issue 15; contract §6, §7): the invoice of
an order by invoice and the act of every paid order, rendered once by the
mailer from the stored row, mailed as an attachment and downloaded by the
order's owner only.  What is checked is what a customer and their
accountant read: the text of the PDF, as pdftotext (poppler) extracts it."""
import datetime
import decimal
import random
import subprocess
import unittest
import zoneinfo

from stack import (Client, admin, config, count, eventually, mails_to, paid_order,
                   register, sql)

BIN = "940140000385"
NAME = "ТОО «Образец-Клиент»"
ADDRESS = "г. Астана, пр. Образцовый, 7"


def company(**over):
    fields = dict(status="legal_entity", full_name=NAME, iin_bin=BIN, address=ADDRESS)
    fields.update(over)
    return register(**fields)


def invoice_order(c, host=None):
    host = host or "doc%d" % random.randint(10 ** 7, 10 ** 9)
    c.move()   # nginx's limit per address on POST /checkout
    r = c.post("/checkout", {"amo_domain": host, "accept_offer": "yes", "method": "invoice"},
               headers={"Accept": "application/json"})
    assert r.status == 201, (r.status, r.body[:300])
    return r.json()


def text_of(pdf):
    """The PDF's text as a reader copies it, in the order it was written,
    every run of spaces and line ends one space (a long address wraps)."""
    r = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True,
                       check=True)
    return " ".join(r.stdout.decode("utf-8").replace("\u202f", " ").split())


def almaty_today():
    return datetime.datetime.now(zoneinfo.ZoneInfo("Asia/Almaty")).date()


def dated(text, day):
    """Whether the text names the day as documents do: 01.12.2026, or
    "1 декабря 2026"."""
    months = ("января февраля марта апреля мая июня июля августа сентября "
              "октября ноября декабря").split()
    return (day.strftime("%d.%m.%Y") in text or
            "%d %s %d" % (day.day, months[day.month - 1], day.year) in text)


def download(c, url):
    """The document, once the mailer has rendered it (within seconds of
    its issue: the program waits a moment for it, and says 503 before)."""
    r = eventually(lambda: (lambda r: r if r.status != 503 else None)(c.get(url)), 15)
    assert r is not None, "%s never rendered" % url
    return r


def pdfs_mailed(address, kind_word):
    """The PDF attachments of the messages to address whose subject holds
    kind_word."""
    found = []
    for m in mails_to(address):
        if kind_word in str(m["Subject"]):
            found += [(p.get_filename(), p.get_content()) for p in m.iter_attachments()
                      if p.get_content_type() == "application/pdf"]
    return found


class Documents(unittest.TestCase):
    def test_the_invoice_pdf_holds_what_the_bank_needs(self):
        c, form = company()
        j = invoice_order(c)
        r = download(c, j["invoice_url"])
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertTrue(r.body.startswith(b"%PDF-"))
        self.assertIn('filename="invoice-%s.pdf"' % j["invoice_no"],
                      r.header("Content-Disposition"))
        text = text_of(r.body)
        conf = config()
        for what, value in (("seller's BIN", conf["merchant_bin"]),
                            ("IIK", conf["merchant_iik"]),
                            ("BIC", conf["merchant_bic"]),
                            ("Kbe", conf["merchant_kbe"]),
                            ("KNP", conf["invoice_knp"]),
                            ("buyer", NAME), ("buyer's BIN", BIN),
                            ("buyer's address", ADDRESS),
                            ("number", j["invoice_no"]),
                            ("amount", "60 000"),
                            ("in words", "Шестьдесят тысяч тенге 00 тиын"),
                            ("title", "Счёт на оплату")):
            with self.subTest(field=what):
                self.assertIn(value, text)
        self.assertTrue(dated(text, almaty_today()), text)
        # A page of A4.
        info = subprocess.run(["pdfinfo", "-"], input=r.body, capture_output=True,
                              check=True).stdout.decode()
        self.assertRegex(info, r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)")
        # Served from what is stored: the same bytes again.
        self.assertEqual(c.get(j["invoice_url"]).body, r.body)
        # The invoice mail carries the same PDF.
        mailed = eventually(lambda: pdfs_mailed(form["email"], "Счёт"), 10)
        self.assertEqual(mailed, [("invoice-%s.pdf" % j["invoice_no"], r.body)])

    def test_only_the_owner_gets_it(self):
        c, _ = company()
        j = invoice_order(c)
        url = j["invoice_url"]
        self.assertEqual(download(c, url).status, 200)
        other, _ = company()
        r = other.get(url)
        self.assertEqual(r.status, 404, r.body[:200])
        self.assertNotIn(b"%PDF", r.body)
        r = Client().get(url)
        self.assertEqual(r.status, 401, r.body[:200])
        self.assertNotIn(b"%PDF", r.body)
        # The act of an unpaid order is not issued; other paths are nothing.
        inv = j["inv_id"]
        for path in ("/documents/act/%d.pdf" % inv, "/documents/invoice/%d" % inv,
                     "/documents/invoice/%d.pdf.x" % inv, "/documents/invoice/0%d.pdf" % inv,
                     "/documents/invoice/0.pdf", "/documents/invoice/99999999999.pdf",
                     "/documents/invoice/-1.pdf", "/documents/invoice/1e3.pdf",
                     "/documents/receipt/%d.pdf" % inv, "/documents/", "/documents/invoice/",
                     "/documents/invoice/%d.pdf%%00" % inv,
                     "/documents/invoice/%d%%20OR%%201=1.pdf" % inv,
                     "/documents/invoice/%%ff.pdf", "/documents/invoice/<b>.pdf",
                     "/documents/invoice/" + "9" * 5000 + ".pdf"):
            with self.subTest(path=path[:60]):
                r = c.get(path)
                self.assertIn(r.status, (400, 404, 414), r.body[:200])
                self.assertNotIn(b"%PDF", r.body)
        self.assertEqual(c.post(url, {}).status, 405)

    def test_paid_by_transfer_the_act_is_issued_once_and_mailed(self):
        c, form = company()
        j = invoice_order(c)
        r = admin("SELECT admin.record_bank_payment('%s', 60000, current_date, 'PP-D1',"
                  " 'statement')" % j["invoice_no"])
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "paid"), r.stderr)
        url = "/documents/act/%d.pdf" % j["inv_id"]
        act = download(c, url)
        self.assertEqual(act.status, 200, act.body[:300])
        text = text_of(act.body)
        number, start, end = sql(
            "SELECT a.number, to_char(p.starts_at AT TIME ZONE 'Asia/Almaty', 'DD.MM.YYYY'),"
            "       to_char(p.ends_at AT TIME ZONE 'Asia/Almaty', 'DD.MM.YYYY')"
            "  FROM amobill.acts a JOIN amobill.license_periods p USING (inv_id)"
            " WHERE a.inv_id = :'a1'", j["inv_id"])[0]
        self.assertNotEqual(number, j["invoice_no"].split("-")[0] + "-")
        for value in ("Акт выполненных работ", number, NAME, BIN, ADDRESS, start, end,
                      config()["merchant_bin"], "60 000", "Шестьдесят тысяч тенге 00 тиын",
                      "Без НДС"):
            with self.subTest(value=value):
                self.assertIn(value, text)
        mailed = eventually(lambda: pdfs_mailed(form["email"], "Акт"), 10)
        self.assertEqual(mailed, [("act-%s.pdf" % number, act.body)])
        # The same statement line again: no second act, no second mail.
        r = admin("SELECT admin.record_bank_payment('%s', 60000, current_date, 'PP-D1',"
                  " 'entered twice')" % j["invoice_no"])
        self.assertEqual((r.returncode, r.stdout.strip()), (0, "already_paid"), r.stderr)
        self.assertEqual(sql("SELECT count(*) FROM amobill.acts WHERE inv_id = :'a1'",
                             j["inv_id"]), [["1"]])
        self.assertEqual(sql("SELECT count(*) FROM amobill.mail_outbox"
                             " WHERE kind = 'act_issued' AND (data->>'inv_id')::int = :'a1'",
                             j["inv_id"]), [["1"]])
        self.assertEqual(c.get(url).body, act.body)

    def test_a_card_payment_gets_its_act_too(self):
        c, form = register()
        _, inv, host = paid_order(c)
        act = download(c, "/documents/act/%s.pdf" % inv)
        self.assertEqual(act.status, 200, act.body[:300])
        text = text_of(act.body)
        self.assertIn(form["full_name"], text)
        self.assertIn(host, text)
        self.assertEqual(len(eventually(lambda: pdfs_mailed(form["email"], "Акт"), 10)), 1)
        # A card order has no invoice.
        self.assertEqual(c.get("/documents/invoice/%s.pdf" % inv).status, 404)

    def test_the_stored_invoice_keeps_the_details_it_was_issued_with(self):
        c, _ = company()
        j = invoice_order(c)
        first = download(c, j["invoice_url"]).body
        c.move()
        r = c.post("/account", {"full_name": "ТОО «Новое имя»",
                                "address": "г. Шымкент, ул. Новая, 2"},
                   headers={"Accept": "application/json"})
        self.assertEqual(r.status, 200, r.body[:300])
        again = c.get(j["invoice_url"]).body
        self.assertEqual(again, first)
        text = text_of(again)
        self.assertIn(NAME, text)
        self.assertIn(ADDRESS, text)
        self.assertNotIn("Новое имя", text)
        self.assertNotIn("Шымкент", text)
        # The database will not let the row change either.
        r = admin("UPDATE amobill.invoices SET buyer_name = 'x' WHERE inv_id = %d" % j["inv_id"])
        self.assertNotEqual(r.returncode, 0)
        with self.assertRaises(subprocess.CalledProcessError):
            sql("UPDATE amobill.invoices SET buyer_name = 'x' WHERE inv_id = :'a1'",
                j["inv_id"])
        with self.assertRaises(subprocess.CalledProcessError):
            sql("UPDATE amobill.invoices SET pdf = 'x' WHERE inv_id = :'a1'", j["inv_id"])

    def test_quotes_and_signs_are_printed_as_typed(self):
        # What registration lets through of SQL's and markup's signs
        # (markup itself it refuses; tests/unit/test_doc.c prints "<b>").
        name = "ТОО \"Кавычки\" (O'Brien) - 1, 'x' OR 'y'"
        c, _ = company(full_name=name, address="ул. \"Абая\" / 5, кв. #3: №7")
        j = invoice_order(c)
        text = text_of(download(c, j["invoice_url"]).body)
        self.assertIn(name, text)
        self.assertIn("ул. \"Абая\" / 5, кв. #3: №7", text)

    def test_erasure_keeps_the_documents_for_the_books(self):
        c, _ = company()
        j = invoice_order(c)
        r = admin("SELECT admin.record_bank_payment('%s', 60000, current_date, 'PP-E1', 'statement')"
                  % j["invoice_no"])
        self.assertEqual(r.returncode, 0, r.stderr)
        download(c, "/documents/act/%d.pdf" % j["inv_id"])
        uid = sql("SELECT user_id FROM amobill.orders WHERE inv_id = :'a1'", j["inv_id"])[0][0]
        exported = admin("SELECT admin.export_user(%s)->'documents'" % uid)
        self.assertEqual(exported.returncode, 0, exported.stderr)
        self.assertIn(j["invoice_no"], exported.stdout)
        self.assertIn('"act"', exported.stdout)
        before = sql("SELECT number, issued_on, amount_tiyn, md5(pdf) FROM amobill.invoices"
                     " WHERE inv_id = :'a1'", j["inv_id"])
        r = admin("SELECT admin.erase_user(%s, 'asked to be forgotten')" % uid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sql("SELECT number, issued_on, amount_tiyn, md5(pdf)"
                             "  FROM amobill.invoices WHERE inv_id = :'a1'", j["inv_id"]),
                         before)
        turnover = admin("SELECT invoice_no, amount FROM admin.turnover WHERE inv_id = %d"
                         % j["inv_id"])
        no, amount = turnover.stdout.split()
        self.assertEqual((no, decimal.Decimal(amount)), (j["invoice_no"], 60000))
        # The erased customer can no longer fetch them.
        self.assertEqual(c.get(j["invoice_url"]).status, 401)


if __name__ == "__main__":
    unittest.main()
