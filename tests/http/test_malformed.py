"""Malformed input gets its 4xx, never a 5xx (issue 12, finding 6): an
order number that is not one in the refund form's query, and a browser's
User-Agent that is not valid UTF-8 (or too long) at registration, which
must not keep the person from registering: it is stored escaped."""
import unittest

from stack import Client, register, registration, sql


class RefundQuery(unittest.TestCase):
    def test_an_order_number_that_is_not_one(self):
        c, _ = register(Client())
        for q in ("abc", "2147483648", "-1", "0", "01", "1e3", "%zz", "1%00",
                  "99999999999999999999", "1&inv_id=2", "%27%20OR%201=1--"):
            with self.subTest(inv_id=q):
                r = c.get("/refund?inv_id=" + q)
                self.assertEqual(r.status, 404, r.body[:200])
                self.assertIn("Такого заказа нет", r.text)


class UserAgent(unittest.TestCase):
    def registered_with(self, agent):
        c = Client(json_api=True)
        form = registration()
        r = c.post("/register", form, headers={"User-Agent": agent})
        self.assertEqual(r.status, 201, r.body[:300])
        return sql("SELECT c.user_agent FROM amobill.consents c"
                   " JOIN amobill.users u ON u.id = c.user_id"
                   " WHERE u.login = :'a1'", form["login"])

    def test_invalid_utf8_is_stored_escaped(self):
        rows = self.registered_with(b"Mozilla/5.0 \xff\xfe (X11)")
        self.assertTrue(rows)
        for (agent,) in rows:
            self.assertEqual(agent, "Mozilla/5.0 \\xff\\xfe (X11)")

    def test_a_long_one_is_kept_to_its_column(self):
        rows = self.registered_with(("Я" * 600).encode())
        self.assertTrue(rows)
        for (agent,) in rows:
            self.assertEqual(agent, "Я" * 256)


if __name__ == "__main__":
    unittest.main()
