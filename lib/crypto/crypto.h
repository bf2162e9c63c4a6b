/*
 * crypto.h: randomness, digests, constant-time comparison and password
 * hashes, all on OpenSSL 3.0.
 *
 * Password hashes are scrypt with OWASP's parameters (N = 2^17, r = 8,
 * p = 1, 16-byte salt, 32-byte key), stored self-describing as
 *	$scrypt$ln=17,r=8,p=1$<base64 salt>$<base64 key>
 * so that the parameters can be raised later: password_needs_rehash() says
 * when a stored hash is weaker than today's.  Each scrypt call takes about
 * 128 MiB and half a second of CPU.  The cost (log2 N) of new hashes is the
 * caller's, from the configuration: PASSWORD_COST unless a test stack asks
 * for a cheaper one (config.h, password_cost).
 *
 * Layer rules (lib/crypto): may use lib/base and OpenSSL; never I/O beyond
 * reading a key file, never the configuration, the database or the web.
 */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stddef.h>

#define CRYPTO_TOKEN_BYTES	32

#define PASSWORD_COST		17	/* log2 N of OWASP's parameters */
#define PASSWORD_COST_MIN	14
#define PASSWORD_COST_MAX	20
#define CRYPTO_TOKEN_LEN	43	/* base64url of 32 bytes, no padding */
#define CRYPTO_SHA256_LEN	32
#define PASSWORD_HASH_MAX	128	/* longest stored hash, with the NUL */

/* Fills buf with n bytes from the CSPRNG.  Returns 0 or -1. */
int	crypto_random(void *buf, size_t n);

/*
 * Writes a fresh random token (32 bytes, base64url, NUL-terminated) into
 * out, which holds CRYPTO_TOKEN_LEN + 1 bytes.  Returns 0 or -1.
 */
int	crypto_token(char *out);

/* True iff s[0..n) has the shape of a token from crypto_token(). */
int	crypto_token_shape(const char *s, size_t n);

/* SHA-256 of n bytes into out[32].  Returns 0 or -1. */
int	crypto_sha256(const void *p, size_t n, unsigned char *out);

/*
 * HMAC-SHA256 of n bytes with a key of keylen bytes into out[32].
 * Returns 0 or -1.  The algorithm is looked up once per process, not per
 * call (the license check's every answer verifies one).
 */
int	crypto_hmac_sha256(const void *key, size_t keylen, const void *p,
	    size_t n, unsigned char *out);

#define CRYPTO_KEY_LEN	(2 * CRYPTO_SHA256_LEN)	/* hex, without the NUL */

/*
 * The hex SHA-256 of a token, as the database keys sessions and links
 * (only this is stored), into hex[CRYPTO_KEY_LEN + 1].  Returns 0 or -1.
 */
int	crypto_token_key(const char *token, char *hex);

/* 1 iff a and b (each n bytes) are equal; time depends on n only. */
int	crypto_equal(const void *a, const void *b, size_t n);

/*
 * Hashes a password with the current parameters and log2 N = cost into
 * out (PASSWORD_HASH_MAX bytes).  Returns 0 or -1.
 */
int	password_hash(const char *pw, size_t n, int cost, char *out);

/*
 * Checks a password against a stored hash.  Returns 1 on a match, 0 on a
 * mismatch, -1 if the stored hash is malformed or scrypt fails.  Stored
 * parameters are bounded, so a tampered row cannot make it run for long.
 */
int	password_verify(const char *pw, size_t n, const char *stored);

/* 1 iff the stored hash is weaker than password_hash() makes at cost. */
int	password_needs_rehash(const char *stored, int cost);

/*
 * Spends the time of one password_verify() without a stored hash, so a
 * login for an unknown user costs what a wrong password costs.
 */
void	password_burn(const char *pw, size_t n, int cost);

#endif
