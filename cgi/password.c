/*
 * password: the links the mailer sends, and what they lead to.
 *
 *	GET  /password/forgot, POST /password/forgot	asks for a reset link
 *	GET  /password/reset, POST /password/reset	sets a new password
 *	GET  /email/verify	confirms the address a link was sent to
 *	GET  /email/undo, POST /email/undo	takes back a change of address
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
	/*
	 * Queues the address, looking nobody up: the same row, the same
	 * work, for a known and an unknown one.  The mailer resolves the
	 * queue (sql/014_reset_requests.sql).
	 */
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
	/*
	 * The links of address mail, by the token's key: each function tells
	 * what came of it (sql/015_email_change.sql).
	 */
	{ "address_confirm",
	  "SELECT amobill.confirm_address(decode($1, 'hex'))" },
	{ "undo_valid",
	  "SELECT amobill.undo_link_valid(decode($1, 'hex'))" },
	{ "undo_change",
	  "SELECT amobill.undo_email_change(decode($1, 'hex'))" },
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
	    req->cfg->password_cost, hash) == -1 || (res = db_exec("reset_password", 2, p)) == NULL ||
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

/* ---- confirming and taking back an address ---- */

/*
 * Runs the named statement of one token key, whose one value says what
 * came of it, into out[size]; -1 (answered 503) if the database fails.
 */
static int
token_outcome(struct request *req, const char *stmt, const char *key,
    char *out, size_t size)
{
	const char	*p[1] = { key };
	PGresult	*res;
	int		 rc = 0;

	if ((res = db_exec(stmt, 1, p)) == NULL || !db_ok(res) ||
	    PQntuples(res) != 1 || db_text(res, 0, 0, out, size) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		rc = -1;
	}
	PQclear(res);
	return rc;
}

/* Another account took the address meanwhile: nothing changed. */
static void
address_taken(struct request *req)
{
	http_error(req, 409, "email_taken", NULL, "Этот адрес тем временем "
	    "стал адресом другой учётной записи, поэтому адрес не изменён. "
	    "Напишите в поддержку.");
}

static void
get_verify(struct request *req)
{
	char	token[CRYPTO_TOKEN_LEN + 1];
	char	key[2 * CRYPTO_SHA256_LEN + 1];
	char	outcome[16] = "bad";

	if (query_token(req, token, key) == 0 && token_outcome(req,
	    "address_confirm", key, outcome, sizeof(outcome)) == -1)
		return;
	if (strcmp(outcome, "confirmed") == 0 || strcmp(outcome, "again") == 0) {
		if (req->json)
			http_send_true(req, 200, "email_verified");
		else
			page_message(req, 200, "Адрес подтверждён",
			    "Спасибо! Адрес электронной почты подтверждён.");
	} else if (strcmp(outcome, "taken") == 0)
		address_taken(req);
	else
		http_error(req, 422, "bad_token", NULL, "Ссылка для "
		    "подтверждения адреса недействительна: она устарела, "
		    "неверна или адрес с тех пор изменён.");
}

static const char bad_undo[] = "Ссылка для возврата адреса "
    "недействительна: она уже использована, устарела или неверна.";

enum { U_TOKEN, U_CSRF, U_NFIELDS };

static const struct form_field undo_fields[U_NFIELDS] = {
	[U_TOKEN] =	{ "token", valid_token, 64,
			  FIELD_REQUIRED | FIELD_SECRET },
	[U_CSRF] =	CSRF_FIELD,
};

/* The page that asks to confirm: following a link changes nothing. */
static void
get_undo(struct request *req)
{
	struct tmpl_var	 vars[1];
	char		 token[CRYPTO_TOKEN_LEN + 1];
	char		 key[2 * CRYPTO_SHA256_LEN + 1];
	char		 valid[2] = "f";

	if (query_token(req, token, key) == 0 && token_outcome(req,
	    "undo_valid", key, valid, sizeof(valid)) == -1)
		return;
	vars[0] = (struct tmpl_var){ "token", token };
	if (strcmp(valid, "t") != 0)
		http_error(req, 422, "bad_token", NULL, bad_undo);
	else if (req->json)
		http_send_true(req, 200, "valid");
	else
		page_form(req, 200, "Вернуть прежний адрес", "undo.html", NULL,
		    vars, 1, 0);
}

static void
post_undo(struct request *req)
{
	struct form	 f;
	char		 key[2 * CRYPTO_SHA256_LEN + 1];
	char		 outcome[16] = "bad";
	int		 st;

	st = session_form(req, &f, undo_fields, U_NFIELDS, U_CSRF);
	if (st != 0 && st != 422)
		goto out;
	if (st == 0 && crypto_token_key(form_str(&f, U_TOKEN), key) == 0 &&
	    token_outcome(req, "undo_change", key, outcome,
	    sizeof(outcome)) == -1)
		goto out;
	if (strcmp(outcome, "restored") == 0 && req->json)
		http_send_true(req, 200, "email_restored");
	else if (strcmp(outcome, "restored") == 0)
		notice_redirect(req, NOTICE_EMAIL_RESTORED, "/login");
	else if (strcmp(outcome, "taken") == 0)
		address_taken(req);
	else
		http_error(req, 422, "bad_token", NULL, bad_undo);
out:
	form_free(&f);
}

SERVER_PROGRAM(.name = "password", .role = "amobill_password",
    .config = CONF_SITE | CONF_FORMS | CONF_PASSWORDS,
    .statements = statement_sets,
    ROUTES(
	{ "/password/forgot", get_forgot, post_forgot, NULL },
	{ "/password/reset", get_reset, post_reset, NULL },
	{ "/email/verify", get_verify, NULL, NULL },
	{ "/email/undo", get_undo, post_undo, NULL }));
