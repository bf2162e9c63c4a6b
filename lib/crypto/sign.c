/*
 * sign.c: Ed25519 with OpenSSL 3.0; see sign.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base64.h"
#include "log.h"
#include "sign.h"

struct signer {
	EVP_PKEY	*key;
	EVP_MD_CTX	*ctx;
	char		 pem[SIGN_PEM_MAX];
};

struct signer *
signer_open(const char *path)
{
	struct signer	*s;
	FILE		*f = NULL;
	BIO		*bio = NULL;
	char		*p;
	long		 n;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((f = fopen(path, "r")) == NULL ||
	    (s->key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL ||
	    EVP_PKEY_get_id(s->key) != EVP_PKEY_ED25519) {
		log_msg("license_signing_key: cannot load an Ed25519 private "
		    "key from %s", path);
		goto fail;
	}
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PUBKEY(bio, s->key) != 1 ||
	    (n = BIO_get_mem_data(bio, &p)) <= 0 || n >= SIGN_PEM_MAX ||
	    (s->ctx = EVP_MD_CTX_new()) == NULL)
		goto fail;
	memcpy(s->pem, p, (size_t)n);
	s->pem[n] = '\0';
	BIO_free(bio);
	fclose(f);
	return s;
fail:
	BIO_free(bio);
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
	EVP_MD_CTX_free(s->ctx);
	EVP_PKEY_free(s->key);
	free(s);
}

int
signer_sign(struct signer *s, const void *msg, size_t n, char *out)
{
	unsigned char	sig[64];
	size_t		len = sizeof(sig);

	/* Ed25519 signs the message itself: no digest, one shot. */
	if (EVP_DigestSignInit_ex(s->ctx, NULL, NULL, NULL, NULL, s->key,
	    NULL) != 1 || EVP_DigestSign(s->ctx, sig, &len, msg, n) != 1 ||
	    len != sizeof(sig))
		return -1;
	return b64_encode(out, SIGN_B64_LEN, sig, len) == (size_t)-1 ? -1 : 0;
}

const char *
signer_public_pem(const struct signer *s)
{
	return s->pem;
}
