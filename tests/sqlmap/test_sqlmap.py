"""sqlmap against every form route of the contract (issue 12).

Debian's sqlmap (--batch --level 2 --risk 1, time-based delay of
SQLMAP_TIME_SEC, 1 s) tries each parameter of each route of contract §3
and §6: the GET query and the POST body, the session cookie where a route
reads it, the User-Agent that registration stores and the license
check's X-Auth-Token; logged in (a session of a user registered here)
where the route needs one, with the current CSRF token (sqlmap asks
GET /api/v1/session for it before each request, --csrf-url).  sqlmap is
told the database is PostgreSQL and uses every technique (the suite's
stack hashes passwords with a cheaper scrypt, scripts/test, so the
routes that hash one answer without a lag that would blur time-based
checks).

The test fails if sqlmap reports any parameter injectable, and also if a
target was not really tried: sqlmap could not reach it or stopped early,
did not conclude on every parameter, or some of its requests were turned
away before the program's handler saw them (429, 403 csrf, 401 not logged
in), since a parameter never tried proves nothing.  An answer 5xx fails
too (contract §3: no input produces a 5xx).

sqlmap's floods would only meet the rate limits, so for its run (the
stack is throwaway and ctest runs one test at a time) the limits are
lifted: nginx's zones (the data folder's copy of nginx/limits.conf,
reloaded, and checked: a burst that met 429 passes) and amobill.limits;
both are put back afterwards, and checked again.

sqlmap writes only under a temporary folder of the data folder (its
--output-dir, and HOME); each target's console output and traffic go to
$AMOBILL_TEST_OUTPUT/sqlmap/ for a person to read (traffic only
of a target that failed).  SQLMAP_JOBS (4) sqlmap
processes run at a time.
"""
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "http"))
from stack import (BASE, VAR, Client, amo_token, config, eventually,  # noqa: E402
                   paid_order, register, registration, rk_signature, sql_super, unique)

TIME_SEC = os.environ.get("SQLMAP_TIME_SEC", "1")
JOBS = int(os.environ.get("SQLMAP_JOBS", "4"))
OUTPUT = os.path.join(os.environ.get("AMOBILL_TEST_OUTPUT") or VAR, "sqlmap")
NGINX = os.path.join(VAR, "nginx")
LIMITS = os.path.join(NGINX, "snippets", "amobill-limits.conf")


# ---- The rate limits, lifted for the run -----------------------------------

def nginx_reload():
    r = subprocess.run(["nginx", "-q", "-p", NGINX, "-c", os.path.join(NGINX, "nginx.conf"),
                        "-s", "reload"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def burst_limited():
    """True if a burst of POSTs from one new address meets a 429: 25
    /register posts, past the zone's burst of 10 (nginx counts them
    before the program, which refuses them as CSRF failures: no rows)."""
    c = Client()
    return any(c.request("POST", "/register", body=b"x=1").status == 429
               for _ in range(25))


class LimitsLifted:
    """nginx's zones at a rate no flood reaches and every per-account
    limit at a count none reaches, for the with-block; as they were
    afterwards, whatever happened."""

    def __enter__(self):
        with open(LIMITS) as f:
            self.snippet = f.read()
        self.counts = sql_super("SELECT name, count FROM amobill.limits ORDER BY name")
        assert burst_limited(), "nginx's rate limits do not answer 429 to begin with"
        try:
            lifted = re.sub(r"rate=\d+r/[sm]", "rate=100000r/s", self.snippet)
            assert lifted != self.snippet, "no rate in " + LIMITS
            with open(LIMITS, "w") as f:
                f.write(lifted)
            nginx_reload()
            sql_super("UPDATE amobill.limits SET count = 100000000")
            # The old workers finish what they hold and the new ones take
            # over: a burst passes once they have.
            assert eventually(lambda: not burst_limited(), 10), \
                "nginx did not reload with the limits lifted"
        except BaseException:
            self.restore()
            raise
        return self

    def restore(self):
        with open(LIMITS, "w") as f:
            f.write(self.snippet)
        nginx_reload()
        for name, n in self.counts:
            sql_super("UPDATE amobill.limits SET count = :'a2' WHERE name = :'a1'", name, n)

    def __exit__(self, *exc):
        self.restore()
        assert eventually(burst_limited, 10), "nginx's rate limits did not come back"
        assert sql_super("SELECT name, count FROM amobill.limits ORDER BY name") == \
            self.counts, "amobill.limits not restored"
        return False


# ---- The targets ------------------------------------------------------------

class Target:
    """One sqlmap run: a route, its request and the parameters to try.
    allow: the statuses the handler itself answers to a bad value of a
    parameter tried here, which would otherwise count as "turned away"
    (POST /login: 401 bad_credentials; the license check: 401
    TOKEN_INVALID; a session cookie tried: 401)."""

    def __init__(self, name, method, path, params, query=None, data=None, cookies=None,
                 headers=None, allow=(), csrf=True):
        self.name = name
        self.method = method
        self.path = path
        self.params = params
        self.query = query
        self.data = data
        self.cookies = cookies or {}
        self.headers = headers or {}
        self.allow = set(allow)
        self.csrf = csrf and data is not None

    def url(self):
        q = ("?" + urllib.parse.urlencode(self.query)) if self.query else ""
        return BASE + self.path + q

    def body(self):
        return urllib.parse.urlencode(self.data) if self.data is not None else None


def logged_in():
    """A new customer's browser, logged in (registration starts the
    session), and the CSRF token of that session."""
    c, form = register()
    return c, form, session_token(c)


def session_token(c):
    r = c.get("/api/v1/session")
    assert r.status == 200 and r.json()["user"] is not None, (r.status, r.body[:200])
    return r.json()["csrf"]


def anonymous():
    """A browser before any session: its signed pre-session token (cookie
    and field)."""
    c = Client(json_api=True)
    return c, c.csrf()


def targets():
    conf = config()
    ts = []
    json_h = {"Accept": "application/json"}

    # register: every field, and the User-Agent it stores.
    c, tok = anonymous()
    form = dict(registration(), csrf=tok)
    ts.append(Target("register", "POST", "/register",
                     ["login", "email", "password", "full_name", "status", "address",
                      "iin_bin", "consent", "User-Agent"],
                     data=form, cookies=c.cookies, headers=json_h))

    # login: a registered user's login and password (the right ones: the
    # first answer is 200; a wrong one is 401 bad_credentials).
    _, reg = register()
    c, tok = anonymous()
    ts.append(Target("login", "POST", "/login", ["login", "password"],
                     data={"login": reg["login"], "password": reg["password"], "csrf": tok},
                     cookies=c.cookies, headers=json_h, allow={401}))

    # logout: its one field is the token itself (403 when it is wrong).
    c, _, tok = logged_in()
    ts.append(Target("logout", "POST", "/logout", ["csrf"], data={"csrf": tok},
                     cookies=c.cookies, headers=json_h, allow={403}, csrf=False))

    # The session cookie, which every logged-in route looks up.
    c, _, _ = logged_in()
    ts.append(Target("session", "GET", "/api/v1/session", ["session"],
                     cookies=c.cookies, headers=json_h))
    c, _, _ = logged_in()
    ts.append(Target("account-get", "GET", "/account", ["session"],
                     cookies=c.cookies, headers=json_h, allow={401}))

    # POST /account: the profile; a new address (with the password);
    # the password (changed to itself, so that it holds throughout).
    c, reg, tok = logged_in()
    ts.append(Target("account-profile", "POST", "/account",
                     ["full_name", "address", "status", "iin_bin"],
                     data={"full_name": "Пётр Иванов", "address": "г. Астана, ул. Кенесары, 2",
                           "status": "individual", "iin_bin": reg["iin_bin"], "csrf": tok},
                     cookies=c.cookies, headers=json_h))
    c, reg, tok = logged_in()
    ts.append(Target("account-email", "POST", "/account", ["email", "current_password"],
                     data={"email": unique("m") + "@example.kz",
                           "current_password": reg["password"], "csrf": tok},
                     cookies=c.cookies, headers=json_h))
    c, reg, tok = logged_in()
    ts.append(Target("account-password", "POST", "/account",
                     ["current_password", "new_password"],
                     data={"current_password": reg["password"],
                           "new_password": reg["password"], "csrf": tok},
                     cookies=c.cookies, headers=json_h))

    # Password reset and address confirmation (§6).
    _, reg = register()
    c, tok = anonymous()
    ts.append(Target("password-forgot", "POST", "/password/forgot", ["email"],
                     data={"email": reg["email"], "csrf": tok}, cookies=c.cookies,
                     headers=json_h))
    fake = "Q" * 43
    ts.append(Target("password-reset-get", "GET", "/password/reset", ["token"],
                     query={"token": fake}))
    c, tok = anonymous()
    ts.append(Target("password-reset", "POST", "/password/reset", ["token", "new_password"],
                     data={"token": fake, "new_password": "another horse 2", "csrf": tok},
                     cookies=c.cookies, headers=json_h))
    ts.append(Target("email-verify", "GET", "/email/verify", ["token"],
                     query={"token": fake}))

    # checkout and refund, logged in; the refund of a paid order.
    c, _, tok = logged_in()
    ts.append(Target("checkout", "POST", "/checkout",
                     ["plan", "method", "amo_domain", "accept_offer"],
                     data={"plan": "all-widgets-6m", "method": "card",
                           "amo_domain": unique("sq") + ".amocrm.ru",
                           "accept_offer": "yes", "csrf": tok},
                     cookies=c.cookies, headers=json_h))
    c, inv, host = paid_order(prefix="sqr")
    tok = session_token(c)
    ts.append(Target("refund", "POST", "/refund",
                     ["inv_id", "reason", "recipient", "recipient_iin_bin", "iban", "bic"],
                     data={"inv_id": inv, "reason": "Виджеты не подошли нашей команде продаж.",
                           "recipient": "Иван Петров", "recipient_iin_bin": "791028302728",
                           "iban": "KZ86125KZT5004100100", "bic": "KCJBKZKX", "csrf": tok},
                     cookies=c.cookies, headers=json_h))
    ts.append(Target("refund-get", "GET", "/refund", ["inv_id"], query={"inv_id": inv},
                     cookies=c.cookies))

    # Robokassa: the ResultURL call (signed with password 2), and the
    # customer's return (SuccessURL signed with password 1; FailURL).
    c, _, tok = logged_in()
    j = c.post("/checkout", {"amo_domain": unique("sqk") + ".amocrm.ru",
                             "accept_offer": "yes"}, headers=json_h).json()
    inv = str(j["inv_id"])
    shp = {k: v for k, v in j["params"].items() if k.startswith("Shp_")}
    out = j["params"]["OutSum"]
    result = dict(shp, OutSum=out, InvId=inv, SignatureValue=rk_signature(
        out, inv, conf["robokassa_password2"], shp=shp))
    rk = ["OutSum", "InvId", "SignatureValue"] + sorted(shp)
    ts.append(Target("robokassa-result", "POST", "/robokassa/result", rk, data=result,
                     csrf=False))
    back = dict(shp, OutSum=out, InvId=inv, SignatureValue=rk_signature(
        out, inv, conf["robokassa_password1"], shp=shp), Culture="ru")
    ts.append(Target("robokassa-success", "GET", "/robokassa/success", rk + ["Culture"],
                     query=back))
    ts.append(Target("robokassa-fail", "POST", "/robokassa/fail",
                     ["OutSum", "InvId", "Culture"],
                     data={"OutSum": out, "InvId": inv, "Culture": "ru"}, csrf=False))

    # The license check: its query and its token (a valid one; any change
    # to it is 401 TOKEN_INVALID).
    n = int(time.time() * 1000) % 10 ** 9
    ts.append(Target("license", "GET", "/api/v1/license", ["widget", "nonce", "X-Auth-Token"],
                     query={"widget": "leadscore", "nonce": "n" + str(n)},
                     headers={"X-Auth-Token": amo_token(n, "sqlacc%d" % n),
                              "Origin": "https://sqlacc%d.amocrm.ru" % n},
                     allow={401}))
    # The catalogues read no parameter: a query one, as a client might send.
    for route in ("widgets", "plans"):
        ts.append(Target(route, "GET", "/api/v1/" + route, ["code"],
                         query={"code": "leadscore"}))
    # The long ones (most parameters) first, so the rest fill the time beside them.
    ts.sort(key=lambda t: -len(t.params))
    return ts


# ---- One run and its verdict ------------------------------------------------

def sqlmap_command(t, outdir, traffic):
    cmd = ["sqlmap", "-u", t.url(), "-p", ",".join(t.params),
           "--batch", "--level", "2", "--risk", "1", "--time-sec", TIME_SEC,
           # The site's database, every technique.
           "--dbms", "PostgreSQL", "--technique", "BEUSTQ",
           "--output-dir", outdir, "-t", traffic, "--flush-session", "--disable-coloring",
           # Keep the session and token given here: a Set-Cookie of a
           # login or registration that succeeded would change them.
           "--drop-set-cookie",
           # Every answer is read (4xx are what the handlers say to bad
           # values); "turned away" is judged from the traffic below.
           "--ignore-code", "401,403,404,409,413,414,422,429",
           "--answers", "follow=N"]
    if t.data is not None:
        cmd += ["--data", t.body()]
    if t.cookies:
        cmd += ["--cookie", "; ".join("%s=%s" % kv for kv in t.cookies.items())]
    for k, v in t.headers.items():
        cmd += ["-H", "%s: %s" % (k, v)]
    if t.csrf:
        cmd += ["--csrf-token", "csrf", "--csrf-url", BASE + "/api/v1/session",
                "--csrf-method", "GET"]
    return cmd


RESPONSE = re.compile(r"HTTP response \[#\d+\] \((\d+) [^)]*\):\r?\n(.*?)(?=HTTP request \[#|\Z)",
                      re.S)


def verdict(t, rc, console, traffic):
    """The problems of one run, as lines (none: the target is clean)."""
    problems = []
    # sqlmap's final word: a parameter that "appears to be" injectable is
    # checked again, and only then "is vulnerable".
    for m in re.finditer(r"parameter '([^']+)' is vulnerable", console):
        problems.append("%s: parameter %s is injectable" % (t.name, m.group(1)))
    if "sqlmap identified the following injection point" in console:
        block = console.split("sqlmap identified the following injection point", 1)[1]
        for p in re.findall(r"Parameter: (.+)", block):
            problems.append("%s: injection point %s" % (t.name, p.strip()))
    # sqlmap's other CRITICAL lines (lagging, a page that changes, a
    # "WAF" that is a 422) are notices it carries on after.
    for line in re.findall(r"\[CRITICAL\].*(?:connection|unable to connect|timed out"
                           r"|can't be found).*", console):
        problems.append("%s: sqlmap: %s" % (t.name, line))
    for p in t.params:
        if not re.search(r"parameter '(?:[A-Za-z-]+ )?#?%s\*?' does not seem to be injectable"
                         % re.escape(p), console, re.I):
            problems.append("%s: sqlmap did not conclude on parameter %s" % (t.name, p))
    if "all tested parameters do not appear to be injectable" not in console:
        problems.append("%s: sqlmap did not finish (exit %d)" % (t.name, rc))

    codes, reached = {}, 0
    for code, body in RESPONSE.findall(traffic):
        code = int(code)
        err = re.search(r'"error":\s*"([a-z_]+)"', body)
        err = err.group(1) if err else None
        if code >= 500:
            kind = "%d (a 5xx)" % code
        elif code == 429:
            kind = "429 (rate limited)"
        elif code in (401, 403) and code not in t.allow:
            kind = "%d %s (turned away before the handler)" % (code, err or "")
        else:
            reached += 1
            continue
        codes[kind] = codes.get(kind, 0) + 1
    for kind, n in sorted(codes.items()):
        problems.append("%s: %d answers %s" % (t.name, n, kind))
    if reached < 20:
        problems.append("%s: only %d answers from the handler" % (t.name, reached))
    return problems, reached


def run(t, tmp):
    outdir = os.path.join(tmp, t.name)
    os.makedirs(outdir)
    traffic_path = os.path.join(outdir, "traffic.txt")
    env = dict(os.environ, HOME=outdir, TERM="dumb")
    t0 = time.monotonic()
    p = subprocess.run(sqlmap_command(t, outdir, traffic_path), env=env, cwd=outdir,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       errors="replace", timeout=600)
    took = time.monotonic() - t0
    try:
        with open(traffic_path, errors="replace") as f:
            traffic = f.read()
    except FileNotFoundError:
        traffic = ""
    problems, reached = verdict(t, p.returncode, p.stdout + p.stderr, traffic)
    os.makedirs(OUTPUT, exist_ok=True)
    with open(os.path.join(OUTPUT, t.name + ".log"), "w") as f:
        f.write(p.stdout + p.stderr)
    if problems and traffic:
        # Megabytes: kept only for a target that failed.
        with open(os.path.join(OUTPUT, t.name + ".traffic.txt"), "w") as f:
            f.write(traffic)
    return t, problems, reached, took


class Sqlmap(unittest.TestCase):
    def test_no_parameter_of_any_form_route_is_injectable(self):
        self.assertIsNotNone(shutil.which("sqlmap"),
                             "sqlmap is missing (scripts/test installs Debian's sqlmap)")
        shutil.rmtree(OUTPUT, ignore_errors=True)
        tmp = tempfile.mkdtemp(prefix="sqlmap.", dir=VAR)
        try:
            with LimitsLifted():
                ts = targets()
                t0 = time.monotonic()
                with concurrent.futures.ThreadPoolExecutor(JOBS) as pool:
                    results = list(pool.map(lambda t: run(t, tmp), ts))
                took = time.monotonic() - t0
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        problems = []
        for t, ps, reached, secs in results:
            print("%-20s %2d parameters, %5d answers, %5.1f s%s" % (
                t.name, len(t.params), reached, secs, "" if not ps else ": FAILED"))
            problems += ps
        print("%d parameters of %d targets in %.1f s" % (
            sum(len(t.params) for t in ts), len(ts), took))
        self.assertEqual(problems, [], "\n".join(problems) + "\n(logs: %s)" % OUTPUT)


def terminated(signum, frame):
    # ctest's timeout: leave through the finally blocks (limits restored).
    raise KeyboardInterrupt("terminated")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, terminated)
    unittest.main(verbosity=2)
