/*
 * test_money.c: tiyn amounts parsed exactly and written the two ways.
 */
#include <string.h>

#include "check.h"
#include "money.h"

static enum money_parse
parse(const char *s, long long *t)
{
	return money_parse(s, strlen(s), t);
}

static void
test_parse(void)
{
	long long	t = -1;

	CHECK(parse("60000", &t) == MONEY_EXACT && t == 6000000);
	CHECK(parse("60000.00", &t) == MONEY_EXACT && t == 6000000);
	/* Robokassa's callbacks carry six decimals. */
	CHECK(parse("60000.000000", &t) == MONEY_EXACT && t == 6000000);
	CHECK(parse("59668.51", &t) == MONEY_EXACT && t == 5966851);
	CHECK(parse("0.5", &t) == MONEY_EXACT && t == 50);
	CHECK(parse("0.05", &t) == MONEY_EXACT && t == 5);
	/* One tiyn off is a different amount, not a rounding. */
	CHECK(parse("60000.01", &t) == MONEY_EXACT && t == 6000001);
	CHECK(parse("59999.99", &t) == MONEY_EXACT && t == 5999999);
	/* Below a tiyn can never equal an order's amount. */
	CHECK(parse("60000.001", &t) == MONEY_INEXACT);
	CHECK(parse("60000.000001", &t) == MONEY_INEXACT);
	CHECK(parse("999999999999.99", &t) == MONEY_EXACT &&
	    t == 99999999999999LL);
}

static void
test_malformed(void)
{
	static const char *const bad[] = {
		"", ".", "1.", ".5", "-1", "+1", "1,00", "1e5", "0x10",
		" 1", "1 ", "1.2.3", "NaN", "inf", "1000000000000",
		"1.0000000000000000000", "６０",
	};
	long long	t;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(parse(bad[i], &t) == MONEY_MALFORMED);
	/* A NUL inside the given length is not a digit. */
	CHECK(money_parse("1\0" "0", 3, &t) == MONEY_MALFORMED);
}

/*
 * 19 or more digits used to overflow a long long before the digit count
 * was checked (OutSum=9300000000000000000 through ResultURL): undefined
 * behaviour, a worker abort under UBSan.  Now simply malformed.
 */
static void
test_overflow(void)
{
	static const char *const big[] = {
		"9300000000000000000", "9300000000000000000.00",
		"99999999999999999999999999999999999999",
		"9223372036854775807", "9223372036854775808",
		"18446744073709551616.5", "0000000000000",
	};
	long long	t = -1;
	size_t		i;

	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++)
		CHECK(parse(big[i], &t) == MONEY_MALFORMED);
	CHECK(t == -1);
	/* The longest accepted: 12 digits before the point. */
	CHECK(parse("999999999999", &t) == MONEY_EXACT &&
	    t == 99999999999900LL);
	CHECK(parse("000000000001.000000000000000000", &t) == MONEY_EXACT &&
	    t == 100);
}

static void
test_format(void)
{
	char	out[MONEY_TEXT];

	money_format(6000000, out);
	CHECK_STR(out, "60000.00");
	money_format(5, out);
	CHECK_STR(out, "0.05");
	money_display(6000000, out);
	CHECK_STR(out, "60\xc2\xa0" "000\xc2\xa0\xe2\x82\xb8");
	money_display(5966851, out);
	CHECK_STR(out, "59\xc2\xa0" "668,51\xc2\xa0\xe2\x82\xb8");
	money_display(99900, out);
	CHECK_STR(out, "999\xc2\xa0\xe2\x82\xb8");
	money_display(123456789000, out);
	CHECK_STR(out, "1\xc2\xa0" "234\xc2\xa0" "567\xc2\xa0" "890\xc2\xa0\xe2\x82\xb8");
}

int
main(void)
{
	test_parse();
	test_malformed();
	test_overflow();
	test_format();
	return check_done();
}
