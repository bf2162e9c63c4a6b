/*
 * choices.h: the choices of the checkout form (GET /checkout, contract
 * §3): the plans on sale, and the methods of payment — by card, the
 * default, and by invoice (a bank transfer, §7) for a customer whose
 * profile holds a BIN or IIN and an address, as create_invoice_order
 * requires (sql/018; asked through amobill.invoice_allowed, sql/020).
 *
 * Layer rules (lib/web): may use the database, lib/rules and lib/base.
 */
#ifndef CHOICES_H
#define CHOICES_H

#include "buf.h"
#include "db.h"

/* The statements this module runs; its program lists them. */
extern const struct db_stmt choices_statements[];

/* The plan checkout falls back on. */
#define CHOICES_DEFAULT_PLAN	"all-widgets-6m"

/*
 * The plans on sale as radio buttons "plan", the one of code chosen (the
 * default if code is not on sale).  Returns 0, or -1 if the database is
 * unavailable, nothing is on sale or the list does not fit.
 */
int	plan_choices(struct buf *, const char *code);

/*
 * The methods of payment as radio buttons "method" for user uid: card,
 * and invoice if the profile allows it (payable within invoice_days),
 * the one chosen being "invoice" if method is, else card; error is the
 * method field's message, or NULL.  A profile that does not allow it is
 * told what is missing.  Returns 0, or -1 if the database is
 * unavailable.
 */
int	method_choices(struct buf *, long long uid, int invoice_days,
	    const char *method, const char *error);

#endif
