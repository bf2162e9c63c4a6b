"""A transaction whose connection dies between its statements (issue 11,
defect 1): the backend is terminated while "idle in transaction", and the
answer is 503 with nothing of the transaction applied; a mailer's claim is
not lost, its message goes out later, once.  This is done for every
transaction of more than one statement in the programs:

- POST /account with a new password: user_update, then session_end_others;
- POST /register: register_user, then session_start;
- the mailer's claim: claim, then token_add (a message with a link).

To hit the window every time, the program under test is restarted with
the test hook AMOBILL_TEST_TX_PAUSE_MS (lib/db/db.h): it waits that long
before each statement after the first of a transaction, while the test
finds its backend in pg_stat_activity and ends it with
pg_terminate_backend.  The program is restarted without the hook after."""
import os
import re
import threading
import time
import unittest

from stack import Client, eventually, mails_to, register, registration, sql, stack

PAUSE_MS = 3000
TOKEN = r"[A-Za-z0-9_-]{43}"


class Paused:
    """The part (a program, or the mailer) runs with the test hook on
    inside the with block, and without it again after."""

    def __init__(self, part):
        self.part = part

    def __enter__(self):
        os.environ["AMOBILL_TEST_TX_PAUSE_MS"] = str(PAUSE_MS)
        try:
            stack("start", self.part)
        finally:
            del os.environ["AMOBILL_TEST_TX_PAUSE_MS"]
        return self

    def __exit__(self, *exc):
        stack("start", self.part)
        return False


def backend_in_transaction(app, seconds=20):
    """The pid of app's backend once it is idle inside a transaction."""
    def look():
        rows = sql("SELECT pid FROM pg_stat_activity WHERE application_name = :'a1'"
                   " AND state = 'idle in transaction'", app)
        return rows and int(rows[0][0])
    pid = eventually(look, seconds)
    assert pid, "no backend of %s idle in a transaction within %d s" % (app, seconds)
    return pid


def terminate(pid):
    # With a timeout: it returns once the backend has gone.
    r = sql("SELECT pg_terminate_backend(%d, 5000)" % pid)
    assert r == [["t"]], r


def in_background(fn):
    """Runs fn() in a thread; the returned function joins it and gives
    fn's value (or raises what it raised)."""
    out = {}

    def run():
        try:
            out["v"] = fn()
        except BaseException as e:     # noqa: B902 - handed to the test
            out["e"] = e
    t = threading.Thread(target=run)
    t.start()

    def result():
        t.join(60)
        assert not t.is_alive(), "the request did not come back"
        if "e" in out:
            raise out["e"]
        return out["v"]
    return result


class Account(unittest.TestCase):
    def test_new_password_with_the_connection_lost_changes_nothing(self):
        a, form = register()
        login = form["login"]
        # The same person in another browser: a second session.
        b = Client(json_api=True)
        r = b.post("/login", {"login": login, "password": form["password"]})
        self.assertEqual(r.status, 200, r.body[:300])
        self.assertEqual(b.get("/account").status, 200)
        user = "SELECT full_name, password_hash FROM amobill.users WHERE login = :'a1'"
        sessions = ("SELECT count(*) FROM amobill.sessions s JOIN amobill.users u"
                    " ON u.id = s.user_id WHERE u.login = :'a1'")
        before = sql(user, login)
        self.assertEqual(sql(sessions, login), [["2"]])
        change = {"full_name": "Пётр Сидоров", "current_password": form["password"],
                  "new_password": "a brand new secret 7"}

        with Paused("account"):
            answer = in_background(lambda: a.post("/account", change))
            terminate(backend_in_transaction("account"))
            r = answer()
            self.assertEqual(r.status, 503, r.body[:300])
            self.assertEqual(r.json()["error"], "unavailable")
            # Nothing of it: the name, the password and the other session stay.
            self.assertEqual(sql(user, login), before)
            self.assertEqual(sql(sessions, login), [["2"]])
            self.assertEqual(b.get("/account").status, 200)

            # The same change again, undisturbed: all of it.
            r = a.post("/account", change)
            self.assertEqual(r.status, 200, r.body[:300])
        after = sql(user, login)
        self.assertEqual(after[0][0], "Пётр Сидоров")
        self.assertNotEqual(after[0][1], before[0][1])
        self.assertEqual(b.get("/account").status, 401)
        self.assertEqual(a.get("/account").status, 200)


class Register(unittest.TestCase):
    def test_registration_with_the_connection_lost_creates_nobody(self):
        form = registration()
        users = "SELECT count(*) FROM amobill.users WHERE login = :'a1'"
        with Paused("register"):
            c = Client(json_api=True)
            answer = in_background(lambda: c.post("/register", form))
            terminate(backend_in_transaction("register"))
            r = answer()
            self.assertEqual(r.status, 503, r.body[:300])
            self.assertEqual(r.json()["error"], "unavailable")
            self.assertNotIn("session", c.cookies)
            self.assertEqual(sql(users, form["login"]), [["0"]])
            self.assertEqual(sql("SELECT count(*) FROM amobill.sessions s JOIN amobill.users u"
                                 " ON u.id = s.user_id WHERE u.login = :'a1'", form["login"]),
                             [["0"]])
        # The login and the address are not taken: the same form succeeds.
        c = Client(json_api=True)
        r = c.post("/register", form)
        self.assertEqual(r.status, 201, r.body[:300])
        self.assertEqual(sql(users, form["login"]), [["1"]])
        self.assertEqual(c.get("/account").status, 200)


class Mailer(unittest.TestCase):
    def test_a_claim_with_the_connection_lost_is_sent_later_once(self):
        _, form = register()
        address = form["email"]
        uid = sql("SELECT id FROM amobill.users WHERE login = :'a1'", form["login"])[0][0]
        with Paused("mailer"):
            # Nothing else due, so that the claim the test interrupts is
            # this message's.
            self.assertTrue(eventually(lambda: sql(
                "SELECT count(*) FROM amobill.mail_outbox WHERE state = 'pending'"
                " AND next_attempt_at <= now() + interval '1 minute'") == [["0"]], 30),
                "the mailer did not empty its outbox")
            n_before = len(mails_to(address))
            r = Client().post("/password/forgot", {"email": address})
            self.assertIn(r.status, (200, 303), r.body[:300])
            terminate(backend_in_transaction("mailer"))
            got = eventually(lambda: len(mails_to(address)) > n_before, 30)
            self.assertTrue(got, "the reset message was lost")
            time.sleep(PAUSE_MS / 1000 + 1.5)
        sent = mails_to(address)[n_before:]
        self.assertEqual(len(sent), 1, "sent %d times" % len(sent))
        links = re.findall(r"/password/reset\?token=(%s)" % TOKEN,
                           sent[0].get_body(("plain",)).get_content())
        self.assertTrue(links)
        self.assertEqual(Client().get("/password/reset?token=" + links[0]).status, 200)
        # The claim that was cut off left nothing: one claim, one attempt,
        # one token, for the one message.
        rows = sql("SELECT o.state, o.attempts,"
                   " (SELECT count(*) FROM amobill.mail_attempts a WHERE a.outbox_id = o.id),"
                   " (SELECT count(*) FROM amobill.mail_tokens t WHERE t.outbox_id = o.id)"
                   " FROM amobill.mail_outbox o WHERE o.user_id = %d"
                   " AND o.kind = 'password_reset'" % int(uid))
        self.assertEqual(rows, [["sent", "1", "1", "1"]])


if __name__ == "__main__":
    unittest.main()
