/*
 * cabinet.c: the lists of the personal cabinet; see cabinet.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cabinet.h"
#include "html.h"
#include "money.h"

const struct db_stmt cabinet_statements[] = {
	{ "user_licenses",
	  "SELECT a.host, CASE p.kind WHEN 'trial' THEN 'trial' ELSE 'paid' END,"
	  "       p.inv_id, to_json(p.starts_at) #>> '{}',"
	  "       to_json(amobill.period_end(p.ends_at, p.revoked_at)) #>> '{}',"
	  "       CASE WHEN p.revoked_at <= now() AND now() < p.ends_at"
	  "            THEN 'suspended'"
	  "            WHEN now() < p.starts_at THEN 'future'"
	  "            WHEN now() < p.ends_at THEN 'active'"
	  "            ELSE 'expired' END,"
	  "       amobill.day_text(p.starts_at),"
	  "       amobill.day_text(amobill.period_end(p.ends_at, p.revoked_at)),"
	  /* What it covers: its plan's widgets; with no plan, all. */
	  "       p.plan_code, coalesce(pl.name, 'Все виджеты'), to_json(c)::text,"
	  "       (SELECT string_agg(w.name, ', ' ORDER BY w.code)"
	  "          FROM amobill.widgets w WHERE w.code = ANY (c))"
	  "  FROM amobill.license_periods p JOIN amobill.amo_accounts a"
	  "    ON a.id = p.account_id"
	  "  LEFT JOIN amobill.plans pl ON pl.code = p.plan_code,"
	  "       amobill.plan_widget_codes(p.plan_code) c"
	  /* The periods the user holds: an order never paid claims none. */
	  " WHERE p.id IN (SELECT period_id FROM amobill.period_holders"
	  "                 WHERE user_id = $1)"
	  " ORDER BY a.host, p.starts_at" },
	{ "user_orders",
	  "SELECT o.inv_id, o.plan_code, a.host, o.amount_tiyn, o.status,"
	  "       to_json(o.created_at) #>> '{}', to_json(o.paid_at) #>> '{}',"
	  "       amobill.day_text(o.created_at),"
	  "       EXISTS (SELECT FROM amobill.refunds r WHERE r.inv_id = o.inv_id"
	  "               AND r.status <> 'rejected'),"
	  "       o.method"
	  "  FROM amobill.orders o JOIN amobill.amo_accounts a"
	  "    ON a.id = o.account_id"
	  " WHERE o.user_id = $1 ORDER BY o.inv_id DESC" },
	{ "user_refunds",
	  "SELECT r.id, r.inv_id, r.amount_tiyn, r.status,"
	  "       to_json(r.requested_at) #>> '{}',"
	  "       CASE WHEN r.status IN ('approved', 'paid') THEN"
	  "           to_json(amobill.payout_deadline(r.decided_at)) #>> '{}'"
	  "       END,"
	  "       amobill.day_text(r.requested_at),"
	  "       CASE WHEN r.status = 'approved' THEN"
	  "           amobill.day_text(amobill.payout_deadline(r.decided_at))"
	  "       END"
	  "  FROM amobill.refunds r WHERE r.user_id = $1 ORDER BY r.id DESC" },
	/*
	 * The invoices and acts of the user's orders, newest first; the
	 * date as JSON writes a date (like checkout's payable_until) and as
	 * the pages write a day.
	 */
	{ "user_documents",
	  "SELECT d.kind, d.inv_id, d.number, to_json(d.issued_on) #>> '{}',"
	  "       to_char(d.issued_on, 'DD.MM.YYYY')"
	  "  FROM (SELECT 'invoice' AS kind, inv_id, number, issued_on,"
	  "               created_at FROM amobill.invoices"
	  "        UNION ALL"
	  "        SELECT 'act', inv_id, number, issued_on, created_at"
	  "          FROM amobill.acts) d"
	  "  JOIN amobill.orders o ON o.inv_id = d.inv_id"
	  " WHERE o.user_id = $1"
	  " ORDER BY d.issued_on DESC, d.created_at DESC, d.inv_id DESC,"
	  "       d.kind" },
	{ NULL, NULL }
};

enum { L_HOST, L_KIND, L_INV, L_STARTS, L_ENDS, L_STATUS, L_STARTS_DAY,
    L_ENDS_DAY, L_PLAN, L_PLAN_NAME, L_WIDGETS, L_WIDGET_NAMES };
enum { O_INV, O_PLAN, O_HOST, O_AMOUNT, O_STATUS, O_CREATED, O_PAID,
    O_CREATED_DAY, O_REFUND_OPEN, O_METHOD };
enum { R_ID, R_INV, R_AMOUNT, R_STATUS, R_REQUESTED, R_DEADLINE,
    R_REQUESTED_DAY, R_DEADLINE_DAY };
enum { D_KIND, D_INV, D_NUMBER, D_DATE, D_DAY };

void
cabinet_free(struct cabinet *cab)
{
	PQclear(cab->licenses);
	PQclear(cab->orders);
	PQclear(cab->refunds);
	PQclear(cab->documents);
	memset(cab, 0, sizeof(*cab));
}

int
cabinet_load(const char *uid, struct cabinet *cab)
{
	const char	*p[1] = { uid };

	cab->licenses = db_exec("user_licenses", 1, p);
	cab->orders = db_exec("user_orders", 1, p);
	cab->refunds = db_exec("user_refunds", 1, p);
	cab->documents = db_exec("user_documents", 1, p);
	if (cab->licenses == NULL || !db_ok(cab->licenses) ||
	    cab->orders == NULL || !db_ok(cab->orders) ||
	    cab->refunds == NULL || !db_ok(cab->refunds) ||
	    cab->documents == NULL || !db_ok(cab->documents)) {
		cabinet_free(cab);
		return -1;
	}
	return 0;
}

/* A document's address: its kind's folder and the order's number. */
static void
document_url(const struct cabinet *cab, int row, char *url, size_t size)
{
	snprintf(url, size, "/documents/%s/%s.pdf",
	    PQgetvalue(cab->documents, row, D_KIND),
	    PQgetvalue(cab->documents, row, D_INV));
}

/* A text column as a JSON string, or null for SQL NULL. */
static void
add_text(cJSON *o, const char *name, const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddStringToObject(o, name, PQgetvalue(r, row, col));
}

static void
add_number(cJSON *o, const char *name, const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddNumberToObject(o, name,
		    (double)strtoll(PQgetvalue(r, row, col), NULL, 10));
}

void
cabinet_json(cJSON *root, const struct cabinet *cab)
{
	cJSON	*list, *o;
	char	 amount[MONEY_TEXT], url[64];
	int	 i;

	if ((list = cJSON_AddArrayToObject(root, "licenses")) != NULL)
		for (i = 0; i < PQntuples(cab->licenses); i++) {
			if ((o = cJSON_CreateObject()) == NULL)
				break;
			cJSON_AddItemToArray(list, o);
			add_text(o, "amo_domain", cab->licenses, i, L_HOST);
			add_text(o, "kind", cab->licenses, i, L_KIND);
			add_number(o, "inv_id", cab->licenses, i, L_INV);
			add_text(o, "starts_at", cab->licenses, i, L_STARTS);
			add_text(o, "ends_at", cab->licenses, i, L_ENDS);
			add_text(o, "status", cab->licenses, i, L_STATUS);
			add_text(o, "plan", cab->licenses, i, L_PLAN);
			cJSON_AddItemToObject(o, "widgets", cJSON_Parse(
			    PQgetvalue(cab->licenses, i, L_WIDGETS)));
		}
	if ((list = cJSON_AddArrayToObject(root, "orders")) != NULL)
		for (i = 0; i < PQntuples(cab->orders); i++) {
			if ((o = cJSON_CreateObject()) == NULL)
				break;
			cJSON_AddItemToArray(list, o);
			add_number(o, "inv_id", cab->orders, i, O_INV);
			add_text(o, "plan", cab->orders, i, O_PLAN);
			add_text(o, "amo_domain", cab->orders, i, O_HOST);
			money_format(strtoll(PQgetvalue(cab->orders, i,
			    O_AMOUNT), NULL, 10), amount);
			cJSON_AddStringToObject(o, "amount", amount);
			add_text(o, "status", cab->orders, i, O_STATUS);
			add_text(o, "created_at", cab->orders, i, O_CREATED);
			add_text(o, "paid_at", cab->orders, i, O_PAID);
			add_text(o, "method", cab->orders, i, O_METHOD);
		}
	if ((list = cJSON_AddArrayToObject(root, "refunds")) != NULL)
		for (i = 0; i < PQntuples(cab->refunds); i++) {
			if ((o = cJSON_CreateObject()) == NULL)
				break;
			cJSON_AddItemToArray(list, o);
			add_number(o, "refund_id", cab->refunds, i, R_ID);
			add_number(o, "inv_id", cab->refunds, i, R_INV);
			money_format(strtoll(PQgetvalue(cab->refunds, i,
			    R_AMOUNT), NULL, 10), amount);
			cJSON_AddStringToObject(o, "amount", amount);
			add_text(o, "status", cab->refunds, i, R_STATUS);
			add_text(o, "requested_at", cab->refunds, i,
			    R_REQUESTED);
			add_text(o, "payout_deadline", cab->refunds, i,
			    R_DEADLINE);
		}
	if ((list = cJSON_AddArrayToObject(root, "documents")) != NULL)
		for (i = 0; i < PQntuples(cab->documents); i++) {
			if ((o = cJSON_CreateObject()) == NULL)
				break;
			cJSON_AddItemToArray(list, o);
			add_text(o, "kind", cab->documents, i, D_KIND);
			add_number(o, "inv_id", cab->documents, i, D_INV);
			add_text(o, "number", cab->documents, i, D_NUMBER);
			add_text(o, "date", cab->documents, i, D_DATE);
			document_url(cab, i, url, sizeof(url));
			cJSON_AddStringToObject(o, "url", url);
		}
}

static const char *
status_text(const char *status)
{
	static const struct { const char *code, *text; } names[] = {
		{ "active", "действует" }, { "expired", "истекла" },
		{ "future", "начнётся позже" }, { "suspended", "приостановлена" },
		{ "unpaid", "не оплачен" }, { "paid", "оплачен" },
		{ "refunded", "возвращён" }, { "paid_kind", "оплаченная" },
		{ "trial", "пробная" }, { "pending", "на рассмотрении" },
		{ "approved", "одобрен, ожидает выплаты" },
		{ "rejected", "отклонён" }, { "paid_refund", "выплачен" },
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].code, status) == 0)
			return names[i].text;
	return status;
}

static void
licenses_html(struct buf *lic, const struct cabinet *cab)
{
	int	i;

	for (i = 0; i < PQntuples(cab->licenses); i++) {
		buf_adds(lic, "<tr><td data-label=\"Аккаунт amoCRM\">");
		html_escapes(lic, PQgetvalue(cab->licenses, i, L_HOST));
		buf_adds(lic, "</td><td data-label=\"Вид\">");
		html_escapes(lic, status_text(strcmp(PQgetvalue(cab->licenses,
		    i, L_KIND), "paid") == 0 ? "paid_kind" : "trial"));
		buf_adds(lic, "</td><td data-label=\"Тариф\">");
		html_escapes(lic, PQgetvalue(cab->licenses, i, L_PLAN_NAME));
		buf_adds(lic, "<span class=\"hint\">Виджеты: ");
		html_escapes(lic, PQgetvalue(cab->licenses, i, L_WIDGET_NAMES));
		buf_adds(lic, "</span></td><td class=\"num\" data-label=\"Период\">");
		html_escapes(lic, PQgetvalue(cab->licenses, i, L_STARTS_DAY));
		buf_adds(lic, " – ");
		html_escapes(lic, PQgetvalue(cab->licenses, i, L_ENDS_DAY));
		buf_adds(lic, "</td><td data-label=\"Состояние\" class=\"status-");
		html_escapes(lic, PQgetvalue(cab->licenses, i, L_STATUS));
		buf_adds(lic, "\">");
		html_escapes(lic, status_text(PQgetvalue(cab->licenses, i,
		    L_STATUS)));
		buf_adds(lic, "</td></tr>\n");
	}
	if (PQntuples(cab->licenses) == 0)
		buf_adds(lic, "<tr><td colspan=\"5\">Лицензий пока нет.</td></tr>\n");
}

static void
orders_html(struct buf *ord, const struct cabinet *cab)
{
	char	amount[MONEY_TEXT];
	int	i;

	if (PQntuples(cab->orders) == 0)
		buf_adds(ord, "<tr><td colspan=\"7\">Заказов пока нет.</td></tr>\n");
	for (i = 0; i < PQntuples(cab->orders); i++) {
		buf_adds(ord, "<tr><td class=\"num\" data-label=\"№\">");
		html_escapes(ord, PQgetvalue(cab->orders, i, O_INV));
		buf_adds(ord, "</td><td class=\"num\" data-label=\"Дата\">");
		html_escapes(ord, PQgetvalue(cab->orders, i, O_CREATED_DAY));
		buf_adds(ord, "</td><td data-label=\"Аккаунт\">");
		html_escapes(ord, PQgetvalue(cab->orders, i, O_HOST));
		buf_adds(ord, "</td><td class=\"num\" data-label=\"Сумма\">");
		money_display(strtoll(PQgetvalue(cab->orders, i, O_AMOUNT),
		    NULL, 10), amount);
		html_escapes(ord, amount);
		buf_adds(ord, "</td><td data-label=\"Оплата\">");
		buf_adds(ord, strcmp(PQgetvalue(cab->orders, i, O_METHOD),
		    "invoice") == 0 ? "по счёту" : "картой");
		buf_adds(ord, "</td><td data-label=\"Статус\">");
		html_escapes(ord, status_text(PQgetvalue(cab->orders, i,
		    O_STATUS)));
		buf_adds(ord, "</td><td>");
		/* A refund can be asked for once, while none is open. */
		if (strcmp(PQgetvalue(cab->orders, i, O_STATUS), "paid") == 0 &&
		    strcmp(PQgetvalue(cab->orders, i, O_REFUND_OPEN), "f") == 0) {
			buf_adds(ord, "<a href=\"/refund?inv_id=");
			html_escapes(ord, PQgetvalue(cab->orders, i, O_INV));
			buf_adds(ord, "\">Запросить возврат</a>");
		}
		buf_adds(ord, "</td></tr>\n");
	}
}

static void
refunds_html(struct buf *ref, const struct cabinet *cab)
{
	const char	*st;
	char		 amount[MONEY_TEXT];
	int		 i;

	if (PQntuples(cab->refunds) == 0)
		buf_adds(ref, "<tr><td colspan=\"5\">Запросов на возврат нет."
		    "</td></tr>\n");
	for (i = 0; i < PQntuples(cab->refunds); i++) {
		st = PQgetvalue(cab->refunds, i, R_STATUS);
		buf_adds(ref, "<tr><td class=\"num\" data-label=\"Заказ\">");
		html_escapes(ref, PQgetvalue(cab->refunds, i, R_INV));
		buf_adds(ref, "</td><td class=\"num\" data-label=\"Дата запроса\">");
		html_escapes(ref, PQgetvalue(cab->refunds, i, R_REQUESTED_DAY));
		buf_adds(ref, "</td><td class=\"num\" data-label=\"Сумма\">");
		money_display(strtoll(PQgetvalue(cab->refunds, i, R_AMOUNT),
		    NULL, 10), amount);
		html_escapes(ref, amount);
		buf_adds(ref, "</td><td data-label=\"Статус\" class=\"refund-");
		html_escapes(ref, st);
		buf_adds(ref, "\">");
		html_escapes(ref, status_text(strcmp(st, "paid") == 0 ?
		    "paid_refund" : st));
		buf_adds(ref, "</td><td class=\"num\" data-label=\"Выплата до\">");
		html_escapes(ref, PQgetvalue(cab->refunds, i, R_DEADLINE_DAY));
		buf_adds(ref, "</td></tr>\n");
	}
}

/*
 * The documents as list items: "Счёт на оплату № 2026-000001 от
 * 01.12.2026", a link to its PDF; the number and the date each kept on
 * one line.
 */
static void
documents_html(struct buf *doc, const struct cabinet *cab)
{
	char	url[64];
	int	i;

	if (PQntuples(cab->documents) == 0)
		buf_adds(doc, "<li>Документов пока нет.</li>\n");
	for (i = 0; i < PQntuples(cab->documents); i++) {
		document_url(cab, i, url, sizeof(url));
		buf_adds(doc, "<li><a href=\"");
		html_escapes(doc, url);
		buf_adds(doc, strcmp(PQgetvalue(cab->documents, i, D_KIND),
		    "act") == 0 ? "\">Акт № <span class=\"num\">" :
		    "\">Счёт на оплату № <span class=\"num\">");
		html_escapes(doc, PQgetvalue(cab->documents, i, D_NUMBER));
		buf_adds(doc, "</span> от <span class=\"num\">");
		html_escapes(doc, PQgetvalue(cab->documents, i, D_DAY));
		buf_adds(doc, "</span></a> <span class=\"doc-order\">заказ "
		    "№ <span class=\"num\">");
		html_escapes(doc, PQgetvalue(cab->documents, i, D_INV));
		buf_adds(doc, "</span></span></li>\n");
	}
}

void
cabinet_html(struct cabinet_html *html, const struct cabinet *cab)
{
	buf_init(&html->licenses, 256 * 1024);
	buf_init(&html->orders, 256 * 1024);
	buf_init(&html->refunds, 256 * 1024);
	buf_init(&html->documents, 256 * 1024);
	licenses_html(&html->licenses, cab);
	orders_html(&html->orders, cab);
	refunds_html(&html->refunds, cab);
	documents_html(&html->documents, cab);
}

void
cabinet_html_free(struct cabinet_html *html)
{
	buf_free(&html->licenses);
	buf_free(&html->orders);
	buf_free(&html->refunds);
	buf_free(&html->documents);
}
