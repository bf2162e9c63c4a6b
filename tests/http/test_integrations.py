"""Every widget its own amoCRM integration (contract §3, §5; issue 13): the
token's client_uuid picks the integration, the token is verified with its
secret (or previous secret) and audience, and the widget asked must be its
own; what is refused costs no database write; a change reaches every worker
within a second; and no secret shows anywhere an administrator, a log or a
caller can look."""
import glob
import os
import random
import unittest
import urllib.parse
import uuid

from stack import (BASE, VAR, Client, admin, amo_token, dev_integrations, integration,
                   new_integration, paid_order, sql_super, within_a_second)

ASKS = 6        # requests per look: with 2 workers, each answers some


def new_account():
    n = random.randint(10 ** 7, 10 ** 9)
    return n, "int%d" % n


def check(token, widget="leadscore"):
    return Client().get("/api/v1/license?" + urllib.parse.urlencode({"widget": widget}),
                        headers={"X-Auth-Token": token, "Origin": "https://x.amocrm.ru"})


def codes(token, widget):
    """The answer's code from several requests (every worker, in practice)."""
    return lambda: [check(token, widget).json()["code"] for _ in range(ASKS)]


def token_of(integ, n, sub, **over):
    """A token that integ (new_integration's or a dev one) makes."""
    kw = {"secret": integ["secret"], "client_uuid": integ["client_uuid"],
          "audience": integ["audience"]}
    kw.update(over)
    return amo_token(n, sub, **kw)


def run_admin(query):
    r = admin(query)
    assert r.returncode == 0, r.stderr
    return r.stdout


def written():
    """What license_check writes, as it stands: a row's ctid and xmin change
    with any insert, update or delete, so equal snapshots mean no write."""
    return sql_super("SELECT (SELECT string_agg(ctid::text || xmin::text, ',' ORDER BY ctid)"
                     "          FROM amobill.amo_accounts),"
                     "       (SELECT string_agg(ctid::text || xmin::text, ',' ORDER BY ctid)"
                     "          FROM amobill.license_periods)")


def without_uuid(integ, n, sub):
    """integ's token for the account, well signed, without a client_uuid."""
    import base64
    import hashlib
    import hmac
    import json
    import time

    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    now = int(time.time())
    claims = {"iss": "https://%s.amocrm.ru" % sub, "aud": integ["audience"], "jti": "j",
              "iat": now, "nbf": now, "exp": now + 1800, "account_id": n,
              "subdomain": sub, "user_id": 7}
    signing = b64(b'{"alg":"HS256","typ":"JWT"}') + "." + b64(json.dumps(claims).encode())
    return signing + "." + b64(hmac.new(integ["secret"].encode(), signing.encode(),
                                        hashlib.sha256).digest())


class Choice(unittest.TestCase):
    def test_dev_integrations_one_per_widget(self):
        devs = dev_integrations()
        widgets = {r[0] for r in sql_super("SELECT code FROM amobill.widgets")}
        for code in ("leadscore", "callplan", "dupfinder"):
            self.assertIn(code, devs)
        self.assertTrue(set(devs) <= widgets)
        self.assertEqual(len({d["client_uuid"] for d in devs.values()}), len(devs))
        self.assertEqual(len({d["secret"] for d in devs.values()}), len(devs))
        for d in devs.values():
            self.assertEqual(d["audience"], BASE)
        self.assertEqual(os.stat(os.path.join(VAR, "dev-integrations.tsv")).st_mode & 0o077, 0)

    def test_token_is_its_widgets_own(self):
        n, sub = new_account()
        a = amo_token(n, sub)                       # leadscore's integration
        b = amo_token(n, sub, widget="callplan")    # callplan's
        r = check(a, "leadscore")
        self.assertEqual((r.status, r.json()["code"]), (200, "TRIAL"), r.text)
        r = check(a, "callplan")
        self.assertEqual((r.status, r.json()["code"]), (401, "TOKEN_INVALID"), r.text)
        self.assertNotIn("account_id", r.json())
        self.assertTrue(r.header("X-Signature").startswith("ed25519="))
        r = check(b, "callplan")
        self.assertEqual((r.status, r.json()["code"]), (200, "TRIAL"), r.text)
        r = check(b, "leadscore")
        self.assertEqual((r.status, r.json()["code"]), (401, "TOKEN_INVALID"), r.text)
        # A code the catalogue does not know stays UNKNOWN_WIDGET.
        r = check(a, "nosuchwidget")
        self.assertEqual((r.status, r.json()["code"]), (200, "UNKNOWN_WIDGET"), r.text)

    def test_refusals_cost_no_write(self):
        n, sub = new_account()
        lead, call = integration("leadscore"), integration("callplan")
        retired = new_integration("ret")
        run_admin("SELECT admin.retire_integration('%s', 'withdrawn')" % retired["client_uuid"])
        away = new_integration("aud", audience="https://licenses.example.kz")
        # away's own tokens are good: only the audience differs below.
        r = check(token_of(away, n + 1, "int%d" % (n + 1)), away["widget"])
        self.assertEqual(r.json()["code"], "TRIAL", r.text)
        bad = {
            "unknown client_uuid": token_of(lead, n, sub, client_uuid=str(uuid.uuid4())),
            "client_uuid in upper case": token_of(lead, n, sub,
                                                  client_uuid=lead["client_uuid"].upper()),
            "retired integration": token_of(retired, n, sub),
            "another integration's secret": token_of(lead, n, sub, secret=call["secret"]),
            "another integration's audience": token_of(away, n, sub, audience=BASE),
            "no client_uuid": without_uuid(lead, n, sub),
        }
        before = written()
        for name, tok in bad.items():
            with self.subTest(name):
                widget = retired["widget"] if name == "retired integration" else \
                    away["widget"] if name == "another integration's audience" else "leadscore"
                for _ in range(ASKS):
                    r = check(tok, widget)
                    self.assertEqual((r.status, r.json()["code"]), (401, "TOKEN_INVALID"),
                                     r.text)
        self.assertEqual(written(), before)
        self.assertEqual(sql_super("SELECT count(*) FROM amobill.amo_accounts"
                                   " WHERE amo_account_id = %d" % n), [["0"]])


class Changes(unittest.TestCase):
    def test_rotation_reaches_every_worker(self):
        integ = new_integration("rot")
        n, sub = new_account()
        old = token_of(integ, n, sub)
        new_secret = "rotated-" + integ["secret"][:40]
        new = token_of(integ, n, sub, secret=new_secret)
        # Every worker knows the integration (and holds its secret).
        within_a_second(codes(old, integ["widget"]), lambda c: c == "TRIAL")
        self.assertEqual(codes(new, integ["widget"])(), ["TOKEN_INVALID"] * ASKS)
        run_admin("SELECT admin.rotate_integration_secret('%s', '%s', 'rotation')"
                  % (integ["client_uuid"], new_secret))
        within_a_second(codes(new, integ["widget"]), lambda c: c == "TRIAL")
        self.assertEqual(codes(old, integ["widget"])(), ["TRIAL"] * ASKS)
        self.assertEqual(sql_super("SELECT previous_secret_accepted FROM admin.integrations"
                                   " WHERE client_uuid = '%s'" % integ["client_uuid"]),
                         [["t"]])
        run_admin("SELECT admin.drop_previous_secret('%s', 'rotation done')"
                  % integ["client_uuid"])
        within_a_second(codes(old, integ["widget"]), lambda c: c == "TOKEN_INVALID")
        self.assertEqual(codes(new, integ["widget"])(), ["TRIAL"] * ASKS)

    def test_retired_integration_refused_within_a_second(self):
        integ = new_integration("ret")
        n, sub = new_account()
        tok = token_of(integ, n, sub)
        within_a_second(codes(tok, integ["widget"]), lambda c: c == "TRIAL")
        run_admin("SELECT admin.retire_integration('%s', 'moved')" % integ["client_uuid"])
        within_a_second(codes(tok, integ["widget"]), lambda c: c == "TOKEN_INVALID")
        rows = sql_super("SELECT retired_at IS NOT NULL FROM admin.integrations"
                         " WHERE client_uuid = '%s'" % integ["client_uuid"])
        self.assertEqual(rows, [["t"]])

    def test_new_widget_licensed_within_a_second(self):
        # Every worker has loaded the integrations before the new one comes.
        n, sub = new_account()
        within_a_second(codes(amo_token(n, sub), "leadscore"), lambda c: c == "TRIAL")
        integ = new_integration("new")
        m, msub = new_account()
        answers = within_a_second(
            lambda: [check(token_of(integ, m, msub), integ["widget"]).json()
                     for _ in range(ASKS)],
            lambda j: j["code"] == "TRIAL")
        for j in answers:
            self.assertEqual((j["valid"], j["widget"], j["account_id"], j["trial"]),
                             (True, integ["widget"], m, True))
        # The existing account's trial covers the new widget too.
        self.assertEqual(codes(token_of(integ, n, sub), integ["widget"])(), ["TRIAL"] * ASKS)


class Secrets(unittest.TestCase):
    def test_no_secret_anywhere(self):
        secrets = [d["secret"] for d in dev_integrations().values()]
        rotated = new_integration("sec")
        new_secret = "second-" + rotated["secret"][:40]
        run_admin("SELECT admin.rotate_integration_secret('%s', '%s', 'rotation')"
                  % (rotated["client_uuid"], new_secret))
        retired = new_integration("sec")
        run_admin("SELECT admin.retire_integration('%s', 'withdrawn')" % retired["client_uuid"])
        secrets += [rotated["secret"], new_secret, retired["secret"]]

        # A customer whose account has used the widgets, for the export.
        client, inv, host = paid_order(prefix="sec")
        n = random.randint(10 ** 7, 10 ** 9)
        sub = host.split(".")[0]
        self.assertEqual(check(amo_token(n, sub)).json()["code"], "VALID")
        self.assertEqual(check(token_of(rotated, n, sub, secret=new_secret),
                               rotated["widget"]).json()["code"], "VALID")
        uid = sql_super("SELECT user_id FROM amobill.orders WHERE inv_id = %s" % inv)[0][0]

        # Error answers of every kind license-check gives.  (Not a secret
        # in a path: paths are logged, by nginx and the programs.)
        lead = integration("leadscore")
        pages = [
            check(token_of(lead, n, sub, secret=rotated["secret"])),
            check(token_of(rotated, n, sub, audience="https://elsewhere.example.kz"),
                  rotated["widget"]),
            check(token_of(retired, n, sub), retired["widget"]),
            check(amo_token(n, sub), "callplan"),
            check("x." + lead["secret"] + ".y"),
            Client().get("/api/v1/license?widget=" + lead["secret"],
                         headers={"X-Auth-Token": amo_token(n, sub)}),
        ]
        places = {
            "admin.integrations": run_admin("SELECT * FROM admin.integrations"),
            "admin.audit_log": run_admin("SELECT * FROM admin.audit_log"),
            "admin.export_user": run_admin("SELECT admin.export_user(%s)" % uid),
        }
        for i, r in enumerate(pages):
            self.assertGreaterEqual(r.status, 400, r.text)
            places["error page %d (%d)" % (i, r.status)] = r.text
        for path in glob.glob(os.path.join(VAR, "log", "**"), recursive=True):
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    places[path] = f.read().decode("utf-8", "replace")
        self.assertIn("admin.audit_log", places)
        self.assertIn(rotated["client_uuid"], places["admin.integrations"])
        self.assertIn(rotated["client_uuid"], places["admin.audit_log"])
        for where, text in places.items():
            for s in secrets:
                with self.subTest(where=where):
                    self.assertNotIn(s, text)


if __name__ == "__main__":
    unittest.main()
