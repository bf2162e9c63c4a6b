/*
 * csrf.c: CSRF tokens bound to the session; see csrf.h.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base64.h"
#include "csrf.h"
#include "log.h"

#define PRE_RANDOM	16	/* the random half of a pre-session token */
#define PRE_MAC		(CRYPTO_TOKEN_BYTES - PRE_RANDOM)

static unsigned char	csrf_key[CRYPTO_SHA256_LEN];
static int		csrf_key_ready;

/* HMAC-SHA256 of label, a NUL and msg[0..n), keyed with key[0..keylen). */
static int
mac(const void *key, size_t keylen, const char *label, const void *msg,
    size_t n, unsigned char *out)
{
	unsigned char	in[64 + CRYPTO_TOKEN_LEN];
	size_t		l = strlen(label) + 1;
	int		rc;

	if (l + n > sizeof(in))
		return -1;
	memcpy(in, label, l);
	if (n > 0)
		memcpy(in + l, msg, n);
	rc = EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, keylen, in,
	    l + n, out, CRYPTO_SHA256_LEN, NULL) != NULL ? 0 : -1;
	OPENSSL_cleanse(in, sizeof(in));
	return rc;
}

/* K from the configuration's csrf_secret, once per process. */
static int
key_load(const struct config *cfg)
{
	if (csrf_key_ready)
		return 0;
	if (cfg->csrf_secret == NULL) {
		log_msg("config: missing key csrf_secret (forms answer 503)");
		return -1;
	}
	if (mac(cfg->csrf_secret, strlen(cfg->csrf_secret), "amobill csrf key",
	    NULL, 0, csrf_key) == -1)
		return -1;
	csrf_key_ready = 1;
	return 0;
}

/* The token of the session whose cookie holds session. */
static int
bound_token(const char *session, char *out)
{
	unsigned char	h[CRYPTO_SHA256_LEN];
	int		rc;

	rc = mac(csrf_key, sizeof(csrf_key), "session", session,
	    strlen(session), h) == 0 && b64url_encode(out,
	    CRYPTO_TOKEN_LEN + 1, h, sizeof(h)) == CRYPTO_TOKEN_LEN ? 0 : -1;
	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

/* A new pre-session token. */
static int
pre_new(char *out)
{
	unsigned char	raw[CRYPTO_TOKEN_BYTES], h[CRYPTO_SHA256_LEN];
	int		rc = -1;

	if (crypto_random(raw, PRE_RANDOM) == 0 && mac(csrf_key,
	    sizeof(csrf_key), "pre-session", raw, PRE_RANDOM, h) == 0) {
		memcpy(raw + PRE_RANDOM, h, PRE_MAC);
		if (b64url_encode(out, CRYPTO_TOKEN_LEN + 1, raw,
		    sizeof(raw)) == CRYPTO_TOKEN_LEN)
			rc = 0;
	}
	OPENSSL_cleanse(h, sizeof(h));
	return rc;
}

/* 1 iff tok[0..n) is a pre-session token this site signed. */
static int
pre_valid(const char *tok, size_t n)
{
	unsigned char	raw[CRYPTO_TOKEN_BYTES], h[CRYPTO_SHA256_LEN];

	if (n != CRYPTO_TOKEN_LEN ||
	    b64url_decode(raw, sizeof(raw), tok, n) != sizeof(raw) ||
	    mac(csrf_key, sizeof(csrf_key), "pre-session", raw, PRE_RANDOM,
	    h) == -1)
		return 0;
	return crypto_equal(raw + PRE_RANDOM, h, PRE_MAC);
}

/* The session cookie's token into s, if there is one of the right shape. */
static int
session_of(const struct request *req, char *s)
{
	long	n = http_cookie_get(req, SESSION_COOKIE, s,
		    CRYPTO_TOKEN_LEN + 1);

	return n > 0 && crypto_token_shape(s, (size_t)n);
}

static void
set_cookie(struct request *req, const char *tok)
{
	http_cookie(req, CSRF_COOKIE, tok, 0, COOKIE_HTTPONLY | COOKIE_STRICT);
}

int
csrf_token(struct request *req, char *out)
{
	char	s[CRYPTO_TOKEN_LEN + 1], cookie[CRYPTO_TOKEN_LEN + 1];
	long	n;

	if (key_load(req->cfg) == -1)
		return -1;
	n = http_cookie_get(req, CSRF_COOKIE, cookie, sizeof(cookie));
	if (session_of(req, s)) {
		if (bound_token(s, out) == -1)
			return -1;
		if (n != CRYPTO_TOKEN_LEN ||
		    !crypto_equal(cookie, out, CRYPTO_TOKEN_LEN))
			set_cookie(req, out);
		return 0;
	}
	if (n > 0 && pre_valid(cookie, (size_t)n)) {
		memcpy(out, cookie, CRYPTO_TOKEN_LEN + 1);
		return 0;
	}
	if (pre_new(out) == -1)
		return -1;
	set_cookie(req, out);
	return 0;
}

int
csrf_check(struct request *req, const char *sent)
{
	char	s[CRYPTO_TOKEN_LEN + 1], want[CRYPTO_TOKEN_LEN + 1];
	long	n;

	if (key_load(req->cfg) == -1)
		return -1;
	if (sent == NULL || strlen(sent) != CRYPTO_TOKEN_LEN)
		return 0;
	if (session_of(req, s))
		return bound_token(s, want) == -1 ? -1 :
		    crypto_equal(want, sent, CRYPTO_TOKEN_LEN);
	n = http_cookie_get(req, CSRF_COOKIE, want, sizeof(want));
	return n == CRYPTO_TOKEN_LEN &&
	    crypto_equal(want, sent, CRYPTO_TOKEN_LEN) &&
	    pre_valid(want, (size_t)n);
}

int
csrf_rotate(struct request *req, const char *session)
{
	char	tok[CRYPTO_TOKEN_LEN + 1];

	if (key_load(req->cfg) == -1 || (session != NULL ?
	    bound_token(session, tok) : pre_new(tok)) == -1)
		return -1;
	set_cookie(req, tok);
	return 0;
}
