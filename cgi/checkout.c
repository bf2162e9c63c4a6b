/*
 * checkout: buying the subscription, and the pages a customer comes back
 * to from Robokassa.
 *
 *	GET  /checkout[?plan=CODE]	the form: the plan, amoCRM account, the offer
 *	POST /checkout			creates the order, hands over to Robokassa;
 *					or, with method=invoice, the order and
 *					its invoice for a bank transfer
 *	GET or POST /robokassa/success	back from a payment
 *	GET or POST /robokassa/fail	back from a failed or declined payment
 *
 * The order is created unpaid; only Robokassa's ResultURL call (program
 * robokassa-result) makes it paid.  The success page therefore says either
 * that the payment is recorded or that it is still being confirmed.
 *
 * The plans offered are those on sale (amobill.plans_on_sale, the order
 * the seller gave them); a plan retired or never published is refused as
 * unknown, before anything is written, and again by create_order itself
 * for one retired in between.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "choices.h"
#include "limit.h"
#include "log.h"
#include "money.h"
#include "page.h"
#include "robokassa.h"
#include "server.h"
#include "session.h"
#include "valid.h"

/* What a visitor who is not logged in is told. */
#define LOGIN_REASON	"Войдите в личный кабинет, чтобы оформить подписку."

#define DEFAULT_PLAN	CHOICES_DEFAULT_PLAN
#define RECEIPT_MAX	2048
#define PLAN_CODE_MAX	32
#define PLAN_UNKNOWN	"Неизвестный тариф."

static const struct db_stmt statements[] = {
	{ "plan_get",
	  "SELECT name, price_tiyn, term_months FROM amobill.plans_on_sale"
	  " WHERE code = $1" },
	/* The seller's details as this program's configuration holds them. */
	{ "create_invoice_order",
	  "SELECT inv_id, number, payable_until::text"
	  "  FROM amobill.create_invoice_order($1::bigint, $2, $3, $4::inet,"
	  "    $5::jsonb, $6::integer, $7::integer)" },
	{ "create_order",
	  "SELECT inv_id, amount_tiyn FROM amobill.create_order($1::bigint,"
	  "    $2, $3, $4::inet)" },
	{ "order_state",
	  "SELECT o.status, a.host, amobill.day_text(p.ends_at)"
	  "  FROM amobill.orders o JOIN amobill.amo_accounts a"
	  "    ON a.id = o.account_id"
	  "  LEFT JOIN amobill.license_periods p ON p.inv_id = o.inv_id"
	  " WHERE o.inv_id = $1::integer" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = {
	statements, choices_statements, session_statements, limit_statements,
	NULL
};

enum { C_PLAN, C_METHOD, C_AMO_DOMAIN, C_ACCEPT_OFFER, C_CSRF, C_NFIELDS };

static const char *
valid_plan_code(struct form_value *v)
{
	return v->len <= PLAN_CODE_MAX && strspn(v->str,
	    "abcdefghijklmnopqrstuvwxyz0123456789-") == v->len ? NULL :
	    PLAN_UNKNOWN;
}

/* card (the default) or invoice: a bank transfer against an invoice. */
static const char *
valid_method(struct form_value *v)
{
	return strcmp(v->str, "card") == 0 || strcmp(v->str, "invoice") == 0 ?
	    NULL : "Выберите способ оплаты: картой или по счёту.";
}

static const struct form_field fields[C_NFIELDS] = {
	[C_PLAN] =		{ "plan", valid_plan_code, 64, 0 },
	[C_METHOD] =		{ "method", valid_method, 16, 0 },
	[C_AMO_DOMAIN] =	{ "amo_domain", valid_amo_domain, 200,
				  FIELD_REQUIRED },
	[C_ACCEPT_OFFER] =	{ "accept_offer", valid_yes, 8,
				  FIELD_REQUIRED, valid_unticked },
	[C_CSRF] =		CSRF_FIELD,
};

/* The plan's row, or NULL (unknown plan, or database unavailable). */
static PGresult *
plan_get(const char *code, int *unavailable)
{
	const char	*p[1] = { code };
	PGresult	*res;

	*unavailable = 0;
	if ((res = db_exec("plan_get", 1, p)) == NULL || !db_ok(res)) {
		*unavailable = 1;
		PQclear(res);
		return NULL;
	}
	if (PQntuples(res) != 1) {
		PQclear(res);
		return NULL;
	}
	return res;
}

/* The plan a GET asks for (?plan=CODE), or NULL. */
static const char *
query_plan(const struct request *req, char code[PLAN_CODE_MAX + 1])
{
	if (form_query(req->query, "plan", code, PLAN_CODE_MAX + 1) ==
	    (size_t)-1)
		return NULL;
	return code;
}

/* The form: its choices of plan and method, and what f carried. */
static void
show_form(struct request *req, int status, const struct session *s,
    const struct form *f, const char *plan)
{
	struct buf	choices, methods;

	buf_init(&choices, 64 * 1024);
	buf_init(&methods, 4 * 1024);
	if (plan_choices(&choices, plan) == -1 ||
	    method_choices(&methods, s->user_id, req->cfg->invoice_days,
	    f != NULL ? form_str(f, C_METHOD) : NULL,
	    f != NULL ? f->v[C_METHOD].error : NULL) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	{
		struct tmpl_var vars[] = {
			{ "plans", buf_str(&choices) },
			{ "methods", buf_str(&methods) },
			{ "accept_checked", f != NULL &&
			  form_str(f, C_ACCEPT_OFFER) ? "checked" : "" },
		};

		page_form(req, status, "Оплата подписки", "checkout.html", f,
		    vars, sizeof(vars) / sizeof(vars[0]), 1);
	}
out:
	buf_free(&choices);
	buf_free(&methods);
}

static void
get_checkout(struct request *req)
{
	struct session	s;
	char		code[PLAN_CODE_MAX + 1];

	if (session_require(req, &s, LOGIN_REASON))
		show_form(req, 200, &s, NULL, query_plan(req, code));
}

/* The fields posted to Robokassa, in the order of the form. */
enum {
	P_LOGIN, P_OUT_SUM, P_INV_ID, P_DESCRIPTION, P_SIGNATURE, P_EMAIL,
	P_CULTURE, P_ENCODING, P_RECEIPT, P_SHP_PLAN, P_IS_TEST, P_NPARAMS
};

static const char *const param_names[P_NPARAMS] = {
	"MerchantLogin", "OutSum", "InvId", "Description", "SignatureValue",
	"Email", "Culture", "Encoding", "Receipt", "Shp_plan", "IsTest",
};

struct payment {
	char	out_sum[MONEY_TEXT];
	char	inv_id[16];
	char	signature[RK_HEX_MAX];
	char	receipt[RECEIPT_MAX];
	char	description[128];
};

/* Fills the payment start's parameters.  Returns 0 or -1. */
static int
payment_params(const struct config *c, const char *plan, long long inv,
    long long tiyn, const char *item, struct payment *pay,
    const char **v)
{
	struct rk_param	 shp = { "Shp_plan", plan };
	const char	*signed_fields[5];

	money_format(tiyn, pay->out_sum);
	snprintf(pay->inv_id, sizeof(pay->inv_id), "%lld", inv);
	snprintf(pay->description, sizeof(pay->description), "%s", item);
	if (rk_receipt(item, tiyn, c->receipt_tax, pay->receipt,
	    sizeof(pay->receipt)) == -1)
		return -1;
	signed_fields[0] = c->robokassa_merchant_login;
	signed_fields[1] = pay->out_sum;
	signed_fields[2] = pay->inv_id;
	signed_fields[3] = pay->receipt;
	signed_fields[4] = c->robokassa_password1;
	if (rk_sign(c->robokassa_hash, signed_fields, 5, &shp, 1,
	    pay->signature) == -1)
		return -1;
	v[P_LOGIN] = c->robokassa_merchant_login;
	v[P_OUT_SUM] = pay->out_sum;
	v[P_INV_ID] = pay->inv_id;
	v[P_DESCRIPTION] = pay->description;
	v[P_SIGNATURE] = pay->signature;
	v[P_CULTURE] = "ru";
	v[P_ENCODING] = "utf-8";
	v[P_RECEIPT] = pay->receipt;
	v[P_SHP_PLAN] = plan;
	v[P_IS_TEST] = c->robokassa_test ? "1" : NULL;
	return 0;
}

static void
send_payment(struct request *req, const char *const *v)
{
	struct buf	 inputs;
	cJSON		*root, *params;
	size_t		 i;

	if (req->json) {
		root = cJSON_CreateObject();
		params = cJSON_CreateObject();
		if (root == NULL || params == NULL) {
			cJSON_Delete(root);
			cJSON_Delete(params);
			http_send_json(req, 500, NULL);
			return;
		}
		cJSON_AddNumberToObject(root, "inv_id",
		    (double)strtoll(v[P_INV_ID], NULL, 10));
		cJSON_AddStringToObject(root, "payment_url",
		    req->cfg->robokassa_url);
		for (i = 0; i < P_NPARAMS; i++)
			if (v[i] != NULL)
				cJSON_AddStringToObject(params, param_names[i],
				    v[i]);
		cJSON_AddItemToObject(root, "params", params);
		http_send_json(req, 201, root);
		return;
	}
	buf_init(&inputs, 16 * 1024);
	for (i = 0; i < P_NPARAMS; i++) {
		if (v[i] == NULL)
			continue;
		buf_printf(&inputs, "<input type=\"hidden\" name=\"%s\" "
		    "value=\"", param_names[i]);
		html_escapes(&inputs, v[i]);
		buf_adds(&inputs, "\">\n");
	}
	{
		struct tmpl_var vars[] = {
			{ "payment_url", req->cfg->robokassa_url },
			{ "inputs", buf_str(&inputs) },
			{ "inv_id", v[P_INV_ID] },
		};
		page_send(req, 200, "Переход к оплате", "checkout-pay.html",
		    vars, 3, 1);
	}
	buf_free(&inputs);
}

/*
 * The invoice order of plan for host: the order and its invoice, the
 * seller's details from the configuration.  Answers, or returns 422 for
 * a plan retired since it was checked (nothing written then).
 */
static int
post_invoice(struct request *req, const struct session *s, const char *plan,
    const char *host)
{
	const struct config	*c = req->cfg;
	const char		*p[7], *code;
	char			 uid[24], days[8], vat[8], url[64], *seller = NULL;
	PGresult		*res = NULL;
	cJSON			*o;
	int			 rc = 0;

	if (c->merchant_iik == NULL || c->merchant_bank == NULL ||
	    c->merchant_bic == NULL || c->merchant_kbe == NULL ||
	    c->invoice_knp == NULL) {
		log_msg("config: invoices need merchant_iik, merchant_bank, "
		    "merchant_bic, merchant_kbe and invoice_knp");
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	seller = config_seller_json(c);
	snprintf(uid, sizeof(uid), "%lld", s->user_id);
	snprintf(days, sizeof(days), "%d", c->invoice_days);
	snprintf(vat, sizeof(vat), "%d", c->vat_rate);
	p[0] = uid;
	p[1] = plan;
	p[2] = host;
	p[3] = req->remote_addr[0] ? req->remote_addr : "0.0.0.0";
	p[4] = seller;
	p[5] = days;
	p[6] = vat;
	if (seller == NULL || (res = db_exec("create_invoice_order", 7,
	    p)) == NULL || !db_ok(res) || PQntuples(res) != 1) {
		code = res != NULL ? db_sqlstate(res) : "";
		if (strcmp(code, "P0002") == 0)
			rc = 422;
		else if (strcmp(code, "P0004") == 0)
			http_error(req, 422, "profile_incomplete", NULL,
			    "Для оплаты по счёту в профиле нужны БИН или ИИН "
			    "и адрес.");
		else
			http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	if (!req->json) {
		http_redirect(req, "/account");
		goto out;
	}
	snprintf(url, sizeof(url), "/documents/invoice/%s.pdf",
	    PQgetvalue(res, 0, 0));
	if ((o = cJSON_CreateObject()) != NULL) {
		cJSON_AddNumberToObject(o, "inv_id",
		    strtod(PQgetvalue(res, 0, 0), NULL));
		cJSON_AddStringToObject(o, "invoice_no", PQgetvalue(res, 0, 1));
		cJSON_AddStringToObject(o, "invoice_url", url);
		cJSON_AddStringToObject(o, "payable_until",
		    PQgetvalue(res, 0, 2));
	}
	http_send_json(req, 201, o);
out:
	PQclear(res);
	free(seller);
	return rc;
}

static void
post_checkout(struct request *req)
{
	struct session	 s;
	struct form	 f;
	struct payment	 pay;
	char		 host[AMO_HOST_MAX];
	const char	*plan, *p[4], *v[P_NPARAMS] = { 0 }, *code;
	PGresult	*res = NULL, *pl = NULL;
	char		 uid[24], item[128];
	int		 st, down;

	st = session_form(req, &f, fields, C_NFIELDS, C_CSRF);
	if ((st != 0 && st != 422) || !session_require(req, &s, LOGIN_REASON))
		goto out;
	plan = form_str(&f, C_PLAN) != NULL && *form_str(&f, C_PLAN) != '\0' ?
	    form_str(&f, C_PLAN) : DEFAULT_PLAN;
	if (st == 0 && (pl = plan_get(plan, &down)) == NULL) {
		if (down) {
			http_error(req, 503, "unavailable", NULL, NULL);
			goto out;
		}
		form_reject(&f, C_PLAN, PLAN_UNKNOWN);
		st = 422;
	}
	if (st == 422)
		goto invalid;
	if (!limit_take(req, s.user_id, "checkout"))
		goto out;
	amo_host(form_str(&f, C_AMO_DOMAIN), host);
	if (form_str(&f, C_METHOD) != NULL &&
	    strcmp(form_str(&f, C_METHOD), "invoice") == 0) {
		if (post_invoice(req, &s, plan, host) == 0)
			goto out;
		form_reject(&f, C_PLAN, PLAN_UNKNOWN);
		goto invalid;
	}
	snprintf(uid, sizeof(uid), "%lld", s.user_id);
	p[0] = uid;
	p[1] = plan;
	p[2] = host;
	p[3] = req->remote_addr[0] ? req->remote_addr : "0.0.0.0";
	if ((res = db_exec("create_order", 4, p)) == NULL || !db_ok(res) ||
	    PQntuples(res) != 1) {
		code = res != NULL ? db_sqlstate(res) : "";
		/* Retired since plan_get: as unknown, nothing was written. */
		if (strcmp(code, "P0002") == 0) {
			form_reject(&f, C_PLAN, PLAN_UNKNOWN);
			goto invalid;
		}
		http_error(req, 503, "unavailable", NULL,
		    strcmp(code, "P0003") == 0 ? "Оферта ещё не опубликована; "
		    "оплата временно недоступна." : NULL);
		goto out;
	}
	snprintf(item, sizeof(item), "Подписка: %s, %s",
	    PQgetvalue(pl, 0, 0), host);
	if (payment_params(req->cfg, plan, strtoll(PQgetvalue(res, 0, 0),
	    NULL, 10), strtoll(PQgetvalue(res, 0, 1), NULL, 10), item, &pay,
	    v) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	v[P_EMAIL] = s.email;
	send_payment(req, v);
	goto out;
invalid:
	if (req->json)
		http_error(req, 422, "invalid", &f, NULL);
	else
		show_form(req, 422, &s, &f, form_str(&f, C_PLAN));
out:
	PQclear(res);
	PQclear(pl);
	form_free(&f);
}

/* The callback's parameters from the query (GET) or the body (POST). */
static int
callback(struct request *req, struct rk_callback *cb, int need_signature)
{
	const char	*src = req->query;
	size_t		 n = strlen(req->query);

	if (strcmp(req->method, "POST") == 0) {
		if (http_read_body(req) != 0) {
			rk_callback_parse(cb, "", 0, 0);
			return -1;
		}
		src = req->body;
		n = req->body_len;
	}
	return rk_callback_parse(cb, src, n, need_signature);
}

static void
success(struct request *req)
{
	struct rk_callback	 cb;
	PGresult		*res = NULL;
	const char		*p[1], *signed_fields[3];
	struct tmpl_var		 vars[4];
	int			 paid;

	if (callback(req, &cb, 1) == -1)
		goto bad;
	signed_fields[0] = cb.out_sum;
	signed_fields[1] = cb.inv_id;
	signed_fields[2] = req->cfg->robokassa_password1;
	if (!rk_check(req->cfg->robokassa_hash, signed_fields, 3, cb.shp, cb.nshp,
	    cb.signature))
		goto bad;
	p[0] = cb.inv_id;
	if ((res = db_exec("order_state", 1, p)) == NULL || !db_ok(res)) {
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	if (PQntuples(res) != 1)
		goto bad;
	paid = vocab_find(&vocab_order_status, PQgetvalue(res, 0, 0)) !=
	    ORDER_UNPAID;
	vars[0] = (struct tmpl_var){ "inv_id", cb.inv_id };
	vars[1] = (struct tmpl_var){ "host", PQgetvalue(res, 0, 1) };
	vars[2] = (struct tmpl_var){ "ends", PQgetvalue(res, 0, 2) };
	if (req->json) {
		cJSON *o = cJSON_CreateObject();

		if (o != NULL) {
			cJSON_AddNumberToObject(o, "inv_id", (double)cb.inv);
			cJSON_AddStringToObject(o, "status",
			    paid ? "paid" : "confirming");
		}
		http_send_json(req, 200, o);
	} else {
		struct session	s;

		page_send(req, 200, paid ? "Оплата получена" :
		    "Оплата подтверждается", paid ? "success-paid.html" :
		    "success-pending.html", vars, 3,
		    session_get(req, &s) == 1);
	}
	goto out;
bad:
	http_error(req, 400, "invalid", NULL, "Ссылка возврата с оплаты "
	    "повреждена или подделана. Проверьте заказ в личном кабинете.");
out:
	PQclear(res);
	rk_callback_free(&cb);
}

static void
fail(struct request *req)
{
	struct rk_callback	cb;
	const struct config	*c = req->cfg;
	struct tmpl_var		vars[] = {
		{ "inv_id", NULL },
		{ "support_email", c->support_email },
		{ "merchant_name", c->merchant_name },
	};

	/* FailURL carries no signature: the number is only shown back. */
	if (callback(req, &cb, 0) == 0)
		vars[0].value = cb.inv_id;
	page_send(req, 200, "Оплата не прошла", "fail.html", vars, 3, 0);
	rk_callback_free(&cb);
}

SERVER_PROGRAM(.name = "checkout", .role = "amobill_checkout",
    .config = CONF_SITE | CONF_FORMS | CONF_PAYMENT_START | CONF_INVOICE,
    .statements = statement_sets,
    ROUTES(
	{ "/checkout", get_checkout, post_checkout, NULL },
	{ "/robokassa/success", success, success, NULL },
	{ "/robokassa/fail", fail, fail, NULL }));
