/*
 * crypto.c: randomness, digests, comparisons and password hashes; see
 * crypto.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base64.h"
#include "crypto.h"

/* Today's parameters (OWASP Password Storage Cheat Sheet). */
#define SCRYPT_R	8
#define SCRYPT_P	1
#define SALT_BYTES	16
#define KEY_BYTES	32

/* Bounds on what a stored hash may ask for. */
#define SCRYPT_LN_MAX	20
#define SCRYPT_R_MAX	16
#define SCRYPT_P_MAX	4

int
crypto_random(void *buf, size_t n)
{
	return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

int
crypto_token(char *out)
{
	unsigned char	raw[CRYPTO_TOKEN_BYTES];
	int		rc = -1;

	if (crypto_random(raw, sizeof(raw)) == 0 &&
	    b64url_encode(out, CRYPTO_TOKEN_LEN + 1, raw, sizeof(raw)) ==
	    CRYPTO_TOKEN_LEN)
		rc = 0;
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

int
crypto_token_shape(const char *s, size_t n)
{
	unsigned char	raw[CRYPTO_TOKEN_BYTES];

	return n == CRYPTO_TOKEN_LEN &&
	    b64url_decode(raw, sizeof(raw), s, n) == sizeof(raw);
}

int
crypto_sha256(const void *p, size_t n, unsigned char *out)
{
	return EVP_Q_digest(NULL, "SHA256", NULL, p, n, out, NULL) == 1 ?
	    0 : -1;
}

int
crypto_hmac_sha256(const void *key, size_t keylen, const void *p, size_t n,
    unsigned char *out)
{
	static EVP_MAC	*hmac;
	OSSL_PARAM	 params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
		    (char *)"SHA256", 0),
		OSSL_PARAM_construct_end()
	};
	EVP_MAC_CTX	*ctx;
	size_t		 len = 0;
	int		 rc = -1;

	if (hmac == NULL && (hmac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return -1;
	if ((ctx = EVP_MAC_CTX_new(hmac)) == NULL)
		return -1;
	if (EVP_MAC_init(ctx, key, keylen, params) == 1 &&
	    EVP_MAC_update(ctx, p, n) == 1 &&
	    EVP_MAC_final(ctx, out, &len, CRYPTO_SHA256_LEN) == 1 &&
	    len == CRYPTO_SHA256_LEN)
		rc = 0;
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int
crypto_token_key(const char *token, char *hex)
{
	unsigned char	h[CRYPTO_SHA256_LEN];
	size_t		i;

	if (crypto_sha256(token, strlen(token), h) == -1)
		return -1;
	for (i = 0; i < sizeof(h); i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return 0;
}

int
crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

/* scrypt needs 128 * N * r * p bytes; OpenSSL refuses unless told so. */
static int
scrypt(const char *pw, size_t n, const unsigned char *salt, size_t saltlen,
    int ln, int r, int p, unsigned char *key, size_t keylen)
{
	uint64_t	N = (uint64_t)1 << ln;
	uint64_t	maxmem = 129 * N * (uint64_t)r * (uint64_t)p + (1 << 20);

	return EVP_PBE_scrypt(pw, n, salt, saltlen, N, (uint64_t)r,
	    (uint64_t)p, maxmem, key, keylen) == 1 ? 0 : -1;
}

int
password_hash(const char *pw, size_t n, int cost, char *out)
{
	unsigned char	salt[SALT_BYTES], key[KEY_BYTES];
	char		s64[B64_LEN(SALT_BYTES)], k64[B64_LEN(KEY_BYTES)];
	int		rc = -1, w;

	if (cost < PASSWORD_COST_MIN || cost > PASSWORD_COST_MAX ||
	    crypto_random(salt, sizeof(salt)) == -1 ||
	    scrypt(pw, n, salt, sizeof(salt), cost, SCRYPT_R, SCRYPT_P,
	    key, sizeof(key)) == -1)
		goto out;
	b64url_encode(s64, sizeof(s64), salt, sizeof(salt));
	b64url_encode(k64, sizeof(k64), key, sizeof(key));
	w = snprintf(out, PASSWORD_HASH_MAX, "$scrypt$ln=%d,r=%d,p=%d$%s$%s",
	    cost, SCRYPT_R, SCRYPT_P, s64, k64);
	if (w > 0 && w < PASSWORD_HASH_MAX)
		rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

struct stored_hash {
	int		ln, r, p;
	unsigned char	salt[64], key[64];
	size_t		saltlen, keylen;
};

static int
parse_stored(const char *s, struct stored_hash *h)
{
	const char	*salt, *key;
	int		 used = 0;

	if (sscanf(s, "$scrypt$ln=%d,r=%d,p=%d$%n", &h->ln, &h->r, &h->p,
	    &used) != 3 || used == 0)
		return -1;
	if (h->ln < 10 || h->ln > SCRYPT_LN_MAX || h->r < 1 ||
	    h->r > SCRYPT_R_MAX || h->p < 1 || h->p > SCRYPT_P_MAX)
		return -1;
	salt = s + used;
	if ((key = strchr(salt, '$')) == NULL)
		return -1;
	h->saltlen = b64url_decode(h->salt, sizeof(h->salt), salt,
	    (size_t)(key - salt));
	key++;
	h->keylen = b64url_decode(h->key, sizeof(h->key), key, strlen(key));
	if (h->saltlen == (size_t)-1 || h->saltlen < 8 ||
	    h->keylen == (size_t)-1 || h->keylen < 16)
		return -1;
	return 0;
}

int
password_verify(const char *pw, size_t n, const char *stored)
{
	struct stored_hash	h;
	unsigned char		key[64];
	int			rc = -1;

	if (parse_stored(stored, &h) == -1)
		return -1;
	if (scrypt(pw, n, h.salt, h.saltlen, h.ln, h.r, h.p, key,
	    h.keylen) == 0)
		rc = crypto_equal(key, h.key, h.keylen);
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int
password_needs_rehash(const char *stored, int cost)
{
	struct stored_hash	h;

	if (parse_stored(stored, &h) == -1)
		return 1;
	return h.ln < cost || h.r < SCRYPT_R || h.p < SCRYPT_P ||
	    h.keylen < KEY_BYTES;
}

void
password_burn(const char *pw, size_t n, int cost)
{
	static const unsigned char	salt[SALT_BYTES];
	unsigned char			key[KEY_BYTES];

	(void)scrypt(pw, n, salt, sizeof(salt), cost, SCRYPT_R, SCRYPT_P,
	    key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
}
