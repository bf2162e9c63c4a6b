/*
 * integrations.c: the integrations in force, in memory; see
 * integrations.h.
 */
#include <stddef.h>
#include <string.h>

#include <openssl/crypto.h>

#include "integrations.h"
#include "log.h"

const struct db_stmt integration_statements[] = {
	{ "integrations",
	  "SELECT client_uuid, widget_code, secret, secret_previous, audience"
	  "  FROM amobill.license_integrations()" },
	{ NULL, NULL }
};

/* The statement's columns, in order. */
static const struct {
	size_t	off, size;
} columns[] = {
	{ offsetof(struct integration, client_uuid), AMOTOKEN_UUID_MAX },
	{ offsetof(struct integration, widget), INTEGRATION_CODE },
	{ offsetof(struct integration, secret), INTEGRATION_SECRET },
	{ offsetof(struct integration, previous), INTEGRATION_SECRET }, /* NULL: "" */
	{ offsetof(struct integration, audience), INTEGRATION_AUDIENCE },
};
#define NCOLUMNS	(sizeof(columns) / sizeof(columns[0]))

static struct integration	table[INTEGRATIONS_MAX];
static int			ntable = -1;	/* -1: not loaded */

void
integrations_forget(void)
{
	OPENSSL_cleanse(table, sizeof(table));
	ntable = -1;
}

int
integrations_loaded(void)
{
	return ntable >= 0;
}

int
integrations_load(void)
{
	PGresult	*res;
	size_t		 c;
	int		 i;

	integrations_forget();
	if ((res = db_exec("integrations", 0, NULL)) == NULL || !db_ok(res)) {
		PQclear(res);
		return -1;
	}
	ntable = 0;
	for (i = 0; i < PQntuples(res); i++) {
		if (ntable == INTEGRATIONS_MAX) {
			log_msg("integrations: more than %d in force; the "
			    "others' tokens are refused", INTEGRATIONS_MAX);
			break;
		}
		for (c = 0; c < NCOLUMNS && (size_t)PQgetlength(res, i,
		    (int)c) < columns[c].size; c++)
			;
		if (c < NCOLUMNS) {
			log_msg("integration %.36s: a value too long; its "
			    "tokens are refused", PQgetvalue(res, i, 0));
			continue;
		}
		for (c = 0; c < NCOLUMNS; c++)
			memcpy((char *)&table[ntable] + columns[c].off,
			    PQgetvalue(res, i, (int)c),
			    (size_t)PQgetlength(res, i, (int)c) + 1);
		ntable++;
	}
	PQclear(res);
	return 0;
}

const struct integration *
integrations_find(const char *client_uuid)
{
	int	i;

	for (i = 0; i < ntable; i++)
		if (strcmp(table[i].client_uuid, client_uuid) == 0)
			return &table[i];
	return NULL;
}
