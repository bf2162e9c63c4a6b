/*
 * license-check: tells a widget, running in the customer's amoCRM, whether
 * its account is licensed.
 *
 *	GET     /api/v1/license?widget=CODE[&nonce=N]	the answer
 *	OPTIONS /api/v1/license				CORS preflight
 *	GET     /api/v1/license/key			the Ed25519 public key
 *	GET     /api/v1/widgets				the widget catalogue
 *	GET     /api/v1/site				the seller's details
 *
 * The account comes only from amoCRM's disposable token (X-Auth-Token),
 * verified here.  The first verified check of a never-seen account starts
 * its trial.  Every answer's body is signed with Ed25519 (X-Signature).
 *
 * Speed: each worker keeps the accounts' states in memory, each entry
 * until the moment its state changes by the clock alone (recheck_at); any
 * write that changes a license is announced by PostgreSQL on the channel
 * license_changed, and a worker takes its notifications before every
 * answer, forgetting what it knew.  So a payment, a refund or a block is
 * seen by the very next request of every worker, and no stale "valid"
 * survives a suspension.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amotoken.h"
#include "form.h"
#include "server.h"
#include "sign.h"
#include "valid.h"

#define CACHE_SLOTS	8192		/* a power of two */
#define WIDGETS_MAX	64
#define CODE_MAX	33
#define NONCE_MAX	65
#define EXPIRING_DAYS	7

static const struct db_stmt statements[] = {
	{ "license_check",
	  "SELECT account_id, code, kind,"
	  "       floor(extract(epoch FROM expires_at))::bigint,"
	  "       coalesce(floor(extract(epoch FROM recheck_at))::bigint, -1)"
	  "  FROM amobill.license_check($1::bigint, $2, $3::integer)" },
	{ "widgets",
	  "SELECT code, name, description FROM amobill.widgets ORDER BY code" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = { statements, NULL };

enum code { C_VALID, C_TRIAL, C_EXPIRED, C_SUSPENDED };

static const char *const code_names[] = {
	"VALID", "TRIAL", "EXPIRED", "SUSPENDED"
};

struct entry {
	long long	amo_id;		/* 0: empty slot */
	enum code	code;
	int		trial;
	time_t		expires_at;
	time_t		recheck_at;	/* forget it then; 0 never */
};

static struct signer	*signer;
static struct entry	 cache[CACHE_SLOTS];
static size_t		 cached;
static char		 widgets[WIDGETS_MAX][CODE_MAX];
static int		 nwidgets = -1;	/* -1: not loaded */

static void
forget_all(void)
{
	memset(cache, 0, sizeof(cache));
	cached = 0;
	nwidgets = -1;
}

static struct entry *
slot(long long amo_id)
{
	size_t	i = (size_t)((unsigned long long)amo_id * 0x9E3779B97F4A7C15ULL >>
		    51) & (CACHE_SLOTS - 1);

	while (cache[i].amo_id != 0 && cache[i].amo_id != amo_id)
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

static int
known_widget(const char *code)
{
	int	i;

	for (i = 0; i < nwidgets; i++)
		if (strcmp(widgets[i], code) == 0)
			return 1;
	return 0;
}

/* The account's state from memory, or from the database.  0 or -1. */
static int
account_state(const struct config *cfg, const struct amotoken *t,
    time_t now, struct entry *out)
{
	struct entry	*e = slot(t->account_id);
	char		 id[24], days[8];
	const char	*p[3] = { id, t->host, days };
	PGresult	*res;
	long long	 recheck;

	if (e->amo_id == t->account_id &&
	    (e->recheck_at == 0 || now < e->recheck_at)) {
		*out = *e;
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", t->account_id);
	snprintf(days, sizeof(days), "%d", cfg->trial_days);
	if ((res = db_exec("license_check", 3, p)) == NULL || !db_ok(res) ||
	    PQntuples(res) != 1) {
		PQclear(res);
		return -1;
	}
	if (e->amo_id == 0 && ++cached > CACHE_SLOTS / 2) {
		/* Full enough that probing slows down: start over. */
		forget_all();
		e = slot(t->account_id);
		cached = 1;
	}
	e->amo_id = t->account_id;
	for (e->code = C_VALID; e->code < C_SUSPENDED &&
	    strcmp(code_names[e->code], PQgetvalue(res, 0, 1)) != 0; e->code++)
		;
	e->trial = vocab_find(&vocab_period_kind, PQgetvalue(res, 0, 2)) ==
	    PERIOD_TRIAL;
	e->expires_at = (time_t)strtoll(PQgetvalue(res, 0, 3), NULL, 10);
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

/* CORS for the accounts' own pages on amoCRM and Kommo, and no others. */
static void
cors(struct request *req)
{
	char	host[AMO_HOST_MAX];

	if (req->origin == NULL || strncmp(req->origin, "https://", 8) != 0 ||
	    strlen(req->origin + 8) >= sizeof(host) ||
	    strchr(req->origin + 8, '.') == NULL ||
	    amo_host(req->origin + 8, host) == -1 ||
	    strcmp(host, req->origin + 8) != 0) {
		http_header(req, "Vary: Origin");
		return;
	}
	http_header(req, "Access-Control-Allow-Origin: %s", req->origin);
	http_header(req, "Vary: Origin");
	http_header(req, "Access-Control-Expose-Headers: X-Signature");
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

static void
license(struct request *req)
{
	const struct config	*c = req->cfg;
	struct amotoken_keys	 keys = { c->amocrm_secret,
				    c->amocrm_secret_previous,
				    c->amocrm_audience, c->amocrm_client_uuid };
	struct amotoken		 t;
	struct entry		 st;
	enum amotoken_result	 r;
	const char		*token, *why, *status, *detail;
	char			 widget[CODE_MAX], nonce[NONCE_MAX];
	char			 body[1024], ts[32], exp[32], nonce_json[NONCE_MAX + 16];
	time_t			 now = time(NULL);
	int			 valid, n, fresh;

	cors(req);
	if (read_query(req->query, widget, nonce) == -1) {
		http_send(req, 400, "application/json",
		    "{\"error\":\"invalid\",\"fields\":{}}", 31);
		return;
	}
	token = http_param(req, "HTTP_X_AUTH_TOKEN");
	r = amotoken_verify(token != NULL ? token : "",
	    token != NULL ? strlen(token) : 0, &keys, now, &t, &why);
	if (r != AMOTOKEN_OK) {
		refuse_token(req, r, token == NULL ? "no token" : why, now);
		return;
	}
	if ((fresh = db_notified()) != 0)
		forget_all();
	if (fresh == -1 || (nwidgets < 0 && load_widgets() == -1)) {
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	iso_time(now, ts, sizeof(ts));
	if (nonce[0] != '\0')
		snprintf(nonce_json, sizeof(nonce_json), ",\"nonce\":\"%s\"",
		    nonce);
	else
		nonce_json[0] = '\0';
	/* Every value below is validated text or a number: no escaping. */
	if (!known_widget(widget)) {
		n = snprintf(body, sizeof(body), "{\"valid\":false,\"code\":"
		    "\"UNKNOWN_WIDGET\",\"detail\":\"no such widget in the "
		    "bundle\",\"ts\":\"%s\",\"account_id\":%lld,\"subdomain\":"
		    "\"%s\",\"widget\":\"%s\",\"status\":null,\"expires_at\":"
		    "null,\"trial\":false%s}", ts, t.account_id, t.subdomain,
		    widget, nonce_json);
		send_signed(req, 200, body, (size_t)n);
		return;
	}
	if (account_state(c, &t, now, &st) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	valid = st.code == C_VALID || st.code == C_TRIAL;
	if (st.code == C_SUSPENDED)
		status = "suspended", detail = "license suspended";
	else if (!valid)
		status = "expired", detail = "license expired";
	else if (st.expires_at - now <= EXPIRING_DAYS * 86400)
		status = "expiring", detail = st.trial ? "trial ending soon" :
		    "subscription ending soon";
	else if (st.trial)
		status = "trial", detail = "trial";
	else
		status = "active", detail = "paid subscription";
	iso_time(st.expires_at, exp, sizeof(exp));
	n = snprintf(body, sizeof(body), "{\"valid\":%s,\"code\":\"%s\","
	    "\"detail\":\"%s\",\"ts\":\"%s\",\"account_id\":%lld,"
	    "\"subdomain\":\"%s\",\"widget\":\"%s\",\"status\":\"%s\","
	    "\"expires_at\":\"%s\",\"trial\":%s%s}", valid ? "true" : "false",
	    code_names[st.code], detail, ts, t.account_id, t.subdomain, widget,
	    status, exp, st.trial ? "true" : "false", nonce_json);
	send_signed(req, 200, body, (size_t)n);
}

static void
preflight(struct request *req)
{
	cors(req);
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

	cors(req);
	http_send(req, 200, "application/x-pem-file", pem, strlen(pem));
}

static void
catalogue(struct request *req)
{
	PGresult	*res;
	cJSON		*list, *w;
	int		 i;

	if ((res = db_exec("widgets", 0, NULL)) == NULL || !db_ok(res)) {
		PQclear(res);
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	if ((list = cJSON_CreateArray()) != NULL)
		for (i = 0; i < PQntuples(res); i++) {
			if ((w = cJSON_CreateObject()) == NULL)
				break;
			cJSON_AddItemToArray(list, w);
			cJSON_AddStringToObject(w, "code", PQgetvalue(res, i, 0));
			cJSON_AddStringToObject(w, "name", PQgetvalue(res, i, 1));
			cJSON_AddStringToObject(w, "description",
			    PQgetvalue(res, i, 2));
		}
	PQclear(res);
	cors(req);
	http_send_json(req, 200, list);
}

/* The seller's details, for the footers of the static pages. */
static void
site(struct request *req)
{
	const struct config	*c = req->cfg;
	cJSON			*o;

	if ((o = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(o, "merchant_name", c->merchant_name);
		cJSON_AddStringToObject(o, "merchant_bin", c->merchant_bin);
		cJSON_AddStringToObject(o, "merchant_address",
		    c->merchant_address);
		cJSON_AddStringToObject(o, "support_email", c->support_email);
	}
	http_send_json(req, 200, o);
}

static int
setup(const struct config *cfg)
{
	return (signer = signer_open(cfg->license_signing_key)) == NULL ?
	    -1 : 0;
}

static int
init(const struct config *cfg)
{
	(void)cfg;
	db_listen("license_changed");
	return 0;
}

static void
fini(void)
{
	signer_close(signer);
	signer = NULL;
}

SERVER_PROGRAM(.name = "license-check", .role = "amobill_license",
    .statements = statement_sets, .setup = setup, .init = init,
    .fini = fini,
    ROUTES(
	{ "/api/v1/license", license, NULL, preflight },
	{ "/api/v1/license/key", public_key, NULL, preflight },
	{ "/api/v1/widgets", catalogue, NULL, NULL },
	{ "/api/v1/site", site, NULL, NULL }));
