"""The license check: tokens, trials, payments, expiry, blocks, signed
answers and CORS, through nginx as a widget in amoCRM calls it."""
import base64
import datetime
import json
import os
import random
import subprocess
import tempfile
import time
import unittest
import urllib.parse

from stack import (Client, admin, amo_token, config, new_integration, register,
                   rk_signature, sql_super, within_a_second)


def new_account():
    n = random.randint(10 ** 7, 10 ** 9)
    return n, "acc%d" % n


def check(token, widget="leadscore", origin="https://x.amocrm.ru", nonce=None):
    q = {"widget": widget}
    if nonce is not None:
        q["nonce"] = nonce
    headers = {"Origin": origin}
    if token is not None:
        headers["X-Auth-Token"] = token
    return Client().get("/api/v1/license?" + urllib.parse.urlencode(q), headers=headers)


def pay_for(host):
    """A customer buys the bundle for host and Robokassa confirms it."""
    c, form = register()
    r = c.post("/checkout", {"amo_domain": host, "accept_offer": "yes"})
    assert r.status == 201, r.body
    j = r.json()
    inv = str(j["inv_id"])
    shp = {k: v for k, v in j["params"].items() if k.startswith("Shp_")}
    out = "60000.000000"
    fields = dict(shp, OutSum=out, InvId=inv, SignatureValue=rk_signature(
        out, inv, config()["robokassa_password2"], shp=shp))
    r = Client().request("POST", "/robokassa/result",
                         body=urllib.parse.urlencode(fields).encode())
    assert r.text == "OK" + inv, r.text
    return inv, c


def user_id_of(inv):
    return sql_super("SELECT user_id FROM amobill.orders WHERE inv_id = %s" % inv)[0][0]


class Tokens(unittest.TestCase):
    def assert_refused(self, token, code="TOKEN_INVALID"):
        r = check(token)
        self.assertEqual(r.status, 401, r.text)
        j = r.json()
        self.assertEqual((j["valid"], j["code"]), (False, code))
        self.assertTrue(r.header("X-Signature").startswith("ed25519="))
        return j

    def test_bad_tokens(self):
        n, sub = new_account()
        now = int(time.time())
        good = amo_token(n, sub)
        h, p, s = good.split(".")
        bad = {
            "alg none": amo_token(n, sub, header={"alg": "none"}).rsplit(".", 1)[0] + ".",
            "alg none signed": amo_token(n, sub, header={"alg": "none"}),
            "HS512": amo_token(n, sub, header={"alg": "HS512", "typ": "JWT"}),
            "RS256": amo_token(n, sub, header={"alg": "RS256", "typ": "JWT"}),
            "wrong secret": amo_token(n, sub, secret="not-the-secret"),
            "wrong aud": amo_token(n, sub, aud="https://evil.example.kz"),
            "wrong client_uuid": amo_token(n, sub, client_uuid="00000000-0000-4000-8000-000000000002"),
            "nbf in the future": amo_token(n, sub, nbf=now + 600),
            "iat in the future": amo_token(n, sub, iat=now + 600),
            "no account_id": amo_token(n, sub, account_id=None),
            "no exp": amo_token(n, sub, exp=None),
            "no aud": amo_token(n, sub, aud=None),
            "no iss": amo_token(n, sub, iss=None),
            "iss of another account": amo_token(n, sub, iss="https://other.amocrm.ru"),
            "malformed base64": "%%%." + p + "." + s,
            "malformed JSON": base64.urlsafe_b64encode(b"{not json").decode().rstrip("=")
                              + "." + p + "." + s,
            "two parts": h + "." + p,
            "100 KB": "A" * 50000 + "." + "B" * 50000 + "." + s,
            "SQL": "' OR 1=1 --",
        }
        for name, token in bad.items():
            with self.subTest(name):
                self.assert_refused(token)
        self.assert_refused(amo_token(n, sub, iat=now - 4000, nbf=now - 4000, exp=now - 120),
                            "TOKEN_EXPIRED")
        j = self.assert_refused(None)
        self.assertNotIn("account_id", j)
        # None of these ever saw the account.
        self.assertEqual(sql_super("SELECT count(*) FROM amobill.amo_accounts"
                                   " WHERE amo_account_id = %d" % n), [["0"]])

    def test_previous_secret_only_during_rotation(self):
        # An integration of its own, so that no other test's tokens go bad.
        integ = new_integration("rot")
        n, sub = new_account()

        def token(secret):
            return amo_token(n, sub, secret=secret, client_uuid=integ["client_uuid"],
                             audience=integ["audience"])

        def codes(secret):
            return lambda: [check(token(secret), widget=integ["widget"]).json()["code"]
                            for _ in range(4)]
        old, new = integ["secret"], "rotated-in-" + integ["secret"][:32]
        self.assertEqual(check(token(new), widget=integ["widget"]).status, 401)
        r = admin("SELECT admin.rotate_integration_secret('%s', '%s', 'rotation')"
                  % (integ["client_uuid"], new))
        self.assertEqual(r.returncode, 0, r.stderr)
        within_a_second(codes(new), lambda c: c == "TRIAL")
        self.assertEqual(codes(old)(), ["TRIAL"] * 4)
        r = admin("SELECT admin.drop_previous_secret('%s', 'rotation done')"
                  % integ["client_uuid"])
        self.assertEqual(r.returncode, 0, r.stderr)
        within_a_second(codes(old), lambda c: c == "TOKEN_INVALID")
        self.assertEqual(codes(new)(), ["TRIAL"] * 4)


class States(unittest.TestCase):
    def test_new_account_gets_one_trial_ever(self):
        n, sub = new_account()
        t0 = datetime.datetime.now(datetime.timezone.utc)
        r = check(amo_token(n, sub), nonce="n-" + sub)
        self.assertEqual(r.status, 200)
        j = r.json()
        self.assertEqual((j["valid"], j["code"], j["status"], j["trial"]), (True, "TRIAL", "trial", True))
        self.assertEqual((j["account_id"], j["subdomain"], j["widget"], j["nonce"]),
                         (n, sub, "leadscore", "n-" + sub))
        ends = datetime.datetime.fromisoformat(j["expires_at"].replace("Z", "+00:00"))
        days = int(config()["trial_days"])
        self.assertLess(abs((ends - t0 - datetime.timedelta(days=days)).total_seconds()), 120)
        again = check(amo_token(n, sub)).json()
        self.assertEqual((again["code"], again["expires_at"]), ("TRIAL", j["expires_at"]))
        # The trial runs out: EXPIRED, and no second trial, ever.
        sql_super("UPDATE amobill.license_periods SET starts_at = now() - interval '20 days',"
                  " ends_at = now() - interval '6 days' WHERE account_id ="
                  " (SELECT id FROM amobill.amo_accounts WHERE amo_account_id = %d)" % n)
        for _ in range(3):
            j = check(amo_token(n, sub)).json()
            self.assertEqual((j["valid"], j["code"], j["status"]), (False, "EXPIRED", "expired"))
        self.assertEqual(sql_super("SELECT count(*) FROM amobill.license_periods p JOIN"
                                   " amobill.amo_accounts a ON a.id = p.account_id"
                                   " WHERE a.amo_account_id = %d" % n), [["1"]])

    def test_payment_then_expiry_then_block(self):
        n, sub = new_account()
        token = amo_token(n, sub)
        # Warm every worker's memory with the trial.
        for _ in range(6):
            self.assertEqual(check(token).json()["code"], "TRIAL")
        inv, _ = pay_for(sub + ".amocrm.ru")
        answers = within_a_second(lambda: [check(token).json() for _ in range(6)],
                                  lambda j: j["code"] != "TRIAL")
        for j in answers:
            self.assertEqual((j["valid"], j["code"], j["status"], j["trial"]),
                             (True, "VALID", "active", False))
        # Ending within a week: still valid, but expiring.
        sql_super("UPDATE amobill.license_periods SET ends_at = now() + interval '3 days'"
                  " WHERE inv_id = %s" % inv)
        for j in within_a_second(lambda: [check(token).json() for _ in range(4)],
                                 lambda j: j["status"] != "active"):
            self.assertEqual((j["valid"], j["code"], j["status"]), (True, "VALID", "expiring"))
        sql_super("UPDATE amobill.license_periods SET starts_at = now() - interval '200 days',"
                  " ends_at = now() - interval '1 day' WHERE inv_id = %s" % inv)
        for j in within_a_second(lambda: [check(token).json() for _ in range(4)],
                                 lambda j: j["code"] != "VALID"):
            self.assertEqual((j["valid"], j["code"], j["status"]), (False, "EXPIRED", "expired"))

        # A second purchase, then the administrator blocks the buyer.
        inv2, _ = pay_for(sub + ".amocrm.ru")
        for j in within_a_second(lambda: [check(token).json() for _ in range(4)],
                                 lambda j: j["code"] != "EXPIRED"):
            self.assertEqual(j["code"], "VALID")
        r = admin("SELECT admin.block_account(%s, 'copyright', 'complaint no. 7')"
                  % user_id_of(inv2))
        self.assertEqual(r.returncode, 0, r.stderr)
        answers = within_a_second(lambda: [check(token).json() for _ in range(6)],
                                  lambda j: j["code"] != "VALID")
        for j in answers:
            self.assertEqual((j["valid"], j["code"], j["status"]), (False, "SUSPENDED", "suspended"))
        r = admin("SELECT admin.unblock_account(%s, 'resolved')" % user_id_of(inv2))
        self.assertEqual(r.returncode, 0, r.stderr)
        for j in within_a_second(lambda: [check(token).json() for _ in range(4)],
                                 lambda j: j["code"] != "SUSPENDED"):
            self.assertEqual(j["code"], "VALID")

    def test_unknown_widget(self):
        n, sub = new_account()
        j = check(amo_token(n, sub), widget="nosuchwidget").json()
        self.assertEqual((j["valid"], j["code"]), (False, "UNKNOWN_WIDGET"))
        # Asking about a widget that does not exist starts no trial.
        self.assertEqual(sql_super("SELECT count(*) FROM amobill.amo_accounts"
                                   " WHERE amo_account_id = %d" % n), [["0"]])

    def test_bad_query(self):
        n, sub = new_account()
        token = amo_token(n, sub)
        for q in ("", "widget=", "widget=Lead<score>", "widget=a&widget=b", "widget=%zz",
                  "widget=leadscore&nonce=" + "x" * 65, "widget=leadscore&nonce=a%00b",
                  "widget=leadscore&nonce=<script>"):
            with self.subTest(q=q):
                r = Client().get("/api/v1/license?" + q, headers={"X-Auth-Token": token})
                self.assertEqual(r.status, 400)


class SignatureAndCors(unittest.TestCase):
    def test_signature_verifies_with_openssl(self):
        n, sub = new_account()
        r = check(amo_token(n, sub), nonce="abc")
        key = Client().get("/api/v1/license/key")
        self.assertEqual(key.status, 200)
        self.assertIn(b"BEGIN PUBLIC KEY", key.body)
        scheme, _, sig = r.header("X-Signature").partition("=")
        self.assertEqual(scheme, "ed25519")
        with tempfile.TemporaryDirectory() as d:
            for name, data in (("key.pem", key.body), ("body", r.body),
                               ("sig", base64.b64decode(sig)),
                               ("forged", r.body.replace(b'"TRIAL"', b'"VALID"'))):
                with open(os.path.join(d, name), "wb") as f:
                    f.write(data)

            def verify(body):
                return subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey",
                                       os.path.join(d, "key.pem"), "-rawin", "-in",
                                       os.path.join(d, body), "-sigfile", os.path.join(d, "sig")],
                                      capture_output=True, text=True)
            ok = verify("body")
            self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
            self.assertIn("Signature Verified Successfully", ok.stdout)
            self.assertNotEqual(verify("forged").returncode, 0)
        # Refusals are signed too.
        bad = check("x.y.z")
        self.assertEqual(bad.status, 401)
        self.assertTrue(bad.header("X-Signature").startswith("ed25519="))

    def test_cors_only_for_amocrm_and_kommo(self):
        n, sub = new_account()
        token = amo_token(n, sub)
        for origin in ("https://mycompany.amocrm.ru", "https://my-co.kommo.com",
                       "https://old1.amocrm.com"):
            with self.subTest(origin=origin):
                r = check(token, origin=origin)
                self.assertEqual(r.header("Access-Control-Allow-Origin"), origin)
                self.assertIn("Origin", r.header("Vary"))
                self.assertIn("X-Signature", r.header("Access-Control-Expose-Headers"))
        for origin in ("https://evil.example.com", "http://mycompany.amocrm.ru",
                       "https://mycompany.amocrm.ru.evil.com", "https://amocrm.ru",
                       "https://a.b.amocrm.ru", "null", "https://-x.kommo.com"):
            with self.subTest(origin=origin):
                r = check(token, origin=origin)
                self.assertIsNone(r.header("Access-Control-Allow-Origin"))
        pre = Client().request("OPTIONS", "/api/v1/license?widget=leadscore", headers={
            "Origin": "https://mycompany.amocrm.ru",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-auth-token"})
        self.assertEqual(pre.status, 204)
        self.assertEqual(pre.header("Access-Control-Allow-Origin"), "https://mycompany.amocrm.ru")
        self.assertIn("X-Auth-Token", pre.header("Access-Control-Allow-Headers"))
        self.assertIn("GET", pre.header("Access-Control-Allow-Methods"))
        pre = Client().request("OPTIONS", "/api/v1/license", headers={
            "Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"})
        self.assertIsNone(pre.header("Access-Control-Allow-Origin"))

    def test_catalogue(self):
        r = Client().get("/api/v1/widgets")
        self.assertEqual(r.status, 200)
        codes = [w["code"] for w in r.json()]
        self.assertIn("leadscore", codes)
        self.assertTrue(all(set(w) == {"code", "name", "description"} for w in r.json()))


if __name__ == "__main__":
    unittest.main()
