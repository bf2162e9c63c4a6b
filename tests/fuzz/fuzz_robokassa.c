/*
 * fuzz_robokassa.c: a Robokassa callback (ResultURL, SuccessURL, FailURL)
 * as rk_callback_parse() takes it from a body or a query string, with and
 * without a signature required; what it accepts is then signed and
 * checked as the programs do.  The input also goes through rk_urlencode()
 * and, as the item's name, rk_receipt().
 */
#include "fuzz.h"
#include "money.h"
#include "robokassa.h"

static void
parse(const char *s, size_t n, int need_signature)
{
	struct rk_callback	 cb;
	const char		*fields[3];
	char			 hex[RK_HEX_MAX];
	long long		 tiyn;
	size_t			 i;
	int			 alg;

	if (rk_callback_parse(&cb, s, n, need_signature) == 0) {
		FUZZ_ASSERT(cb.out_sum != NULL && cb.inv_id != NULL);
		FUZZ_ASSERT(money_parse(cb.out_sum, strlen(cb.out_sum),
		    &tiyn) != MONEY_MALFORMED);
		FUZZ_ASSERT(cb.inv >= 1 && cb.inv <= 2147483647LL);
		FUZZ_ASSERT(cb.nshp <= RK_MAX_SHP);
		if (need_signature)
			FUZZ_ASSERT(cb.signature != NULL);
		for (i = 0; i < cb.nshp; i++)
			FUZZ_ASSERT(strncasecmp(cb.shp[i].name, "shp_", 4) ==
			    0 && cb.shp[i].value != NULL);
		fields[0] = cb.out_sum;
		fields[1] = cb.inv_id;
		fields[2] = "dev-password-2";
		for (alg = RK_MD5; alg <= RK_SHA512; alg++) {
			if (rk_sign(alg, fields, 3, cb.shp, cb.nshp, hex) != 0)
				continue;
			FUZZ_ASSERT(rk_check(alg, fields, 3, cb.shp, cb.nshp,
			    hex));
			if (cb.signature != NULL)
				(void)rk_check(alg, fields, 3, cb.shp,
				    cb.nshp, cb.signature);
		}
	}
	rk_callback_free(&cb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char	*s, out[256], receipt[2048];

	/* Exactly n bytes: a body is not NUL-terminated. */
	if ((s = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	memcpy(s, data, n);
	parse(s, n, 1);
	parse(s, n, 0);
	free(s);

	s = fuzz_strndup(data, n);
	if (rk_urlencode(s, out, sizeof(out)) == 0)
		FUZZ_ASSERT(strlen(out) < sizeof(out) &&
		    strspn(out, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789_.-+%") == strlen(out));
	if (rk_receipt(s, 6000000, "none", receipt, sizeof(receipt)) == 0)
		FUZZ_ASSERT(strlen(receipt) < sizeof(receipt));
	free(s);
	return 0;
}
