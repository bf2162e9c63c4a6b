/*
 * test_crypto.c: tokens, SHA-256, constant-time comparison and the scrypt
 * password hashes.
 *
 * Each hash with today's parameters (ln=17) costs about half a second and
 * 128 MiB, so the test makes two and verifies three times; the other
 * cases use ln=14 hashes made here with OpenSSL directly, which also
 * checks that the stored format is plain scrypt anyone could recompute.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "base64.h"
#include "check.h"
#include "crypto.h"

#define PW	"correct horse 1"

static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int	make_hash(char *, size_t, const char *, size_t, int,
		    size_t);
static void	test_random(void);
static void	test_token(void);
static void	test_token_shape(void);
static void	test_sha256(void);
static void	test_hmac(void);
static void	test_equal(void);
static void	test_hash(void);
static void	test_rfc7914(void);
static void	test_weaker(void);
static void	test_malformed(void);
static void	test_needs_rehash(void);

/*
 * Builds "$scrypt$ln=<ln>,r=8,p=1$<salt>$<key>" the long way: scrypt from
 * OpenSSL, base64url without padding from base64.c.
 */
static int
make_hash(char *out, size_t outsz, const char *pw, size_t n, int ln,
    size_t keylen)
{
	static const unsigned char	salt[16] = "0123456789abcdef";
	unsigned char			key[64];
	char				s64[B64_LEN(16)], k64[B64_LEN(64)];
	int				w;

	if (keylen > sizeof(key) ||
	    EVP_PBE_scrypt(pw, n, salt, sizeof(salt), (uint64_t)1 << ln, 8, 1,
	    0, key, keylen) != 1)
		return -1;
	if (b64url_encode(s64, sizeof(s64), salt, sizeof(salt)) ==
	    (size_t)-1 ||
	    b64url_encode(k64, sizeof(k64), key, keylen) == (size_t)-1)
		return -1;
	w = snprintf(out, outsz, "$scrypt$ln=%d,r=8,p=1$%s$%s", ln, s64, k64);
	return w > 0 && (size_t)w < outsz ? 0 : -1;
}

static void
test_random(void)
{
	unsigned char	a[32], b[32], zero[32];

	memset(zero, 0, sizeof(zero));
	CHECK(crypto_random(a, sizeof(a)) == 0);
	CHECK(crypto_random(b, sizeof(b)) == 0);
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(memcmp(a, zero, sizeof(a)) != 0);
	CHECK(crypto_random(a, 0) == 0);
}

/* 43 characters of base64url, a different one every time. */
static void
test_token(void)
{
	char	a[CRYPTO_TOKEN_LEN + 1], b[CRYPTO_TOKEN_LEN + 1];
	int	i, differ = 1;

	CHECK(crypto_token(a) == 0);
	CHECK(strlen(a) == CRYPTO_TOKEN_LEN);
	CHECK(strspn(a, url_alphabet) == CRYPTO_TOKEN_LEN);
	CHECK(crypto_token_shape(a, strlen(a)));
	CHECK(crypto_token(b) == 0);
	CHECK(strcmp(a, b) != 0);

	/* A few more, each of the right shape and unlike the one before. */
	for (i = 0; i < 100; i++) {
		memcpy(b, a, sizeof(a));
		CHECK(crypto_token(a) == 0);
		if (!crypto_token_shape(a, strlen(a)) || strcmp(a, b) == 0)
			differ = 0;
	}
	CHECK(differ);
}

static void
test_token_shape(void)
{
	char	t[CRYPTO_TOKEN_LEN + 2];

	CHECK(crypto_token(t) == 0);
	CHECK(crypto_token_shape(t, CRYPTO_TOKEN_LEN));
	/* 42 and 44 characters. */
	CHECK(!crypto_token_shape(t, CRYPTO_TOKEN_LEN - 1));
	t[CRYPTO_TOKEN_LEN] = 'A';
	t[CRYPTO_TOKEN_LEN + 1] = '\0';
	CHECK(!crypto_token_shape(t, CRYPTO_TOKEN_LEN + 1));
	CHECK(!crypto_token_shape("", 0));
	/* A byte outside the alphabet anywhere. */
	t[CRYPTO_TOKEN_LEN] = '\0';
	t[10] = '.';
	CHECK(!crypto_token_shape(t, CRYPTO_TOKEN_LEN));
	t[10] = '\0';
	CHECK(!crypto_token_shape(t, CRYPTO_TOKEN_LEN));
	/* All zero bytes is a shape like any other; a stray bit is not. */
	memset(t, 'A', CRYPTO_TOKEN_LEN);
	CHECK(crypto_token_shape(t, CRYPTO_TOKEN_LEN));
	t[CRYPTO_TOKEN_LEN - 1] = 'B';
	CHECK(!crypto_token_shape(t, CRYPTO_TOKEN_LEN));
	t[CRYPTO_TOKEN_LEN - 1] = 'E';
	CHECK(crypto_token_shape(t, CRYPTO_TOKEN_LEN));
}

/* FIPS 180-2 vectors. */
static void
test_sha256(void)
{
	static const unsigned char abc[CRYPTO_SHA256_LEN] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
		0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
		0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	static const unsigned char empty[CRYPTO_SHA256_LEN] = {
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
		0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
		0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c,
		0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};
	static const unsigned char two_blocks[CRYPTO_SHA256_LEN] = {
		0x24, 0x8d, 0x6a, 0x61, 0xd2, 0x06, 0x38, 0xb8,
		0xe5, 0xc0, 0x26, 0x93, 0x0c, 0x3e, 0x60, 0x39,
		0xa3, 0x3c, 0xe4, 0x59, 0x64, 0xff, 0x21, 0x67,
		0xf6, 0xec, 0xed, 0xd4, 0x19, 0xdb, 0x06, 0xc1,
	};
	static const char msg[] =
	    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	unsigned char	out[CRYPTO_SHA256_LEN];

	CHECK(crypto_sha256("abc", 3, out) == 0);
	CHECK(memcmp(out, abc, sizeof(out)) == 0);
	CHECK(crypto_sha256("", 0, out) == 0);
	CHECK(memcmp(out, empty, sizeof(out)) == 0);
	CHECK(crypto_sha256(msg, sizeof(msg) - 1, out) == 0);
	CHECK(memcmp(out, two_blocks, sizeof(out)) == 0);
	/* The length counts, not a NUL. */
	CHECK(crypto_sha256("abc\0", 4, out) == 0);
	CHECK(memcmp(out, abc, sizeof(out)) != 0);
}

/* RFC 4231's test cases 2 and 6 (a key longer than a block). */
static void
test_hmac(void)
{
	static const unsigned char jefe[CRYPTO_SHA256_LEN] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e,
		0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83,
		0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};
	static const unsigned char long_key[CRYPTO_SHA256_LEN] = {
		0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f,
		0x0d, 0x8a, 0x26, 0xaa, 0xcb, 0xf5, 0xb7, 0x7f,
		0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28, 0xc5, 0x14,
		0x05, 0x46, 0x04, 0x0f, 0x0e, 0xe3, 0x7f, 0x54,
	};
	static const char msg[] =
	    "Test Using Larger Than Block-Size Key - Hash Key First";
	unsigned char	key[131], out[CRYPTO_SHA256_LEN];
	int		i;

	/* Twice: the second call reuses what the first looked up. */
	for (i = 0; i < 2; i++) {
		CHECK(crypto_hmac_sha256("Jefe", 4, "what do ya want for nothing?",
		    28, out) == 0);
		CHECK(memcmp(out, jefe, sizeof(out)) == 0);
	}
	memset(key, 0xaa, sizeof(key));
	CHECK(crypto_hmac_sha256(key, sizeof(key), msg, sizeof(msg) - 1,
	    out) == 0);
	CHECK(memcmp(out, long_key, sizeof(out)) == 0);
}

static void
test_equal(void)
{
	CHECK(crypto_equal("abcdef", "abcdef", 6));
	CHECK(!crypto_equal("abcdef", "abcdeg", 6));
	CHECK(!crypto_equal("abcdef", "bbcdef", 6));
	/* Only n bytes are compared, past a NUL too. */
	CHECK(crypto_equal("abcX", "abcY", 3));
	CHECK(!crypto_equal("a\0b", "a\0c", 3));
	CHECK(crypto_equal("x", "y", 0));
}

/*
 * Today's hash: the format, a fresh salt each time, and a verify that
 * tells the password from others.  Two hashes and three verifies at
 * ln=17: about 2.5 s.
 */
static void
test_hash(void)
{
	static const char	 prefix[] = "$scrypt$ln=17,r=8,p=1$";
	char			 h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];
	const char		*salt, *key;
	unsigned char		 raw[64];

	CHECK(password_hash(PW, strlen(PW), PASSWORD_COST, h1) == 0);
	CHECK(strncmp(h1, prefix, sizeof(prefix) - 1) == 0);
	/* 16 bytes of salt and 32 of key, base64url without padding. */
	salt = h1 + sizeof(prefix) - 1;
	key = strchr(salt, '$');
	CHECK(key != NULL);
	if (key != NULL) {
		CHECK(key - salt == 22);
		CHECK(b64url_decode(raw, sizeof(raw), salt,
		    (size_t)(key - salt)) == 16);
		key++;
		CHECK(strlen(key) == 43);
		CHECK(strspn(key, url_alphabet) == 43);
		CHECK(b64url_decode(raw, sizeof(raw), key, strlen(key)) == 32);
	}
	CHECK(strlen(h1) == sizeof(prefix) - 1 + 22 + 1 + 43);
	CHECK(strlen(h1) < PASSWORD_HASH_MAX);

	/* The same password twice: two salts, two hashes. */
	CHECK(password_hash(PW, strlen(PW), PASSWORD_COST, h2) == 0);
	CHECK(strcmp(h1, h2) != 0);

	CHECK(password_verify(PW, strlen(PW), h1) == 1);
	CHECK(password_verify(PW, strlen(PW), h2) == 1);
	CHECK(password_verify("correct horse 2", strlen(PW), h1) == 0);

	CHECK(password_needs_rehash(h1, PASSWORD_COST) == 0);
	CHECK(password_needs_rehash(h2, PASSWORD_COST) == 0);
}

/*
 * RFC 7914 §12, the N = 16384 vector, written as a stored hash: proves
 * that verify decodes the salt and key and runs real scrypt.
 */
static void
test_rfc7914(void)
{
	static const char stored[] = "$scrypt$ln=14,r=8,p=1$"
	    "U29kaXVtQ2hsb3JpZGU$"	/* "SodiumChloride" */
	    "cCO9yzr9c0hGHAbNgf046_2o-7qQT44-qbVD9lRdofLVQylVYT8Pz2LUlwUkKpr5"
	    "5h6F3A1lHkDfzwF7RVdYhw";

	CHECK(password_verify("pleaseletmein", 13, stored) == 1);
	CHECK(password_verify("pleaseletmeim", 13, stored) == 0);
	CHECK(password_verify("pleaseletmein", 12, stored) == 0);
	/* A 64-byte key is as strong as today's 32 bytes; ln=14 is not. */
	CHECK(password_needs_rehash(stored, PASSWORD_COST) == 1);
}

/*
 * A hash made with weaker parameters still logs the user in, and says
 * it wants redoing, so the next login can store a stronger one.
 */
static void
test_weaker(void)
{
	char	h[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	CHECK(make_hash(h, sizeof(h), PW, strlen(PW), 14, 32) == 0);
	CHECK(strncmp(h, "$scrypt$ln=14,r=8,p=1$", 22) == 0);
	CHECK(password_verify(PW, strlen(PW), h) == 1);
	CHECK(password_verify("correct horse", 13, h) == 0);
	CHECK(password_verify("", 0, h) == 0);
	CHECK(password_needs_rehash(h, PASSWORD_COST) == 1);
	/* A test stack's cost (config password_cost) is the measure there. */
	CHECK(password_needs_rehash(h, 14) == 0);
	CHECK(password_hash(PW, strlen(PW), 14, h2) == 0);
	CHECK(strncmp(h2, "$scrypt$ln=14,r=8,p=1$", 22) == 0);
	CHECK(password_verify(PW, strlen(PW), h2) == 1);
	CHECK(password_hash(PW, strlen(PW), PASSWORD_COST_MIN - 1, h2) == -1);
	CHECK(password_hash(PW, strlen(PW), PASSWORD_COST_MAX + 1, h2) == -1);

	/* The length given is the password, NUL bytes and all. */
	CHECK(make_hash(h2, sizeof(h2), "pass\0word", 9, 14, 32) == 0);
	CHECK(password_verify("pass\0word", 9, h2) == 1);
	CHECK(password_verify("pass", 4, h2) == 0);
	CHECK(password_verify("pass\0wore", 9, h2) == 0);

	/* A key shorter than today's is weaker too. */
	CHECK(make_hash(h2, sizeof(h2), PW, strlen(PW), 14, 16) == 0);
	CHECK(password_verify(PW, strlen(PW), h2) == 1);
	CHECK(password_needs_rehash(h2, PASSWORD_COST) == 1);
}

/*
 * A stored hash that is not one: -1, never 1, and never a long scrypt
 * run on parameters a tampered row asks for.
 */
static void
test_malformed(void)
{
	static const char *const bad_params[] = {
		"$scrypt$ln=99,r=8,p=1$", "$scrypt$ln=21,r=8,p=1$",
		"$scrypt$ln=9,r=8,p=1$", "$scrypt$ln=-1,r=8,p=1$",
		"$scrypt$ln=14,r=0,p=1$", "$scrypt$ln=14,r=17,p=1$",
		"$scrypt$ln=14,r=8,p=0$", "$scrypt$ln=14,r=8,p=5$",
		"$scrypt$ln=14,r=8$", "$bcrypt$ln=14,r=8,p=1$",
	};
	static const char *const garbage[] = {
		"", "garbage", "$scrypt$", "$scrypt$ln=14,r=8,p=1$",
		"$2b$12$abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW",
	};
	char	h[PASSWORD_HASH_MAX], t[PASSWORD_HASH_MAX * 2];
	char	forged[7][PASSWORD_HASH_MAX * 2];
	char	*key;
	size_t	i, n;

	if (make_hash(h, sizeof(h), PW, strlen(PW), 14, 32) == -1) {
		CHECK(!"make_hash failed");
		return;
	}
	key = strrchr(h, '$') + 1;

	/* Not a hash of ours at all. */
	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		CHECK_CASE("stored hash \"%s\"", garbage[i]);
		CHECK(password_verify(PW, strlen(PW), garbage[i]) == -1);
	}
	/* Parameters out of bounds: too costly, or too weak to be ours. */
	for (i = 0; i < sizeof(bad_params) / sizeof(bad_params[0]); i++) {
		snprintf(t, sizeof(t), "%s%s", bad_params[i], key - 23);
		CHECK_CASE("stored hash \"%s\"", t);
		CHECK(password_verify(PW, strlen(PW), t) == -1);
	}

	/*
	 * Salt or key missing, badly encoded or too short (a 3-byte salt,
	 * a 15-byte key), or a byte outside base64url in the salt.
	 */
	n = 0;
	snprintf(forged[n++], sizeof(forged[0]), "$scrypt$ln=14,r=8,p=1$%s",
	    key);
	snprintf(forged[n++], sizeof(forged[0]), "%.*s", (int)(key - h), h);
	snprintf(forged[n++], sizeof(forged[0]), "%s=", h);
	snprintf(forged[n++], sizeof(forged[0]), "%s$x", h);
	snprintf(forged[n++], sizeof(forged[0]),
	    "$scrypt$ln=14,r=8,p=1$AAAA$%s", key);
	snprintf(forged[n++], sizeof(forged[0]), "%.*sAAAAAAAAAAAAAAAAAAAA",
	    (int)(key - h), h);
	snprintf(forged[n], sizeof(forged[0]), "%s", h);
	forged[n++][30] = '*';
	for (i = 0; i < n; i++) {
		CHECK_CASE("stored hash \"%s\"", forged[i]);
		CHECK(password_verify(PW, strlen(PW), forged[i]) == -1);
	}
	check_case_end();

	/* Whatever is malformed wants rehashing. */
	CHECK(password_needs_rehash("", PASSWORD_COST) == 1);
	CHECK(password_needs_rehash("garbage", PASSWORD_COST) == 1);
	snprintf(t, sizeof(t), "$scrypt$ln=99,r=8,p=1$%s", key - 23);
	CHECK(password_needs_rehash(t, PASSWORD_COST) == 1);
}

/* The parameters alone decide; no scrypt runs for these. */
static void
test_needs_rehash(void)
{
	static const char salt[] = "MDEyMzQ1Njc4OWFiY2RlZg";	/* 16 bytes */
	static const char key[] =				/* 32 bytes */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	char	t[PASSWORD_HASH_MAX];

	snprintf(t, sizeof(t), "$scrypt$ln=17,r=8,p=1$%s$%s", salt, key);
	CHECK(password_needs_rehash(t, PASSWORD_COST) == 0);
	/* Stronger than today's: nothing to redo. */
	snprintf(t, sizeof(t), "$scrypt$ln=18,r=8,p=1$%s$%s", salt, key);
	CHECK(password_needs_rehash(t, PASSWORD_COST) == 0);
	snprintf(t, sizeof(t), "$scrypt$ln=17,r=16,p=2$%s$%s", salt, key);
	CHECK(password_needs_rehash(t, PASSWORD_COST) == 0);
	/* Weaker in any one parameter. */
	snprintf(t, sizeof(t), "$scrypt$ln=16,r=8,p=1$%s$%s", salt, key);
	CHECK(password_needs_rehash(t, PASSWORD_COST) == 1);
	snprintf(t, sizeof(t), "$scrypt$ln=17,r=4,p=1$%s$%s", salt, key);
	CHECK(password_needs_rehash(t, PASSWORD_COST) == 1);
	snprintf(t, sizeof(t), "$scrypt$ln=17,r=8,p=1$%s$%s", salt,
	    "AAAAAAAAAAAAAAAAAAAAAA");				/* 16 bytes */
	CHECK(password_needs_rehash(t, PASSWORD_COST) == 1);
}

int
main(void)
{
	test_random();
	test_token();
	test_token_shape();
	test_sha256();
	test_hmac();
	test_equal();
	test_hash();
	test_rfc7914();
	test_weaker();
	test_malformed();
	test_needs_rehash();
	return check_done();
}
