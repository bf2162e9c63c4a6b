/*
 * login: who is logged in, logging in and out.
 *
 *	GET  /api/v1/session	the CSRF token and who is logged in (JSON)
 *	GET  /login, POST /login	the form and the check of the password
 *	POST /logout	ends the session
 *
 * A wrong password and an unknown login get the same answer, byte for
 * byte, after the same work (one scrypt either way).  A blocked user who
 * gives the right password is told why, in the words of
 * amobill.block_reasons.
 *
 * Besides nginx's limit per address, tries at one account from one
 * address are throttled (sql/013_login_throttle.sql): after a few
 * failures each further try waits, doubling, and is answered 429 without
 * its password being looked at, whether the login is known or not; the
 * right password from another address, or after the wait, goes through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notice.h"
#include "page.h"
#include "server.h"
#include "session.h"
#include "valid.h"

static const struct db_stmt statements[] = {
	/* The user (none: user_id NULL), and the seconds to wait first. */
	{ "login_attempt",
	  "SELECT user_id, password_hash, blocked_reason, reason_text,"
	  "       blocked_since, wait"
	  "  FROM amobill.login_attempt($1, $2::inet)" },
	{ "login_done",
	  "SELECT amobill.login_done($1, $2::inet, $3::boolean)" },
	{ "password_rehash",
	  "UPDATE amobill.users SET password_hash = $2 WHERE id = $1" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = {
	statements, session_statements, NULL
};

/* The columns of login_attempt, in order. */
enum { K_ID, K_HASH, K_REASON, K_REASON_TEXT, K_SINCE, K_WAIT };

/* ---- GET /api/v1/session ---- */

static void
get_session(struct request *req)
{
	struct session	 s;
	char		 csrf[CRYPTO_TOKEN_LEN + 1];
	cJSON		*root, *user;
	int		 in;

	if (csrf_token(req, csrf) == -1 || (in = session_get(req, &s)) ==
	    -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	if ((root = cJSON_CreateObject()) == NULL)
		goto fail;
	cJSON_AddStringToObject(root, "csrf", csrf);
	if (!in)
		cJSON_AddNullToObject(root, "user");
	else if ((user = cJSON_AddObjectToObject(root, "user")) != NULL) {
		cJSON_AddStringToObject(user, "login", s.login);
		cJSON_AddStringToObject(user, "email", s.email);
	}
fail:
	http_send_json(req, 200, root);
}

/* ---- login and logout ---- */

enum { L_LOGIN, L_PASSWORD, L_CSRF, L_NFIELDS };

static const struct form_field login_fields[L_NFIELDS] = {
	[L_LOGIN] =	{ "login", valid_login_or_email, 254, FIELD_REQUIRED },
	[L_PASSWORD] =	{ "password", NULL, 512,
			  FIELD_REQUIRED | FIELD_SECRET },
	[L_CSRF] =	CSRF_FIELD,
};

static void
show_login(struct request *req, int status, const struct form *f,
    const char *message)
{
	struct tmpl_var	vars[] = { { "message", message } };

	page_form(req, status, "Вход", "login.html", f, vars, 1, 0);
}

/* The form, with the notice a redirect here left (notice.h), if any. */
static void
get_login(struct request *req)
{
	struct tmpl_var	vars[] = { { "notice", notice_take(req) } };

	page_form(req, 200, "Вход", "login.html", NULL, vars, 1, 0);
}

struct login_result {
	long long	uid;		/* 0: wrong credentials; -1: no database */
	long		wait;		/* > 0: throttled, seconds to wait */
	int		right;		/* the password was right */
	char		blocked[32];	/* the reason's code, if blocked */
	char		why[512];	/* its text: 200 characters at most */
	char		since[16];
};

/*
 * Checks the credentials from this address, spending one scrypt whether
 * or not they exist, or none while the pair is throttled (out->wait).
 */
static void
authenticate(const char *login, const char *address, const char *pw,
    size_t pwlen, int cost, struct login_result *out)
{
	const char	*p[2] = { login, address };
	char		 hash[PASSWORD_HASH_MAX], *end;
	PGresult	*res;
	int		 ok;

	memset(out, 0, sizeof(*out));
	if ((res = db_exec("login_attempt", 2, p)) == NULL || !db_ok(res) ||
	    PQntuples(res) != 1) {
		PQclear(res);
		out->uid = -1;
		return;
	}
	out->wait = strtol(PQgetvalue(res, 0, K_WAIT), &end, 10);
	if (*end != '\0' || end == PQgetvalue(res, 0, K_WAIT) ||
	    out->wait < 0) {
		out->uid = -1;
		out->wait = 0;
	}
	if (out->uid != 0 || out->wait > 0) {
		PQclear(res);
		return;
	}
	if (PQgetisnull(res, 0, K_ID)) {
		password_burn(pw, pwlen, cost);
		PQclear(res);
		return;
	}
	ok = password_verify(pw, pwlen, PQgetvalue(res, 0, K_HASH));
	out->right = ok == 1;
	if (ok == 1 && (db_text(res, 0, K_REASON, out->blocked,
	    sizeof(out->blocked)) == -1 || db_text(res, 0, K_REASON_TEXT,
	    out->why, sizeof(out->why)) == -1 || db_text(res, 0, K_SINCE,
	    out->since, sizeof(out->since)) == -1)) {
		out->uid = -1;	/* a row that does not fit: answered as 503 */
		ok = 0;
	}
	if (ok == 1)
		out->uid = strtoll(PQgetvalue(res, 0, K_ID), NULL, 10);
	/* Parameters raised since this hash was made: store a new one. */
	if (ok == 1 && password_needs_rehash(PQgetvalue(res, 0, K_HASH),
	    cost) && password_hash(pw, pwlen, cost, hash) == 0) {
		const char *q[2] = { PQgetvalue(res, 0, K_ID), hash };

		PQclear(db_exec("password_rehash", 2, q));
	}
	PQclear(res);
}

/* A blocked user's login: refused, saying why (only to the password's owner). */
static void
refuse_blocked(struct request *req, const struct form *f,
    const struct login_result *lr)
{
	char	 msg[1024];
	cJSON	*o;

	snprintf(msg, sizeof(msg), "Доступ к личному кабинету заблокирован "
	    "%s с %s. Вопросы можно задать по адресу %s.", lr->why,
	    lr->since, req->cfg->support_email);
	if (!req->json) {
		show_login(req, 403, f, msg);
		return;
	}
	if ((o = cJSON_CreateObject()) != NULL) {
		cJSON_AddStringToObject(o, "error", "blocked");
		cJSON_AddStringToObject(o, "reason", lr->blocked);
		cJSON_AddObjectToObject(o, "fields");
		cJSON_AddStringToObject(o, "message", msg);
	}
	http_send_json(req, 403, o);
}

/*
 * A throttled try: 429 with the wait, the same for every login, known or
 * not, and whatever its password.
 */
static void
refuse_throttled(struct request *req, const struct form *f, long wait)
{
	char	msg[256];

	snprintf(msg, sizeof(msg), "Слишком много неудачных попыток входа "
	    "подряд. Подождите %ld с и попробуйте снова.", wait);
	http_header(req, "Retry-After: %ld", wait);
	if (req->json)
		http_error(req, 429, "rate_limited", NULL, msg);
	else
		show_login(req, 429, f, msg);
}

/* The outcome of a try that went ahead, for the throttle. */
static int
login_done(const char *login, const char *address, int right)
{
	const char	*p[3] = { login, address, right ? "true" : "false" };
	PGresult	*res;
	int		 rc;

	res = db_exec("login_done", 3, p);
	rc = res != NULL && db_ok(res) ? 0 : -1;
	PQclear(res);
	return rc;
}

static void
post_login(struct request *req)
{
	static const char	 wrong[] = "Неверный логин или пароль.";
	struct form		 f;
	struct login_result	 lr;
	const char		*address;
	cJSON			*root;
	int			 st;

	st = session_form(req, &f, login_fields, L_NFIELDS, L_CSRF);
	if (st == 422) {
		if (req->json)
			http_error(req, 422, "invalid", &f, NULL);
		else
			show_login(req, 422, &f, NULL);
	}
	if (st != 0)
		goto out;
	address = req->remote_addr[0] != '\0' ? req->remote_addr : NULL;
	authenticate(form_str(&f, L_LOGIN), address, f.v[L_PASSWORD].str,
	    f.v[L_PASSWORD].len, req->cfg->password_cost, &lr);
	if (lr.wait > 0) {
		refuse_throttled(req, &f, lr.wait);
		goto out;
	}
	/* The try stays counted as a failure unless the password was right. */
	if (lr.uid != -1 && login_done(form_str(&f, L_LOGIN), address,
	    lr.right) == -1)
		lr.uid = -1;
	if (lr.uid > 0 && lr.blocked[0] != '\0')
		refuse_blocked(req, &f, &lr);
	else if (lr.uid == -1 || (lr.uid > 0 &&
	    session_start(req, lr.uid) == -1))
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (lr.uid == 0) {
		if (req->json)
			http_error(req, 401, "bad_credentials", NULL, wrong);
		else
			show_login(req, 401, &f, wrong);
	} else if (req->json) {
		root = cJSON_CreateObject();
		if (root != NULL)
			cJSON_AddNumberToObject(root, "user_id",
			    (double)lr.uid);
		http_send_json(req, 200, root);
	} else
		http_redirect(req, "/account");
out:
	form_free(&f);
}

enum { O_CSRF, O_NFIELDS };

static const struct form_field logout_fields[O_NFIELDS] = {
	[O_CSRF] =	CSRF_FIELD,
};

static void
post_logout(struct request *req)
{
	struct form	f;

	if (session_form(req, &f, logout_fields, O_NFIELDS, O_CSRF) != 0)
		goto out;
	if (session_end(req) == -1)
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (req->json)
		http_send_true(req, 200, "logged_out");
	else
		http_redirect(req, "/");
out:
	form_free(&f);
}

SERVER_PROGRAM(.name = "login", .role = "amobill_login",
    .config = CONF_SITE | CONF_FORMS | CONF_PASSWORDS,
    .statements = statement_sets,
    ROUTES(
	{ "/api/v1/session", get_session, NULL, NULL },
	{ "/login", get_login, post_login, NULL },
	{ "/logout", NULL, post_logout, NULL }));
