/*
 * test_sign.c: the license answers' Ed25519 signatures.
 *
 * The signer signs with libsodium from a key OpenSSL read; these cases
 * check that what it makes is plain Ed25519 anyone verifies: RFC 8032's
 * first test vector through the PEM path, and OpenSSL's EVP_DigestVerify
 * over the same bytes for a fresh key and messages of several lengths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "check.h"
#include "sign.h"

/* RFC 8032 section 7.1, TEST 1: its secret key as PKCS#8, and its answers. */
static const char rfc_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
static const char rfc_pub[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";
static const char rfc_sig[] =
    "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVVfuIIVkKM7rMYeOXAc+bRr0lv1"
    "8FlbviRlUUFDjnoQCw==";

static char	dir[] = "/tmp/test_sign.XXXXXX";

static void	test_rfc8032(void);
static void	test_openssl_verifies(void);
static void	test_bad_keys(void);
static int	write_file(const char *, const char *, size_t);
static int	verify(const char *, const void *, size_t, const char *);

static int
write_file(const char *path, const char *s, size_t n)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	rc = fwrite(s, 1, n, f) == n ? 0 : -1;
	if (fclose(f) != 0)
		rc = -1;
	return rc;
}

/* OpenSSL's verdict on the base64 signature b64 of msg under the PEM pub. */
static int
verify(const char *pub, const void *msg, size_t n, const char *b64)
{
	unsigned char	 sig[66];	/* EVP_DecodeBlock counts the padding */
	BIO		*bio;
	EVP_PKEY	*key = NULL;
	EVP_MD_CTX	*ctx = NULL;
	int		 ok = 0;

	if (strlen(b64) != SIGN_B64_LEN - 1 || EVP_DecodeBlock(sig,
	    (const unsigned char *)b64, SIGN_B64_LEN - 1) != sizeof(sig))
		return 0;
	if ((bio = BIO_new_mem_buf(pub, -1)) == NULL)
		return 0;
	if ((key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) == NULL ||
	    (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, key,
	    NULL) != 1)
		goto out;
	ok = EVP_DigestVerify(ctx, sig, 64, msg, n) == 1;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	BIO_free(bio);
	return ok;
}

static void
test_rfc8032(void)
{
	struct signer	*s;
	char		 path[64], sig[SIGN_B64_LEN];

	(void)snprintf(path, sizeof(path), "%s/rfc.pem", dir);
	CHECK(write_file(path, rfc_key, sizeof(rfc_key) - 1) == 0);
	CHECK((s = signer_open(path)) != NULL);
	if (s == NULL)
		return;
	CHECK_STR(signer_public_pem(s), rfc_pub);
	CHECK(signer_sign(s, "", 0, sig) == 0);
	CHECK_STR(sig, rfc_sig);
	CHECK(verify(signer_public_pem(s), "", 0, sig));
	/* Deterministic: the same message, the same signature. */
	memset(sig, 0, sizeof(sig));
	CHECK(signer_sign(s, "", 0, sig) == 0);
	CHECK_STR(sig, rfc_sig);
	signer_close(s);
}

static void
test_openssl_verifies(void)
{
	static const size_t	 lens[] = { 0, 1, 63, 64, 65, 300, 4096 };
	struct signer		*s = NULL;
	EVP_PKEY		*key = NULL;
	FILE			*f = NULL;
	char			 path[64], sig[SIGN_B64_LEN];
	unsigned char		 msg[4096];
	size_t			 i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 31 + 7);
	(void)snprintf(path, sizeof(path), "%s/fresh.pem", dir);
	CHECK((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) != NULL);
	CHECK((f = fopen(path, "w")) != NULL);
	if (key == NULL || f == NULL)
		goto out;
	CHECK(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) == 1);
	CHECK(fclose(f) == 0);
	f = NULL;
	CHECK((s = signer_open(path)) != NULL);
	if (s == NULL)
		goto out;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		CHECK_CASE("%zu bytes", lens[i]);
		CHECK(signer_sign(s, msg, lens[i], sig) == 0);
		CHECK(strlen(sig) == SIGN_B64_LEN - 1);
		CHECK(verify(signer_public_pem(s), msg, lens[i], sig));
		if (lens[i] > 0) {
			/* One bit changed: the signature no longer holds. */
			msg[lens[i] / 2] ^= 1;
			CHECK(!verify(signer_public_pem(s), msg, lens[i],
			    sig));
			msg[lens[i] / 2] ^= 1;
		}
		check_case_end();
	}
	/* JSON as license-check signs it. */
	CHECK(signer_sign(s, "{\"valid\": true}", 15, sig) == 0);
	CHECK(verify(signer_public_pem(s), "{\"valid\": true}", 15, sig));
	CHECK(!verify(rfc_pub, "{\"valid\": true}", 15, sig));
out:
	if (f != NULL)
		fclose(f);
	signer_close(s);
	EVP_PKEY_free(key);
}

static void
test_bad_keys(void)
{
	EVP_PKEY	*key;
	FILE		*f;
	char		 path[64];

	(void)snprintf(path, sizeof(path), "%s/missing.pem", dir);
	CHECK(signer_open(path) == NULL);
	(void)snprintf(path, sizeof(path), "%s/junk.pem", dir);
	CHECK(write_file(path, "not a key\n", 10) == 0);
	CHECK(signer_open(path) == NULL);
	/* A key of another kind is refused, not misread as a seed. */
	(void)snprintf(path, sizeof(path), "%s/x25519.pem", dir);
	CHECK((key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")) != NULL);
	CHECK((f = fopen(path, "w")) != NULL);
	if (key != NULL && f != NULL)
		CHECK(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL,
		    NULL) == 1);
	if (f != NULL)
		fclose(f);
	EVP_PKEY_free(key);
	CHECK(signer_open(path) == NULL);
	/* The public key alone cannot sign. */
	(void)snprintf(path, sizeof(path), "%s/pub.pem", dir);
	CHECK(write_file(path, rfc_pub, sizeof(rfc_pub) - 1) == 0);
	CHECK(signer_open(path) == NULL);
	signer_close(NULL);
}

int
main(void)
{
	static const char	*files[] = { "rfc.pem", "fresh.pem", "junk.pem",
	    "x25519.pem", "pub.pem" };
	char			 path[64];
	size_t			 i;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_rfc8032();
	test_openssl_verifies();
	test_bad_keys();
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
	return check_done();
}
