"""Writes one valid amoCRM token per line for n accounts, and checks each
once so that every account has its trial before the measurement."""
import sys
import urllib.parse

sys.path.insert(0, sys.argv[1])
from stack import Client, amo_token  # noqa: E402

n, out = int(sys.argv[2]), sys.argv[3]
with open(out, "w") as f:
    for i in range(n):
        acc = 50000000 + i
        tok = amo_token(acc, "bench%d" % acc)
        r = Client().get("/api/v1/license?" + urllib.parse.urlencode({"widget": "leadscore"}),
                         headers={"X-Auth-Token": tok})
        assert r.status == 200 and r.json()["valid"], r.body
        f.write(tok + "\n")
