/*
 * money.c: tiyn amounts; see money.h.
 */
#include <stdio.h>
#include <string.h>

#include "money.h"

enum money_parse
money_parse(const char *s, size_t n, long long *tiyn)
{
	long long	whole = 0, frac = 0;
	size_t		i = 0, digits = 0, k;
	int		inexact = 0;

	/*
	 * Count before multiplying: 19 digits overflow a long long, and the
	 * amount comes from a callback anyone can send.
	 */
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
		if (digits == 12)
			return MONEY_MALFORMED;
		whole = whole * 10 + (s[i] - '0');
	}
	if (digits == 0)
		return MONEY_MALFORMED;
	if (i < n) {
		if (s[i] != '.' || i + 1 == n || n - i - 1 > 18)
			return MONEY_MALFORMED;
		for (k = 0, i++; i < n; i++, k++) {
			if (s[i] < '0' || s[i] > '9')
				return MONEY_MALFORMED;
			if (k < 2)
				frac += (s[i] - '0') * (k == 0 ? 10 : 1);
			else if (s[i] != '0')
				inexact = 1;
		}
	}
	if (inexact)
		return MONEY_INEXACT;
	*tiyn = whole * 100 + frac;
	return MONEY_EXACT;
}

void
money_format(long long tiyn, char out[MONEY_TEXT])
{
	snprintf(out, MONEY_TEXT, "%lld.%02lld", tiyn / 100, tiyn % 100);
}

void
money_display(long long tiyn, char out[MONEY_TEXT])
{
	char	digits[24], *o = out;
	size_t	n, i;

	n = (size_t)snprintf(digits, sizeof(digits), "%lld", tiyn / 100);
	for (i = 0; i < n; i++) {
		/* Groups of three, separated by a no-break space (U+00A0). */
		if (i > 0 && (n - i) % 3 == 0) {
			*o++ = '\xc2';
			*o++ = '\xa0';
		}
		*o++ = digits[i];
	}
	if (tiyn % 100 != 0)
		o += snprintf(o, 4, ",%02lld", tiyn % 100);
	/* U+00A0 then the tenge sign U+20B8. */
	memcpy(o, "\xc2\xa0\xe2\x82\xb8", 6);
}
