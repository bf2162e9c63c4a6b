"""Blocking (offer 8.2): for each reason the licenses are suspended and
the logins refused with the reason; unblocking restores both."""
import random
import unittest
import urllib.parse

from stack import (Client, admin, amo_token, config, register, rk_signature, sql,
                   within_a_second)

REASONS = {
    "government_order": "государственного органа",
    "copyright": "авторских",
    "third_party_complaint": "третьего лица",
    "prohibited_content": "запрещённой",
    "terms_violation": "условий договора",
}


def buyer():
    c, form = register()
    sub = "blk%d" % random.randint(10 ** 6, 10 ** 9)
    j = c.post("/checkout", {"amo_domain": sub, "accept_offer": "yes"}).json()
    inv = str(j["inv_id"])
    shp = {k: v for k, v in j["params"].items() if k.startswith("Shp_")}
    fields = dict(shp, OutSum="60000.00", InvId=inv, SignatureValue=rk_signature(
        "60000.00", inv, config()["robokassa_password2"], shp=shp))
    assert Client().request("POST", "/robokassa/result",
                            body=urllib.parse.urlencode(fields).encode()).text == "OK" + inv
    uid = sql("SELECT user_id FROM amobill.orders WHERE inv_id = %s" % inv)[0][0]
    return c, form, sub, uid


def license_code(sub, amo_id):
    r = Client().get("/api/v1/license?widget=leadscore",
                     headers={"X-Auth-Token": amo_token(amo_id, sub)})
    return r.json()["code"]


class Block(unittest.TestCase):
    def test_each_reason(self):
        for reason, words in REASONS.items():
            with self.subTest(reason=reason):
                c, form, sub, uid = buyer()
                amo_id = random.randint(10 ** 7, 10 ** 9)
                self.assertEqual(license_code(sub, amo_id), "VALID")
                r = admin("SELECT admin.block_account(%s, '%s', 'case 2026-%s')"
                          % (uid, reason, reason))
                self.assertEqual(r.returncode, 0, r.stderr)
                # Within a second on every worker (contract §3).
                within_a_second(lambda: [license_code(sub, amo_id) for _ in range(4)],
                                lambda c: c == "SUSPENDED")
                # The session in hand ended.
                self.assertEqual(c.get("/account").status, 401)
                # A login with the right password is refused, saying why...
                api = Client(json_api=True)
                r = api.post("/login", {"login": form["login"], "password": form["password"]})
                self.assertEqual(r.status, 403)
                self.assertEqual((r.json()["error"], r.json()["reason"]), ("blocked", reason))
                self.assertIn(words, r.json()["message"])
                page = Client().post("/login", {"login": form["login"],
                                                 "password": form["password"]})
                self.assertEqual(page.status, 403)
                self.assertIn(words, page.text)
                # ...and with a wrong one, nothing is revealed.
                r = api.post("/login", {"login": form["login"], "password": "not the password"})
                self.assertEqual((r.status, r.json()["error"]), (401, "bad_credentials"))
                # Unblocking restores the license and the login.
                r = admin("SELECT admin.unblock_account(%s, 'resolved')" % uid)
                self.assertEqual(r.returncode, 0, r.stderr)
                # Within a second on every worker (contract §3).
                within_a_second(lambda: [license_code(sub, amo_id) for _ in range(4)],
                                lambda c: c == "VALID")
                self.assertEqual(api.post("/login", {"login": form["login"],
                                                     "password": form["password"]}).status, 200)
                self.assertEqual(api.get("/account").status, 200)
                log = admin("SELECT action, note FROM admin.audit_log WHERE object = 'user %s'"
                            " ORDER BY id" % uid).stdout.splitlines()
                self.assertEqual(log, ["block_account\t%s: case 2026-%s" % (reason, reason),
                                       "unblock_account\tresolved"])


if __name__ == "__main__":
    unittest.main()
