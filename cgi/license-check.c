/*
 * license-check: tells a widget, running in the customer's amoCRM, whether
 * its account is licensed.
 *
 *	GET     /api/v1/license?widget=CODE[&nonce=N]	the answer
 *	OPTIONS /api/v1/license				CORS preflight
 *	GET     /api/v1/license/key			the Ed25519 public key
 *
 * The account comes only from amoCRM's disposable token (X-Auth-Token),
 * verified here.  Every widget is an amoCRM integration of its own: the
 * token's client_uuid, read unverified, picks the integration (an unknown
 * or retired one is refused at once, before any HMAC work or database
 * write); the token is then verified with that integration's secret (or
 * its previous one, during a rotation) and audience, and the widget asked
 * must be that integration's.  The first verified check of a never-seen account starts
 * its trial.  Every answer's body is signed with Ed25519 (X-Signature).
 *
 * Speed: each worker keeps the accounts' states in memory, each entry
 * until the moment its state changes by the clock alone (recheck_at); any
 * write that changes a license is announced by PostgreSQL on the channel
 * license_changed, and a worker takes its notifications before every
 * answer, forgetting what it knew.  So a payment, a refund or a block is
 * seen by the very next request of every worker, and no stale "valid"
 * survives a suspension.  The integrations, secrets and all, are kept the
 * same way: loaded when the worker starts and again after any
 * notification (a new, rotated or retired integration is announced on
 * the same channel), from amobill.license_integrations(), the only way
 * this program's role has to them.
 *
 * An account's answer is per widget: a plan may not cover them all
 * (NOT_ENTITLED), so the cache holds an (account, widget) a slot.  And
 * each worker counts its answers per account, widget and hour, and the
 * amoCRM users it saw (lib/rules/usage.h), writing them in one statement
 * at most every USAGE_WRITE_S seconds and as it stops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amotoken.h"
#include "cors.h"
#include "form.h"
#include "integrations.h"
#include "log.h"
#include "server.h"
#include "sign.h"
#include "usage.h"
#include "valid.h"

#define CACHE_SLOTS	8192		/* a power of two */
#define WIDGETS_MAX	64
#define CODE_MAX	INTEGRATION_CODE	/* a widget code and its NUL */
#define NONCE_MAX	65
#define EXPIRING_DAYS	7
#define USAGE_WRITE_S	10		/* the longest a count waits in memory */

static const struct db_stmt statements[] = {
	{ "license_check",
	  "SELECT account_id, code, kind,"
	  "       floor(extract(epoch FROM expires_at))::bigint,"
	  "       coalesce(floor(extract(epoch FROM recheck_at))::bigint, -1)"
	  "  FROM amobill.license_check($1::bigint, $2, $3, $4::integer)" },
	{ "widgets",
	  "SELECT code FROM amobill.widgets ORDER BY code" },
	{ "record_usage",
	  "SELECT amobill.record_usage($1::bigint[], $2::text[], $3::bigint[],"
	  "    $4::bigint[], $5::bigint[], $6::text[], $7::bigint[], $8::bigint[])" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = {
	statements, integration_statements, NULL
};

/*
 * As amobill.widget_license_state() names them, SUSPENDED the default;
 * and the one this program tells by itself.
 */
enum code {
	C_VALID, C_TRIAL, C_EXPIRED, C_NOT_ENTITLED, C_SUSPENDED,
	C_UNKNOWN_WIDGET
};

static const char *const code_names[] = {
	"VALID", "TRIAL", "EXPIRED", "NOT_ENTITLED", "SUSPENDED",
	"UNKNOWN_WIDGET"
};

/* What an account's license is for one widget. */
struct entry {
	long long	amo_id;		/* 0: empty slot */
	int		widget;		/* index into widgets[] */
	long long	account;	/* amobill.amo_accounts.id */
	enum code	code;
	int		trial;
	time_t		expires_at;	/* 0: none (never covered) */
	time_t		recheck_at;	/* forget it then; 0 never */
};

static struct signer	*signer;
static struct entry	 cache[CACHE_SLOTS];
static size_t		 cached;
static char		 widgets[WIDGETS_MAX][CODE_MAX];
static int		 nwidgets = -1;	/* -1: not loaded */
static struct usage	 usage;
static time_t		 usage_since;	/* the oldest count not written, or 0 */

static void
forget_accounts(void)
{
	memset(cache, 0, sizeof(cache));
	cached = 0;
}

static void
forget_all(void)
{
	forget_accounts();
	nwidgets = -1;
	integrations_forget();
}

static struct entry *
slot(long long amo_id, int widget)
{
	size_t	i = (size_t)(((unsigned long long)amo_id * WIDGETS_MAX +
		    (unsigned)widget) * 0x9E3779B97F4A7C15ULL >> 51) &
		    (CACHE_SLOTS - 1);

	while (cache[i].amo_id != 0 && (cache[i].amo_id != amo_id ||
	    cache[i].widget != widget))
		i = (i + 1) & (CACHE_SLOTS - 1);
	return &cache[i];
}

static int
load_widgets(void)
{
	PGresult	*res;
	int		 i;

	if ((res = db_exec("widgets", 0, NULL)) == NULL || !db_ok(res)) {
		PQclear(res);
		return -1;
	}
	for (nwidgets = 0, i = 0; i < PQntuples(res) && i < WIDGETS_MAX; i++)
		snprintf(widgets[nwidgets++], CODE_MAX, "%s",
		    PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}

/* The widget's index in the catalogue, or -1. */
static int
widget_index(const char *code)
{
	int	i;

	for (i = 0; i < nwidgets; i++)
		if (strcmp(widgets[i], code) == 0)
			return i;
	return -1;
}

/* The account's state for a widget, from memory or the database.  0 or -1. */
static int
account_state(const struct config *cfg, const struct amotoken *t,
    int widget, time_t now, struct entry *out)
{
	struct entry	*e = slot(t->account_id, widget);
	char		 id[24], days[8];
	const char	*p[4] = { id, t->host, widgets[widget], days };
	PGresult	*res;
	long long	 recheck;

	if (e->amo_id == t->account_id &&
	    (e->recheck_at == 0 || now < e->recheck_at)) {
		*out = *e;
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", t->account_id);
	snprintf(days, sizeof(days), "%d", cfg->trial_days);
	if ((res = db_exec("license_check", 4, p)) == NULL || !db_ok(res) ||
	    PQntuples(res) != 1) {
		PQclear(res);
		return -1;
	}
	if (e->amo_id == 0 && ++cached > CACHE_SLOTS / 2) {
		/* Full enough that probing slows down: start over. */
		forget_accounts();
		e = slot(t->account_id, widget);
		cached = 1;
	}
	e->amo_id = t->account_id;
	e->widget = widget;
	e->account = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	for (e->code = C_VALID; e->code < C_SUSPENDED &&
	    strcmp(code_names[e->code], PQgetvalue(res, 0, 1)) != 0; e->code++)
		;
	e->trial = vocab_find(&vocab_period_kind, PQgetvalue(res, 0, 2)) ==
	    PERIOD_TRIAL;
	e->expires_at = PQgetisnull(res, 0, 3) ? 0 :
	    (time_t)strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	recheck = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
	e->recheck_at = recheck < 0 ? 0 : (time_t)recheck;
	*out = *e;
	PQclear(res);
	return 0;
}

static void
iso_time(time_t t, char *out, size_t n)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Sends a signed JSON body. */
static void
send_signed(struct request *req, int status, const char *body, size_t n)
{
	char	sig[SIGN_B64_LEN];

	if (signer_sign(signer, body, n, sig) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	http_header(req, "X-Signature: ed25519=%s", sig);
	http_send(req, status, "application/json", body, n);
}

static void
refuse_token(struct request *req, enum amotoken_result r, const char *why,
    time_t now)
{
	char	body[256], ts[32];
	int	n;

	iso_time(now, ts, sizeof(ts));
	n = snprintf(body, sizeof(body), "{\"valid\":false,\"code\":\"%s\","
	    "\"detail\":\"%s\",\"ts\":\"%s\"}", r == AMOTOKEN_EXPIRED ?
	    "TOKEN_EXPIRED" : "TOKEN_INVALID", why, ts);
	send_signed(req, 401, body, (size_t)n);
}

/*
 * The query's widget (required) and nonce (optional) into their buffers,
 * each checked against its alphabet.  Returns 0 or -1.
 */
static int
read_query(const char *q, char *widget, char *nonce)
{
	static const char	 code_chars[] = "abcdefghijklmnopqrstuvwxyz"
				    "0123456789_-";
	static const char	 nonce_chars[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	struct form_pairs	 fp;
	struct form_pair	*p;
	size_t			 i;
	int			 rc = -1;

	widget[0] = nonce[0] = '\0';
	if (form_pairs(&fp, q, strlen(q)) == -1)
		goto out;
	for (i = 0; i < fp.n; i++) {
		p = &fp.p[i];
		if (strcmp(p->name, "widget") == 0) {
			if (p->len == 0 || p->len >= CODE_MAX ||
			    strspn(p->value, code_chars) != p->len)
				goto out;
			memcpy(widget, p->value, p->len + 1);
		} else if (strcmp(p->name, "nonce") == 0) {
			if (p->len == 0 || p->len >= NONCE_MAX ||
			    strspn(p->value, nonce_chars) != p->len)
				goto out;
			memcpy(nonce, p->value, p->len + 1);
		}
	}
	rc = widget[0] != '\0' ? 0 : -1;
out:
	form_pairs_free(&fp);
	return rc;
}

/*
 * Writes the counts gathered so far in one statement.  A failure loses
 * them (logged): they are a measure, and the answers come first.
 */
static void
write_usage(void)
{
	struct buf	 cols[USAGE_NCOLUMNS];
	const char	*p[USAGE_NCOLUMNS];
	PGresult	*res = NULL;
	size_t		 i;

	for (i = 0; i < USAGE_NCOLUMNS; i++)
		buf_init(&cols[i], USAGE_ARRAY_MAX);
	if (usage_arrays(&usage, cols) == 0) {
		for (i = 0; i < USAGE_NCOLUMNS; i++)
			p[i] = buf_str(&cols[i]);
		res = db_exec("record_usage", USAGE_NCOLUMNS, p);
	}
	if (res == NULL || !db_ok(res))
		log_msg("usage: %zu counts not written", usage.nkeys);
	PQclear(res);
	for (i = 0; i < USAGE_NCOLUMNS; i++)
		buf_free(&cols[i]);
	usage_reset(&usage);
	usage_since = 0;
}

static void
count_usage(const struct entry *st, const char *widget, time_t now,
    long long user)
{
	if (usage_count(&usage, st->account, widget, now / 3600, user) == -1) {
		/* Full: write, and count again in the emptied tables. */
		write_usage();
		(void)usage_count(&usage, st->account, widget, now / 3600,
		    user);
	}
	if (usage_since == 0)
		usage_since = now;
}

static void
tick(int last)
{
	if (usage.nkeys > 0 && (last ||
	    time(NULL) - usage_since >= USAGE_WRITE_S))
		write_usage();
}

/*
 * The answer to a check of widget by the opened token p: the integration
 * its claimed client_uuid names, the token verified with its keys, then
 * the account's license for the widget.
 */
static void
answer(struct request *req, const struct amotoken_parts *p,
    const char *widget, const char *nonce, time_t now)
{
	const struct config		*c = req->cfg;
	const struct integration	*in;
	struct amotoken_keys		 keys;
	struct amotoken			 t;
	struct entry		 st;
	enum amotoken_result	 r;
	const char		*why, *status, *detail;
	char			 uuid[AMOTOKEN_UUID_MAX];
	char			 body[1024], ts[32], day[32], exp[40];
	char			 nonce_json[NONCE_MAX + 16];
	int			 valid, n, fresh, w;

	/* Whose token it says it is: it proves nothing until verified. */
	if (amotoken_claimed_uuid(p, uuid) == -1) {
		refuse_token(req, AMOTOKEN_INVALID, "malformed token", now);
		return;
	}
	if ((fresh = db_notified()) != 0)
		forget_all();
	if (fresh == -1 || (nwidgets < 0 && load_widgets() == -1) ||
	    (!integrations_loaded() && integrations_load() == -1)) {
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	if ((in = integrations_find(uuid)) == NULL) {
		refuse_token(req, AMOTOKEN_INVALID, "unknown integration", now);
		return;
	}
	keys.secret = in->secret;
	keys.previous = in->previous[0] != '\0' ? in->previous : NULL;
	keys.audience = in->audience;
	keys.client_uuid = in->client_uuid;
	r = amotoken_check(p, &keys, now, &t, &why);
	if (r != AMOTOKEN_OK) {
		refuse_token(req, r, why, now);
		return;
	}
	iso_time(now, ts, sizeof(ts));
	if (nonce[0] != '\0')
		snprintf(nonce_json, sizeof(nonce_json), ",\"nonce\":\"%s\"",
		    nonce);
	else
		nonce_json[0] = '\0';
	if ((w = widget_index(widget)) == -1) {
		memset(&st, 0, sizeof(st));
		st.code = C_UNKNOWN_WIDGET;
	} else if (strcmp(widget, in->widget) != 0) {
		/*
		 * A catalogue widget, but not the one this integration holds:
		 * the token was not made for it (each widget has its own).
		 */
		refuse_token(req, AMOTOKEN_INVALID,
		    "token of another widget's integration", now);
		return;
	} else if (account_state(c, &t, w, now, &st) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	} else
		count_usage(&st, widget, now, t.user_id);
	valid = st.code == C_VALID || st.code == C_TRIAL;
	if (st.code == C_UNKNOWN_WIDGET)
		status = "null", detail = "no such widget in the bundle";
	else if (st.code == C_SUSPENDED)
		status = "\"suspended\"", detail = "license suspended";
	else if (st.code == C_NOT_ENTITLED)
		status = "null", detail = "the plan paid for does not include "
		    "this widget";
	else if (!valid)
		status = "\"expired\"", detail = "license expired";
	else if (st.expires_at - now <= EXPIRING_DAYS * 86400)
		status = "\"expiring\"", detail = st.trial ?
		    "trial ending soon" : "subscription ending soon";
	else if (st.trial)
		status = "\"trial\"", detail = "trial";
	else
		status = "\"active\"", detail = "paid subscription";
	if (st.expires_at == 0)
		snprintf(exp, sizeof(exp), "null");
	else {
		iso_time(st.expires_at, day, sizeof(day));
		snprintf(exp, sizeof(exp), "\"%s\"", day);
	}
	/* Every value here is validated text or a number: no escaping. */
	n = snprintf(body, sizeof(body), "{\"valid\":%s,\"code\":\"%s\","
	    "\"detail\":\"%s\",\"ts\":\"%s\",\"account_id\":%lld,"
	    "\"subdomain\":\"%s\",\"widget\":\"%s\",\"status\":%s,"
	    "\"expires_at\":%s,\"trial\":%s%s}", valid ? "true" : "false",
	    code_names[st.code], detail, ts, t.account_id, t.subdomain, widget,
	    status, exp, st.trial ? "true" : "false", nonce_json);
	send_signed(req, 200, body, (size_t)n);
}

static void
license(struct request *req)
{
	struct amotoken_parts	 p;
	const char		*token;
	char			 widget[CODE_MAX], nonce[NONCE_MAX];
	time_t			 now = time(NULL);

	cors_amocrm(req);
	if (read_query(req->query, widget, nonce) == -1) {
		http_send(req, 400, "application/json",
		    "{\"error\":\"invalid\",\"fields\":{}}", 31);
		return;
	}
	if ((token = http_param(req, "HTTP_X_AUTH_TOKEN")) == NULL) {
		refuse_token(req, AMOTOKEN_INVALID, "no token", now);
		return;
	}
	/* Decoded once, for the claimed client_uuid and the verification. */
	if (amotoken_open(&p, token, strlen(token)) == 0)
		answer(req, &p, widget, nonce, now);
	else
		refuse_token(req, AMOTOKEN_INVALID, "malformed token", now);
	amotoken_close(&p);
}

static void
preflight(struct request *req)
{
	cors_amocrm(req);
	http_header(req, "Access-Control-Allow-Methods: GET, OPTIONS");
	http_header(req, "Access-Control-Allow-Headers: X-Auth-Token, "
	    "Content-Type");
	http_header(req, "Access-Control-Max-Age: 600");
	http_send(req, 204, NULL, "", 0);
}

static void
public_key(struct request *req)
{
	const char	*pem = signer_public_pem(signer);

	cors_amocrm(req);
	http_send(req, 200, "application/x-pem-file", pem, strlen(pem));
}

static int
setup(const struct config *cfg)
{
	return (signer = signer_open(cfg->license_signing_key)) == NULL ?
	    -1 : 0;
}

/*
 * Listens, then loads the catalogue and the integrations, so that the
 * first answer does not wait for them.  The database may be away now:
 * then the first request loads them.
 */
static int
init(const struct config *cfg)
{
	(void)cfg;
	db_listen("license_changed");
	if (db_notified() != -1) {
		(void)load_widgets();
		(void)integrations_load();
	}
	return 0;
}

static void
fini(void)
{
	integrations_forget();
	signer_close(signer);
	signer = NULL;
}

SERVER_PROGRAM(.name = "license-check", .role = "amobill_license",
    .config = CONF_SITE | CONF_LICENSE,
    .statements = statement_sets, .setup = setup, .init = init,
    .fini = fini, .tick = tick,
    ROUTES(
	{ "/api/v1/license", license, NULL, preflight },
	{ "/api/v1/license/key", public_key, NULL, preflight }));
