/*
 * session.c: sessions and the CSRF check of forms; see session.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "reply.h"
#include "session.h"

const struct db_stmt session_statements[] = {
	{ "session_get",
	  "SELECT s.user_id, u.login, u.email"
	  "  FROM amobill.sessions s JOIN amobill.users u ON u.id = s.user_id"
	  " WHERE s.token_hash = decode($1, 'hex') AND s.expires_at > now()"
	  "   AND u.blocked_at IS NULL" },
	{ "session_start",
	  "INSERT INTO amobill.sessions (token_hash, user_id, expires_at)"
	  " VALUES (decode($1, 'hex'), $2,"
	  "         now() + make_interval(days => $3::int))" },
	{ "session_end",
	  "DELETE FROM amobill.sessions WHERE token_hash = decode($1, 'hex')" },
	{ "session_end_others",
	  "DELETE FROM amobill.sessions"
	  " WHERE user_id = $2 AND token_hash <> decode($1, 'hex')" },
	{ NULL, NULL }
};

/* The session cookie's token, if it has the right shape. */
static int
session_cookie(const struct request *req, char *token)
{
	long	n = http_cookie_get(req, SESSION_COOKIE, token,
		    CRYPTO_TOKEN_LEN + 1);

	return n > 0 && crypto_token_shape(token, (size_t)n) ? 0 : -1;
}

int
session_get(struct request *req, struct session *s)
{
	char		 token[CRYPTO_TOKEN_LEN + 1];
	char		 key[2 * CRYPTO_SHA256_LEN + 1];
	const char	*params[1] = { key };
	PGresult	*res;
	int		 rc = 0;

	memset(s, 0, sizeof(*s));
	if (session_cookie(req, token) == -1 || crypto_token_key(token, key) == -1)
		return 0;
	if ((res = db_exec("session_get", 1, params)) == NULL)
		return -1;
	if (!db_ok(res))
		rc = -1;
	else if (PQntuples(res) == 1) {
		s->user_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		rc = db_text(res, 0, 1, s->login, sizeof(s->login)) == 0 &&
		    db_text(res, 0, 2, s->email, sizeof(s->email)) == 0 ? 1 : -1;
	}
	PQclear(res);
	return rc;
}

int
session_require(struct request *req, struct session *s, const char *why)
{
	struct tmpl_var	 vars[] = { { "message", why } };
	int		 in = session_get(req, s);

	if (in == -1)
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (in == 0 && req->json)
		http_error(req, 401, "unauthenticated", NULL, why);
	else if (in == 0)
		page_form(req, 401, "Вход", "login.html", NULL, vars, 1, 0);
	return in == 1;
}

int
session_start(struct request *req, long long user_id)
{
	char		 token[CRYPTO_TOKEN_LEN + 1];
	char		 key[2 * CRYPTO_SHA256_LEN + 1];
	char		 uid[24], days[8];
	const char	*params[3] = { key, uid, days };
	PGresult	*res;
	int		 rc = -1;

	if (crypto_token(token) == -1 || crypto_token_key(token, key) == -1)
		return -1;
	snprintf(uid, sizeof(uid), "%lld", user_id);
	snprintf(days, sizeof(days), "%d", SESSION_DAYS);
	if ((res = db_exec("session_start", 3, params)) == NULL)
		return -1;
	/* The CSRF token changes with the session (csrf.h). */
	if (db_ok(res) && csrf_rotate(req, token) == 0) {
		http_cookie(req, SESSION_COOKIE, token, SESSION_DAYS * 86400L,
		    COOKIE_HTTPONLY);
		rc = 0;
	}
	PQclear(res);
	return rc;
}

int
session_end(struct request *req)
{
	char		 token[CRYPTO_TOKEN_LEN + 1];
	char		 key[2 * CRYPTO_SHA256_LEN + 1];
	const char	*params[1] = { key };
	PGresult	*res;
	int		 rc = 0;

	if (session_cookie(req, token) == 0 && crypto_token_key(token, key) == 0) {
		if ((res = db_exec("session_end", 1, params)) == NULL)
			return -1;
		rc = db_ok(res) ? 0 : -1;
		PQclear(res);
	}
	http_cookie(req, SESSION_COOKIE, "", -1, COOKIE_HTTPONLY);
	/* A new pre-session token: the session's is refused from now on. */
	if (csrf_rotate(req, NULL) == -1)
		rc = -1;
	return rc;
}

int
session_end_others(struct request *req, long long user_id)
{
	char		 token[CRYPTO_TOKEN_LEN + 1];
	char		 key[2 * CRYPTO_SHA256_LEN + 1] = "";
	char		 uid[24];
	const char	*params[2] = { key, uid };
	PGresult	*res;
	int		 rc;

	if (session_cookie(req, token) == 0 && crypto_token_key(token, key) == -1)
		return -1;
	snprintf(uid, sizeof(uid), "%lld", user_id);
	if ((res = db_exec("session_end_others", 2, params)) == NULL)
		return -1;
	rc = db_ok(res) ? 0 : -1;
	PQclear(res);
	return rc;
}

int
session_form(struct request *req, struct form *f,
    const struct form_field *fields, size_t nfields, size_t csrf_field)
{
	int		 st, ok;

	st = http_read_form(req, f, fields, nfields);
	if (st != 0 && st != 422) {
		http_error(req, st, st == 413 ? "too_large" : "invalid", NULL,
		    NULL);
		return st;
	}
	if ((ok = csrf_check(req, form_str(f, csrf_field))) != 1) {
		st = ok == -1 ? 503 : 403;
		http_error(req, st, st == 503 ? "unavailable" : "csrf", NULL,
		    NULL);
	}
	return st;
}
