/*
 * documents: an order's invoice and act, as PDF, to the order's owner
 * (contract §7).
 *
 *	GET  /documents/invoice/<inv_id>.pdf
 *	GET  /documents/act/<inv_id>.pdf
 *
 * The PDF is the one the mailer rendered from the stored row and stored
 * (sql/019_documents.sql): this program only reads bytes, so a download
 * never waits on a renderer and never loads one.  Logged out: 401, with a
 * link to the login page.  Any
 * other path, an order of another user or a document not issued (the act
 * of an unpaid order): 404, the same answer for each, so that nobody
 * learns which numbers exist.  A document issued a moment ago and not
 * yet rendered is waited for a little, as the mailer renders within a
 * second of the issue; then 503 with Retry-After.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "server.h"
#include "session.h"

#define PREFIX		"/documents/"
#define WAIT_MS		3000	/* for a document not yet rendered */
#define WAIT_STEP_MS	100

static const struct db_stmt statements[] = {
	/* No row: not the user's, or not issued. */
	{ "invoice",
	  "SELECT v.number, v.pdf FROM amobill.invoices v"
	  "  JOIN amobill.orders o ON o.inv_id = v.inv_id"
	  " WHERE v.inv_id = $1::integer AND o.user_id = $2::bigint" },
	{ "act",
	  "SELECT a.number, a.pdf FROM amobill.acts a"
	  "  JOIN amobill.orders o ON o.inv_id = a.inv_id"
	  " WHERE a.inv_id = $1::integer AND o.user_id = $2::bigint" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = {
	statements, session_statements, NULL
};

/*
 * The kind ("invoice" or "act", a statement's name) and the order number
 * of a path "/documents/<kind>/<inv_id>.pdf", inv_id 1..999999999
 * without a leading zero.  Returns 0, or -1 for any other path.
 */
static int
document_path(const char *path, const char **kind, char inv[10])
{
	static const char *const kinds[] = { "invoice", "act" };
	const char	*p = path + strlen(PREFIX);
	size_t		 i, n;

	for (i = 0; i < nitems(kinds); i++) {
		n = strlen(kinds[i]);
		if (strncmp(p, kinds[i], n) == 0 && p[n] == '/')
			break;
	}
	if (i == nitems(kinds))
		return -1;
	*kind = kinds[i];
	p += n + 1;
	n = strspn(p, "0123456789");
	if (n == 0 || n > 9 || p[0] == '0' || strcmp(p + n, ".pdf") != 0)
		return -1;
	memcpy(inv, p, n);
	inv[n] = '\0';
	return 0;
}

static void
pause_ms(long ms)
{
	struct timespec	t = { ms / 1000, ms % 1000 * 1000000L };

	nanosleep(&t, NULL);
}

static void
get_document(struct request *req)
{
	struct session	 s;
	const char	*kind, *p[2];
	char		 inv[10], uid[24];
	PGresult	*res = NULL;
	unsigned char	*pdf = NULL;
	size_t		 n;
	int		 in, waited;

	/*
	 * Not the login form (session_require's): this program holds no
	 * CSRF key, so it cannot make one; the page links to it.
	 */
	if ((in = session_get(req, &s)) != 1) {
		http_error(req, in == 0 ? 401 : 503, in == 0 ?
		    "unauthenticated" : "unavailable", NULL, in == 0 ?
		    "Войдите в личный кабинет, чтобы скачать документ." : NULL);
		return;
	}
	if (document_path(req->path, &kind, inv) == -1) {
		http_error(req, 404, "not_found", NULL, NULL);
		return;
	}
	snprintf(uid, sizeof(uid), "%lld", s.user_id);
	p[0] = inv;
	p[1] = uid;
	for (waited = 0;; waited += WAIT_STEP_MS) {
		PQclear(res);
		if ((res = db_exec(kind, 2, p)) == NULL || !db_ok(res)) {
			http_error(req, 503, "unavailable", NULL, NULL);
			goto out;
		}
		if (PQntuples(res) != 1) {
			http_error(req, 404, "not_found", NULL, NULL);
			goto out;
		}
		if (!PQgetisnull(res, 0, 1))
			break;
		if (waited >= WAIT_MS) {
			http_header(req, "Retry-After: 30");
			http_error(req, 503, "not_ready", NULL, "Документ ещё "
			    "готовится. Обновите страницу через минуту.");
			goto out;
		}
		pause_ms(WAIT_STEP_MS);
	}
	if ((pdf = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 1),
	    &n)) == NULL) {
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	/* The number is the schema's "2026-000001": safe in a header. */
	http_header(req, "Content-Disposition: inline; filename=\"%s-%s.pdf\"",
	    kind, PQgetvalue(res, 0, 0));
	http_send(req, 200, "application/pdf", (const char *)pdf, n);
out:
	PQfreemem(pdf);
	PQclear(res);
}

SERVER_PROGRAM(.name = "documents", .role = "amobill_documents",
    .config = CONF_SITE,
    .statements = statement_sets,
    ROUTES({ PREFIX, get_document, NULL, NULL }));
