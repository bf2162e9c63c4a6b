/*
 * fuzz_opstate.c: Robokassa's OpStateExt answer (opstate.h), untrusted
 * XML read by opstate_parse(), and the service's address derived from a
 * configured payment page by opstate_url().
 */
#include "fuzz.h"
#include "money.h"
#include "opstate.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct opstate	 st;
	char		*doc, url[512];
	long long	 tiyn;

	/* The answer as fetch.c hands it over: NUL-terminated. */
	doc = fuzz_strndup(data, n);
	if (opstate_parse(doc, n, &st) == 0) {
		FUZZ_ASSERT(st.result >= 0);
		FUZZ_ASSERT(memchr(st.out_sum, '\0', sizeof(st.out_sum)) !=
		    NULL);
		if (st.result == RESULT_OK)
			FUZZ_ASSERT(st.state >= 0);
		else
			FUZZ_ASSERT(st.state == -1 && st.out_sum[0] == '\0');
		if (st.result == RESULT_OK && st.state == STATE_PAID) {
			FUZZ_ASSERT(st.out_sum[0] != '\0');
			FUZZ_ASSERT(strspn(st.out_sum, "0123456789.") ==
			    strlen(st.out_sum));
			(void)money_parse(st.out_sum, strlen(st.out_sum),
			    &tiyn);
		}
	}
	if (opstate_url(doc, url, sizeof(url)) == 0)
		FUZZ_ASSERT(strlen(url) < sizeof(url) && strstr(url,
		    "WebService/Service.asmx/OpStateExt") != NULL);
	free(doc);
	return 0;
}
