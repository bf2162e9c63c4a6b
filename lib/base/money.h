/*
 * money.h: amounts of tenge as whole tiyn (1 ₸ = 100 tiyn), never floating
 * point.
 *
 * Layer rules (lib/base): the C library only; never another layer.
 */
#ifndef MONEY_H
#define MONEY_H

#include <stddef.h>

#define MONEY_TEXT	48	/* room for any amount's text, with the NUL */

enum money_parse {
	MONEY_EXACT,		/* a whole number of tiyn */
	MONEY_INEXACT,		/* a decimal with a non-zero part below a tiyn */
	MONEY_MALFORMED,	/* not a non-negative decimal with '.' */
};

/*
 * Reads a plain decimal ("60000", "60000.00", "60000.000000") from
 * s[0..n): digits, optionally '.' and digits, at most 12 before the point
 * and 18 after.  Sets *tiyn for MONEY_EXACT.
 */
enum money_parse money_parse(const char *s, size_t n, long long *tiyn);

/* "60000.00": the amount as Robokassa and the JSON API write it. */
void	money_format(long long tiyn, char out[MONEY_TEXT]);

/* "60 000 ₸" or "59 668,51 ₸": the amount as Kazakhstan writes it. */
void	money_display(long long tiyn, char out[MONEY_TEXT]);

#endif
