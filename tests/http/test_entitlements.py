"""Plans that name their widgets, and what each account uses (issue 13;
contract §3 license answer, /api/v1/plans; §5 admin.widget_usage).

A customer gets exactly the widgets they paid for: the bundle covers every
widget, one added after the purchase too; the plan of one widget answers
VALID for it and NOT_ENTITLED for the others; a trial covers all.  And each
license-check worker counts its answers per account, widget and day, with
the distinct amoCRM users, writing them in batches: never a write per
answer."""
import random
import unittest
import urllib.parse

from stack import (Client, admin, amo_token, eventually, integration, new_integration,
                   paid_order, sql_super, stack, unique, within_a_second)

ASKS = 6


def new_account():
    n = random.randint(10 ** 7, 10 ** 9)
    return n, "ent%d" % n


def check(token, widget):
    return Client().get("/api/v1/license?" + urllib.parse.urlencode({"widget": widget}),
                        headers={"X-Auth-Token": token})


def token_for(widget, n, sub, **over):
    """The token widget's own integration makes (a dev one, or new_integration's)."""
    if isinstance(widget, dict):
        return amo_token(n, sub, secret=widget["secret"], client_uuid=widget["client_uuid"],
                         audience=widget["audience"], **over)
    return amo_token(n, sub, widget=widget, **over)


def answer(widget, n, sub, **over):
    code = widget["widget"] if isinstance(widget, dict) else widget
    r = check(token_for(widget, n, sub, **over), code)
    assert r.status == 200, (r.status, r.body[:200])
    return r.json()


def run_admin(query):
    r = admin(query)
    assert r.returncode == 0, r.stderr
    return r.stdout


def bought(plan):
    """An amoCRM account bought under plan: (amo id, subdomain)."""
    n, sub = new_account()
    paid_order(host=sub + ".amocrm.ru", plan=plan)
    return n, sub


class Entitlements(unittest.TestCase):
    def test_a_single_widget_plan_licenses_its_widget_only(self):
        n, sub = bought("leadscore-6m")
        j = answer("leadscore", n, sub)
        self.assertEqual((j["valid"], j["code"], j["status"]), (True, "VALID", "active"))
        for other in ("callplan", "dupfinder"):
            j = answer(other, n, sub)
            self.assertEqual((j["valid"], j["code"]), (False, "NOT_ENTITLED"), other)
            self.assertEqual((j["widget"], j["account_id"], j["trial"]), (other, n, False))
            self.assertIsNone(j["expires_at"])
        # The answer is signed like every other (the widget checks it).
        r = check(token_for("callplan", n, sub), "callplan")
        self.assertTrue(r.header("X-Signature").startswith("ed25519="))

    def test_the_bundle_covers_every_widget_and_one_added_later(self):
        n, sub = bought("all-widgets-6m")
        for w in ("leadscore", "callplan", "dupfinder"):
            self.assertEqual(answer(w, n, sub)["code"], "VALID", w)
        later = new_integration("ent")
        # Added after the purchase, licensed within a second on every worker.
        within_a_second(lambda: [answer(later, n, sub)["code"] for _ in range(ASKS)],
                        lambda c: c == "VALID")

    def test_a_trial_covers_every_widget(self):
        n, sub = new_account()
        for w in ("callplan", "leadscore", "dupfinder"):
            j = answer(w, n, sub)
            self.assertEqual((j["valid"], j["code"], j["trial"]), (True, "TRIAL", True), w)

    def test_buying_the_bundle_after_one_widget_licenses_all_at_once(self):
        c, _, host = paid_order(plan="leadscore-6m")
        n, sub = random.randint(10 ** 7, 10 ** 9), host.split(".")[0]
        self.assertEqual(answer("callplan", n, sub)["code"], "NOT_ENTITLED")
        paid_order(client=c, host=host)
        within_a_second(lambda: [answer("callplan", n, sub)["code"] for _ in range(ASKS)],
                        lambda code: code == "VALID")
        # Another plan starts at once, beside the running one: both run.
        starts = sql_super("SELECT p.plan_code, p.starts_at <= now() FROM amobill.license_periods p"
                           "  JOIN amobill.amo_accounts a ON a.id = p.account_id"
                           " WHERE a.host = :'a1' ORDER BY p.id", host)
        self.assertEqual(starts, [["leadscore-6m", "t"], ["all-widgets-6m", "t"]])


class Plans(unittest.TestCase):
    def plans(self):
        r = Client().get("/api/v1/plans")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("Content-Type").split(";")[0], "application/json")
        return {p["code"]: p for p in r.json()}

    def test_the_plans_on_sale(self):
        plans = self.plans()
        widgets = {w["code"] for w in Client().get("/api/v1/widgets").json()}
        bundle = plans["all-widgets-6m"]
        self.assertEqual((bundle["price"], bundle["term_months"]), ("60000.00", 6))
        self.assertEqual(set(bundle["widgets"]), widgets, "a bundle lists every widget")
        self.assertEqual(plans["leadscore-6m"]["widgets"], ["leadscore"])
        self.assertEqual(plans["leadscore-6m"]["price"], "25000.00")
        self.assertEqual((bundle["bundle"], plans["leadscore-6m"]["bundle"]), (True, False))
        # The bundle first.
        self.assertEqual(Client().get("/api/v1/plans").json()[0]["code"], "all-widgets-6m")

    def test_published_and_retired(self):
        code = unique("pl").replace("_", "-")[:32]
        run_admin("SELECT admin.publish_plan('%s', 'План звонков на год', 30000, 12,"
                  " ARRAY['callplan'], 'test plan')" % code)
        p = self.plans()[code]
        self.assertEqual((p["name"], p["price"], p["term_months"], p["widgets"]),
                         ("План звонков на год", "30000.00", 12, ["callplan"]))
        n, sub = bought(code)
        self.assertEqual(answer("callplan", n, sub)["code"], "VALID")
        self.assertEqual(answer("leadscore", n, sub)["code"], "NOT_ENTITLED")
        run_admin("SELECT admin.retire_plan('%s', 'test over')" % code)
        self.assertNotIn(code, self.plans())
        # What was bought keeps its plan.
        self.assertEqual(answer("callplan", n, sub)["code"], "VALID")
        audit = run_admin("SELECT action FROM admin.audit_log WHERE object = 'plan %s'"
                          " ORDER BY id" % code).split()
        self.assertEqual(audit, ["publish_plan", "retire_plan"])


def usage(n, widget):
    """admin.widget_usage's rows of amoCRM account n for widget, as an
    administrator reads them: [(day, checks, users)]."""
    out = run_admin("SELECT day, checks, users FROM admin.widget_usage"
                    " WHERE amo_account_id = %d AND widget = '%s'" % (n, widget))
    return [tuple(line.split("\t")) for line in out.splitlines() if line]


def today():
    return sql_super("SELECT (now() AT TIME ZONE 'Asia/Almaty')::date")[0][0]


class Usage(unittest.TestCase):
    def setUp(self):
        # Every write of a usage row, counted by a trigger of the test's.
        sql_super("CREATE TABLE IF NOT EXISTS public.usage_writes (account_id bigint);"
                  "CREATE OR REPLACE FUNCTION public.count_usage_write() RETURNS trigger"
                  " LANGUAGE plpgsql AS $$ BEGIN"
                  "  INSERT INTO public.usage_writes VALUES (NEW.account_id); RETURN NULL;"
                  " END $$;"
                  "DROP TRIGGER IF EXISTS usage_writes ON amobill.widget_usage;"
                  "CREATE TRIGGER usage_writes AFTER INSERT OR UPDATE ON amobill.widget_usage"
                  " FOR EACH ROW EXECUTE FUNCTION public.count_usage_write();")

    def tearDown(self):
        sql_super("DROP TRIGGER IF EXISTS usage_writes ON amobill.widget_usage;"
                  "DROP FUNCTION IF EXISTS public.count_usage_write() CASCADE;"
                  "DROP TABLE IF EXISTS public.usage_writes;")

    def writes(self, n):
        return int(sql_super("SELECT count(*) FROM public.usage_writes w"
                             "  JOIN amobill.amo_accounts a ON a.id = w.account_id"
                             " WHERE a.amo_account_id = :'a1'", n)[0][0])

    def checks(self, n, sub, widget, users, per_user):
        for u in users:
            for _ in range(per_user):
                self.assertEqual(answer(widget, n, sub, user_id=u)["code"], "TRIAL")

    def test_n_checks_by_k_users_written_in_batches(self):
        n, sub = new_account()
        users = [random.randint(1, 10 ** 9) for _ in range(4)]
        self.checks(n, sub, "callplan", users, 10)
        # 40 answers, but a batch a worker at most every 10 s: the view
        # shows them within 10 s and a quarter (each worker's next tick).
        self.assertTrue(eventually(lambda: usage(n, "callplan") == [(today(), "40", "4")], 12),
                        usage(n, "callplan"))
        # Two workers, each written at most twice in the time it took.
        self.assertLessEqual(self.writes(n), 4)
        # A token without a user is counted as a check, not as a user.
        self.assertEqual(answer("callplan", n, sub, user_id=None)["code"], "TRIAL")
        self.assertTrue(eventually(lambda: usage(n, "callplan") == [(today(), "41", "4")], 12),
                        usage(n, "callplan"))
        self.assertEqual(usage(n, "leadscore"), [])

    def test_written_when_the_program_stops(self):
        n, sub = new_account()
        try:
            self.checks(n, sub, "dupfinder", [11, 12, 13], 3)
            self.checks(n, sub, "leadscore", [11], 2)
            stack("stop", "license-check")
            # Stopped: every worker wrote what it held as it stopped.
            self.assertEqual(usage(n, "dupfinder"), [(today(), "9", "3")])
            self.assertEqual(usage(n, "leadscore"), [(today(), "2", "1")])
        finally:
            stack("start", "license-check")


if __name__ == "__main__":
    unittest.main()
