/*
 * legal: the published documents, as they are in force.
 *
 *	GET  /offer	the public offer
 *	GET  /payment-policy	the payment policy
 *
 * The texts are amobill.current_documents (published versions never
 * change); a logged-in visitor sees the cabinet's links around them.
 */
#include "page.h"
#include "server.h"
#include "session.h"

static const struct db_stmt statements[] = {
	{ "document_current",
	  "SELECT version, body, amobill.day_text(published_at)"
	  "  FROM amobill.current_documents WHERE kind = $1" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = {
	statements, session_statements, NULL
};

static void
show_document(struct request *req, const char *kind, const char *title)
{
	const char	*p[1] = { kind };
	PGresult	*res;
	struct buf	 text;
	struct session	 s;
	int		 in;

	if ((res = db_exec("document_current", 1, p)) == NULL ||
	    !db_ok(res) || (in = session_get(req, &s)) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	if (PQntuples(res) != 1) {
		http_error(req, 404, "not_found", NULL,
		    "Этот документ ещё не опубликован.");
		goto out;
	}
	buf_init(&text, 512 * 1024);
	html_document(&text, PQgetvalue(res, 0, 1));
	{
		struct tmpl_var vars[] = {
			{ "title", title },
			{ "version", PQgetvalue(res, 0, 0) },
			{ "published", PQgetvalue(res, 0, 2) },
			{ "text", buf_str(&text) },
		};
		page_send(req, 200, title, "document.html", vars,
		    nitems(vars), in == 1);
	}
	buf_free(&text);
out:
	PQclear(res);
}

static void
get_offer(struct request *req)
{
	show_document(req, "offer", "Публичная оферта");
}

static void
get_payment_policy(struct request *req)
{
	show_document(req, "payment_policy", "Политика проведения платежей");
}

SERVER_PROGRAM(.name = "legal", .role = "amobill_legal",
    .config = CONF_SITE,
    .statements = statement_sets,
    ROUTES(
	{ "/offer", get_offer, NULL, NULL },
	{ "/payment-policy", get_payment_policy, NULL, NULL }));
