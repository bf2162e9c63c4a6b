/*
 * fuzz_amotoken.c: amoCRM's disposable token (amotoken.h) as it arrives
 * in X-Auth-Token: any bytes, verified with a known secret, a previous
 * one and without.  Almost nothing random is well signed, so this reaches
 * the split, the base64url and the header, and the unverified reading of
 * client_uuid; fuzz_amotoken_claims signs its input to reach the claims.
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

/*
 * The claimed client_uuid (unverified): canonical or nothing, and the
 * one a verified token holds.
 */
static void
check_uuid(const char *tok, size_t n)
{
	struct amotoken	 t;
	const char	*why;
	char		 uuid[AMOTOKEN_UUID_MAX];
	size_t		 i;

	memset(uuid, 'x', sizeof(uuid));
	if (amotoken_client_uuid(tok, n, uuid) == -1) {
		FUZZ_ASSERT(uuid[0] == '\0');
		FUZZ_ASSERT(amotoken_verify(tok, n, &keys, NOW, &t, &why) !=
		    AMOTOKEN_OK);
		return;
	}
	FUZZ_ASSERT(strlen(uuid) == AMOTOKEN_UUID_MAX - 1);
	for (i = 0; i < AMOTOKEN_UUID_MAX - 1; i++)
		FUZZ_ASSERT(i == 8 || i == 13 || i == 18 || i == 23 ?
		    uuid[i] == '-' : strchr("0123456789abcdef", uuid[i]) !=
		    NULL);
	if (amotoken_verify(tok, n, &keys, NOW, &t, &why) == AMOTOKEN_OK)
		FUZZ_ASSERT(strcmp(uuid, keys.client_uuid) == 0);
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
	check_uuid(tok, n);
	free(tok);
	return 0;
}
