/*
 * limit.h: the per-account limits (contract §3: 429).  nginx limits every
 * costly POST per address (nginx/limits.conf); this limits what one
 * customer does from any number of addresses, by the named limits of
 * amobill.limits (sql/012_limits.sql), where their numbers live.  A
 * handler takes the action before the work it costs, so an attempt
 * counts whether or not it then succeeds.
 *
 * Layer rules (lib/web): may use reply.h, http.h and the database.
 */
#ifndef LIMIT_H
#define LIMIT_H

#include "db.h"
#include "http.h"

/* The statements this module runs; programs that use it list them. */
extern const struct db_stmt limit_statements[];

/*
 * Takes one action of the user under the named limit.  Returns 1 if the
 * handler may go on; or, having answered, 0: 429 ("rate_limited", the
 * site's page or the JSON error) or 503.
 */
int	limit_take(struct request *, long long user_id, const char *name);

#endif
