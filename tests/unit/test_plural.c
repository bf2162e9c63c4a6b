/*
 * test_plural.c: a plan's term in words, with the Russian plural rule.
 */
#include "check.h"
#include "plural.h"

static const char *
months(long long n)
{
	return ru_plural(n, "месяц", "месяца", "месяцев");
}

static void
test_plural(void)
{
	CHECK_STR(months(1), "месяц");
	CHECK_STR(months(2), "месяца");
	CHECK_STR(months(4), "месяца");
	CHECK_STR(months(5), "месяцев");
	CHECK_STR(months(11), "месяцев");
	CHECK_STR(months(12), "месяцев");
	CHECK_STR(months(14), "месяцев");
	CHECK_STR(months(21), "месяц");
	CHECK_STR(months(22), "месяца");
	CHECK_STR(months(25), "месяцев");
	CHECK_STR(months(36), "месяцев");
	CHECK_STR(months(101), "месяц");
	CHECK_STR(months(111), "месяцев");
	CHECK_STR(months(112), "месяцев");
	CHECK_STR(months(0), "месяцев");
}

static void
test_words(void)
{
	char	out[TERM_TEXT];

	term_words(6, out);
	CHECK_STR(out, "на 6 месяцев");
	term_words(1, out);
	CHECK_STR(out, "на 1 месяц");
	term_words(3, out);
	CHECK_STR(out, "на 3 месяца");
	term_words(12, out);
	CHECK_STR(out, "на 12 месяцев");
	term_words(21, out);
	CHECK_STR(out, "на 21 месяц");
	/* The longest number still fits. */
	term_words(-9223372036854775807LL - 1, out);
	CHECK_STR(out, "на -9223372036854775808 месяцев");
}

int
main(void)
{
	test_plural();
	test_words();
	return check_done();
}
