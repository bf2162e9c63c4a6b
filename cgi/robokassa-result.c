/*
 * robokassa-result: Robokassa's server-to-server ResultURL call, the only
 * thing that makes an order paid.
 *
 *	GET or POST /robokassa/result
 *
 * A call is accepted only if its signature (OutSum:InvId:Password2:Shp_...
 * over OutSum exactly as received) matches, the InvId is a known order and
 * OutSum equals its amount; then the payment is applied and the call
 * recorded in one transaction (amobill.result_call), at most once per
 * order whatever repeats or races, and the answer is "OK<InvId>", again
 * for a repeat.  Every call is recorded, whatever its outcome.  While the
 * database is unavailable the answer is 503, never OK, so Robokassa tries
 * again later.
 */
#include <stdio.h>
#include <string.h>

#include "money.h"
#include "robokassa.h"
#include "server.h"
#include "vocab.h"

static const struct db_stmt statements[] = {
	{ "result_call",
	  "SELECT amobill.result_call($1::inet, $2, $3::jsonb, $4::integer,"
	  "    $5::bigint, $6)" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = { statements, NULL };

/* Every decoded parameter, as the JSON object the call is recorded with. */
static char *
params_json(const struct form_pairs *fp)
{
	cJSON	*o;
	char	*s;
	size_t	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	for (i = 0; i < fp->n; i++)
		if (fp->p[i].value != NULL)
			cJSON_AddStringToObject(o, fp->p[i].name,
			    fp->p[i].value);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void
answer(struct request *req, int status, const char *text)
{
	http_send(req, status, "text/plain; charset=utf-8", text,
	    strlen(text));
}

static void
result(struct request *req)
{
	struct rk_callback	 cb;
	const char		*src, *verdict = "ok";
	const char		*p[6];
	char			 inv[16], tiyn_text[24], ok[24], *json = NULL;
	long long		 tiyn = -1;
	size_t			 n;
	PGresult		*res = NULL;
	int			 st;

	if (strcmp(req->method, "POST") == 0) {
		if ((st = http_read_body(req)) != 0) {
			answer(req, st == 413 ? 413 : 400, "bad request\n");
			return;
		}
		src = req->body;
		n = req->body_len;
	} else {
		src = req->query;
		n = strlen(src);
	}
	if (rk_callback_parse(&cb, src, n, 1) == -1)
		verdict = vocab_name(&vocab_pay_outcome, PAY_MALFORMED);
	else {
		const char *fields[3] = { cb.out_sum, cb.inv_id,
		    req->cfg->robokassa_password2 };

		if (!rk_check(req->cfg->robokassa_hash, fields, 3, cb.shp,
		    cb.nshp, cb.signature))
			verdict = vocab_name(&vocab_pay_outcome,
			    PAY_BAD_SIGNATURE);
		/* An amount below a tiyn can never match an order. */
		else if (money_parse(cb.out_sum, strlen(cb.out_sum), &tiyn) !=
		    MONEY_EXACT)
			tiyn = -1;
	}
	json = params_json(&cb.pairs);
	snprintf(inv, sizeof(inv), "%lld", cb.inv);
	snprintf(tiyn_text, sizeof(tiyn_text), "%lld", tiyn);
	p[0] = req->remote_addr[0] ? req->remote_addr : NULL;
	p[1] = strcmp(req->method, "POST") == 0 ? "POST" : "GET";
	p[2] = json;
	p[3] = cb.inv > 0 ? inv : NULL;
	p[4] = tiyn_text;
	p[5] = verdict;
	if ((res = db_exec("result_call", 6, p)) == NULL || !db_ok(res)) {
		answer(req, 503, "temporarily unavailable\n");
		goto out;
	}
	switch (vocab_find(&vocab_pay_outcome, PQgetvalue(res, 0, 0))) {
	case PAY_PAID:
	case PAY_ALREADY_PAID:
		snprintf(ok, sizeof(ok), "OK%lld", cb.inv);
		answer(req, 200, ok);
		break;
	case PAY_UNKNOWN_ORDER:
		answer(req, 404, "unknown InvId\n");
		break;
	case PAY_AMOUNT_MISMATCH:
		answer(req, 409, "OutSum does not match the order\n");
		break;
	case PAY_BAD_SIGNATURE:
		answer(req, 400, "bad signature\n");
		break;
	default:
		answer(req, 400, "bad request\n");
		break;
	}
out:
	PQclear(res);
	cJSON_free(json);
	rk_callback_free(&cb);
}

SERVER_PROGRAM(.name = "robokassa-result", .role = "amobill_payment",
    .statements = statement_sets,
    ROUTES({ "/robokassa/result", result, result, NULL }));
