/*
 * json.c: see json.h.
 */
#include <string.h>

#include "json.h"

int
json_duplicate_keys(const cJSON *o)
{
	const cJSON	*a, *b;

	for (a = o->child; a != NULL; a = a->next)
		for (b = a->next; b != NULL; b = b->next)
			if (strcmp(a->string, b->string) == 0)
				return 1;
	return 0;
}
