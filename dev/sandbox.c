/*
 * sandbox: a development stand-in for Robokassa, so that the whole payment
 * path (checkout, the payment page, ResultURL, SuccessURL and FailURL,
 * reconciliation) can be exercised on one machine, without the service.
 *
 *	GET, POST /sandbox/robokassa/Index.aspx		the payment start
 *	POST      /sandbox/robokassa/Pay			pay or decline
 *	GET, POST /sandbox/robokassa/WebService/Service.asmx/OpStateExt
 *
 * It serves only when the configuration says "sandbox = 1"; otherwise
 * every route answers 404, as if the program were not there.  The check
 * is made in each handler, not in the init hook: a failing init makes the
 * worker exit and the parent replace it once a second, and nginx would
 * answer 502 rather than 404.
 *
 * It checks a payment start as Robokassa does (merchant login, amount,
 * InvId, signature), keeps the operations it has seen in
 * sandbox.operations under a role of its own, and calls the shop back as
 * Robokassa does.  The payment page says it is a test and never asks for
 * card data.  The Pay form has no CSRF token, as Robokassa's has none for
 * the shop to give: this program must never run where money is real.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fetch.h"
#include "log.h"
#include "money.h"
#include "page.h"
#include "robokassa.h"
#include "server.h"
#include "utf8.h"
#include "valid.h"

#define OPSTATE_PATH	"/sandbox/robokassa/WebService/Service.asmx/OpStateExt"

#define SUM6_MAX	(MONEY_TEXT + 8)	/* "60000.000000" */
#define DESCRIPTION_MAX	100	/* characters: Robokassa's limit */
#define SHP_NAME_MAX	64
#define SHP_VALUE_MAX	256
#define SHP_URL_MAX	600	/* all Shp_ parameters, encoded */
#define ENC_MAX		(3 * SHP_VALUE_MAX + 1)
#define URL_MAX		1000	/* a header line is at most 1024 bytes */
#define QUERY_MAX	(16 * 1024)
#define XML_MAX		(4 * 1024)

/*
 * ResultURL: at most 8 tries, 250 ms between the first two and doubling
 * up to 2 s.  With 2 s per try they all fit in nginx's 30 s for our own
 * answer to the browser (8 * 2 s + 9.75 s of waiting).
 */
#define RESULT_TRIES		8
#define RESULT_WAIT_MS		250
#define RESULT_WAIT_MAX_MS	2000
#define RESULT_TIMEOUT_MS	2000
#define RESULT_ANSWER_MAX	256

/* OpStateExt's codes of a result and of an operation's state. */
enum {
	RESULT_OK = 0, RESULT_BAD_SIGNATURE = 1, RESULT_NO_SHOP = 2,
	RESULT_NO_OPERATION = 3, RESULT_INTERNAL = 1000
};
enum { STATE_STARTED = 5, STATE_DECLINED = 10, STATE_PAID = 100 };

static const struct db_stmt statements[] = {
	/*
	 * A payment start: a new operation, or a fresh start of one not yet
	 * paid.  No row back means the operation is paid already.
	 */
	{ "op_start",
	  "INSERT INTO sandbox.operations AS o (inv_id, merchant_login,"
	  "    out_sum, description, email, receipt, shp, is_test)"
	  " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::boolean)"
	  " ON CONFLICT (inv_id) DO UPDATE SET"
	  "    merchant_login = excluded.merchant_login,"
	  "    out_sum = excluded.out_sum,"
	  "    description = excluded.description,"
	  "    email = excluded.email, receipt = excluded.receipt,"
	  "    shp = excluded.shp, is_test = excluded.is_test,"
	  "    state = 5, state_at = now()"
	  "  WHERE o.state <> 100"
	  " RETURNING o.state" },
	/* Paying or declining: only a started operation can be either. */
	{ "op_finish",
	  "UPDATE sandbox.operations SET state = $2, state_at = now()"
	  " WHERE inv_id = $1 AND state = 5"
	  " RETURNING out_sum, coalesce(email, ''), shp::text, is_test" },
	{ "op_state",
	  "SELECT state FROM sandbox.operations WHERE inv_id = $1" },
	{ "op_report",
	  "SELECT state, out_sum,"
	  "       to_char(now(), 'YYYY-MM-DD\"T\"HH24:MI:SS.USTZH:TZM'),"
	  "       to_char(state_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.USTZH:TZM'),"
	  "       upper(md5(inv_id::text || ':' || created_at::text))"
	  "  FROM sandbox.operations"
	  " WHERE inv_id = $1 AND merchant_login = $2" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = { statements, NULL };

/* Every route answers 404 unless the sandbox is on. */
static int
enabled(struct request *req)
{
	if (req->cfg->sandbox)
		return 1;
	http_error(req, 404, "not_found", NULL, NULL);
	return 0;
}

/* Robokassa's InvId: 1 .. 2^31-1, in digits without a leading zero. */
static int
inv_id_parse(const char *s, long long *inv)
{
	size_t	n = strlen(s);

	if (n == 0 || n > 10 || s[0] == '0' || strspn(s, "0123456789") != n)
		return -1;
	*inv = strtoll(s, NULL, 10);
	return *inv <= 2147483647LL ? 0 : -1;
}

/* "60000.000000": an amount as Robokassa writes it in its callbacks. */
static void
format_sum6(long long tiyn, char out[SUM6_MAX])
{
	snprintf(out, SUM6_MAX, "%lld.%02lld0000", tiyn / 100, tiyn % 100);
}

/*
 * A made-up fee of 3.5%, in six decimals.  One tiyn is 10^4 millionths
 * of a tenge, so the fee is tiyn * 10^4 * 35 / 1000 = tiyn * 350
 * millionths: exact, no rounding.
 */
static void
format_fee(long long tiyn, char out[SUM6_MAX])
{
	long long	micro = tiyn * 350;

	snprintf(out, SUM6_MAX, "%lld.%06lld", micro / 1000000,
	    micro % 1000000);
}

static void
upper_hex(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'a' && *s <= 'f')
			*s = (char)(*s - 'a' + 'A');
}

/*
 * Appends "name=value" to a query or body, both encoded, after a '&' if
 * it is not the first.  A value too long to encode fails the buffer as a
 * value too long to fit would.
 */
static void
add_param(struct buf *b, const char *name, const char *value)
{
	char	enc[ENC_MAX];

	if (b->len > 0)
		buf_adds(b, "&");
	if (rk_urlencode(name, enc, sizeof(enc)) == -1) {
		b->failed = 1;
		return;
	}
	buf_adds(b, enc);
	buf_adds(b, "=");
	if (rk_urlencode(value, enc, sizeof(enc)) == -1) {
		b->failed = 1;
		return;
	}
	buf_adds(b, enc);
}

/* ---- the parameters of a request ---- */

struct params {
	struct form_pairs	 pairs;
	struct rk_param		 shp[RK_MAX_SHP];
	size_t			 nshp;
};

static int
is_form(const char *ct)
{
	return ct != NULL && strncmp(ct, "application/x-www-form-urlencoded",
	    33) == 0 && (ct[33] == '\0' || ct[33] == ';');
}

/*
 * Reads the parameters of a GET (the query) or a POST (the body, a form).
 * Names are matched without regard to case, as Robokassa matches them, so
 * two that differ only in case are an error.  Returns 0 or the status to
 * answer; release pp with form_pairs_free() in every case.
 */
static int
read_params(struct request *req, struct params *pp)
{
	const char	*src = req->query;
	size_t		 n, i, j;
	int		 st;

	n = strlen(src);
	if (strcmp(req->method, "POST") == 0) {
		if ((st = http_read_body(req)) != 0)
			return st;
		if (req->body_len > 0 && !is_form(FCGX_GetParam("CONTENT_TYPE",
		    req->fcgi->envp)))
			return 415;
		src = req->body;
		n = req->body_len;
	}
	if (form_pairs(&pp->pairs, src, n) == -1)
		return 400;
	for (i = 0; i < pp->pairs.n; i++) {
		for (j = 0; j < i; j++)
			if (strcasecmp(pp->pairs.p[i].name,
			    pp->pairs.p[j].name) == 0)
				return 400;
		if (strncasecmp(pp->pairs.p[i].name, "shp_", 4) != 0)
			continue;
		if (pp->nshp == RK_MAX_SHP)
			return 400;
		pp->shp[pp->nshp].name = pp->pairs.p[i].name;
		pp->shp[pp->nshp++].value = pp->pairs.p[i].value;
	}
	return 0;
}

/*
 * The parameters of a request to the sandbox: 0, or -1 having answered
 * (404 while the sandbox is off, or the error).  Release pp with
 * form_pairs_free() in every case.
 */
static int
request_params(struct request *req, struct params *pp)
{
	int	st;

	memset(pp, 0, sizeof(*pp));
	if (!enabled(req))
		return -1;
	if ((st = read_params(req, pp)) != 0) {
		http_error(req, st, "invalid", NULL, NULL);
		return -1;
	}
	return 0;
}

/* The value of a parameter, whatever the case of its name, or NULL. */
static char *
param(const struct params *pp, const char *name)
{
	size_t	i;

	for (i = 0; i < pp->pairs.n; i++)
		if (strcasecmp(pp->pairs.p[i].name, name) == 0)
			return pp->pairs.p[i].value;
	return NULL;
}

/* ---- the payment start ---- */

struct start {
	const char	*login;
	const char	*out_sum;	/* as received */
	const char	*inv_id;
	const char	*description;	/* NULL if absent */
	const char	*email;		/* NULL if absent or empty */
	const char	*receipt;	/* NULL if absent or empty */
	int		 is_test;
	long long	 tiyn;
	long long	 inv;
};

/*
 * The receipt arrives URL-encoded once more than the form encodes it
 * (robokassa.h): decoded again it must be the JSON of a receipt.
 */
static int
receipt_ok(const char *r)
{
	size_t	 n = strlen(r), m;
	char	*json;
	cJSON	*root, *items;
	int	 ok = 0;

	if ((json = malloc(n + 1)) == NULL)
		return 0;
	if ((m = form_decode(json, r, n)) != (size_t)-1 &&
	    (root = cJSON_ParseWithLength(json, m)) != NULL) {
		items = cJSON_GetObjectItemCaseSensitive(root, "items");
		ok = cJSON_IsArray(items) && cJSON_GetArraySize(items) > 0;
		cJSON_Delete(root);
	}
	free(json);
	return ok;
}

static int
shp_ok(const struct params *pp)
{
	size_t	i, total = 0;

	for (i = 0; i < pp->nshp; i++) {
		if (strlen(pp->shp[i].name) > SHP_NAME_MAX ||
		    strlen(pp->shp[i].value) > SHP_VALUE_MAX)
			return 0;
		/* Encoded, at worst three bytes a byte, and "&=". */
		total += 3 * (strlen(pp->shp[i].name) +
		    strlen(pp->shp[i].value)) + 2;
	}
	/* They must fit in the SuccessURL and FailURL redirections. */
	return total <= SHP_URL_MAX;
}

/*
 * Checks a payment start as Robokassa does.  Returns NULL, or the name of
 * the parameter at fault for the error page.
 */
static const char *
check_start(const struct config *cfg, struct params *pp, struct start *s)
{
	const char		*fields[5], *sig, *is_test;
	struct form_value	 email;
	size_t			 n = 0;

	memset(s, 0, sizeof(*s));
	s->login = param(pp, "MerchantLogin");
	s->out_sum = param(pp, "OutSum");
	s->inv_id = param(pp, "InvId");
	s->description = param(pp, "Description");
	s->receipt = param(pp, "Receipt");
	sig = param(pp, "SignatureValue");
	is_test = param(pp, "IsTest");
	if (s->login == NULL ||
	    strcmp(s->login, cfg->robokassa_merchant_login) != 0)
		return "MerchantLogin";
	if (s->out_sum == NULL || money_parse(s->out_sum, strlen(s->out_sum),
	    &s->tiyn) != MONEY_EXACT || s->tiyn <= 0)
		return "OutSum";
	if (s->inv_id == NULL || inv_id_parse(s->inv_id, &s->inv) == -1)
		return "InvId";
	if (s->description != NULL && utf8_length(s->description,
	    strlen(s->description)) > DESCRIPTION_MAX)
		return "Description";
	memset(&email, 0, sizeof(email));
	if ((email.str = param(pp, "Email")) != NULL && email.str[0] != '\0') {
		email.len = strlen(email.str);
		if (valid_email(&email) != NULL)
			return "Email";
		s->email = email.str;
	}
	if (is_test != NULL && strcmp(is_test, "0") != 0 &&
	    strcmp(is_test, "1") != 0)
		return "IsTest";
	s->is_test = is_test != NULL && strcmp(is_test, "1") == 0;
	if (s->receipt != NULL && s->receipt[0] == '\0')
		s->receipt = NULL;
	if (s->receipt != NULL && !receipt_ok(s->receipt))
		return "Receipt";
	if (!shp_ok(pp))
		return "Shp_";
	/* The receipt is signed exactly as received, when there is one. */
	fields[n++] = s->login;
	fields[n++] = s->out_sum;
	fields[n++] = s->inv_id;
	if (s->receipt != NULL)
		fields[n++] = s->receipt;
	fields[n++] = cfg->robokassa_password1;
	if (sig == NULL || !rk_check(cfg->robokassa_hash, fields, n, pp->shp,
	    pp->nshp, sig))
		return "SignatureValue";
	return NULL;
}

/* The Shp_ parameters as a JSON object; free with cJSON_free(). */
static char *
shp_json(const struct params *pp)
{
	cJSON	*root;
	char	*s = NULL;
	size_t	 i;

	if ((root = cJSON_CreateObject()) == NULL)
		return NULL;
	for (i = 0; i < pp->nshp; i++)
		if (cJSON_AddStringToObject(root, pp->shp[i].name,
		    pp->shp[i].value) == NULL)
			goto out;
	s = cJSON_PrintUnformatted(root);
out:
	cJSON_Delete(root);
	return s;
}

static void
show_pay_page(struct request *req, const struct start *s)
{
	char		amount[MONEY_TEXT];
	struct tmpl_var	vars[] = {
		{ "inv_id", s->inv_id },
		{ "merchant_login", s->login },
		{ "description", s->description },
		{ "amount", amount },
		{ "out_sum", s->out_sum },
		{ "email", s->email != NULL ? s->email : "не указана" },
		{ "mode", s->is_test ? "тестовый платёж (IsTest=1)" :
		    "без IsTest" },
	};

	money_display(s->tiyn, amount);
	page_send(req, 200, "Тестовая оплата", "sandbox-pay.html", vars,
	    sizeof(vars) / sizeof(vars[0]), 0);
}

static void
start(struct request *req)
{
	struct params	 pp;
	struct start	 s;
	const char	*bad, *p[8];
	char		 msg[128], *shp = NULL;
	PGresult	*res = NULL;

	if (request_params(req, &pp) == -1)
		goto out;
	/* A wrong start writes nothing, as at Robokassa. */
	if ((bad = check_start(req->cfg, &pp, &s)) != NULL) {
		snprintf(msg, sizeof(msg), "Неверный параметр: %s", bad);
		http_error(req, 400, "invalid_parameter", NULL, msg);
		goto out;
	}
	if ((shp = shp_json(&pp)) == NULL) {
		http_error(req, 500, "internal", NULL, NULL);
		goto out;
	}
	p[0] = s.inv_id;
	p[1] = s.login;
	p[2] = s.out_sum;
	p[3] = s.description;
	p[4] = s.email;
	p[5] = s.receipt;
	p[6] = shp;
	p[7] = s.is_test ? "true" : "false";
	if ((res = db_exec("op_start", 8, p)) == NULL || !db_ok(res))
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (PQntuples(res) == 0) {
		snprintf(msg, sizeof(msg), "Операция № %s уже оплачена.",
		    s.inv_id);
		http_error(req, 409, "already_paid", NULL, msg);
	} else
		show_pay_page(req, &s);
out:
	PQclear(res);
	cJSON_free(shp);
	form_pairs_free(&pp.pairs);
}

/* ---- paying and declining ---- */

enum { ACTION_PAY = 1, ACTION_DECLINE = 2 };

static const char *
check_inv_id(struct form_value *v)
{
	return inv_id_parse(v->str, &v->num) == 0 ? NULL :
	    "Неверный номер операции.";
}

static const char *
check_action(struct form_value *v)
{
	if (strcmp(v->str, "pay") == 0)
		v->num = ACTION_PAY;
	else if (strcmp(v->str, "decline") == 0)
		v->num = ACTION_DECLINE;
	else
		return "Выберите: оплатить или отказаться.";
	return NULL;
}

/* The box sends "0" to keep ResultURL quiet; "1" is the default. */
static const char *
check_notify(struct form_value *v)
{
	if (strcmp(v->str, "0") != 0 && strcmp(v->str, "1") != 0)
		return "Неверное значение.";
	v->num = v->str[0] - '0';
	return NULL;
}

enum { P_INV_ID, P_ACTION, P_NOTIFY, P_NFIELDS };

static const struct form_field pay_fields[P_NFIELDS] = {
	[P_INV_ID] =	{ "InvId", check_inv_id, 10, FIELD_REQUIRED },
	[P_ACTION] =	{ "action", check_action, 8, FIELD_REQUIRED },
	[P_NOTIFY] =	{ "notify", check_notify, 1, 0 },
};

/* A finished operation, as op_finish returns it. */
struct op {
	const char	*inv_id;
	const char	*out_sum;	/* as the shop sent it */
	const char	*email;		/* "" if none */
	int		 is_test;
	long long	 tiyn;
	char		 sum6[SUM6_MAX];
	cJSON		*shp_json;
	struct rk_param	 shp[RK_MAX_SHP];
	size_t		 nshp;
};

/* Reads the row of op_finish into op.  Returns 0 or -1. */
static int
op_load(struct op *op, const PGresult *res, const char *inv_id)
{
	const cJSON	*item;

	memset(op, 0, sizeof(*op));
	op->inv_id = inv_id;
	op->out_sum = PQgetvalue(res, 0, 0);
	op->email = PQgetvalue(res, 0, 1);
	op->is_test = strcmp(PQgetvalue(res, 0, 3), "t") == 0;
	if (money_parse(op->out_sum, strlen(op->out_sum), &op->tiyn) !=
	    MONEY_EXACT)
		return -1;
	format_sum6(op->tiyn, op->sum6);
	if ((op->shp_json = cJSON_Parse(PQgetvalue(res, 0, 2))) == NULL ||
	    !cJSON_IsObject(op->shp_json))
		return -1;
	cJSON_ArrayForEach(item, op->shp_json) {
		if (op->nshp == RK_MAX_SHP || !cJSON_IsString(item))
			return -1;
		op->shp[op->nshp].name = item->string;
		op->shp[op->nshp++].value = item->valuestring;
	}
	return 0;
}

static void
add_shp(struct buf *b, const struct op *op)
{
	size_t	i;

	for (i = 0; i < op->nshp; i++)
		add_param(b, op->shp[i].name, op->shp[i].value);
}

/* 303 to base_url + path + "?" + query, if it fits in the header. */
static void
redirect_query(struct request *req, const char *path, const struct buf *q)
{
	struct buf	loc;

	buf_init(&loc, URL_MAX - strlen(req->cfg->base_url));
	buf_printf(&loc, "%s?%s", path, buf_str(q));
	if (q->failed || loc.failed)
		http_error(req, 500, "internal", NULL,
		    "Адрес возврата в магазин не помещается в заголовок.");
	else
		http_redirect(req, buf_str(&loc));
	buf_free(&loc);
}

/* FailURL carries no signature. */
static void
redirect_fail(struct request *req, const struct op *op)
{
	struct buf	q;

	buf_init(&q, QUERY_MAX);
	add_param(&q, "OutSum", op->out_sum);
	add_param(&q, "InvId", op->inv_id);
	add_param(&q, "Culture", "ru");
	add_shp(&q, op);
	redirect_query(req, "/robokassa/fail", &q);
	buf_free(&q);
}

static void
redirect_success(struct request *req, const struct op *op)
{
	const struct config	*cfg = req->cfg;
	const char		*fields[3] = { op->sum6, op->inv_id,
				    cfg->robokassa_password1 };
	char			 sig[RK_HEX_MAX];
	struct buf		 q;

	if (rk_sign(cfg->robokassa_hash, fields, 3, op->shp, op->nshp,
	    sig) == -1) {
		http_error(req, 500, "internal", NULL, NULL);
		return;
	}
	upper_hex(sig);
	buf_init(&q, QUERY_MAX);
	add_param(&q, "OutSum", op->sum6);
	add_param(&q, "InvId", op->inv_id);
	add_param(&q, "SignatureValue", sig);
	if (op->is_test)
		add_param(&q, "IsTest", "1");
	add_param(&q, "Culture", "ru");
	add_shp(&q, op);
	redirect_query(req, "/robokassa/success", &q);
	buf_free(&q);
}

static void
sleep_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/*
 * The server-to-server ResultURL call, as Robokassa makes it, repeated
 * until the shop answers "OK<InvId>" or the tries run out.  Returns 0 if
 * the shop confirmed, -1 if not.
 */
static int
notify_result(const struct config *cfg, const struct op *op)
{
	const char	*fields[3] = { op->sum6, op->inv_id,
			    cfg->robokassa_password2 };
	char		 sig[RK_HEX_MAX], fee[SUM6_MAX], expect[24];
	struct buf	 url, body, answer;
	long		 status, wait = RESULT_WAIT_MS;
	int		 try, rc = -1;

	if (rk_sign(cfg->robokassa_hash, fields, 3, op->shp, op->nshp,
	    sig) == -1)
		return -1;
	upper_hex(sig);
	format_fee(op->tiyn, fee);
	buf_init(&url, 2048);
	buf_printf(&url, "%s/robokassa/result", cfg->base_url);
	buf_init(&body, QUERY_MAX);
	add_param(&body, "OutSum", op->sum6);
	add_param(&body, "InvId", op->inv_id);
	add_param(&body, "SignatureValue", sig);
	add_param(&body, "Fee", fee);
	add_param(&body, "EMail", op->email);
	add_param(&body, "PaymentMethod", "BankCard");
	add_param(&body, "IncCurrLabel", "BankCardKZT");
	if (op->is_test)
		add_param(&body, "IsTest", "1");
	add_shp(&body, op);
	snprintf(expect, sizeof(expect), "OK%s", op->inv_id);
	buf_init(&answer, RESULT_ANSWER_MAX);
	for (try = 1; !url.failed && !body.failed && try <= RESULT_TRIES;
	    try++) {
		buf_reset(&answer);
		status = fetch(buf_str(&url), buf_str(&body), &answer,
		    RESULT_TIMEOUT_MS);
		if (status == 200 && !answer.failed &&
		    answer.len == strlen(expect) &&
		    strcmp(buf_str(&answer), expect) == 0) {
			rc = 0;
			break;
		}
		log_msg("ResultURL for InvId %s not confirmed (try %d of %d, "
		    "HTTP %ld)", op->inv_id, try, RESULT_TRIES, status);
		if (try < RESULT_TRIES) {
			sleep_ms(wait);
			wait = wait * 2 > RESULT_WAIT_MAX_MS ?
			    RESULT_WAIT_MAX_MS : wait * 2;
		}
	}
	buf_free(&answer);
	buf_free(&body);
	buf_free(&url);
	return rc;
}

/* Why an operation could not be paid or declined. */
static void
not_started(struct request *req, const char *inv_id)
{
	const char	*p[1] = { inv_id };
	char		 msg[128];
	PGresult	*res;

	if ((res = db_exec("op_state", 1, p)) == NULL || !db_ok(res))
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (PQntuples(res) == 0) {
		snprintf(msg, sizeof(msg), "Операции № %s нет.", inv_id);
		http_error(req, 404, "not_found", NULL, msg);
	} else {
		snprintf(msg, sizeof(msg), "Операция № %s уже %s.", inv_id,
		    atoi(PQgetvalue(res, 0, 0)) == STATE_PAID ? "оплачена" :
		    "отклонена: начните оплату в магазине заново");
		http_error(req, 409, "finished", NULL, msg);
	}
	PQclear(res);
}

static void
pay(struct request *req)
{
	struct form	 f;
	struct op	 op;
	const char	*p[2], *notify;
	PGresult	*res = NULL;
	int		 st, paying;

	if (!enabled(req))
		return;
	memset(&op, 0, sizeof(op));
	if ((st = http_read_form(req, &f, pay_fields, P_NFIELDS)) != 0) {
		http_error(req, st == 422 ? 400 : st, "invalid", &f, NULL);
		goto out;
	}
	paying = f.v[P_ACTION].num == ACTION_PAY;
	p[0] = form_str(&f, P_INV_ID);
	p[1] = paying ? "100" : "10";
	if ((res = db_exec("op_finish", 2, p)) == NULL || !db_ok(res))
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (PQntuples(res) == 0)
		not_started(req, p[0]);
	else if (op_load(&op, res, p[0]) == -1)
		http_error(req, 500, "internal", NULL, NULL);
	else if (!paying)
		redirect_fail(req, &op);
	/*
	 * Paid whatever the shop answers: the money "was taken", and an
	 * unconfirmed payment is what reconciliation is for.
	 */
	else if (((notify = form_str(&f, P_NOTIFY)) == NULL ||
	    strcmp(notify, "0") != 0) && notify_result(req->cfg, &op) == -1)
		page_message(req, 502, "ResultURL не подтвердил оплату",
		    "Оплата проведена, но магазин не подтвердил уведомление "
		    "ResultURL: ответ «OK<InvId>» не получен. Заказ "
		    "оплатит сверка (reconcile).");
	else
		redirect_success(req, &op);
out:
	cJSON_Delete(op.shp_json);
	PQclear(res);
	form_free(&f);
}

/* GET of the Pay address: nothing to show. */
static void
pay_get(struct request *req)
{
	if (enabled(req))
		http_error(req, 405, "method_not_allowed", NULL, NULL);
}

/* ---- OpStateExt ---- */

/*
 * The answer: the result code and, for a found operation (res, a row of
 * op_report), its state and amounts.
 */
static void
send_state(struct request *req, int code, const PGresult *res)
{
	struct buf	 x;
	char		 sum6[SUM6_MAX];
	long long	 tiyn;

	if (res != NULL && money_parse(PQgetvalue(res, 0, 1),
	    strlen(PQgetvalue(res, 0, 1)), &tiyn) != MONEY_EXACT) {
		code = RESULT_INTERNAL;
		res = NULL;
	}
	buf_init(&x, XML_MAX);
	buf_adds(&x, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	    "<OperationStateResponse "
	    "xmlns=\"http://merchant.roboxchange.com/WebService/\">");
	buf_printf(&x, "<Result><Code>%d</Code></Result>", code);
	if (res != NULL) {
		format_sum6(tiyn, sum6);
		buf_printf(&x, "<State><Code>%d</Code><RequestDate>",
		    atoi(PQgetvalue(res, 0, 0)));
		html_escapes(&x, PQgetvalue(res, 0, 2));
		buf_adds(&x, "</RequestDate><StateDate>");
		html_escapes(&x, PQgetvalue(res, 0, 3));
		buf_adds(&x, "</StateDate></State><Info>"
		    "<IncCurrLabel>BankCardKZT</IncCurrLabel><IncSum>");
		html_escapes(&x, sum6);
		buf_adds(&x, "</IncSum><OutCurrLabel>KZT</OutCurrLabel>"
		    "<OutSum>");
		html_escapes(&x, sum6);
		buf_adds(&x, "</OutSum><OpKey>");
		html_escapes(&x, PQgetvalue(res, 0, 4));
		buf_adds(&x, "</OpKey></Info>");
	}
	buf_adds(&x, "</OperationStateResponse>\n");
	if (x.failed)
		http_error(req, 500, "internal", NULL, NULL);
	else
		http_send(req, 200, "text/xml; charset=utf-8", buf_str(&x),
		    x.len);
	buf_free(&x);
}

static void
opstate(struct request *req)
{
	const struct config	*cfg = req->cfg;
	struct params		 pp;
	struct rk_param		 no_shp[1];
	const char		*login, *id, *sig, *fields[3], *p[2];
	PGresult		*res = NULL;
	long long		 inv;

	if (request_params(req, &pp) == -1)
		goto out;
	login = param(&pp, "MerchantLogin");
	id = param(&pp, "InvoiceID");
	sig = param(&pp, "Signature");
	fields[0] = login;
	fields[1] = id != NULL ? id : "";
	fields[2] = cfg->robokassa_password2;
	if (login == NULL ||
	    strcmp(login, cfg->robokassa_merchant_login) != 0)
		send_state(req, RESULT_NO_SHOP, NULL);
	/* Not NULL: the library copies the (empty) list with memcpy(). */
	else if (sig == NULL ||
	    !rk_check(cfg->robokassa_hash, fields, 3, no_shp, 0, sig))
		send_state(req, RESULT_BAD_SIGNATURE, NULL);
	else if (id == NULL || inv_id_parse(id, &inv) == -1)
		send_state(req, RESULT_NO_OPERATION, NULL);
	else {
		p[0] = id;
		p[1] = login;
		if ((res = db_exec("op_report", 2, p)) == NULL || !db_ok(res))
			http_error(req, 503, "unavailable", NULL, NULL);
		else if (PQntuples(res) == 0)
			send_state(req, RESULT_NO_OPERATION, NULL);
		else
			send_state(req, RESULT_OK, res);
	}
out:
	PQclear(res);
	form_pairs_free(&pp.pairs);
}

SERVER_PROGRAM(.name = "sandbox", .role = "amobill_sandbox",
    .config = CONF_SITE | CONF_SANDBOX,
    .statements = statement_sets,
    ROUTES(
	{ "/sandbox/robokassa/Index.aspx", start, start, NULL },
	{ "/sandbox/robokassa/Pay", pay_get, pay, NULL },
	{ OPSTATE_PATH, opstate, opstate, NULL }));
