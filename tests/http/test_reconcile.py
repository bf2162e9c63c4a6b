"""Reconciliation: a payment whose ResultURL call never arrived is found
through OpStateExt and recorded, once, through the same path."""
import os
import subprocess
import urllib.parse
import unittest

from stack import Client, config, hidden_inputs, register, sql, unique


def reconcile():
    return subprocess.run([os.path.join(os.environ["AMOBILL_BUILD"], "reconcile"),
                           "-c", os.environ["AMOBILL_CONFIG"], "-a", "0"],
                          capture_output=True, text=True, timeout=120)


def periods(inv):
    return int(sql("SELECT count(*) FROM amobill.license_periods WHERE inv_id = %s" % inv)[0][0])


class Reconcile(unittest.TestCase):
    def at_payment_page(self, prefix):
        """A new customer's order, shown on the sandbox's payment page."""
        b = Client()
        register(b)
        r = b.post("/checkout", {"amo_domain": unique(prefix), "accept_offer": "yes"})
        params = hidden_inputs(r.text)
        path = urllib.parse.urlsplit(config()["robokassa_url"]).path
        self.assertEqual(b.post(path, urllib.parse.urlencode(params)).status, 200)
        return b, params

    def pay_without_callback(self):
        b, params = self.at_payment_page("rec")
        # The developer's switch on the sandbox page: no ResultURL call.
        r = b.post("/sandbox/robokassa/Pay", {"InvId": params["InvId"], "action": "pay",
                                              "notify": "0"}, csrf=False)
        self.assertEqual(r.status, 303)
        return params["InvId"]

    def test_dropped_callback_is_recovered_once(self):
        inv = self.pay_without_callback()
        declined = self.declined_order()
        self.assertEqual(sql("SELECT status FROM amobill.orders WHERE inv_id = %s" % inv),
                         [["unpaid"]])
        self.assertEqual(periods(inv), 0)

        r = reconcile()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sql("SELECT status FROM amobill.orders WHERE inv_id = %s" % inv),
                         [["paid"]])
        self.assertEqual(periods(inv), 1)
        self.assertEqual(sql("SELECT source, outcome FROM amobill.payment_events"
                             " WHERE inv_id = %s" % inv), [["opstate", "paid"]])
        # A declined payment stays unpaid.
        self.assertEqual(sql("SELECT status FROM amobill.orders WHERE inv_id = %s" % declined),
                         [["unpaid"]])

        # Running again (as the timer does) changes nothing.
        r = reconcile()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(periods(inv), 1)
        self.assertEqual(len(sql("SELECT 1 FROM amobill.payment_events WHERE inv_id = %s"
                                 % inv)), 1)
        # No personal data in what it logs.
        self.assertNotIn("@", r.stderr)

    def declined_order(self):
        b, params = self.at_payment_page("dec")
        b.post("/sandbox/robokassa/Pay", {"InvId": params["InvId"], "action": "decline"},
               csrf=False)
        return params["InvId"]


if __name__ == "__main__":
    unittest.main()
