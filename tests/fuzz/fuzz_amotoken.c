/*
 * fuzz_amotoken.c: amoCRM's disposable token (amotoken.h) as it arrives
 * in X-Auth-Token: any bytes, verified with a known secret, a previous
 * one and without.  Almost nothing random is well signed, so this reaches
 * the split, the base64url and the header; fuzz_amotoken_claims signs its
 * input to reach the claims.
 */
#include "amotoken.h"
#include "fuzz.h"

#define NOW	1767226000

static const struct amotoken_keys keys = {
	"test-integration-secret", NULL, "https://license.example.kz",
	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
};

static const struct amotoken_keys rotated = {
	"new-secret", "test-integration-secret", "https://license.example.kz",
	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
};

static void
check(const char *tok, size_t n, const struct amotoken_keys *k, time_t now)
{
	struct amotoken		 t;
	const char		*why = "unset";
	enum amotoken_result	 rc;

	rc = amotoken_verify(tok, n, k, now, &t, &why);
	FUZZ_ASSERT(rc == AMOTOKEN_OK || rc == AMOTOKEN_INVALID ||
	    rc == AMOTOKEN_EXPIRED);
	if (rc == AMOTOKEN_OK) {
		FUZZ_ASSERT(why == NULL);
		FUZZ_ASSERT(t.account_id > 0 && t.subdomain[0] != '\0');
		FUZZ_ASSERT(memchr(t.host, '\0', sizeof(t.host)) != NULL);
	} else
		FUZZ_ASSERT(why != NULL && strcmp(why, "unset") != 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char	*tok;

	/* Exactly n bytes: the token need not be NUL-terminated. */
	if ((tok = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	memcpy(tok, data, n);
	check(tok, n, &keys, NOW);
	check(tok, n, &rotated, NOW);
	check(tok, n, &keys, 0);
	free(tok);
	return 0;
}
