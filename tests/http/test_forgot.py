"""POST /password/forgot tells nobody whether an address is registered
(issue 12, finding 8): not by its answer, not by its time.  The request
does the same work for a known and an unknown address, one row queued in
amobill.reset_requests and nothing else; the mailer resolves the queue
afterwards (amobill.mail_resolve_resets, sql/014_reset_requests.sql): a
known, usable account gets its reset mail, at most five an hour, and no
request is kept once resolved, the unknown addresses included.

Every client here connects from a fresh loopback address (stack.Client),
so that nginx's per-address limit on the password zone (5r/m, burst 5)
counts each as one person."""
import os
import statistics
import time
import unittest
import urllib.parse

from stack import Client, eventually, pid, register, sql, stack, unique
from test_mail import mails_to, quiet, wait_mails

SUBJECT = "Восстановление пароля"


def forgot(address, json_api=False, client=None):
    c = client or Client(json_api=json_api)
    return c.post("/password/forgot", {"email": address})


def answer(r):
    """What the client sees, all of it but the Date."""
    return (r.status, r.body, sorted((k, v) for k, v in r.headers if k.lower() != "date"))


def row_counts():
    """{table: rows} of every table of the application's schemas."""
    tables = sql("SELECT schemaname, tablename FROM pg_tables"
                 " WHERE schemaname IN ('amobill', 'admin') ORDER BY 1, 2")
    q = " UNION ALL ".join("SELECT '%s.%s', count(*) FROM %s.%s" % (s, t, s, t)
                           for s, t in tables)
    return {t: int(n) for t, n in sql(q)}


def diff(before, after):
    return {t: after.get(t, 0) - before.get(t, 0)
            for t in set(before) | set(after) if after.get(t, 0) != before.get(t, 0)}


def queued():
    return sql("SELECT email FROM amobill.reset_requests ORDER BY id")


def queue_empty():
    """No request waits (or, before the queue existed, none could)."""
    if sql("SELECT to_regclass('amobill.reset_requests') IS NULL") == [["t"]]:
        return True
    return queued() == []


def user():
    c, form = register(Client(json_api=True), login=unique("fg"))
    return form["email"]


class SameWork(unittest.TestCase):
    def test_known_and_unknown_write_the_same_rows_and_get_the_same_answer(self):
        known = user()
        wait_mails(known, "Подтвердите адрес")
        unknown = unique("nobody") + "@example.kz"
        # With the mailer stopped, what the request itself wrote stays.
        stack("stop", "mailer")
        try:
            quiet(0.3)
            answers, writes = {}, {}
            for address in (known, unknown):
                for json_api in (False, True):
                    before = row_counts()
                    r = forgot(address.upper(), json_api)
                    writes[address, json_api] = diff(before, row_counts())
                    answers[address, json_api] = answer(r)
            for json_api in (False, True):
                with self.subTest(json_api=json_api):
                    self.assertEqual(answers[known, json_api], answers[unknown, json_api])
                    self.assertEqual(writes[known, json_api], writes[unknown, json_api])
                    self.assertEqual(writes[known, json_api], {"amobill.reset_requests": 1})
            self.assertEqual([a[0] for a in (answers[known, False], answers[known, True])],
                             [303, 202])
            # The address as typed, lower-cased, and nothing that says
            # whether it is anyone's.
            self.assertEqual(queued(), [[known], [known], [unknown], [unknown]])
            self.assertEqual(sql("SELECT count(*) FROM amobill.mail_outbox"
                                 " WHERE kind = 'password_reset' AND to_address = :'a1'",
                                 known), [["0"]])
        finally:
            stack("start", "mailer")
        # Started again, the mailer resolves the queue: the known address
        # gets its two links, the unknown nothing, and nothing is kept.
        wait_mails(known, SUBJECT, 2)
        self.assertTrue(eventually(lambda: queued() == [], 5))
        quiet()
        self.assertEqual(len(mails_to(known, SUBJECT)), 2)
        self.assertEqual(mails_to(unknown), [])
        self.assertEqual(sql("SELECT count(*) FROM amobill.mail_outbox WHERE to_address = :'a1'",
                             unknown), [["0"]])


def cpu_seconds(process):
    with open("/proc/%d/stat" % process) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Afterwards(unittest.TestCase):
    def test_the_mailer_rests_once_the_queue_is_resolved(self):
        # An unknown address only: nothing to send, and no wake-up of the
        # mailer's own making keeps it going round.
        self.assertEqual(forgot(unique("nobody") + "@example.kz", True).status, 202)
        self.assertTrue(eventually(lambda: queued() == [], 2))
        quiet(0.5)
        before = cpu_seconds(pid("mailer"))
        time.sleep(2)
        self.assertLess(cpu_seconds(pid("mailer")) - before, 0.2)

    def test_the_known_one_gets_its_link_within_two_seconds(self):
        known = user()
        wait_mails(known, "Подтвердите адрес")
        unknown = unique("nobody") + "@example.kz"
        t0 = time.monotonic()
        self.assertEqual(forgot(known, True).status, 202)
        self.assertEqual(forgot(unknown, True).status, 202)
        m = wait_mails(known, SUBJECT, seconds=2)
        self.assertLess(time.monotonic() - t0, 2.0)
        self.assertEqual(len(m[0].links("/password/reset")), 1)
        self.assertTrue(eventually(lambda: queued() == [], 2))
        quiet()
        self.assertEqual(mails_to(unknown), [])

    def test_five_an_hour_blocked_and_erased_nothing(self):
        known, blocked, erased = user(), user(), user()
        for a in (known, blocked, erased):
            wait_mails(a, "Подтвердите адрес")
        sql("UPDATE amobill.users SET blocked_at = now(), blocked_reason = 'copyright'"
            " WHERE email = :'a1'", blocked)
        wait_mails(blocked, "заблокирован")
        sql("UPDATE amobill.users SET erased_at = now() WHERE email = :'a1'", erased)
        # Queued at once (the mailer stopped), resolved in one go: the
        # limit counts the mail of the same round too.
        stack("stop", "mailer")
        try:
            for _ in range(7):
                self.assertEqual(forgot(known, True).status, 202)
            for a in (blocked, erased):
                self.assertEqual(forgot(a, True).status, 202)
        finally:
            stack("start", "mailer")
        wait_mails(known, SUBJECT, 5)
        self.assertTrue(eventually(lambda: queued() == [], 5))
        quiet()
        self.assertEqual(len(mails_to(known, SUBJECT)), 5)
        self.assertEqual(mails_to(blocked, SUBJECT), [])
        self.assertEqual(mails_to(erased, SUBJECT), [])
        # And later in the hour, still none.
        self.assertEqual(forgot(known, True).status, 202)
        self.assertTrue(eventually(lambda: queued() == [], 5))
        quiet()
        self.assertEqual(len(mails_to(known, SUBJECT)), 5)


def pg_restart(options):
    """Restarts PostgreSQL with these PG_OPTIONS (scripts/stack)."""
    import subprocess
    from stack import ROOT
    env = dict(os.environ, PG_OPTIONS=options)
    r = subprocess.run([os.path.join(ROOT, "scripts", "stack"), "pg-restart"], env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    assert r.returncode == 0, r.stderr


class Timing(unittest.TestCase):
    # The suite's cluster commits without waiting for the disk
    # (scripts/test: fsync and synchronous_commit off), which hides most
    # of what a write costs at commit; measured as the site runs, with
    # durable commits.
    @classmethod
    def setUpClass(cls):
        pg_restart("-c fsync=on -c synchronous_commit=on -c full_page_writes=on")

    @classmethod
    def tearDownClass(cls):
        pg_restart(os.environ.get("PG_OPTIONS", ""))

    PAIRS = 120             # two from each client: 4 POSTs, within nginx's burst of 5
    # The leak of a lookup that writes only for a known address was, on
    # this stack, 0.9-1.3 ms of 2.3-2.7 (the outbox row, and its commit
    # waiting for the disk).  Allowed: 0.2 ms or a tenth of the request's
    # time, whichever is more (under ASan on two busy cores a request
    # takes 2-5 ms, and its noise grows with it).
    TOLERANCE_MS = 0.2
    TOLERANCE_REL = 0.1

    def timed(self, c, address):
        body = urllib.parse.urlencode({"email": address, "csrf": c.csrf()}).encode()
        t0 = time.perf_counter()
        r = c.request("POST", "/password/forgot", body=body)
        t = time.perf_counter() - t0
        self.assertEqual(r.status, 202, r.body[:200])
        return t * 1000

    def measure(self, known, unknown):
        """Medians of the known and the unknown address's times, and of
        the difference within each pair, in ms."""
        k, u, d = [], [], []
        for j in range(self.PAIRS // 2):
            # Every request of the known address within its five reset
            # mails an hour, as an attacker's first tries of an address
            # are: the hour's mail made older now and then.
            if j % 2 == 0:
                sql("UPDATE amobill.mail_outbox SET created_at = now() - interval '2 hours'"
                    " WHERE kind = 'password_reset' AND to_address = :'a1'", known)
            c = Client(json_api=True)
            c.csrf()
            # Two pairs from each client, ABBA, and the known address first
            # for half the clients, after the UPDATE above as often as
            # not: whatever the first request of a client pays, or the
            # one after the mailer was woken, both addresses pay alike.
            first, second = (known, unknown) if j % 4 in (0, 3) else (unknown, known)
            times = {}
            for address in (first, second, second, first):
                times.setdefault(address, []).append(self.timed(c, address))
            for tk, tu in zip(times[known], times[unknown]):
                k.append(tk)
                u.append(tu)
                d.append(tk - tu)
        return statistics.median(k), statistics.median(u), statistics.median(d)

    def test_a_known_address_takes_as_long_as_an_unknown_one(self):
        known = user()
        wait_mails(known, "Подтвердите адрес")
        tries = []
        for _ in range(3):
            unknown = unique("nobody") + "@example.kz"
            mk, mu, md = self.measure(known, unknown)
            allowed = max(self.TOLERANCE_MS, self.TOLERANCE_REL * mu)
            tries.append("known %.3f ms, unknown %.3f ms, median difference in a pair"
                         " %.3f ms (allowed %.3f)" % (mk, mu, md, allowed))
            print(tries[-1], flush=True)
            # Noise may exceed the tolerance once or twice; a leak does
            # every time.  The medians of the two lists are held more
            # loosely than the pairs': the mailer's work after a known
            # address (a message rendered and sent) falls on whatever
            # request comes next.
            if abs(md) <= allowed and abs(mk - mu) <= 2 * allowed:
                break
        else:
            self.fail("a known address answers in another time: " + "; ".join(tries))
        self.assertTrue(eventually(lambda: queued() == [], 10))


class Hostile(unittest.TestCase):
    VALUES = [
        "' OR '1'='1",
        "x@example.kz' OR '1'='1",
        "x@example.kz'; DELETE FROM amobill.users; --",
        "<script>alert(1)</script>@example.kz",
        "x@<b>example</b>.kz",
        "\"><img src=x onerror=alert(1)>",
        "a\x00@example.kz",
        "a@example.kz\x00",
        "a@example.kz\r\nBcc: victim@example.kz",
        "a" * 65 + "@example.kz",
        "a@" + "b" * 250 + ".kz",
        "x" * 10000,
        "",
        " ",
        "@example.kz",
        "a@example",
        "а@пример.kz",
    ]
    RAW = [
        b"email=%ff%fe@example.kz",         # not UTF-8
        b"email=a%C0%AF@example.kz",        # overlong
        b"email=\xff@example.kz",
        b"email=%zz@example.kz",            # bad %-escapes
        b"email=a%4",
        b"email=a%",
        b"email=a@example.kz&email=b@example.kz",
        b"email=a@example.kz&&x=1",
        b"=a@example.kz",
        b"emai%l=a@example.kz",
    ]

    def setUp(self):
        self.assertTrue(eventually(queue_empty, 5))
        self.before = row_counts()

    def check(self, r, what):
        self.assertEqual(r.status, 422, (what, r.body[:300]))

    def test_malformed_fields_are_422_and_nothing_is_queued(self):
        n = 0
        for v in self.VALUES:
            for json_api in (False, True):
                with self.subTest(value=v[:40], json_api=json_api):
                    c = Client(json_api=json_api)
                    r = c.post("/password/forgot", {"email": v})
                    self.check(r, v[:40])
                    if json_api:
                        self.assertEqual(r.json()["error"], "invalid")
                        self.assertIn("email", r.json()["fields"])
                    else:
                        self.assertIn("Восстановление пароля", r.text)
                        self.assertNotIn("<script>", r.text)
                        self.assertNotIn("<img", r.text)
                        self.assertNotIn("<b>", r.text)
                    n += 1
        for body in self.RAW:
            for json_api in (False, True):
                with self.subTest(body=body, json_api=json_api):
                    c = Client(json_api=json_api)
                    csrf = c.csrf().encode()
                    r = c.post("/password/forgot", b"csrf=" + csrf + b"&" + body)
                    self.check(r, body)
                    if json_api:
                        self.assertEqual(r.json()["error"], "invalid")
        # A body that ends in "&" is refused whole, its CSRF token unread.
        for json_api in (False, True):
            c = Client(json_api=json_api)
            r = c.post("/password/forgot", b"csrf=" + c.csrf().encode() + b"&email=a@example.kz&")
            self.assertEqual(r.status, 403)
        quiet(0.5)
        self.assertEqual(diff(self.before, row_counts()), {})
        self.assertTrue(queue_empty())


if __name__ == "__main__":
    unittest.main()
