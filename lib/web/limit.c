/*
 * limit.c: the per-account limits; see limit.h.
 */
#include <stdio.h>
#include <string.h>

#include "limit.h"
#include "reply.h"

const struct db_stmt limit_statements[] = {
	{ "limit_take", "SELECT amobill.take_action($1, $2)" },
	{ NULL, NULL }
};

int
limit_take(struct request *req, long long user_id, const char *name)
{
	char		 id[24];
	const char	*p[2] = { id, name };
	PGresult	*res;
	int		 rc = 0;

	snprintf(id, sizeof(id), "%lld", user_id);
	if ((res = db_exec("limit_take", 2, p)) == NULL || !db_ok(res) ||
	    PQntuples(res) != 1)
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		rc = 1;
	else
		http_error(req, 429, "rate_limited", NULL, "Слишком много "
		    "попыток подряд. Подождите немного и попробуйте снова.");
	PQclear(res);
	return rc;
}
