/*
 * test_opstate.c: Robokassa's OpStateExt address and answer (opstate.h).
 */
#include <string.h>

#include "check.h"
#include "opstate.h"

#define HEAD	"<?xml version=\"1.0\" encoding=\"utf-8\"?>\n" \
		"<OperationStateResponse xmlns=\"http://merchant.roboxchange." \
		"com/WebService/\">"
#define TAIL	"</OperationStateResponse>"
#define PAID	"<Result><Code>0</Code></Result><State><Code>100</Code>" \
		"</State><Info><OutSum>60000.000000</OutSum></Info>"

static void
test_url(void)
{
	char	out[128];

	CHECK(opstate_url("https://auth.robokassa.kz/Merchant/Index.aspx", out,
	    sizeof(out)) == 0);
	CHECK_STR(out, "https://auth.robokassa.kz/Merchant/WebService/"
	    "Service.asmx/OpStateExt");
	CHECK(opstate_url("https://auth.robokassa.kz/Merchant/Pay.aspx", out,
	    sizeof(out)) == -1);
	CHECK(opstate_url("Index.aspx", out, sizeof(out)) == 0);
	/* Too small for the answer: refused, never cut. */
	CHECK(opstate_url("https://auth.robokassa.kz/Merchant/Index.aspx", out,
	    40) == -1);
}

static void
test_answers(void)
{
	static const struct {
		const char	*name, *doc;
		int		 rc, result, state;
		const char	*sum;
	} cases[] = {
		{ "paid", HEAD PAID TAIL, 0, 0, 100, "60000.000000" },
		{ "paid, no declaration", "<OperationStateResponse>" PAID TAIL,
		  0, 0, 100, "60000.000000" },
		{ "pending", HEAD "<Result><Code>0</Code></Result><State><Code>5"
		  "</Code></State>" TAIL, 0, 0, 5, "" },
		{ "no such operation", HEAD "<Result><Code>3</Code>"
		  "<Description>none</Description></Result>" TAIL, 0, 3, -1, "" },
		{ "paid without a sum", HEAD "<Result><Code>0</Code></Result>"
		  "<State><Code>100</Code></State>" TAIL, -1, 0, 100, "" },
		{ "a sum with a letter", HEAD "<Result><Code>0</Code></Result>"
		  "<State><Code>100</Code></State><Info><OutSum>6e4</OutSum>"
		  "</Info>" TAIL, -1, 0, 100, "" },
		{ "two results", HEAD "<Result><Code>0</Code></Result><Result>"
		  "<Code>3</Code></Result>" TAIL, -1, -1, -1, "" },
		{ "text after the root", HEAD PAID TAIL "<x/>", -1, -1, -1, "" },
		{ "another root", "<Other>" PAID "</Other>", -1, -1, -1, "" },
		{ "a code that is not a number", HEAD "<Result><Code>zero</Code>"
		  "</Result>" TAIL, -1, -1, -1, "" },
		{ "empty", "", -1, -1, -1, "" },
	};
	struct opstate	st;
	size_t		i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_CASE("%s", cases[i].name);
		CHECK(opstate_parse(cases[i].doc, strlen(cases[i].doc), &st) ==
		    cases[i].rc);
		if (cases[i].rc == 0) {
			CHECK(st.result == cases[i].result);
			CHECK(st.state == cases[i].state);
			CHECK_STR(st.out_sum, cases[i].sum);
		}
		check_case_end();
	}
	/* A NUL inside the answer. */
	CHECK(opstate_parse(HEAD "\0" PAID TAIL, sizeof(HEAD "\0" PAID TAIL) -
	    1, &st) == -1);
}

int
main(void)
{
	test_url();
	test_answers();
	return check_done();
}
