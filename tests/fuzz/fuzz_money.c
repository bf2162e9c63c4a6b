/*
 * fuzz_money.c: amounts (money.h) as callbacks and OpStateExt carry them:
 * money_parse() over any bytes, and what it reads written back both ways.
 */
#include "fuzz.h"
#include "money.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char			*s, text[MONEY_TEXT];
	long long		 tiyn = -1, again = -1;
	enum money_parse	 rc;
	size_t			 digits;

	/* Exactly n bytes: nothing past them may be read. */
	if ((s = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	memcpy(s, data, n);
	rc = money_parse(s, n, &tiyn);
	FUZZ_ASSERT(rc == MONEY_EXACT || rc == MONEY_INEXACT ||
	    rc == MONEY_MALFORMED);
	if (rc != MONEY_MALFORMED) {
		/* The header's shape: 1-12 digits, then '.' and 1-18. */
		for (digits = 0; digits < n && s[digits] >= '0' &&
		    s[digits] <= '9'; digits++)
			;
		FUZZ_ASSERT(digits >= 1 && digits <= 12 && digits <= n);
		FUZZ_ASSERT(digits == n || (s[digits] == '.' &&
		    n - digits - 1 >= 1 && n - digits - 1 <= 18));
	}
	if (rc == MONEY_EXACT) {
		FUZZ_ASSERT(tiyn >= 0 && tiyn <= 99999999999999LL);
		money_format(tiyn, text);
		FUZZ_ASSERT(money_parse(text, strlen(text), &again) ==
		    MONEY_EXACT && again == tiyn);
		money_display(tiyn, text);
		FUZZ_ASSERT(strlen(text) < MONEY_TEXT);
	}
	free(s);
	return 0;
}
