/*
 * session.h: logins, sessions and CSRF protection.
 *
 * A session is a random token in the cookie "session" (HttpOnly,
 * SameSite=Lax; "__Host-session" under https); the database keeps only
 * its SHA-256, so a stolen database does not log anyone in.  Every form's
 * field "csrf" must carry the request's CSRF token, which is bound to the
 * session (csrf.h): starting or ending a session gives a new one, and the
 * answer of such a request is a redirect or JSON, never a form (whose
 * token would be the old session's).
 *
 * Layer rules (lib/web): the top of the web layer: may use every other
 * file of it, lib/db and lib/crypto; never lib/rt.
 */
#ifndef SESSION_H
#define SESSION_H

#include "crypto.h"
#include "csrf.h"
#include "db.h"
#include "form.h"
#include "http.h"

#define SESSION_DAYS	30

struct session {
	long long	user_id;
	char		login[33];
	char		email[255];
};

/* The statements this module runs; programs that use it list them. */
extern const struct db_stmt session_statements[];

/*
 * Looks up the request's session.  Returns 1 and fills s if logged in,
 * 0 if not, -1 if the database is unavailable.
 */
int	session_get(struct request *, struct session *s);

/*
 * session_get() for a page or action that needs a logged-in user.
 * Returns 1 with s filled; or, having answered, 0: 401 (JSON
 * "unauthenticated", or the login form telling the person why, e.g.
 * "Войдите, чтобы оформить подписку.") or 503.
 */
int	session_require(struct request *, struct session *s, const char *why);

/* Starts a session for the user and sets its cookie.  Returns 0 or -1. */
int	session_start(struct request *, long long user_id);

/* Ends the request's session (if any) and clears the cookie. */
int	session_end(struct request *);

/* Ends every session of the user but the request's own.  Returns 0 or -1. */
int	session_end_others(struct request *, long long user_id);

/*
 * Reads a POST form whose field csrf_field carries the CSRF token.
 * Returns 0 if the token matches and every field is valid; 422 if the
 * token matches but fields are invalid (the caller shows the form again);
 * or, having answered already, another status: 403 for a missing or wrong
 * token, 413, 415 or 400 for a body that is not an acceptable form, 503
 * if the CSRF key cannot be had.
 * The form must be released with form_free() in every case.
 */
int	session_form(struct request *, struct form *,
	    const struct form_field *, size_t nfields, size_t csrf_field);

#endif
