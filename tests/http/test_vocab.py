"""The C copies of the schema's lists (lib/rules/vocab.c) against the
schema itself, which is their home: every list of vocab_lists equals the
CHECK list of its column, both ways.  The C side comes from the unit test
program, run as "test_vocab --lists"."""
import os
import re
import subprocess
import unittest

from stack import sql


def c_output(*args):
    r = subprocess.run([os.path.join(os.environ["AMOBILL_BUILD"], "test_vocab")] + list(args),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return [line.split("\t", 1) for line in r.stdout.splitlines()]


def check_values(table, column):
    """The values a CHECK constraint of amobill.<table> allows <column>,
    from a "column IN (...)" check (PostgreSQL shows it as "= ANY
    (ARRAY[...])"); None when no such constraint exists."""
    found = None
    for (d,) in sql("SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = 'amobill.%s'::regclass AND contype = 'c'" % table):
        m = re.fullmatch(r"CHECK \(\(%s = ANY \(ARRAY\[(.*)\]\)\)\)" % re.escape(column), d)
        if m:
            assert found is None, "two lists for %s.%s" % (table, column)
            found = set(re.findall(r"'((?:[^']|'')*)'::text", m.group(1)))
    return found


class Vocabulary(unittest.TestCase):
    def test_c_lists_are_the_schema_check_lists(self):
        lists = {}
        for column, name in c_output("--lists"):
            lists.setdefault(column, set()).add(name)
        self.assertIn("orders.status", lists)
        for column, names in lists.items():
            table, col = column.split(".")
            with self.subTest(column=column):
                self.assertEqual(check_values(table, col), names)

    def test_the_parser_reads_a_check_list(self):
        # The reading of pg_get_constraintdef above, on a column whose
        # list is not in C: a change of its form must not pass silently.
        self.assertEqual(check_values("payment_events", "source"),
                         {"result_url", "opstate", "bank"})


if __name__ == "__main__":
    unittest.main()
