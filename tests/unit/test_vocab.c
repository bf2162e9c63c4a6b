/*
 * test_vocab.c: the domain's lists in lib/rules/vocab.c.
 *
 * Run alone (ctest unit_vocab), it checks the lists themselves: every
 * value named, no name twice, vocab_find the inverse of vocab_name.
 * Run as "test_vocab --lists", it prints every list, one
 * "column<TAB>name" line a value: tests/http/test_vocab.py holds them
 * against the database.  (Why a user was blocked is told in the words of
 * amobill.block_reasons, which C never copies.)
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "vocab.h"

static int
print_lists(void)
{
	const struct vocab *const	*v;
	int				 i;

	for (v = vocab_lists; *v != NULL; v++)
		for (i = 0; i < (*v)->n; i++)
			if ((*v)->names[i] != NULL)
				printf("%s\t%s\n", (*v)->column, (*v)->names[i]);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const struct vocab *const	*v;
	int				 i, j, named;

	if (argc == 2 && strcmp(argv[1], "--lists") == 0)
		return print_lists();

	for (v = vocab_lists; *v != NULL; v++) {
		named = 0;
		for (i = 0; i < (*v)->n; i++) {
			if ((*v)->names[i] == NULL)
				continue;
			named++;
			CHECK((*v)->names[i][0] != '\0');
			CHECK(vocab_find(*v, (*v)->names[i]) == i);
			CHECK_STR(vocab_name(*v, i), (*v)->names[i]);
			for (j = i + 1; j < (*v)->n; j++)
				CHECK((*v)->names[j] == NULL ||
				    strcmp((*v)->names[i], (*v)->names[j]) != 0);
		}
		CHECK(named >= 2);
		CHECK(vocab_find(*v, "") == -1);
		CHECK(vocab_find(*v, "no_such_value") == -1);
		CHECK_STR(vocab_name(*v, -1), "");
		CHECK_STR(vocab_name(*v, (*v)->n), "");
	}

	/* The enums index their lists. */
	CHECK_STR(vocab_name(&vocab_order_status, ORDER_UNPAID), "unpaid");
	CHECK_STR(vocab_name(&vocab_refund_status, REFUND_APPROVED), "approved");
	CHECK_STR(vocab_name(&vocab_pay_outcome, PAY_MALFORMED), "malformed");
	CHECK_STR(vocab_name(&vocab_period_kind, PERIOD_TRIAL), "trial");
	CHECK_STR(vocab_name(&vocab_user_status, STATUS_LEGAL_ENTITY),
	    "legal_entity");
	CHECK_STR(vocab_name(&vocab_user_status, 0), "");
	CHECK(vocab_find(&vocab_user_status, "individual") == STATUS_INDIVIDUAL);
	CHECK_STR(status_name(STATUS_INDIVIDUAL), "individual");
	CHECK_STR(status_name(0), "");
	return check_done();
}
