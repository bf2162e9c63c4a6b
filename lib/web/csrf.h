/*
 * csrf.h: the CSRF token of the contract (§3), bound to the session.
 *
 * Every form carries the token in its field "csrf"; GET /api/v1/session
 * and every page hand it out.  What the token is depends on the request:
 *
 *  - With a session cookie, the token is HMAC-SHA256(K, "session" ||
 *    the session's token), base64url: only the holder of that session can
 *    know it, and it changes with the session.  A "csrf" cookie is not
 *    trusted here: whatever it holds, the field must equal this value.
 *  - Before a session, the token is 16 random bytes and the first 16 bytes
 *    of HMAC-SHA256(K, "pre-session" || them), base64url (43 characters, the
 *    shape of every token).  It lives in the cookie "csrf" (SameSite=Strict,
 *    HttpOnly), and the field must equal the cookie and carry a valid
 *    signature: a cookie planted with a value of the attacker's choosing
 *    is refused.
 *
 * The "csrf" cookie always carries the current token (clients may read
 * it; the contract says to ask GET /api/v1/session): session_start() and
 * session_end() (session.h) set it anew, so the token changes at login,
 * registration and logout and the old one is refused from then on.  A
 * cookie name sent twice counts as absent (http.h), and under https the
 * cookies are "__Host-csrf" and "__Host-session", which neither a sibling
 * subdomain nor a plain-http page can plant.
 *
 * The key K is derived once per process from the configuration's
 * csrf_secret (HMAC-SHA256 keyed with it): a secret of its own, shared by
 * the programs that make or check forms, so a token made by one passes
 * in another, and never the license signing key, which those programs
 * must not hold (contract §2).  Without it, every page with a form and
 * every form answers 503 (and a line says why).  A new secret (and a
 * restart) ends every open form's token: the person reloads the page.
 *
 * Layer rules (lib/web): may use http.h, lib/base and lib/crypto (and,
 * as lib/rules does, OpenSSL's MAC); the pages use it, so it never uses
 * page.h or reply.h.
 */
#ifndef CSRF_H
#define CSRF_H

#include "crypto.h"
#include "http.h"
#include "valid.h"

#define CSRF_COOKIE	"csrf"
#define SESSION_COOKIE	"session"

/*
 * The request's CSRF token into out (CRYPTO_TOKEN_LEN + 1 bytes), setting
 * the "csrf" cookie when it does not hold it already.  Returns 0 or -1.
 */
int	csrf_token(struct request *, char *out);

/*
 * 1 iff sent (NUL-terminated, or NULL) is the request's current token, 0
 * if not, -1 if the key cannot be had.
 */
int	csrf_check(struct request *, const char *sent);

/*
 * A session began with the token session (NULL: it ended): sets the
 * "csrf" cookie to the new token.  Returns 0 or -1.
 */
int	csrf_rotate(struct request *, const char *session);

/* The token's field in a form's table (form.h): every form has it. */
#define CSRF_FIELD \
	{ "csrf", valid_token, 64, FIELD_REQUIRED | FIELD_SECRET, NULL }

#endif
