/*
 * fuzz_amotoken_claims.c: the claims of an amoCRM token (amotoken.h).
 * The input is the payload's JSON; the harness wraps it in an HS256
 * header and signs it with the known secret, as amoCRM would, so every
 * input gets past the signature to the claim checks (audience,
 * client_uuid, times, account_id, subdomain and issuer), and to the
 * unverified reading of client_uuid that chooses the keys.
 */
#include <openssl/evp.h>

#include "amotoken.h"
#include "base64.h"
#include "fuzz.h"

#define NOW	1767226000

static const struct amotoken_keys keys = {
	"test-integration-secret", NULL, "https://license.example.kz",
	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
};

static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static const time_t	 times[] = { NOW, 0, 1767227400 + 60,
	    100000000000LL };
	struct amotoken		 t;
	const char		*why;
	char			*tok, h[64], uuid[AMOTOKEN_UUID_MAX];
	unsigned char		 mac[32];
	size_t			 hl, pl, len, sz, i;
	enum amotoken_result	 rc;

	/* Longer claims cannot make a token of AMOTOKEN_MAX bytes. */
	if (n > 3 * AMOTOKEN_MAX / 4)
		return 0;
	hl = b64url_encode(h, sizeof(h), header, sizeof(header) - 1);
	FUZZ_ASSERT(hl != (size_t)-1);
	sz = hl + 1 + B64_LEN(n) + 1 + B64_LEN(sizeof(mac));
	if ((tok = malloc(sz)) == NULL)
		abort();
	memcpy(tok, h, hl);
	tok[hl] = '.';
	pl = b64url_encode(tok + hl + 1, sz - hl - 1, data, n);
	FUZZ_ASSERT(pl != (size_t)-1);
	len = hl + 1 + pl;
	FUZZ_ASSERT(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, keys.secret,
	    strlen(keys.secret), (unsigned char *)tok, len, mac, sizeof(mac),
	    &i) != NULL && i == sizeof(mac));
	tok[len++] = '.';
	i = b64url_encode(tok + len, sz - len, mac, sizeof(mac));
	FUZZ_ASSERT(i != (size_t)-1);
	len += i;

	/*
	 * The client_uuid read before verifying (which chooses the keys):
	 * canonical or nothing, and the very one a verified token holds.
	 */
	memset(uuid, 'x', sizeof(uuid));
	if (amotoken_client_uuid(tok, len, uuid) == 0) {
		FUZZ_ASSERT(strlen(uuid) == AMOTOKEN_UUID_MAX - 1);
		FUZZ_ASSERT(strspn(uuid, "0123456789abcdef-") ==
		    AMOTOKEN_UUID_MAX - 1);
	} else
		FUZZ_ASSERT(uuid[0] == '\0');
	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		rc = amotoken_verify(tok, len, &keys, times[i], &t, &why);
		if (rc == AMOTOKEN_OK) {
			FUZZ_ASSERT(why == NULL);
			FUZZ_ASSERT(strcmp(uuid, keys.client_uuid) == 0);
			FUZZ_ASSERT(t.account_id > 0);
			FUZZ_ASSERT(t.account_id <= 9007199254740991LL);
			FUZZ_ASSERT(t.subdomain[0] != '\0');
			FUZZ_ASSERT(memchr(t.subdomain, '\0',
			    sizeof(t.subdomain)) != NULL);
			FUZZ_ASSERT(memchr(t.host, '\0', sizeof(t.host)) !=
			    NULL);
			/* The host is the subdomain's, on a known zone. */
			FUZZ_ASSERT(strncmp(t.host, t.subdomain,
			    strlen(t.subdomain)) == 0 &&
			    t.host[strlen(t.subdomain)] == '.');
			FUZZ_ASSERT(t.exp + AMOTOKEN_SKEW > times[i]);
		} else
			FUZZ_ASSERT(why != NULL);
		if (rc == AMOTOKEN_EXPIRED)
			FUZZ_ASSERT(t.exp + AMOTOKEN_SKEW <= times[i]);
	}
	free(tok);
	return 0;
}
