/*
 * plural.c: the Russian plural rule, and a plan's term in words.
 */
#include <stdio.h>

#include "plural.h"

const char *
ru_plural(long long n, const char *one, const char *few, const char *many)
{
	long long	r10, r100;

	/* Remainders, not n itself, are negated: -n may overflow. */
	r10 = n % 10 < 0 ? -(n % 10) : n % 10;
	r100 = n % 100 < 0 ? -(n % 100) : n % 100;
	if (r10 == 1 && r100 != 11)
		return one;
	if (r10 >= 2 && r10 <= 4 && (r100 < 12 || r100 > 14))
		return few;
	return many;
}

void
term_words(long long months, char out[TERM_TEXT])
{
	snprintf(out, TERM_TEXT, "на %lld %s", months,
	    ru_plural(months, "месяц", "месяца", "месяцев"));
}
