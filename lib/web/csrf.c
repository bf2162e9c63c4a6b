/*
 * csrf.c: the double-submit CSRF token; see csrf.h.
 */
#include "csrf.h"

int
csrf_token(struct request *req, char *out)
{
	long	n = http_cookie_get(req, "csrf", out, CRYPTO_TOKEN_LEN + 1);

	if (n > 0 && crypto_token_shape(out, (size_t)n))
		return 0;
	if (crypto_token(out) == -1)
		return -1;
	http_cookie(req, "csrf", out, 0, COOKIE_HTTPONLY | COOKIE_STRICT);
	return 0;
}
