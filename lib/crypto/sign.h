/*
 * sign.h: Ed25519 signatures of license answers.
 *
 * The private key is a PEM file (the config's license_signing_key); the
 * public key is published (PEM, SubjectPublicKeyInfo) so that widgets and
 * anyone else can verify an answer without trusting the transport.
 *
 * The key file is read once, by signer_open (OpenSSL parses the PEM); its
 * 32-byte seed becomes a libsodium key pair, which signs: the seed is wiped
 * at once, the secret key by signer_close.  signer_sign does no allocation
 * and no I/O.
 *
 * Layer rules (lib/crypto): may use lib/base, OpenSSL and libsodium; never
 * I/O beyond reading a key file, never the configuration, the database or
 * the web.
 */
#ifndef SIGN_H
#define SIGN_H

#include <stddef.h>

#define SIGN_B64_LEN	89	/* base64 of 64 bytes, with the NUL */
#define SIGN_PEM_MAX	512

struct signer;

/* Loads the private key.  Returns NULL (with a log line) on failure. */
struct signer	*signer_open(const char *pem_path);

void		 signer_close(struct signer *);

/* The base64 signature of msg[0..n) into out[SIGN_B64_LEN].  0 or -1. */
int		 signer_sign(struct signer *, const void *msg, size_t n,
		    char *out);

/* The public key as PEM (NUL-terminated, at most SIGN_PEM_MAX). */
const char	*signer_public_pem(const struct signer *);

#endif
