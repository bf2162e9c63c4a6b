"""Creates orders through the site and writes one signed ResultURL body per
order (signatures computed here from the formula, with the order's Shp_
parameters, as tests/http/stack.py paid_order does), for bench.d/result.lua.
The orders are spread over people of their own, ten each, each person on
an address of its own: within the per-account limit of checkouts (20 an
hour, sql/012_limits.sql) and nginx's per-address burst (nginx/routes.conf)."""
import sys
import urllib.parse

sys.path.insert(0, sys.argv[1])
from stack import register, rk_signature, config, unique  # noqa: E402

PER_PERSON = 10

n, out = int(sys.argv[2]), sys.argv[3]
password2 = config()["robokassa_password2"]
with open(out, "w") as f:
    for i in range(n):
        if i % PER_PERSON == 0:
            c = register()[0]
        r = c.post("/checkout", {"amo_domain": unique("bench") + ".amocrm.ru",
                                 "accept_offer": "yes"})
        assert r.status == 201, r.body
        j = r.json()
        inv = str(j["inv_id"])
        shp = {k: v for k, v in j["params"].items() if k.startswith("Shp_")}
        s = "60000.000000"
        f.write(urllib.parse.urlencode(dict(
            shp, OutSum=s, InvId=inv, Fee="2100.000000",
            SignatureValue=rk_signature(s, inv, password2, shp=shp, upper=True),
            EMail="payer@example.kz", PaymentMethod="BankCard")) + "\n")
