/*
 * catalogue: what the seller publishes for anyone to read, the static
 * pages and the widgets alike.
 *
 *	GET  /api/v1/widgets	the widget catalogue
 *	GET  /api/v1/plans	the plans on sale, with the widgets each covers
 *	GET  /api/v1/site	the seller's details (the static pages' footers)
 *
 * Split out of license-check so that these public reads run in a process
 * that holds neither the signing key nor any integration's secret, under
 * a role that reads the catalogue and the plans and nothing else.
 */
#include <stdlib.h>

#include "cors.h"
#include "money.h"
#include "server.h"

static const struct db_stmt statements[] = {
	{ "widgets",
	  "SELECT code, name, description FROM amobill.widgets ORDER BY code" },
	{ "plans",
	  "SELECT code, name, price_tiyn, term_months, array_to_json(widgets),"
	  "       bundle"
	  "  FROM amobill.plans_on_sale ORDER BY position" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = { statements, NULL };

/* The catalogue, by code. */
static void
widgets(struct request *req)
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
	cors_amocrm(req);
	http_send_json(req, 200, list);
}

/* The plans on sale, with the widgets each covers. */
static void
plans(struct request *req)
{
	PGresult	*res;
	cJSON		*list, *o;
	char		 price[MONEY_TEXT];
	int		 i;

	if ((res = db_exec("plans", 0, NULL)) == NULL || !db_ok(res)) {
		PQclear(res);
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	if ((list = cJSON_CreateArray()) != NULL)
		for (i = 0; i < PQntuples(res); i++) {
			if ((o = cJSON_CreateObject()) == NULL)
				break;
			cJSON_AddItemToArray(list, o);
			cJSON_AddStringToObject(o, "code", PQgetvalue(res, i, 0));
			cJSON_AddStringToObject(o, "name", PQgetvalue(res, i, 1));
			money_format(strtoll(PQgetvalue(res, i, 2), NULL, 10),
			    price);
			cJSON_AddStringToObject(o, "price", price);
			cJSON_AddNumberToObject(o, "term_months",
			    atoi(PQgetvalue(res, i, 3)));
			cJSON_AddItemToObject(o, "widgets",
			    cJSON_Parse(PQgetvalue(res, i, 4)));
			/* Covers widgets added later too. */
			cJSON_AddBoolToObject(o, "bundle",
			    PQgetvalue(res, i, 5)[0] == 't');
		}
	PQclear(res);
	cors_amocrm(req);
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

SERVER_PROGRAM(.name = "catalogue", .role = "amobill_catalogue",
    .config = CONF_SITE,
    .statements = statement_sets,
    ROUTES(
	{ "/api/v1/widgets", widgets, NULL, NULL },
	{ "/api/v1/plans", plans, NULL, NULL },
	{ "/api/v1/site", site, NULL, NULL }));
