/*
 * amohost.c: the hosts of amoCRM and Kommo accounts; see amohost.h.
 */
#include <stdio.h>
#include <string.h>

#include "amohost.h"

/* The account's own name: a DNS label of a-z 0-9 and inner hyphens. */
static int
amo_label(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9') &&
		    s[i] != '-')
			return 0;
	return 1;
}

int
amo_host(const char *d, char *out)
{
	static const char *const zones[] = {
		".amocrm.ru", ".kommo.com", ".amocrm.com"
	};
	const char	*dot = strchr(d, '.');
	size_t		 i, n = strlen(d);

	if (dot == NULL) {
		if (!amo_label(d, n))
			return -1;
		snprintf(out, AMO_HOST_MAX, "%s.amocrm.ru", d);
		return 0;
	}
	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strcmp(dot, zones[i]) == 0 &&
		    amo_label(d, (size_t)(dot - d))) {
			snprintf(out, AMO_HOST_MAX, "%s", d);
			return 0;
		}
	return -1;
}
