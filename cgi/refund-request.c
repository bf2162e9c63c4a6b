/*
 * refund-request: a customer asks for a refund of a paid order.
 *
 *	GET  /refund?inv_id=N	the form, for one of the user's orders
 *	POST /refund		the request
 *
 * The rules are the database's (amobill.request_refund): the user's own
 * paid order, within 14 calendar days of the day access began (Almaty
 * dates), one open request per order; the amount, price minus the days
 * of service rendered, is computed there when the request is made.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limit.h"
#include "money.h"
#include "page.h"
#include "server.h"
#include "session.h"
#include "valid.h"

/* What a visitor who is not logged in is told. */
#define LOGIN_REASON	"Войдите в личный кабинет, чтобы запросить возврат."

static const struct db_stmt statements[] = {
	{ "order_get",
	  "SELECT o.inv_id, a.host, o.amount_tiyn, o.status,"
	  "       amobill.day_text(o.paid_at)"
	  "  FROM amobill.orders o JOIN amobill.amo_accounts a"
	  "    ON a.id = o.account_id"
	  " WHERE o.inv_id = $1::integer AND o.user_id = $2::bigint" },
	{ "request_refund",
	  "SELECT refund_id, amount_tiyn FROM amobill.request_refund("
	  "    $1::bigint, $2::integer, $3, $4, $5, $6, $7)" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = {
	statements, session_statements, limit_statements, NULL
};

enum {
	F_INV_ID, F_REASON, F_RECIPIENT, F_RECIPIENT_IIN_BIN, F_IBAN, F_BIC,
	F_CSRF, NFIELDS
};

static const struct form_field fields[NFIELDS] = {
	[F_INV_ID] =		{ "inv_id", valid_inv_id, 16, FIELD_REQUIRED },
	[F_REASON] =		{ "reason", valid_reason, 8000, FIELD_REQUIRED },
	[F_RECIPIENT] =		{ "recipient", valid_full_name, 800,
				  FIELD_REQUIRED },
	[F_RECIPIENT_IIN_BIN] =	{ "recipient_iin_bin", valid_iin_bin, 32,
				  FIELD_REQUIRED },
	[F_IBAN] =		{ "iban", valid_iban, 64, FIELD_REQUIRED },
	[F_BIC] =		{ "bic", valid_bic, 32, FIELD_REQUIRED },
	[F_CSRF] =		CSRF_FIELD,
};

/*
 * The form for order inv (text, validated or not) of the user, with the
 * values and errors of f.  An order that is not the user's is not shown.
 */
static void
show_form(struct request *req, int status, const struct session *s,
    const char *inv, const struct form *f, const char *message)
{
	char		 uid[24], price[MONEY_TEXT];
	const char	*p[2] = { inv, uid };
	PGresult	*res = NULL;

	snprintf(uid, sizeof(uid), "%lld", s->user_id);
	if (inv != NULL && ((res = db_exec("order_get", 2, p)) == NULL ||
	    !db_ok(res))) {
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	if (inv == NULL || PQntuples(res) != 1) {
		http_error(req, 404, "not_found", NULL,
		    "Такого заказа нет в вашем личном кабинете.");
		goto out;
	}
	money_display(strtoll(PQgetvalue(res, 0, 2), NULL, 10), price);
	{
		struct tmpl_var vars[] = {
			{ "order", PQgetvalue(res, 0, 0) },
			{ "host", PQgetvalue(res, 0, 1) },
			{ "price", price },
			{ "paid_on", PQgetvalue(res, 0, 4) },
			{ "message", message },
		};

		page_form(req, status, "Возврат", "refund.html", f, vars,
		    sizeof(vars) / sizeof(vars[0]), 1);
	}
out:
	PQclear(res);
}

static void
get_refund(struct request *req)
{
	struct session		s;
	char			inv[16];
	struct form_value	v = { inv, 0, 0, NULL };

	if (!session_require(req, &s, LOGIN_REASON))
		return;
	/* The same rule as the form's field: anything else is no order. */
	if ((v.len = form_query(req->query, "inv_id", inv, sizeof(inv))) ==
	    (size_t)-1 || valid_inv_id(&v) != NULL)
		v.str = NULL;
	show_form(req, 200, &s, v.str, NULL, NULL);
}

/* The contract's answer to a refused request. */
static void
refuse(struct request *req, const struct session *s, struct form *f,
    int status, const char *code, const char *message)
{
	if (req->json)
		http_error(req, status, code, f, message);
	else if (form_str(f, F_INV_ID) == NULL)
		http_error(req, status, code, f, message);
	else
		show_form(req, status, s, form_str(f, F_INV_ID), f, message);
}

static void
post_refund(struct request *req)
{
	struct session	 s;
	struct form	 f;
	char		 uid[24], amount[MONEY_TEXT];
	const char	*p[7], *state;
	PGresult	*res = NULL;
	cJSON		*o;
	int		 st;

	st = session_form(req, &f, fields, NFIELDS, F_CSRF);
	if ((st != 0 && st != 422) || !session_require(req, &s, LOGIN_REASON))
		goto out;
	if (st == 422) {
		refuse(req, &s, &f, 422, "invalid", NULL);
		goto out;
	}
	if (!limit_take(req, s.user_id, "refund"))
		goto out;
	snprintf(uid, sizeof(uid), "%lld", s.user_id);
	p[0] = uid;
	p[1] = form_str(&f, F_INV_ID);
	p[2] = form_str(&f, F_REASON);
	p[3] = form_str(&f, F_RECIPIENT);
	p[4] = form_str(&f, F_RECIPIENT_IIN_BIN);
	p[5] = form_str(&f, F_IBAN);
	p[6] = form_str(&f, F_BIC);
	if ((res = db_exec("request_refund", 7, p)) == NULL) {
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	state = db_sqlstate(res);
	if (db_ok(res) && PQntuples(res) == 1) {
		money_format(strtoll(PQgetvalue(res, 0, 1), NULL, 10), amount);
		if (!req->json) {
			http_redirect(req, "/account");
			goto out;
		}
		if ((o = cJSON_CreateObject()) != NULL) {
			cJSON_AddNumberToObject(o, "refund_id",
			    (double)strtoll(PQgetvalue(res, 0, 0), NULL, 10));
			cJSON_AddStringToObject(o, "amount", amount);
		}
		http_send_json(req, 201, o);
	} else if (strcmp(state, "AR001") == 0) {
		form_reject(&f, F_INV_ID, "Такого заказа нет в вашем личном "
		    "кабинете.");
		refuse(req, &s, &f, 422, "invalid", NULL);
	} else if (strcmp(state, "AR002") == 0)
		refuse(req, &s, &f, 422, "not_paid",
		    "Заказ не оплачен: возвращать нечего.");
	else if (strcmp(state, "AR003") == 0)
		refuse(req, &s, &f, 422, "window_closed",
		    "Прошло больше 14 календарных дней с начала доступа: по "
		    "условиям оферты отказ от услуг уже не принимается.");
	else if (strcmp(state, "23505") == 0)
		refuse(req, &s, &f, 409, "already_requested",
		    "По этому заказу уже есть запрос на возврат.");
	else
		http_error(req, 503, "unavailable", NULL, NULL);
out:
	PQclear(res);
	form_free(&f);
}

SERVER_PROGRAM(.name = "refund-request", .role = "amobill_refund",
    .config = CONF_SITE | CONF_FORMS,
    .statements = statement_sets,
    ROUTES({ "/refund", get_refund, post_refund, NULL }));
