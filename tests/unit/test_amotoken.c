/*
 * test_amotoken.c: amoCRM disposable tokens: the published test vector,
 * and every way a token can be wrong.  Tokens are built here with the
 * project's base64url and OpenSSL's HMAC, over claims written by hand.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "amotoken.h"
#include "base64.h"
#include "check.h"

/* The brief's vector: secret "test-integration-secret", valid in
 * [1767225600, 1767227400). */
static const char vector[] =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJodHRwczovL2V4YW1wbGUu"
    "YW1vY3JtLnJ1IiwiYXVkIjoiaHR0cHM6Ly9saWNlbnNlLmV4YW1wbGUua3oiLCJqdGki"
    "OiI2ZjFjMmEzYi00ZDVlLTRmNjAtOGE3Yi05YzBkMWUyZjNhNGIiLCJpYXQiOjE3Njcy"
    "MjU2MDAsIm5iZiI6MTc2NzIyNTYwMCwiZXhwIjoxNzY3MjI3NDAwLCJhY2NvdW50X2lk"
    "IjozMTIzNDU2Nywic3ViZG9tYWluIjoiZXhhbXBsZSIsInVzZXJfaWQiOjc2NTQzMjEs"
    "ImNsaWVudF91dWlkIjoiMGExYjJjM2QtNGU1Zi00YTZiLThjN2QtOWUwZjFhMmIzYzRk"
    "IiwiaXNfYWRtaW4iOnRydWV9.iVZD2Vb-zAB-hy4chaSdd3tD5sx9WyT9bNv2hfDfU2A";

static const struct amotoken_keys keys = {
	"test-integration-secret", NULL, "https://license.example.kz",
	"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
};

#define NOW	1767226000

/* header.payload.signature with the payload's claims and the given key. */
static void
make(char *out, size_t outsz, const char *header, const char *claims,
    const char *key)
{
	char		h[1024], p[2048], sig[64], signing[3100];
	unsigned char	mac[32];
	size_t		len;

	b64url_encode(h, sizeof(h), header, strlen(header));
	b64url_encode(p, sizeof(p), claims, strlen(claims));
	snprintf(signing, sizeof(signing), "%s.%s", h, p);
	EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, strlen(key),
	    (unsigned char *)signing, strlen(signing), mac, sizeof(mac), &len);
	b64url_encode(sig, sizeof(sig), mac, sizeof(mac));
	snprintf(out, outsz, "%s.%s", signing, sig);
}

static enum amotoken_result
verify(const char *tok, const struct amotoken_keys *k, time_t now,
    struct amotoken *t)
{
	const char	*why;

	return amotoken_verify(tok, strlen(tok), k, now, t, &why);
}

static const char hs256[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* Claims for account 31234567 at example.amocrm.ru, valid around NOW. */
static void
claims(char *out, size_t n, const char *aud, const char *uuid,
    long long iat, long long nbf, long long exp, const char *account,
    const char *iss, const char *sub)
{
	snprintf(out, n, "{\"iss\":\"%s\",\"aud\":%s,\"jti\":\"j\",\"iat\":%lld,"
	    "\"nbf\":%lld,\"exp\":%lld,\"account_id\":%s,\"subdomain\":\"%s\","
	    "\"user_id\":1,\"client_uuid\":\"%s\",\"is_admin\":true}", iss, aud,
	    iat, nbf, exp, account, sub, uuid);
}

#define GOOD(buf) claims(buf, sizeof(buf), "\"https://license.example.kz\"", \
    keys.client_uuid, NOW - 100, NOW - 100, NOW + 1700, "31234567",	\
    "https://example.amocrm.ru", "example")

static void
test_vector(void)
{
	struct amotoken	t;

	CHECK(verify(vector, &keys, NOW, &t) == AMOTOKEN_OK);
	CHECK(t.account_id == 31234567);
	CHECK_STR(t.subdomain, "example");
	CHECK_STR(t.host, "example.amocrm.ru");
	CHECK(verify(vector, &keys, 1767227400 + AMOTOKEN_SKEW, &t) ==
	    AMOTOKEN_EXPIRED);
	CHECK(verify(vector, &keys, 1767227400 + AMOTOKEN_SKEW - 1, &t) ==
	    AMOTOKEN_OK);
	CHECK(verify(vector, &keys, 1767225600 - AMOTOKEN_SKEW - 1, &t) ==
	    AMOTOKEN_INVALID);
}

static void
test_algorithms(void)
{
	char		c[1024], tok[4096];
	struct amotoken	t;

	GOOD(c);
	make(tok, sizeof(tok), hs256, c, keys.secret);
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_OK);
	/* The header names the algorithm, but only HS256 is ours. */
	make(tok, sizeof(tok), "{\"alg\":\"none\"}", c, keys.secret);
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	make(tok, sizeof(tok), "{\"alg\":\"HS512\"}", c, keys.secret);
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	make(tok, sizeof(tok), "{\"alg\":\"RS256\"}", c, keys.secret);
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	make(tok, sizeof(tok), "{\"alg\":\"hs256\"}", c, keys.secret);
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	make(tok, sizeof(tok), "{\"typ\":\"JWT\"}", c, keys.secret);
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	/* A name twice: refused, whichever one a reader would take. */
	make(tok, sizeof(tok), "{\"alg\":\"HS256\",\"alg\":\"none\"}", c,
	    keys.secret);
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	make(tok, sizeof(tok), "{\"alg\":\"none\",\"alg\":\"HS256\"}", c,
	    keys.secret);
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	/* "alg: none" with an empty signature. */
	snprintf(tok, sizeof(tok), "%s", "eyJhbGciOiJub25lIn0.e30.");
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
}

static void
test_secrets(void)
{
	char			c[1024], tok[4096];
	struct amotoken		t;
	struct amotoken_keys	rotated = keys;

	GOOD(c);
	make(tok, sizeof(tok), hs256, c, "another-secret");
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	/* The previous secret counts only while it is configured. */
	rotated.secret = "new-secret";
	rotated.previous = "another-secret";
	CHECK(verify(tok, &rotated, NOW, &t) == AMOTOKEN_OK);
	rotated.previous = NULL;
	CHECK(verify(tok, &rotated, NOW, &t) == AMOTOKEN_INVALID);
	/* A signature of the right length but one bit off. */
	make(tok, sizeof(tok), hs256, c, keys.secret);
	tok[strlen(tok) - 2] = tok[strlen(tok) - 2] == 'A' ? 'B' : 'A';
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
}

static void
test_claims(void)
{
	char		c[1024], tok[4096];
	struct amotoken	t;
	const char	*aud = "\"https://license.example.kz\"";
	const char	*uuid = keys.client_uuid;

#define TRY(want, ...) do {						\
	claims(c, sizeof(c), __VA_ARGS__);				\
	make(tok, sizeof(tok), hs256, c, keys.secret);			\
	CHECK(verify(tok, &keys, NOW, &t) == (want));			\
} while (0)
	TRY(AMOTOKEN_INVALID, "\"https://evil.example.kz\"", uuid, NOW, NOW,
	    NOW + 60, "1", "https://example.amocrm.ru", "example");
	TRY(AMOTOKEN_OK, "[\"x\",\"https://license.example.kz\"]", uuid, NOW,
	    NOW, NOW + 600, "1", "https://example.amocrm.ru", "example");
	TRY(AMOTOKEN_INVALID, aud, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e", NOW,
	    NOW, NOW + 600, "1", "https://example.amocrm.ru", "example");
	TRY(AMOTOKEN_EXPIRED, aud, uuid, NOW - 3600, NOW - 3600, NOW - 61, "1",
	    "https://example.amocrm.ru", "example");
	/* Within the allowed skew, either side. */
	TRY(AMOTOKEN_OK, aud, uuid, NOW, NOW, NOW - 59, "1",
	    "https://example.amocrm.ru", "example");
	TRY(AMOTOKEN_OK, aud, uuid, NOW + 59, NOW + 59, NOW + 600, "1",
	    "https://example.amocrm.ru", "example");
	TRY(AMOTOKEN_INVALID, aud, uuid, NOW, NOW + 61, NOW + 600, "1",
	    "https://example.amocrm.ru", "example");
	TRY(AMOTOKEN_INVALID, aud, uuid, NOW + 61, NOW, NOW + 600, "1",
	    "https://example.amocrm.ru", "example");
	/* account_id as a numeric string; not zero, negative or text. */
	TRY(AMOTOKEN_OK, aud, uuid, NOW, NOW, NOW + 600, "\"31234567\"",
	    "https://example.amocrm.ru", "example");
	TRY(AMOTOKEN_INVALID, aud, uuid, NOW, NOW, NOW + 600, "0",
	    "https://example.amocrm.ru", "example");
	TRY(AMOTOKEN_INVALID, aud, uuid, NOW, NOW, NOW + 600, "-5",
	    "https://example.amocrm.ru", "example");
	TRY(AMOTOKEN_INVALID, aud, uuid, NOW, NOW, NOW + 600, "1.5",
	    "https://example.amocrm.ru", "example");
	TRY(AMOTOKEN_INVALID, aud, uuid, NOW, NOW, NOW + 600, "\"12a\"",
	    "https://example.amocrm.ru", "example");
	TRY(AMOTOKEN_INVALID, aud, uuid, NOW, NOW, NOW + 600, "null",
	    "https://example.amocrm.ru", "example");
	/* iss and subdomain must name the same amoCRM or Kommo account. */
	TRY(AMOTOKEN_OK, aud, uuid, NOW, NOW, NOW + 600, "1",
	    "https://example.kommo.com", "example");
	TRY(AMOTOKEN_INVALID, aud, uuid, NOW, NOW, NOW + 600, "1",
	    "https://other.amocrm.ru", "example");
	TRY(AMOTOKEN_INVALID, aud, uuid, NOW, NOW, NOW + 600, "1",
	    "https://example.evil.com", "example");
	TRY(AMOTOKEN_INVALID, aud, uuid, NOW, NOW, NOW + 600, "1",
	    "http://example.amocrm.ru", "example");
	TRY(AMOTOKEN_INVALID, aud, uuid, NOW, NOW, NOW + 600, "1",
	    "https://example.amocrm.ru/x", "example");
#undef TRY
}

/*
 * Makes tokens until one's signature has a character that base64 and
 * base64url write differently, then offers it written in base64.
 */
static int
std_signature_refused(void)
{
	char		c[1024], tok[4096], *sig, *p;
	struct amotoken	t;
	int		i;

	for (i = 0; i < 200; i++) {
		claims(c, sizeof(c), "\"https://license.example.kz\"",
		    keys.client_uuid, NOW - 100 - i, NOW - 100, NOW + 1700,
		    "31234567", "https://example.amocrm.ru", "example");
		make(tok, sizeof(tok), hs256, c, keys.secret);
		sig = strrchr(tok, '.') + 1;
		if (strpbrk(sig, "-_") == NULL)
			continue;
		if (verify(tok, &keys, NOW, &t) != AMOTOKEN_OK)
			return 0;
		for (p = sig; *p != '\0'; p++)
			*p = *p == '-' ? '+' : *p == '_' ? '/' : *p;
		return verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID;
	}
	return 0;
}

static void
test_missing_and_malformed(void)
{
	static const char *const bodies[] = {
		"{}", "[]", "\"x\"", "{\"aud\":\"https://license.example.kz\"}",
		"{\"aud\":", "not json at all",
	};
	char		c[1024], tok[4096], big[AMOTOKEN_MAX + 64];
	struct amotoken	t;
	size_t		i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		make(tok, sizeof(tok), hs256, bodies[i], keys.secret);
		CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	}
	CHECK(verify("", &keys, NOW, &t) == AMOTOKEN_INVALID);
	CHECK(verify("a.b", &keys, NOW, &t) == AMOTOKEN_INVALID);
	CHECK(verify("a.b.c.d", &keys, NOW, &t) == AMOTOKEN_INVALID);
	CHECK(verify("!!!.###.$$$", &keys, NOW, &t) == AMOTOKEN_INVALID);
	CHECK(verify("..", &keys, NOW, &t) == AMOTOKEN_INVALID);
	/* The vector with padding or a character outside base64url. */
	snprintf(tok, sizeof(tok), "%s=", vector);
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	snprintf(tok, sizeof(tok), "%s", vector);
	tok[5] = '+';
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	/* A claim twice: refused. */
	GOOD(c);
	snprintf(c + strlen(c) - 1, sizeof(c) - strlen(c) + 1,
	    ",\"account_id\":1}");
	make(tok, sizeof(tok), hs256, c, keys.secret);
	CHECK(verify(tok, &keys, NOW, &t) == AMOTOKEN_INVALID);
	/* The right signature in base64 instead of base64url: refused. */
	CHECK(std_signature_refused());
	/* Too large to look at. */
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[100] = big[200] = '.';
	CHECK(verify(big, &keys, NOW, &t) == AMOTOKEN_INVALID);
	/* A NUL inside the given length. */
	CHECK(amotoken_verify(vector, sizeof(vector), &keys, NOW, &t,
	    &(const char *){ NULL }) == AMOTOKEN_INVALID);
}

/* The claimed client_uuid, read before anything is verified. */
static void
test_client_uuid(void)
{
	static const char *const bad[] = {
		/* Not canonical: upper case, braces, short, long, no dashes. */
		"0A1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D",
		"{0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d}",
		"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4",
		"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d0",
		"0a1b2c3d04e5f04a6b08c7d09e0f1a2b3c4d",
		"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g",
		"",
	};
	char		 c[1024], tok[4096], uuid[AMOTOKEN_UUID_MAX];
	char		 big[AMOTOKEN_MAX + 64];
	size_t		 i;

	CHECK(amotoken_client_uuid(vector, strlen(vector), uuid) == 0);
	CHECK_STR(uuid, "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	/* Unverified: a token signed with any key names its integration. */
	GOOD(c);
	make(tok, sizeof(tok), hs256, c, "not-the-secret");
	CHECK(amotoken_client_uuid(tok, strlen(tok), uuid) == 0);
	CHECK_STR(uuid, keys.client_uuid);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		claims(c, sizeof(c), "\"https://license.example.kz\"", bad[i],
		    NOW, NOW, NOW + 600, "1", "https://example.amocrm.ru",
		    "example");
		make(tok, sizeof(tok), hs256, c, keys.secret);
		memset(uuid, 'x', sizeof(uuid));
		CHECK(amotoken_client_uuid(tok, strlen(tok), uuid) == -1);
		CHECK_STR(uuid, "");
		/* And verify agrees: no integration has such an id. */
		CHECK(verify(tok, &keys, NOW, &(struct amotoken){ 0 }) ==
		    AMOTOKEN_INVALID);
	}
	/* Missing, not a string, twice. */
	make(tok, sizeof(tok), hs256, "{\"aud\":\"x\"}", keys.secret);
	CHECK(amotoken_client_uuid(tok, strlen(tok), uuid) == -1);
	make(tok, sizeof(tok), hs256, "{\"client_uuid\":12}", keys.secret);
	CHECK(amotoken_client_uuid(tok, strlen(tok), uuid) == -1);
	make(tok, sizeof(tok), hs256, "{\"client_uuid\":\"0a1b2c3d-4e5f-4a6b-"
	    "8c7d-9e0f1a2b3c4d\",\"client_uuid\":\"0a1b2c3d-4e5f-4a6b-8c7d-"
	    "9e0f1a2b3c4e\"}", keys.secret);
	CHECK(amotoken_client_uuid(tok, strlen(tok), uuid) == -1);
	make(tok, sizeof(tok), hs256, "[\"0a1b2c3d-4e5f-4a6b-8c7d-"
	    "9e0f1a2b3c4d\"]", keys.secret);
	CHECK(amotoken_client_uuid(tok, strlen(tok), uuid) == -1);
	/* Not a token: parts, size, an empty one, a NUL within n. */
	CHECK(amotoken_client_uuid("", 0, uuid) == -1);
	CHECK(amotoken_client_uuid("a.b", 3, uuid) == -1);
	CHECK(amotoken_client_uuid("..", 2, uuid) == -1);
	snprintf(tok, sizeof(tok), "%s.x", vector);
	CHECK(amotoken_client_uuid(tok, strlen(tok), uuid) == -1);
	CHECK(amotoken_client_uuid(vector, strchr(vector, '.') -
	    vector + 5, uuid) == -1);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, vector, strlen(vector));
	CHECK(amotoken_client_uuid(big, strlen(big), uuid) == -1);
	CHECK(amotoken_client_uuid(vector, sizeof(vector), uuid) == -1 ||
	    strcmp(uuid, keys.client_uuid) == 0);
}

int
main(void)
{
	test_vector();
	test_algorithms();
	test_secrets();
	test_claims();
	test_missing_and_malformed();
	test_client_uuid();
	return check_done();
}
