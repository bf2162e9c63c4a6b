/*
 * cabinet.h: what the personal cabinet lists of a user (contract §3,
 * GET /account): the licenses, the orders with their method of payment,
 * the refund requests and the order documents (invoices and acts, §7),
 * read with the account program's role, as the cabinet's JSON and as the
 * rows of its page's tables.
 *
 * The documents are listed by number and date only: the account role
 * reads those columns of amobill.invoices and amobill.acts and never
 * their copies of the buyer's details or their PDF
 * (sql/020_cabinet_documents.sql); the PDF is served by its own route.
 *
 * Layer rules (lib/web): may use the database, lib/rules and lib/base.
 */
#ifndef CABINET_H
#define CABINET_H

#include <cjson/cJSON.h>

#include "buf.h"
#include "db.h"

/* The statements this module runs; its program lists them. */
extern const struct db_stmt cabinet_statements[];

struct cabinet {
	PGresult	*licenses;
	PGresult	*orders;
	PGresult	*refunds;
	PGresult	*documents;
};

/* The cabinet's tables as HTML rows, escaped. */
struct cabinet_html {
	struct buf	licenses;
	struct buf	orders;
	struct buf	refunds;
	struct buf	documents;	/* the items of a list */
};

/*
 * Loads the lists of user uid (its decimal text).  Returns 0, or -1 if
 * the database is unavailable (then nothing is held).
 */
int	cabinet_load(const char *uid, struct cabinet *);
void	cabinet_free(struct cabinet *);

/* Adds "licenses", "orders", "refunds" and "documents" to root. */
void	cabinet_json(cJSON *root, const struct cabinet *);

/* Fills html (initialised here; cabinet_html_free frees it). */
void	cabinet_html(struct cabinet_html *html, const struct cabinet *);
void	cabinet_html_free(struct cabinet_html *);

#endif
