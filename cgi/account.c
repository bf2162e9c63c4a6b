/*
 * account: logins and the personal cabinet, and the published documents.
 *
 *	GET  /api/v1/session	the CSRF token and who is logged in (JSON)
 *	GET  /login, POST /login, POST /logout
 *	GET  /account, POST /account	the cabinet; profile and password
 *	GET  /offer, GET /payment-policy	the texts in force
 *	GET  /password/forgot, POST /password/forgot	asks for a reset link
 *	GET  /password/reset, POST /password/reset	sets a new password
 *	GET  /email/verify	confirms the address a link was sent to
 *
 * A wrong password and an unknown login get the same answer, byte for
 * byte, after the same work (one scrypt either way).  So do a known and an
 * unknown address asking for a reset link.  The links' tokens are made
 * and mailed by the mailer; only their SHA-256 is stored (docs/mail.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "page.h"
#include "server.h"
#include "session.h"
#include "valid.h"

static const struct db_stmt statements[] = {
	{ "login_lookup",
	  "SELECT id, password_hash, blocked_reason,"
	  "       to_char(blocked_at AT TIME ZONE 'Asia/Almaty', 'DD.MM.YYYY')"
	  "  FROM amobill.users WHERE login = $1 OR email = $1" },
	{ "user_get",
	  "SELECT id, login, email, full_name, status, address, iin_bin,"
	  "       password_hash"
	  "  FROM amobill.users WHERE id = $1" },
	{ "user_update",
	  "UPDATE amobill.users SET email = coalesce($2, email),"
	  "       full_name = coalesce($3, full_name),"
	  "       status = coalesce($4, status),"
	  "       address = coalesce($5, address),"
	  "       iin_bin = coalesce($6, iin_bin),"
	  "       password_hash = coalesce($7, password_hash),"
	  "       updated_at = now()"
	  " WHERE id = $1" },
	{ "password_rehash",
	  "UPDATE amobill.users SET password_hash = $2 WHERE id = $1" },
	{ "user_licenses",
	  "SELECT a.host, CASE p.kind WHEN 'trial' THEN 'trial' ELSE 'paid' END,"
	  "       p.inv_id, to_json(p.starts_at) #>> '{}',"
	  "       to_json(least(p.ends_at, p.revoked_at)) #>> '{}',"
	  "       CASE WHEN p.revoked_at <= now() AND now() < p.ends_at"
	  "            THEN 'suspended'"
	  "            WHEN now() < p.starts_at THEN 'future'"
	  "            WHEN now() < p.ends_at THEN 'active'"
	  "            ELSE 'expired' END,"
	  "       to_char(p.starts_at AT TIME ZONE 'Asia/Almaty', 'DD.MM.YYYY'),"
	  "       to_char(least(p.ends_at, p.revoked_at) AT TIME ZONE"
	  "           'Asia/Almaty', 'DD.MM.YYYY')"
	  "  FROM amobill.license_periods p JOIN amobill.amo_accounts a"
	  "    ON a.id = p.account_id"
	  " WHERE p.account_id IN (SELECT account_id FROM amobill.orders"
	  "                         WHERE user_id = $1)"
	  " ORDER BY a.host, p.starts_at" },
	{ "user_orders",
	  "SELECT o.inv_id, o.plan_code, a.host, o.amount_tiyn, o.status,"
	  "       to_json(o.created_at) #>> '{}', to_json(o.paid_at) #>> '{}',"
	  "       to_char(o.created_at AT TIME ZONE 'Asia/Almaty', 'DD.MM.YYYY'),"
	  "       EXISTS (SELECT FROM amobill.refunds r WHERE r.inv_id = o.inv_id"
	  "               AND r.status <> 'rejected')"
	  "  FROM amobill.orders o JOIN amobill.amo_accounts a"
	  "    ON a.id = o.account_id"
	  " WHERE o.user_id = $1 ORDER BY o.inv_id DESC" },
	{ "user_refunds",
	  "SELECT r.id, r.inv_id, r.amount_tiyn, r.status,"
	  "       to_json(r.requested_at) #>> '{}',"
	  "       CASE WHEN r.status IN ('approved', 'paid') THEN"
	  "           to_json(r.decided_at + interval '14 days') #>> '{}' END,"
	  "       to_char(r.requested_at AT TIME ZONE 'Asia/Almaty', 'DD.MM.YYYY'),"
	  "       CASE WHEN r.status = 'approved' THEN"
	  "           to_char((r.decided_at + interval '14 days') AT TIME ZONE"
	  "           'Asia/Almaty', 'DD.MM.YYYY') END"
	  "  FROM amobill.refunds r WHERE r.user_id = $1 ORDER BY r.id DESC" },
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
	{ "document_current",
	  "SELECT version, body, to_char(published_at AT TIME ZONE"
	  "       'Asia/Almaty', 'DD.MM.YYYY')"
	  "  FROM amobill.current_documents WHERE kind = $1" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = {
	statements, session_statements, NULL
};

/* The columns of user_get, in order. */
enum {
	U_ID, U_LOGIN, U_EMAIL, U_FULL_NAME, U_STATUS, U_ADDRESS, U_IIN_BIN,
	U_PASSWORD_HASH, U_NCOLS
};

/* Fetches the user's row; NULL if the database is unavailable. */
static PGresult *
user_get(long long uid)
{
	char		 id[24];
	const char	*p[1] = { id };
	PGresult	*res;

	snprintf(id, sizeof(id), "%lld", uid);
	if ((res = db_exec("user_get", 1, p)) != NULL &&
	    (!db_ok(res) || PQntuples(res) != 1)) {
		PQclear(res);
		res = NULL;
	}
	return res;
}

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
	[L_CSRF] =	{ "csrf", valid_token, 64,
			  FIELD_REQUIRED | FIELD_SECRET },
};

static void
show_login(struct request *req, int status, const struct form *f,
    const char *message)
{
	struct tmpl_var	vars[] = { { "message", message } };

	page_form(req, status, "Вход", "login.html", f, vars, 1, 0);
}

/*
 * What the login page tells a browser sent there after a reset request
 * or a new password: a short-lived cookie names the notice, never data.
 */
static const struct { const char *code, *text; } notices[] = {
	{ "reset_sent", "Если этот адрес зарегистрирован, на него отправлено "
	  "письмо со ссылкой для смены пароля. Ссылка действует один час." },
	{ "password_changed", "Пароль изменён. Войдите с новым паролем." },
};

static void
get_login(struct request *req)
{
	const char	*text = NULL;
	char		 code[24];
	size_t		 i;

	if (http_cookie_get(req, "notice", code, sizeof(code)) > 0) {
		for (i = 0; i < sizeof(notices) / sizeof(notices[0]); i++)
			if (strcmp(notices[i].code, code) == 0)
				text = notices[i].text;
		http_cookie(req, "notice", "", -1, COOKIE_HTTPONLY);
	}
	{
		struct tmpl_var vars[] = { { "notice", text } };

		page_form(req, 200, "Вход", "login.html", NULL, vars, 1, 0);
	}
}

/* Sends a browser to the login page with a notice. */
static void
redirect_login(struct request *req, const char *notice)
{
	http_cookie(req, "notice", notice, 300, COOKIE_HTTPONLY);
	http_redirect(req, "/login");
}

struct login_result {
	long long	uid;		/* 0: wrong credentials; -1: no database */
	char		blocked[32];	/* the reason, if blocked */
	char		since[16];
};

/* Checks the credentials, spending one scrypt whether or not they exist. */
static void
authenticate(const char *login, const char *pw, size_t pwlen,
    struct login_result *out)
{
	const char	*p[1] = { login };
	char		 hash[PASSWORD_HASH_MAX];
	PGresult	*res;
	int		 ok;

	memset(out, 0, sizeof(*out));
	if ((res = db_exec("login_lookup", 1, p)) == NULL || !db_ok(res)) {
		PQclear(res);
		out->uid = -1;
		return;
	}
	if (PQntuples(res) != 1) {
		password_burn(pw, pwlen);
		PQclear(res);
		return;
	}
	ok = password_verify(pw, pwlen, PQgetvalue(res, 0, 1));
	if (ok == 1) {
		out->uid = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(out->blocked, sizeof(out->blocked), "%s",
		    PQgetvalue(res, 0, 2));
		snprintf(out->since, sizeof(out->since), "%s",
		    PQgetvalue(res, 0, 3));
	}
	/* Parameters raised since this hash was made: store a new one. */
	if (ok == 1 && password_needs_rehash(PQgetvalue(res, 0, 1)) &&
	    password_hash(pw, pwlen, hash) == 0) {
		const char *q[2] = { PQgetvalue(res, 0, 0), hash };

		PQclear(db_exec("password_rehash", 2, q));
	}
	PQclear(res);
}

/* A blocked user's login: refused, saying why (only to the password's owner). */
static void
refuse_blocked(struct request *req, const struct form *f,
    const struct login_result *lr)
{
	char	 msg[512];
	cJSON	*o;

	snprintf(msg, sizeof(msg), "Доступ к личному кабинету заблокирован "
	    "%s с %s. Вопросы можно задать по адресу %s.",
	    block_reason_text(lr->blocked), lr->since, req->cfg->support_email);
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

static void
post_login(struct request *req)
{
	static const char	 wrong[] = "Неверный логин или пароль.";
	struct form		 f;
	struct login_result	 lr;
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
	authenticate(form_str(&f, L_LOGIN), f.v[L_PASSWORD].str,
	    f.v[L_PASSWORD].len, &lr);
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
	[O_CSRF] = { "csrf", valid_token, 64, FIELD_REQUIRED | FIELD_SECRET },
};

static void
post_logout(struct request *req)
{
	struct form	 f;
	cJSON		*root;

	if (session_form(req, &f, logout_fields, O_NFIELDS, O_CSRF) != 0)
		goto out;
	if (session_end(req) == -1)
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (req->json) {
		root = cJSON_CreateObject();
		if (root != NULL)
			cJSON_AddTrueToObject(root, "logged_out");
		http_send_json(req, 200, root);
	} else
		http_redirect(req, "/");
out:
	form_free(&f);
}

/* ---- the cabinet ---- */

enum {
	A_EMAIL, A_FULL_NAME, A_STATUS, A_ADDRESS, A_IIN_BIN, A_NEW_PASSWORD,
	A_CURRENT_PASSWORD, A_CSRF, A_NFIELDS
};

static const struct form_field account_fields[A_NFIELDS] = {
	[A_EMAIL] =		{ "email", valid_email, 254, 0 },
	[A_FULL_NAME] =		{ "full_name", valid_full_name, 800, 0 },
	[A_STATUS] =		{ "status", valid_status, 16, 0 },
	[A_ADDRESS] =		{ "address", valid_address, 1200, 0 },
	[A_IIN_BIN] =		{ "iin_bin", valid_iin_bin, 32, 0 },
	[A_NEW_PASSWORD] =	{ "new_password", valid_password, 512,
				  FIELD_SECRET },
	[A_CURRENT_PASSWORD] =	{ "current_password", NULL, 512,
				  FIELD_SECRET },
	[A_CSRF] =		{ "csrf", valid_token, 64,
				  FIELD_REQUIRED | FIELD_SECRET },
};

/* The user's licenses and orders (columns of user_licenses, user_orders). */
struct cabinet {
	PGresult	*licenses;
	PGresult	*orders;
	PGresult	*refunds;
};

enum { L_HOST, L_KIND, L_INV, L_STARTS, L_ENDS, L_STATUS, L_STARTS_DAY,
    L_ENDS_DAY };
enum { O_INV, O_PLAN, O_HOST, O_AMOUNT, O_STATUS, O_CREATED, O_PAID,
    O_CREATED_DAY, O_REFUND_OPEN };
enum { R_ID, R_INV, R_AMOUNT, R_STATUS, R_REQUESTED, R_DEADLINE,
    R_REQUESTED_DAY, R_DEADLINE_DAY };

static void
cabinet_free(struct cabinet *cab)
{
	PQclear(cab->licenses);
	PQclear(cab->orders);
	PQclear(cab->refunds);
}

/* Loads the lists.  Returns 0, or -1 if the database is unavailable. */
static int
cabinet_load(const PGresult *u, struct cabinet *cab)
{
	const char	*p[1] = { PQgetvalue(u, 0, U_ID) };

	cab->licenses = db_exec("user_licenses", 1, p);
	cab->orders = db_exec("user_orders", 1, p);
	cab->refunds = db_exec("user_refunds", 1, p);
	if (cab->licenses == NULL || !db_ok(cab->licenses) ||
	    cab->orders == NULL || !db_ok(cab->orders) ||
	    cab->refunds == NULL || !db_ok(cab->refunds)) {
		cabinet_free(cab);
		return -1;
	}
	return 0;
}

/* A text column as a JSON string, or null for SQL NULL. */
static void
add_text(cJSON *o, const char *name, const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddStringToObject(o, name, PQgetvalue(r, row, col));
}

static void
add_number(cJSON *o, const char *name, const PGresult *r, int row, int col)
{
	if (PQgetisnull(r, row, col))
		cJSON_AddNullToObject(o, name);
	else
		cJSON_AddNumberToObject(o, name,
		    (double)strtoll(PQgetvalue(r, row, col), NULL, 10));
}

static void
lists_json(cJSON *root, const struct cabinet *cab)
{
	cJSON	*list, *o;
	char	 amount[MONEY_TEXT];
	int	 i;

	if ((list = cJSON_AddArrayToObject(root, "licenses")) != NULL)
		for (i = 0; i < PQntuples(cab->licenses); i++) {
			if ((o = cJSON_CreateObject()) == NULL)
				break;
			cJSON_AddItemToArray(list, o);
			add_text(o, "amo_domain", cab->licenses, i, L_HOST);
			add_text(o, "kind", cab->licenses, i, L_KIND);
			add_number(o, "inv_id", cab->licenses, i, L_INV);
			add_text(o, "starts_at", cab->licenses, i, L_STARTS);
			add_text(o, "ends_at", cab->licenses, i, L_ENDS);
			add_text(o, "status", cab->licenses, i, L_STATUS);
		}
	if ((list = cJSON_AddArrayToObject(root, "orders")) != NULL)
		for (i = 0; i < PQntuples(cab->orders); i++) {
			if ((o = cJSON_CreateObject()) == NULL)
				break;
			cJSON_AddItemToArray(list, o);
			add_number(o, "inv_id", cab->orders, i, O_INV);
			add_text(o, "plan", cab->orders, i, O_PLAN);
			add_text(o, "amo_domain", cab->orders, i, O_HOST);
			money_format(strtoll(PQgetvalue(cab->orders, i,
			    O_AMOUNT), NULL, 10), amount);
			cJSON_AddStringToObject(o, "amount", amount);
			add_text(o, "status", cab->orders, i, O_STATUS);
			add_text(o, "created_at", cab->orders, i, O_CREATED);
			add_text(o, "paid_at", cab->orders, i, O_PAID);
		}
	if ((list = cJSON_AddArrayToObject(root, "refunds")) != NULL)
		for (i = 0; i < PQntuples(cab->refunds); i++) {
			if ((o = cJSON_CreateObject()) == NULL)
				break;
			cJSON_AddItemToArray(list, o);
			add_number(o, "refund_id", cab->refunds, i, R_ID);
			add_number(o, "inv_id", cab->refunds, i, R_INV);
			money_format(strtoll(PQgetvalue(cab->refunds, i,
			    R_AMOUNT), NULL, 10), amount);
			cJSON_AddStringToObject(o, "amount", amount);
			add_text(o, "status", cab->refunds, i, R_STATUS);
			add_text(o, "requested_at", cab->refunds, i,
			    R_REQUESTED);
			add_text(o, "payout_deadline", cab->refunds, i,
			    R_DEADLINE);
		}
}

static const char *
status_text(const char *status)
{
	static const struct { const char *code, *text; } names[] = {
		{ "active", "действует" }, { "expired", "истекла" },
		{ "future", "начнётся позже" }, { "suspended", "приостановлена" },
		{ "unpaid", "не оплачен" }, { "paid", "оплачен" },
		{ "refunded", "возвращён" }, { "paid_kind", "оплаченная" },
		{ "trial", "пробная" }, { "pending", "на рассмотрении" },
		{ "approved", "одобрен, ожидает выплаты" },
		{ "rejected", "отклонён" }, { "paid_refund", "выплачен" },
	};
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i].code, status) == 0)
			return names[i].text;
	return status;
}

/* The lists as HTML tables, escaped, for the cabinet page. */
static void
lists_html(struct buf *lic, struct buf *ord, struct buf *ref,
    const struct cabinet *cab)
{
	const char	*st;
	char	amount[MONEY_TEXT];
	int	i;

	for (i = 0; i < PQntuples(cab->licenses); i++) {
		buf_adds(lic, "<tr><td data-label=\"Аккаунт amoCRM\">");
		html_escapes(lic, PQgetvalue(cab->licenses, i, L_HOST));
		buf_adds(lic, "</td><td data-label=\"Вид\">");
		html_escapes(lic, status_text(strcmp(PQgetvalue(cab->licenses,
		    i, L_KIND), "paid") == 0 ? "paid_kind" : "trial"));
		buf_adds(lic, "</td><td data-label=\"Период\">");
		html_escapes(lic, PQgetvalue(cab->licenses, i, L_STARTS_DAY));
		buf_adds(lic, " – ");
		html_escapes(lic, PQgetvalue(cab->licenses, i, L_ENDS_DAY));
		buf_adds(lic, "</td><td data-label=\"Состояние\" class=\"status-");
		html_escapes(lic, PQgetvalue(cab->licenses, i, L_STATUS));
		buf_adds(lic, "\">");
		html_escapes(lic, status_text(PQgetvalue(cab->licenses, i,
		    L_STATUS)));
		buf_adds(lic, "</td></tr>\n");
	}
	if (PQntuples(cab->licenses) == 0)
		buf_adds(lic, "<tr><td colspan=\"4\">Лицензий пока нет.</td></tr>\n");
	if (PQntuples(cab->orders) == 0)
		buf_adds(ord, "<tr><td colspan=\"6\">Заказов пока нет.</td></tr>\n");
	for (i = 0; i < PQntuples(cab->orders); i++) {
		buf_adds(ord, "<tr><td data-label=\"№\">");
		html_escapes(ord, PQgetvalue(cab->orders, i, O_INV));
		buf_adds(ord, "</td><td data-label=\"Дата\">");
		html_escapes(ord, PQgetvalue(cab->orders, i, O_CREATED_DAY));
		buf_adds(ord, "</td><td data-label=\"Аккаунт\">");
		html_escapes(ord, PQgetvalue(cab->orders, i, O_HOST));
		buf_adds(ord, "</td><td data-label=\"Сумма\">");
		money_display(strtoll(PQgetvalue(cab->orders, i, O_AMOUNT),
		    NULL, 10), amount);
		html_escapes(ord, amount);
		buf_adds(ord, "</td><td data-label=\"Статус\">");
		html_escapes(ord, status_text(PQgetvalue(cab->orders, i,
		    O_STATUS)));
		buf_adds(ord, "</td><td>");
		/* A refund can be asked for once, while none is open. */
		if (strcmp(PQgetvalue(cab->orders, i, O_STATUS), "paid") == 0 &&
		    strcmp(PQgetvalue(cab->orders, i, O_REFUND_OPEN), "f") == 0) {
			buf_adds(ord, "<a href=\"/refund?inv_id=");
			html_escapes(ord, PQgetvalue(cab->orders, i, O_INV));
			buf_adds(ord, "\">Запросить возврат</a>");
		}
		buf_adds(ord, "</td></tr>\n");
	}
	if (PQntuples(cab->refunds) == 0)
		buf_adds(ref, "<tr><td colspan=\"5\">Запросов на возврат нет."
		    "</td></tr>\n");
	for (i = 0; i < PQntuples(cab->refunds); i++) {
		st = PQgetvalue(cab->refunds, i, R_STATUS);
		buf_adds(ref, "<tr><td data-label=\"Заказ\">");
		html_escapes(ref, PQgetvalue(cab->refunds, i, R_INV));
		buf_adds(ref, "</td><td data-label=\"Дата запроса\">");
		html_escapes(ref, PQgetvalue(cab->refunds, i, R_REQUESTED_DAY));
		buf_adds(ref, "</td><td data-label=\"Сумма\">");
		money_display(strtoll(PQgetvalue(cab->refunds, i, R_AMOUNT),
		    NULL, 10), amount);
		html_escapes(ref, amount);
		buf_adds(ref, "</td><td data-label=\"Статус\" class=\"refund-");
		html_escapes(ref, st);
		buf_adds(ref, "\">");
		html_escapes(ref, status_text(strcmp(st, "paid") == 0 ?
		    "paid_refund" : st));
		buf_adds(ref, "</td><td data-label=\"Выплата до\">");
		html_escapes(ref, PQgetvalue(cab->refunds, i, R_DEADLINE_DAY));
		buf_adds(ref, "</td></tr>\n");
	}
}

static cJSON *
cabinet_json(const PGresult *u, const struct cabinet *cab)
{
	cJSON	*root, *user;

	if ((root = cJSON_CreateObject()) == NULL ||
	    (user = cJSON_AddObjectToObject(root, "user")) == NULL) {
		cJSON_Delete(root);
		return NULL;
	}
	cJSON_AddNumberToObject(user, "user_id",
	    (double)strtoll(PQgetvalue(u, 0, U_ID), NULL, 10));
	cJSON_AddStringToObject(user, "login", PQgetvalue(u, 0, U_LOGIN));
	cJSON_AddStringToObject(user, "email", PQgetvalue(u, 0, U_EMAIL));
	cJSON_AddStringToObject(user, "full_name",
	    PQgetvalue(u, 0, U_FULL_NAME));
	cJSON_AddStringToObject(user, "status", PQgetvalue(u, 0, U_STATUS));
	cJSON_AddStringToObject(user, "address", PQgetvalue(u, 0, U_ADDRESS));
	cJSON_AddStringToObject(user, "iin_bin", PQgetvalue(u, 0, U_IIN_BIN));
	cJSON_AddNullToObject(user, "blocked");
	lists_json(root, cab);
	return root;
}

/*
 * The cabinet page.  The profile form shows the stored values, or, when f
 * is given, what was submitted with its errors.
 */
static void
show_cabinet(struct request *req, int status, const PGresult *u,
    const struct form *f, const char *notice)
{
	struct tmpl_var	 vars[PAGE_EXTRA_MAX];
	const char	*st;
	struct cabinet	 cab;
	struct buf	 lic, ord, ref;
	size_t		 n = 0, i;

	if (cabinet_load(u, &cab) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	buf_init(&lic, 256 * 1024);
	buf_init(&ord, 256 * 1024);
	buf_init(&ref, 256 * 1024);
	lists_html(&lic, &ord, &ref, &cab);
	/* Stored values fill what the form did not carry. */
	for (i = 0; i <= A_IIN_BIN; i++)
		vars[n++] = (struct tmpl_var){ account_fields[i].name,
		    PQgetvalue(u, 0, U_EMAIL + (int)i) };
	st = f != NULL && form_str(f, A_STATUS) != NULL ?
	    status_name(f->v[A_STATUS].num) : PQgetvalue(u, 0, U_STATUS);
	vars[n++] = (struct tmpl_var){ "individual_checked",
	    strcmp(st, "legal_entity") != 0 ? "checked" : "" };
	vars[n++] = (struct tmpl_var){ "legal_entity_checked",
	    strcmp(st, "legal_entity") == 0 ? "checked" : "" };
	vars[n++] = (struct tmpl_var){ "login", PQgetvalue(u, 0, U_LOGIN) };
	vars[n++] = (struct tmpl_var){ "notice", notice };
	vars[n++] = (struct tmpl_var){ "licenses", buf_str(&lic) };
	vars[n++] = (struct tmpl_var){ "orders", buf_str(&ord) };
	vars[n++] = (struct tmpl_var){ "refunds", buf_str(&ref) };
	page_form(req, status, "Личный кабинет", "account.html", f, vars, n, 1);
	buf_free(&lic);
	buf_free(&ord);
	buf_free(&ref);
	cabinet_free(&cab);
}

/* Sends the cabinet as JSON. */
static void
send_cabinet_json(struct request *req, const PGresult *u)
{
	struct cabinet	cab;

	if (cabinet_load(u, &cab) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	http_send_json(req, 200, cabinet_json(u, &cab));
	cabinet_free(&cab);
}

/* The logged-in user's row, or an answer (401, 503) and NULL. */
static PGresult *
require_user(struct request *req, struct session *s)
{
	PGresult	*u = NULL;
	int		 in;

	if ((in = session_get(req, s)) == -1 ||
	    (in == 1 && (u = user_get(s->user_id)) == NULL))
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (in == 0) {
		if (req->json)
			http_error(req, 401, "unauthenticated", NULL, NULL);
		else
			show_login(req, 401, NULL,
			    "Войдите, чтобы открыть личный кабинет.");
	}
	return u;
}

static void
get_account(struct request *req)
{
	struct session	 s;
	PGresult	*u;

	if ((u = require_user(req, &s)) == NULL)
		return;
	if (req->json)
		send_cabinet_json(req, u);
	else
		show_cabinet(req, 200, u, NULL, NULL);
	PQclear(u);
}

/* Checks the rules across fields against the stored row. */
static void
check_account_form(struct form *f, const PGresult *u)
{
	const char	*iin, *msg, *cur;
	long long	 st;

	if (f->v[A_STATUS].error == NULL && f->v[A_IIN_BIN].error == NULL &&
	    (form_str(f, A_STATUS) != NULL || form_str(f, A_IIN_BIN) != NULL)) {
		iin = form_str(f, A_IIN_BIN) ? form_str(f, A_IIN_BIN) :
		    PQgetvalue(u, 0, U_IIN_BIN);
		st = form_str(f, A_STATUS) ? f->v[A_STATUS].num :
		    strcmp(PQgetvalue(u, 0, U_STATUS), "legal_entity") == 0 ?
		    STATUS_LEGAL_ENTITY : STATUS_INDIVIDUAL;
		if ((msg = valid_iin_bin_for(iin, st)) != NULL)
			form_reject(f, A_IIN_BIN, msg);
	}
	if (form_str(f, A_NEW_PASSWORD) == NULL)
		return;
	cur = f->v[A_CURRENT_PASSWORD].str;
	if (cur == NULL)
		form_reject(f, A_CURRENT_PASSWORD,
		    "Введите текущий пароль, чтобы сменить его.");
	else if (password_verify(cur, f->v[A_CURRENT_PASSWORD].len,
	    PQgetvalue(u, 0, U_PASSWORD_HASH)) != 1)
		form_reject(f, A_CURRENT_PASSWORD, "Неверный текущий пароль.");
}

/* Writes the changes.  Returns 200, 409 (e-mail taken) or 503. */
static int
update_account(struct request *req, struct form *f, const PGresult *u)
{
	char		 hash[PASSWORD_HASH_MAX];
	const char	*p[7];
	PGresult	*res;
	int		 status = 503;

	p[0] = PQgetvalue(u, 0, U_ID);
	p[1] = form_str(f, A_EMAIL);
	p[2] = form_str(f, A_FULL_NAME);
	p[3] = form_str(f, A_STATUS) ? status_name(f->v[A_STATUS].num) : NULL;
	p[4] = form_str(f, A_ADDRESS);
	p[5] = form_str(f, A_IIN_BIN);
	p[6] = NULL;
	if (form_str(f, A_NEW_PASSWORD) != NULL) {
		if (password_hash(f->v[A_NEW_PASSWORD].str,
		    f->v[A_NEW_PASSWORD].len, hash) == -1)
			return 503;
		p[6] = hash;
	}
	if (db_begin() == -1)
		return 503;
	if ((res = db_exec("user_update", 7, p)) == NULL)
		goto out;
	if (strcmp(db_constraint(res), "users_email_key") == 0) {
		form_reject(f, A_EMAIL, "Этот адрес уже зарегистрирован.");
		status = 409;
	} else if (db_ok(res))
		status = 200;
	PQclear(res);
	/* A new password ends every other session of the user. */
	if (status == 200 && p[6] != NULL &&
	    session_end_others(req, strtoll(p[0], NULL, 10)) == -1)
		status = 503;
	if (status == 200 && db_commit() == -1)
		status = 503;
out:
	db_rollback();
	return status;
}

static void
post_account(struct request *req)
{
	struct session	 s;
	struct form	 f;
	PGresult	*u = NULL, *fresh;
	int		 st;

	st = session_form(req, &f, account_fields, A_NFIELDS, A_CSRF);
	if ((st != 0 && st != 422) || (u = require_user(req, &s)) == NULL)
		goto out;
	check_account_form(&f, u);
	if (f.nerrors == 0)
		st = update_account(req, &f, u);
	else
		st = 422;
	if (st == 503)
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (st != 200 && req->json)
		http_error(req, st, st == 409 ? "email_taken" : "invalid", &f,
		    NULL);
	else if (st != 200)
		show_cabinet(req, st, u, &f, NULL);
	else if (!req->json)
		http_redirect(req, "/account");
	else if ((fresh = user_get(s.user_id)) == NULL)
		http_error(req, 503, "unavailable", NULL, NULL);
	else {
		send_cabinet_json(req, fresh);
		PQclear(fresh);
	}
out:
	PQclear(u);
	form_free(&f);
}

/* ---- password reset and address confirmation ---- */

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

enum { P_EMAIL, P_CSRF, P_NFIELDS };

static const struct form_field forgot_fields[P_NFIELDS] = {
	[P_EMAIL] =	{ "email", valid_email, 254, FIELD_REQUIRED },
	[P_CSRF] =	{ "csrf", valid_token, 64,
			  FIELD_REQUIRED | FIELD_SECRET },
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
	cJSON		*root;
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
	else if (req->json) {
		root = cJSON_CreateObject();
		if (root != NULL)
			cJSON_AddTrueToObject(root, "accepted");
		http_send_json(req, 202, root);
	} else
		redirect_login(req, "reset_sent");
	PQclear(res);
out:
	form_free(&f);
}

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
	[N_CSRF] =		{ "csrf", valid_token, 64,
				  FIELD_REQUIRED | FIELD_SECRET },
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
	char	 token[CRYPTO_TOKEN_LEN + 1];
	char	 key[2 * CRYPTO_SHA256_LEN + 1];
	cJSON	*root;
	int	 ok = 0;

	if (query_token(req, token, key) == 0)
		ok = reset_token_ok(key);
	if (ok == -1)
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (ok == 0)
		bad_reset_token(req);
	else if (req->json) {
		root = cJSON_CreateObject();
		if (root != NULL)
			cJSON_AddTrueToObject(root, "valid");
		http_send_json(req, 200, root);
	} else
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
	cJSON		*root;
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
	else if (req->json) {
		root = cJSON_CreateObject();
		if (root != NULL)
			cJSON_AddTrueToObject(root, "password_changed");
		http_send_json(req, 200, root);
	} else
		redirect_login(req, "password_changed");
out:
	PQclear(res);
	form_free(&f);
}

/* Shows that the address is confirmed. */
static void
verified(struct request *req)
{
	cJSON	*root;

	if (req->json) {
		root = cJSON_CreateObject();
		if (root != NULL)
			cJSON_AddTrueToObject(root, "email_verified");
		http_send_json(req, 200, root);
	} else
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

/* ---- documents ---- */

static void
show_document(struct request *req, const char *kind, const char *title)
{
	const char	*p[1] = { kind };
	PGresult	*res;
	struct buf	 text;
	struct session	 s;
	int		 in;

	if ((res = db_exec("document_current", 1, p)) == NULL ||
	    !db_ok(res) || (in = session_get(req, &s)) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	if (PQntuples(res) != 1) {
		http_error(req, 404, "not_found", NULL,
		    "Этот документ ещё не опубликован.");
		goto out;
	}
	buf_init(&text, 512 * 1024);
	html_document(&text, PQgetvalue(res, 0, 1));
	{
		struct tmpl_var vars[] = {
			{ "title", title },
			{ "version", PQgetvalue(res, 0, 0) },
			{ "published", PQgetvalue(res, 0, 2) },
			{ "text", buf_str(&text) },
		};
		page_send(req, 200, title, "document.html", vars,
		    sizeof(vars) / sizeof(vars[0]), in == 1);
	}
	buf_free(&text);
out:
	PQclear(res);
}

static void
get_offer(struct request *req)
{
	show_document(req, "offer", "Публичная оферта");
}

static void
get_payment_policy(struct request *req)
{
	show_document(req, "payment_policy", "Политика проведения платежей");
}

static const struct route routes[] = {
	{ "GET", "/api/v1/session", get_session },
	{ "GET", "/login", get_login },
	{ "POST", "/login", post_login },
	{ "POST", "/logout", post_logout },
	{ "GET", "/account", get_account },
	{ "POST", "/account", post_account },
	{ "GET", "/offer", get_offer },
	{ "GET", "/payment-policy", get_payment_policy },
	{ "GET", "/password/forgot", get_forgot },
	{ "POST", "/password/forgot", post_forgot },
	{ "GET", "/password/reset", get_reset },
	{ "POST", "/password/reset", post_reset },
	{ "GET", "/email/verify", get_verify },
};

SERVER_PROGRAM(.name = "account", .role = "amobill_account",
    .statements = statement_sets, ROUTES(routes));
