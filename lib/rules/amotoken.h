/*
 * amotoken.h: amoCRM's disposable token, the JWT that amoCRM adds as
 * X-Auth-Token to a widget's $authorizedAjax() request, and the only
 * source of which account is asking.
 *
 * A token is accepted only if: it has three base64url parts within the
 * size limits; its header names HS256 (nothing else, never "none"); its
 * HMAC-SHA256 with the integration's secret (or, during a rotation, the
 * previous one) matches, compared in constant time; aud equals the
 * configured audience and client_uuid the integration's id; iat and nbf
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

enum amotoken_result {
	AMOTOKEN_OK,
	AMOTOKEN_INVALID,	/* malformed, badly signed, wrongly addressed */
	AMOTOKEN_EXPIRED,	/* well signed, but exp has passed */
};

struct amotoken {
	long long	account_id;
	char		subdomain[64];
	char		host[AMO_HOST_MAX];	/* from iss */
	long long	exp;
};

struct amotoken_keys {
	const char	*secret;
	const char	*previous;	/* or NULL */
	const char	*audience;
	const char	*client_uuid;
};

/*
 * Verifies token[0..n) at time now.  On AMOTOKEN_OK fills t; otherwise
 * *why says what was wrong (a short English phrase, no token content).
 */
enum amotoken_result amotoken_verify(const char *token, size_t n,
	    const struct amotoken_keys *, time_t now, struct amotoken *t,
	    const char **why);

#endif
