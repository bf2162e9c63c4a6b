/*
 * csrf.h: the CSRF token of the contract (§3): the cookie "csrf"
 * (SameSite=Strict, HttpOnly) that every form carries back in its field
 * "csrf"; session_form() (session.h) compares the two in constant time.
 *
 * Layer rules (lib/web): may use http.h and lib/crypto; the pages use
 * it, so it never uses page.h or reply.h.
 */
#ifndef CSRF_H
#define CSRF_H

#include "crypto.h"
#include "http.h"
#include "valid.h"

/*
 * The request's CSRF token into out (CRYPTO_TOKEN_LEN + 1 bytes): the
 * cookie's if it has the right shape, else a new one whose cookie is set.
 * Returns 0 or -1.
 */
int	csrf_token(struct request *, char *out);

/* The token's field in a form's table (form.h): every form has it. */
#define CSRF_FIELD \
	{ "csrf", valid_token, 64, FIELD_REQUIRED | FIELD_SECRET, NULL }

#endif
