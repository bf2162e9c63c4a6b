"""Helpers for the HTTP tests: a browser-like client and the running stack.

scripts/test starts the site (PostgreSQL, the FastCGI programs, nginx) in
a throwaway data folder and runs ctest with AMOBILL_VAR and AMOBILL_PORT
set; these tests talk to it over real HTTP.  Each client connects from its
own loopback address (127.x.y.z), so that the per-address rate limits of
nginx apply to one client only, as they would to one person.
"""
import email
import email.policy
import glob
import http.client
import json
import os
import random
import subprocess
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VAR = os.environ["AMOBILL_VAR"]
PORT = int(os.environ["AMOBILL_PORT"])
BASE = "http://127.0.0.1:%d" % PORT
MAIL = os.path.join(VAR, "mail")      # the SMTP sink's messages


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body                # bytes

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def headers_named(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body)


def new_address():
    return "127.%d.%d.%d" % (random.randint(1, 254), random.randint(0, 254),
                             random.randint(1, 254))


class Client:
    """One browser: a cookie jar and a loopback address of its own."""

    def __init__(self, json_api=False):
        self.cookies = {}
        self.address = new_address()
        self.json_api = json_api

    def move(self):
        """Connects from another loopback address from now on (the same
        browser on another network, as far as rate limits go)."""
        self.address = new_address()

    def request(self, method, path, body=None, headers=None):
        h = {"Host": "127.0.0.1:%d" % PORT}
        if self.json_api:
            h["Accept"] = "application/json"
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        h.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30,
                                          source_address=(self.address, 0))
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            resp = Response(r.status, r.getheaders(), r.read())
        finally:
            conn.close()
        for v in resp.headers_named("Set-Cookie"):
            name, _, rest = v.partition("=")
            value = rest.split(";")[0]
            if "Max-Age=0" in v:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def csrf(self):
        if "csrf" not in self.cookies:
            r = self.get("/api/v1/session")
            assert r.status == 200, r.status
        return self.cookies["csrf"]

    def post(self, path, fields, csrf=True, **kw):
        """POSTs fields (a dict, or raw bytes sent as they are)."""
        if isinstance(fields, (bytes, str)):
            body = fields if isinstance(fields, bytes) else fields.encode()
        else:
            fields = dict(fields)
            if csrf and "csrf" not in fields:
                fields["csrf"] = self.csrf()
            body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, body=body, **kw)


_serial = [0]


def unique(prefix):
    """A login-shaped name no other test uses."""
    _serial[0] += 1
    return "%s%d%d" % (prefix, os.getpid() % 100000, _serial[0])


def registration(login=None, **over):
    """A valid registration form for a new person."""
    login = login or unique("u")
    f = {
        "login": login,
        "email": login + "@example.kz",
        "password": "correct horse 1",
        "full_name": "Иван Петров",
        "status": "individual",
        "address": "г. Алматы, ул. Абая, 1",
        "iin_bin": "791028302728",
        "consent": "yes",
    }
    f.update(over)
    return f


def register(client=None, **over):
    client = client or Client(json_api=True)
    form = registration(**over)
    r = client.post("/register", form)
    assert r.status in (201, 303), (r.status, r.body[:300])
    return client, form


def sql(query, *args):
    """Runs a query as the database's owner (tests look at every table,
    administrators only through the admin schema); rows as lists of
    strings.  args become psql variables :a1, :a2..."""
    cmd = ["psql", "-X", "-h", os.path.join(VAR, "pg"), "-U", "postgres", "-d", "amobill",
           "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1"]
    for i, a in enumerate(args):
        cmd += ["-v", "a%d=%s" % (i + 1, a)]
    out = subprocess.run(cmd, input=query, capture_output=True, text=True,
                         check=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def admin(query):
    """Runs SQL as an administrator does (scripts/psql, role amobill_admin)."""
    return subprocess.run([os.path.join(ROOT, "scripts", "psql"), "-X", "-v", "ON_ERROR_STOP=1",
                           "-tA", "-F", "\t", "-c", query], capture_output=True, text=True)


def count(table):
    return int(sql("SELECT count(*) FROM %s" % table)[0][0])


def stack(*args):
    r = subprocess.run([os.path.join(ROOT, "scripts", "stack")] + list(args),
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    assert r.returncode == 0, r.stderr


def pid(program):
    with open(os.path.join(VAR, "run", program + ".pid")) as f:
        return int(f.read())


def eventually(check, seconds=5.0):
    """Polls check() until it returns true, bounded in time."""
    deadline = time.monotonic() + seconds
    while True:
        v = check()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.05)


def within_a_second(ask, good, seconds=1.0):
    """The answers of ask() (a list: one request to each worker, say) once
    good() holds for every one, asking again until then: a change that
    "shows within one second" (contract §3) is asserted as such, not as
    the very next answer, which may come before the worker has heard of
    it.  Fails if a second passes first."""
    t0 = time.monotonic()
    while True:
        answers = ask()
        if all(good(a) for a in answers):
            return answers
        assert time.monotonic() - t0 < seconds, "not within %.1f s: %r" % (seconds, answers)
        time.sleep(0.02)


def config():
    """The site's configuration, as the programs read it."""
    conf = {}
    with open(os.environ["AMOBILL_CONFIG"], encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                k, _, v = line.partition("=")
                conf[k.strip()] = v.strip()
    return conf


def rk_signature(*fields, shp=None, upper=False):
    """Robokassa's signature, computed here from the published formula
    (fields joined with ':', then the Shp_ pairs sorted), independently of
    the project's C code."""
    import hashlib
    parts = list(fields) + ["%s=%s" % kv for kv in sorted((shp or {}).items())]
    h = hashlib.new(config()["robokassa_hash"], ":".join(parts).encode()).hexdigest()
    return h.upper() if upper else h


def paid_order(client=None, host=None, prefix="po", plan=None):
    """An order of plan (the bundle by default), paid through Robokassa's
    result call as the sandbox would make it: (client, inv_id, amoCRM
    host).  A new person is registered when no client is given."""
    c = client or register()[0]
    host = host or unique(prefix) + ".amocrm.ru"
    form = {"amo_domain": host, "accept_offer": "yes"}
    if plan:
        form["plan"] = plan
    j = c.post("/checkout", form, headers={"Accept": "application/json"}).json()
    inv = str(j["inv_id"])
    shp = {k: v for k, v in j["params"].items() if k.startswith("Shp_")}
    # Robokassa writes six decimals where the order said two.
    out_sum = j["params"]["OutSum"] + "0000"
    fields = dict(shp, OutSum=out_sum, InvId=inv, SignatureValue=rk_signature(
        out_sum, inv, config()["robokassa_password2"], shp=shp))
    r = Client().request("POST", "/robokassa/result",
                         body=urllib.parse.urlencode(fields).encode())
    assert r.text == "OK" + inv, r.text
    return c, inv, host

def hidden_inputs(html):
    """The name/value pairs of a page's hidden inputs, as a browser posts them."""
    import html as htmlmod
    import re
    return {htmlmod.unescape(n): htmlmod.unescape(v) for n, v in re.findall(
        r'<input type="hidden" name="([^"]*)" value="([^"]*)">', html)}


sql_super = sql


def dev_integrations():
    """The development integrations, one per catalogue widget, as scripts/run
    and scripts/test made them (contract §1): {widget_code: {"client_uuid",
    "secret", "audience"}}."""
    found = {}
    with open(os.path.join(VAR, "dev-integrations.tsv"), encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        assert header == ["widget_code", "client_uuid", "secret", "audience"], header
        for line in f:
            code, client_uuid, secret, audience = line.rstrip("\n").split("\t")
            found[code] = {"client_uuid": client_uuid, "secret": secret, "audience": audience}
    return found


def integration(widget="leadscore"):
    """A widget's development integration (see dev_integrations)."""
    return dev_integrations()[widget]


def new_integration(prefix="w", audience=None):
    """A new catalogue widget and its own amoCRM integration, added as an
    administrator adds them (admin.add_widget, admin.add_integration), with
    a random client_uuid and secret: {"widget", "client_uuid", "secret",
    "audience"}.  audience defaults to the site's base URL, like the
    development integrations'."""
    import secrets
    import uuid
    code = unique(prefix)
    found = {"widget": code, "client_uuid": str(uuid.uuid4()),
             "secret": secrets.token_hex(32), "audience": audience or BASE}
    r = admin("SELECT admin.add_widget('%s', 'Виджет %s', 'Для проверки.', 'test widget')"
              % (code, code))
    assert r.returncode == 0, r.stderr
    r = admin("SELECT admin.add_integration('%(widget)s', '%(client_uuid)s', '%(secret)s',"
              " '%(audience)s', 'test integration')" % found)
    assert r.returncode == 0, r.stderr
    return found


def amo_token(amo_id, subdomain, zone="amocrm.ru", secret=None, header=None,
              now=None, widget="leadscore", client_uuid=None, audience=None, **over):
    """An amoCRM disposable token, made here as amoCRM makes it (HS256 over
    base64url header and claims, keyed by the integration's secret), by the
    development integration of widget unless secret, client_uuid or
    audience (aud) say otherwise; other claims in over (None drops one)."""
    import base64
    import hashlib
    import hmac
    import time as _time
    import uuid

    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    integ = integration(widget) if None in (secret, client_uuid, audience) else {}
    now = int(_time.time()) if now is None else now
    claims = {"iss": "https://%s.%s" % (subdomain, zone),
              "aud": audience or integ["audience"],
              "jti": str(uuid.uuid4()), "iat": now, "nbf": now, "exp": now + 1800,
              "account_id": amo_id, "subdomain": subdomain, "user_id": 7,
              "client_uuid": client_uuid or integ["client_uuid"], "is_admin": True}
    for k, v in over.items():
        if v is None:
            claims.pop(k, None)
        else:
            claims[k] = v
    h = b64(json.dumps(header or {"alg": "HS256", "typ": "JWT"}).encode())
    p = b64(json.dumps(claims).encode())
    key = (secret or integ["secret"]).encode()
    sig = b64(hmac.new(key, (h + "." + p).encode(), hashlib.sha256).digest())
    return h + "." + p + "." + sig


def mails_to(address):
    """The messages in the SMTP sink to address."""
    found = []
    for p in sorted(glob.glob(os.path.join(MAIL, "*.eml"))):
        with open(p, "rb") as f:
            m = email.message_from_bytes(f.read(), policy=email.policy.default)
        if str(m["To"]) == address:
            found.append(m)
    return found
