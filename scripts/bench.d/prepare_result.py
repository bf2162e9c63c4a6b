"""Creates orders through the site and writes one signed ResultURL body per
order (signatures computed here from the formula), for bench.d/result.lua."""
import sys
import urllib.parse

sys.path.insert(0, sys.argv[1])
from stack import Client, registration, rk_signature, config  # noqa: E402

n, out = int(sys.argv[2]), sys.argv[3]
c = Client(json_api=True)
assert c.post("/register", registration()).status == 201
with open(out, "w") as f:
    for i in range(n):
        r = c.post("/checkout", {"amo_domain": "bench%d-%d" % (i, id(c) % 100000),
                                 "accept_offer": "yes"})
        assert r.status == 201, r.body
        inv = str(r.json()["inv_id"])
        s = "60000.000000"
        f.write(urllib.parse.urlencode({
            "OutSum": s, "InvId": inv, "Fee": "2100.000000",
            "SignatureValue": rk_signature(s, inv, config()["robokassa_password2"], upper=True),
            "EMail": "payer@example.kz", "PaymentMethod": "BankCard"}) + "\n")
