/*
 * sign.c: Ed25519 signatures; see sign.h.
 *
 * OpenSSL reads the operator's PEM key once, at start-up; libsodium signs,
 * because its crypto_sign_detached costs about half of OpenSSL 3.0's
 * EVP_DigestSign for the same signature (Ed25519 is deterministic: both
 * give the same bytes for the same key and message).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include "base64.h"
#include "log.h"
#include "sign.h"

struct signer {
	unsigned char	 sk[crypto_sign_SECRETKEYBYTES];
	char		 pem[SIGN_PEM_MAX];
};

/*
 * The public key as PEM, from the private key: OpenSSL writes the
 * SubjectPublicKeyInfo exactly as before, so the published key is the same.
 */
static int
public_pem(EVP_PKEY *key, char *out)
{
	BIO	*bio;
	char	*p;
	long	 n;
	int	 rc = -1;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return -1;
	if (PEM_write_bio_PUBKEY(bio, key) != 1 ||
	    (n = BIO_get_mem_data(bio, &p)) <= 0 || n >= SIGN_PEM_MAX)
		goto out;
	memcpy(out, p, (size_t)n);
	out[n] = '\0';
	rc = 0;
out:
	BIO_free(bio);
	return rc;
}

struct signer *
signer_open(const char *path)
{
	struct signer	*s;
	FILE		*f = NULL;
	EVP_PKEY	*key = NULL;
	unsigned char	 seed[crypto_sign_SEEDBYTES];
	unsigned char	 pk[crypto_sign_PUBLICKEYBYTES];
	size_t		 len = sizeof(seed);

	/* Idempotent: 1 when already done, 0 the first time, -1 on error. */
	if (sodium_init() == -1) {
		log_msg("libsodium failed to start");
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((f = fopen(path, "r")) == NULL ||
	    (key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL ||
	    EVP_PKEY_get_id(key) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_private_key(key, seed, &len) != 1 ||
	    len != sizeof(seed)) {
		log_msg("license_signing_key: cannot load an Ed25519 private "
		    "key from %s", path);
		goto fail;
	}
	/* RFC 8032's private key is the seed; libsodium's is seed || public. */
	if (crypto_sign_seed_keypair(pk, s->sk, seed) != 0 ||
	    public_pem(key, s->pem) == -1)
		goto fail;
	OPENSSL_cleanse(seed, sizeof(seed));
	EVP_PKEY_free(key);
	fclose(f);
	return s;
fail:
	OPENSSL_cleanse(seed, sizeof(seed));
	EVP_PKEY_free(key);
	if (f != NULL)
		fclose(f);
	signer_close(s);
	return NULL;
}

void
signer_close(struct signer *s)
{
	if (s == NULL)
		return;
	sodium_memzero(s->sk, sizeof(s->sk));
	free(s);
}

int
signer_sign(struct signer *s, const void *msg, size_t n, char *out)
{
	unsigned char		sig[crypto_sign_BYTES];
	unsigned long long	len;

	/* Ed25519 signs the message itself: no digest, one shot. */
	if (crypto_sign_detached(sig, &len, msg, n, s->sk) != 0 ||
	    len != sizeof(sig))
		return -1;
	return b64_encode(out, SIGN_B64_LEN, sig, sizeof(sig)) == (size_t)-1 ?
	    -1 : 0;
}

const char *
signer_public_pem(const struct signer *s)
{
	return s->pem;
}
