/*
 * seller.c: the seller's details as the documents print them; see
 * config.h.  The one place that names them: checkout copies them into an
 * invoice, the mailer into an act.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "config.h"

char *
config_seller_json(const struct config *c)
{
	const struct {
		const char	*name;
		const char	*value;
	} fields[] = {
		{ "name", c->merchant_name },
		{ "bin", c->merchant_bin },
		{ "address", c->merchant_address },
		{ "iik", c->merchant_iik },
		{ "bank", c->merchant_bank },
		{ "bic", c->merchant_bic },
		{ "kbe", c->merchant_kbe },
		{ "knp", c->invoice_knp },
	};
	cJSON	*o;
	char	*s = NULL;
	size_t	 i;

	if (c->merchant_name == NULL || c->merchant_bin == NULL ||
	    c->merchant_address == NULL || (o = cJSON_CreateObject()) == NULL)
		return NULL;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].value != NULL && cJSON_AddStringToObject(o,
		    fields[i].name, fields[i].value) == NULL)
			goto out;
	s = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return s;
}
