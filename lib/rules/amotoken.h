/*
 * amotoken.h: amoCRM's disposable token, the JWT that amoCRM adds as
 * X-Auth-Token to a widget's $authorizedAjax() request, and the only
 * source of which account is asking.
 *
 * Every widget is an amoCRM integration of its own, with its own secret
 * and audience, and a token says whose it is only in its client_uuid: so
 * the caller first reads that claim unverified (amotoken_client_uuid),
 * picks the integration by it, and then verifies the whole token with
 * that integration's keys (amotoken_verify), which checks the claim again
 * once the signature holds.  A server opens the token once for both
 * (amotoken_open, amotoken_claimed_uuid, amotoken_check).
 *
 * A token is accepted only if: it has three base64url parts within the
 * size limits; its header names HS256 (nothing else, never "none"); its
 * HMAC-SHA256 with the integration's secret (or, during a rotation, the
 * previous one) matches, compared in constant time; aud equals the
 * integration's audience and client_uuid the integration's id; iat and nbf
 * are not in the future and exp not in the past, each with at most
 * AMOTOKEN_SKEW seconds of leeway; account_id is a positive number (or a
 * numeric string); subdomain is an account name and iss the same
 * account's address on amoCRM or Kommo.
 *
 * Layer rules (lib/rules): may use lib/base and lib/crypto (and cJSON);
 * pure functions over untrusted bytes: no I/O, no configuration, no
 * database, no web.
 */
#ifndef AMOTOKEN_H
#define AMOTOKEN_H

#include <stddef.h>
#include <time.h>

#include "amohost.h"

#define AMOTOKEN_MAX	4096	/* longest token accepted, in bytes */
#define AMOTOKEN_SKEW	60	/* seconds of clock difference allowed */
#define AMOTOKEN_UUID_MAX 37	/* a client_uuid, 8-4-4-4-12 hex, and NUL */

enum amotoken_result {
	AMOTOKEN_OK,
	AMOTOKEN_INVALID,	/* malformed, badly signed, wrongly addressed */
	AMOTOKEN_EXPIRED,	/* well signed, but exp has passed */
};

struct amotoken {
	long long	account_id;
	char		subdomain[64];
	char		host[AMO_HOST_MAX];	/* from iss */
	long long	user_id;		/* the amoCRM user; 0 if none */
	long long	exp;
};

struct amotoken_keys {
	const char	*secret;
	const char	*previous;	/* or NULL */
	const char	*audience;
	const char	*client_uuid;
};

/*
 * A token split at its dots and its header and payload decoded and
 * parsed, once: the caller reads the claimed client_uuid and then checks
 * the token, without decoding it twice.  Nothing in it is trusted until
 * amotoken_check() says so.  tok is the caller's, and must outlive it.
 */
struct cJSON;
struct amotoken_parts {
	const char	*tok;
	size_t		 n;
	const char	*dot1, *dot2;
	struct cJSON	*head, *body;	/* NULL: that part is not JSON */
};

/*
 * Opens token[0..n): 0, or -1 if it is not three parts within
 * AMOTOKEN_MAX bytes.  Close it either way.
 */
int	amotoken_open(struct amotoken_parts *, const char *token, size_t n);
void	amotoken_close(struct amotoken_parts *);

/* amotoken_client_uuid() of an opened token. */
int	amotoken_claimed_uuid(const struct amotoken_parts *,
	    char uuid[AMOTOKEN_UUID_MAX]);

/* amotoken_verify() of an opened token. */
enum amotoken_result amotoken_check(const struct amotoken_parts *,
	    const struct amotoken_keys *, time_t now, struct amotoken *t,
	    const char **why);

/*
 * The client_uuid that token[0..n) claims, NOT verified: good only for
 * choosing the keys to verify it with.  Looks at the payload alone (the
 * token must still have three parts within AMOTOKEN_MAX bytes), and takes
 * a client_uuid only in its canonical form, lower-case hex 8-4-4-4-12, as
 * amoCRM and PostgreSQL write it.  Returns 0 with it in uuid, or -1 (uuid
 * then "").
 */
int	amotoken_client_uuid(const char *token, size_t n,
	    char uuid[AMOTOKEN_UUID_MAX]);

/*
 * Verifies token[0..n) at time now.  On AMOTOKEN_OK fills t; otherwise
 * *why says what was wrong (a short English phrase, no token content).
 */
enum amotoken_result amotoken_verify(const char *token, size_t n,
	    const struct amotoken_keys *, time_t now, struct amotoken *t,
	    const char **why);

#endif
