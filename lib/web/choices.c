/*
 * choices.c: the checkout form's choices; see choices.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "choices.h"
#include "html.h"
#include "money.h"
#include "plural.h"

const struct db_stmt choices_statements[] = {
	/* Each plan on sale with the names of its widgets, in its order. */
	{ "plans_on_sale",
	  "SELECT s.code, s.name, s.price_tiyn, s.term_months, s.bundle,"
	  "       (SELECT string_agg(w.name, ', '"
	  "                ORDER BY array_position(s.widgets, w.code))"
	  "          FROM amobill.widgets w WHERE w.code = ANY (s.widgets))"
	  "  FROM amobill.plans_on_sale s ORDER BY s.position" },
	{ "invoice_allowed",
	  "SELECT amobill.invoice_allowed($1::bigint)" },
	{ NULL, NULL }
};

enum { S_CODE, S_NAME, S_PRICE, S_TERM, S_BUNDLE, S_WIDGETS };

int
plan_choices(struct buf *b, const char *code)
{
	PGresult	*res;
	char		 price[MONEY_TEXT], term[TERM_TEXT];
	int		 i, chosen = -1;

	if ((res = db_exec("plans_on_sale", 0, NULL)) == NULL || !db_ok(res) ||
	    PQntuples(res) == 0) {
		PQclear(res);
		return -1;
	}
	for (i = 0; i < PQntuples(res) && chosen == -1; i++)
		if (code != NULL && strcmp(PQgetvalue(res, i, S_CODE), code) == 0)
			chosen = i;
	for (i = 0; i < PQntuples(res) && chosen == -1; i++)
		if (strcmp(PQgetvalue(res, i, S_CODE), CHOICES_DEFAULT_PLAN) == 0)
			chosen = i;
	if (chosen == -1)
		chosen = 0;
	for (i = 0; i < PQntuples(res); i++) {
		money_display(strtoll(PQgetvalue(res, i, S_PRICE), NULL, 10),
		    price);
		term_words(strtoll(PQgetvalue(res, i, S_TERM), NULL, 10), term);
		buf_adds(b, "<label class=\"plan\"><input type=\"radio\" "
		    "name=\"plan\" value=\"");
		html_escapes(b, PQgetvalue(res, i, S_CODE));
		buf_adds(b, i == chosen ? "\" checked>" : "\">");
		buf_adds(b, "<span><strong class=\"plan-name\">");
		html_escapes(b, PQgetvalue(res, i, S_NAME));
		buf_adds(b, "</strong> <span class=\"plan-price\">");
		html_escapes(b, price);
		buf_adds(b, "</span> <span class=\"plan-term\">");
		html_escapes(b, term);
		buf_adds(b, "</span><span class=\"hint plan-widgets\">");
		buf_adds(b, strcmp(PQgetvalue(res, i, S_BUNDLE), "t") == 0 ?
		    "все виджеты набора: " : "виджеты: ");
		html_escapes(b, PQgetvalue(res, i, S_WIDGETS));
		buf_adds(b, "</span></span></label>\n");
	}
	PQclear(res);
	/* A list cut short would offer less than is on sale. */
	return b->failed ? -1 : 0;
}

int
method_choices(struct buf *b, long long uid, int invoice_days,
    const char *method, const char *error)
{
	PGresult	*res;
	char		 id[24];
	const char	*p[1] = { id };
	int		 allowed, invoice;

	snprintf(id, sizeof(id), "%lld", uid);
	if ((res = db_exec("invoice_allowed", 1, p)) == NULL || !db_ok(res) ||
	    PQntuples(res) != 1) {
		PQclear(res);
		return -1;
	}
	allowed = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!allowed) {
		buf_adds(b, "<p class=\"hint\" id=\"method-hint\">Оплата по "
		    "счёту (банковским переводом) доступна, когда в профиле "
		    "указаны БИН или ИИН и адрес.</p>\n");
		return 0;
	}
	invoice = method != NULL && strcmp(method, "invoice") == 0;
	buf_adds(b, "<fieldset class=\"methods\" aria-describedby=\""
	    "method-hint method-err\"><legend>Способ оплаты</legend>\n"
	    "<label><input type=\"radio\" name=\"method\" value=\"card\"");
	buf_adds(b, invoice ? ">" : " checked>");
	buf_adds(b, " Картой</label>\n<label><input type=\"radio\" "
	    "name=\"method\" value=\"invoice\"");
	buf_adds(b, invoice ? " checked>" : ">");
	buf_adds(b, " По счёту (банковский перевод)</label>\n");
	buf_printf(b, "<span class=\"hint\" id=\"method-hint\">Счёт на "
	    "оплату появится в личном кабинете; оплатить его нужно в течение "
	    "%d %s. Доступ откроется, когда платёж поступит.</span>\n",
	    invoice_days, ru_plural(invoice_days, "дня", "дней", "дней"));
	buf_adds(b, "<span class=\"err\" id=\"method-err\">");
	if (error != NULL)
		html_escapes(b, error);
	buf_adds(b, "</span></fieldset>\n");
	return b->failed ? -1 : 0;
}
