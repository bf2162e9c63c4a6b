/*
 * password: the links the mailer sends, and what they lead to.
 *
 *	GET  /password/forgot, POST /password/forgot	asks for a reset link
 *	GET  /password/reset, POST /password/reset	sets a new password
 *	GET  /email/verify	confirms the address a link was sent to
 *
 * A known and an unknown address asking for a reset link get the same
 * answer after the same work.  The links' tokens are made and mailed by
 * the mailer; only their SHA-256 is stored (docs/mail.md).
 */
#include <stdio.h>
#include <string.h>

#include "notice.h"
#include "page.h"
#include "server.h"
#include "session.h"
#include "valid.h"

static const struct db_stmt statements[] = {
	/* Same statement, same work, for a known and an unknown address. */
	{ "reset_request",
	  "SELECT amobill.request_password_reset($1)" },
	/* A token is good for the address it was sent to, if still the user's. */
	{ "reset_check",
	  "SELECT t.user_id FROM amobill.mail_tokens t"
	  "  JOIN amobill.users u ON u.id = t.user_id"
	  " WHERE t.token_hash = decode($1, 'hex')"
	  "   AND t.purpose = 'password_reset' AND t.used_at IS NULL"
	  "   AND t.expires_at > now() AND u.email = t.email" },
	/*
	 * Uses the token (once: a second statement finds it used), sets the
	 * password, retires the user's other reset links and ends every
	 * session.  The mail reached the address, so it is confirmed.
	 */
	{ "reset_password",
	  "WITH t AS ("
	  "  UPDATE amobill.mail_tokens t SET used_at = now()"
	  "    FROM amobill.users u"
	  "   WHERE u.id = t.user_id AND t.token_hash = decode($1, 'hex')"
	  "     AND t.purpose = 'password_reset' AND t.used_at IS NULL"
	  "     AND t.expires_at > now() AND u.email = t.email"
	  "  RETURNING t.user_id),"
	  " u AS ("
	  "  UPDATE amobill.users u SET password_hash = $2, updated_at = now(),"
	  "         email_verified_at = coalesce(u.email_verified_at, now())"
	  "    FROM t WHERE u.id = t.user_id RETURNING u.id),"
	  " o AS ("
	  "  UPDATE amobill.mail_tokens SET used_at = now()"
	  "   WHERE user_id IN (SELECT id FROM u)"
	  "     AND purpose = 'password_reset' AND used_at IS NULL"
	  "     AND token_hash <> decode($1, 'hex')),"
	  " s AS (DELETE FROM amobill.sessions"
	  "   WHERE user_id IN (SELECT id FROM u))"
	  " SELECT id FROM u" },
	{ "email_verify",
	  "WITH t AS ("
	  "  UPDATE amobill.mail_tokens t SET used_at = now()"
	  "    FROM amobill.users u"
	  "   WHERE u.id = t.user_id AND t.token_hash = decode($1, 'hex')"
	  "     AND t.purpose = 'verify_email' AND t.used_at IS NULL"
	  "     AND t.expires_at > now() AND u.email = t.email"
	  "  RETURNING t.user_id)"
	  " UPDATE amobill.users u"
	  "    SET email_verified_at = coalesce(u.email_verified_at, now())"
	  "   FROM t WHERE u.id = t.user_id RETURNING u.id" },
	/* A link followed again after it confirmed the address. */
	{ "email_verified",
	  "SELECT 1 FROM amobill.mail_tokens t"
	  "  JOIN amobill.users u ON u.id = t.user_id"
	  " WHERE t.token_hash = decode($1, 'hex')"
	  "   AND t.purpose = 'verify_email' AND u.email = t.email"
	  "   AND u.email_verified_at IS NOT NULL" },
	{ NULL, NULL }
};

/* No session is looked up here: these pages are the same for everyone. */
static const struct db_stmt *const statement_sets[] = { statements, NULL };

/*
 * The token of the request's query into token[CRYPTO_TOKEN_LEN + 1] and
 * its key; -1 if there is none of the right shape.
 */
static int
query_token(const struct request *req, char *token, char *key)
{
	size_t	n = form_query(req->query, "token", token,
		    CRYPTO_TOKEN_LEN + 1);

	if (n == (size_t)-1 || !crypto_token_shape(token, n))
		return -1;
	return crypto_token_key(token, key);
}

/* ---- asking for a link ---- */

enum { P_EMAIL, P_CSRF, P_NFIELDS };

static const struct form_field forgot_fields[P_NFIELDS] = {
	[P_EMAIL] =	{ "email", valid_email, 254, FIELD_REQUIRED },
	[P_CSRF] =	CSRF_FIELD,
};

static void
show_forgot(struct request *req, int status, const struct form *f,
    const char *message)
{
	struct tmpl_var	vars[] = { { "message", message } };

	page_form(req, status, "Восстановление пароля", "forgot.html", f,
	    vars, 1, 0);
}

static void
get_forgot(struct request *req)
{
	show_forgot(req, 200, NULL, NULL);
}

static void
post_forgot(struct request *req)
{
	struct form	 f;
	const char	*p[1];
	PGresult	*res;
	int		 st;

	st = session_form(req, &f, forgot_fields, P_NFIELDS, P_CSRF);
	if (st == 422) {
		if (req->json)
			http_error(req, 422, "invalid", &f, NULL);
		else
			show_forgot(req, 422, &f, NULL);
	}
	if (st != 0)
		goto out;
	p[0] = form_str(&f, P_EMAIL);
	if ((res = db_exec("reset_request", 1, p)) == NULL || !db_ok(res))
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (req->json)
		http_send_true(req, 202, "accepted");
	else
		notice_redirect(req, NOTICE_RESET_SENT, "/login");
	PQclear(res);
out:
	form_free(&f);
}

/* ---- setting a new password ---- */

static const char bad_link[] = "Ссылка для смены пароля недействительна: "
    "она уже использована, устарела или неверна. Запросите новую.";

/* A used, expired or unknown reset link: 422, and the form for a new one. */
static void
bad_reset_token(struct request *req)
{
	if (req->json)
		http_error(req, 422, "bad_token", NULL, bad_link);
	else
		show_forgot(req, 422, NULL, bad_link);
}

/* 1 if the reset token (by its key) is usable, 0 if not, -1: no database. */
static int
reset_token_ok(const char *key)
{
	const char	*p[1] = { key };
	PGresult	*res;
	int		 rc;

	if ((res = db_exec("reset_check", 1, p)) == NULL || !db_ok(res))
		rc = -1;
	else
		rc = PQntuples(res) == 1;
	PQclear(res);
	return rc;
}

enum { N_TOKEN, N_NEW_PASSWORD, N_CSRF, N_NFIELDS };

static const struct form_field reset_fields[N_NFIELDS] = {
	[N_TOKEN] =		{ "token", valid_token, 64,
				  FIELD_REQUIRED | FIELD_SECRET },
	[N_NEW_PASSWORD] =	{ "new_password", valid_password, 512,
				  FIELD_REQUIRED | FIELD_SECRET },
	[N_CSRF] =		CSRF_FIELD,
};

static void
show_reset(struct request *req, int status, const struct form *f,
    const char *token)
{
	struct tmpl_var	vars[] = { { "token", token } };

	page_form(req, status, "Новый пароль", "reset.html", f, vars, 1, 0);
}

static void
get_reset(struct request *req)
{
	char	token[CRYPTO_TOKEN_LEN + 1];
	char	key[2 * CRYPTO_SHA256_LEN + 1];
	int	ok = 0;

	if (query_token(req, token, key) == 0)
		ok = reset_token_ok(key);
	if (ok == -1)
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (ok == 0)
		bad_reset_token(req);
	else if (req->json)
		http_send_true(req, 200, "valid");
	else
		show_reset(req, 200, NULL, token);
}

static void
post_reset(struct request *req)
{
	struct form	 f;
	char		 key[2 * CRYPTO_SHA256_LEN + 1];
	char		 hash[PASSWORD_HASH_MAX];
	const char	*token, *p[2] = { key, hash };
	PGresult	*res = NULL;
	int		 st, ok = 0;

	st = session_form(req, &f, reset_fields, N_NFIELDS, N_CSRF);
	if (st != 0 && st != 422)
		goto out;
	/* The link first: a bad one is bad_token whatever the password. */
	if ((token = form_str(&f, N_TOKEN)) != NULL &&
	    crypto_token_key(token, key) == 0)
		ok = reset_token_ok(key);
	if (ok == -1)
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (ok == 0)
		bad_reset_token(req);
	else if (st == 422 && req->json)
		http_error(req, 422, "invalid", &f, NULL);
	else if (st == 422)
		show_reset(req, 422, &f, token);
	if (ok != 1 || st != 0)
		goto out;
	if (password_hash(f.v[N_NEW_PASSWORD].str, f.v[N_NEW_PASSWORD].len,
	    hash) == -1 || (res = db_exec("reset_password", 2, p)) == NULL ||
	    !db_ok(res))
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (PQntuples(res) != 1)
		/* Used by a request that came at the same time. */
		bad_reset_token(req);
	else if (req->json)
		http_send_true(req, 200, "password_changed");
	else
		notice_redirect(req, NOTICE_PASSWORD_CHANGED, "/login");
out:
	PQclear(res);
	form_free(&f);
}

/* ---- confirming the address ---- */

/* Shows that the address is confirmed. */
static void
verified(struct request *req)
{
	if (req->json)
		http_send_true(req, 200, "email_verified");
	else
		page_message(req, 200, "Адрес подтверждён",
		    "Спасибо! Адрес электронной почты подтверждён.");
}

static void
get_verify(struct request *req)
{
	char		 token[CRYPTO_TOKEN_LEN + 1];
	char		 key[2 * CRYPTO_SHA256_LEN + 1];
	const char	*p[1] = { key };
	PGresult	*res = NULL, *again = NULL;

	if (query_token(req, token, key) == -1)
		goto bad;
	if ((res = db_exec("email_verify", 1, p)) == NULL || !db_ok(res)) {
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	if (PQntuples(res) == 1) {
		verified(req);
		goto out;
	}
	if ((again = db_exec("email_verified", 1, p)) == NULL ||
	    !db_ok(again)) {
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	if (PQntuples(again) == 1) {
		verified(req);
		goto out;
	}
bad:
	http_error(req, 422, "bad_token", NULL, "Ссылка для подтверждения "
	    "адреса недействительна: она устарела, неверна или адрес с тех пор "
	    "изменён.");
out:
	PQclear(res);
	PQclear(again);
}

SERVER_PROGRAM(.name = "password", .role = "amobill_password",
    .statements = statement_sets,
    ROUTES(
	{ "/password/forgot", get_forgot, post_forgot, NULL },
	{ "/password/reset", get_reset, post_reset, NULL },
	{ "/email/verify", get_verify, NULL, NULL }));
