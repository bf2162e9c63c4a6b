/*
 * account: the personal cabinet.
 *
 *	GET  /account	the profile, licenses, orders, their invoices and
 *			acts, and refund requests
 *	POST /account	changes the profile, the address or the password
 *
 * The lists are read and written out by lib/web/cabinet.c (what the
 * cabinet shows); this program holds the profile and its changes.
 * Logging in is login's (cgi/login.c); a visitor without a session is
 * shown the login form (session_require).  A new password or address
 * needs the current password; a new password ends the user's other
 * sessions; a new address takes effect when the link mailed to it is
 * followed (cgi/password.c), and the old one is told, with a link that
 * undoes it (sql/015_email_change.sql).  A change with valid fields
 * counts against the account's limit (limit.h) before any password check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cabinet.h"
#include "limit.h"
#include "notice.h"
#include "page.h"
#include "server.h"
#include "session.h"
#include "valid.h"

static const struct db_stmt statements[] = {
	{ "user_get",
	  "SELECT id, login, email, full_name, status, address, iin_bin,"
	  "       password_hash, pending_email"
	  "  FROM amobill.users WHERE id = $1" },
	{ "user_update",
	  "UPDATE amobill.users SET full_name = coalesce($2, full_name),"
	  "       status = coalesce($3, status),"
	  "       address = coalesce($4, address),"
	  "       iin_bin = coalesce($5, iin_bin),"
	  "       password_hash = coalesce($6, password_hash),"
	  "       updated_at = now()"
	  " WHERE id = $1" },
	/* The same work whether or not another account holds the address. */
	{ "email_change",
	  "SELECT amobill.request_email_change($1, $2)" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = {
	statements, cabinet_statements, session_statements, limit_statements,
	NULL
};

/* The columns of user_get, in order. */
enum {
	U_ID, U_LOGIN, U_EMAIL, U_FULL_NAME, U_STATUS, U_ADDRESS, U_IIN_BIN,
	U_PASSWORD_HASH, U_PENDING_EMAIL, U_NCOLS
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
	[A_CSRF] =		CSRF_FIELD,
};

static cJSON *
account_json(const PGresult *u, const struct cabinet *cab)
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
	if (PQgetisnull(u, 0, U_PENDING_EMAIL))
		cJSON_AddNullToObject(user, "email_pending");
	else
		cJSON_AddStringToObject(user, "email_pending",
		    PQgetvalue(u, 0, U_PENDING_EMAIL));
	cJSON_AddNullToObject(user, "blocked");
	cabinet_json(root, cab);
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
	char		 pending[400];
	const char	*st;
	struct cabinet	 cab;
	struct cabinet_html lists;
	size_t		 n = 0, i;

	if (cabinet_load(PQgetvalue(u, 0, U_ID), &cab) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	cabinet_html(&lists, &cab);
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
	pending[0] = '\0';
	if (!PQgetisnull(u, 0, U_PENDING_EMAIL))
		snprintf(pending, sizeof(pending), "Новый адрес %s ждёт "
		    "подтверждения: перейдите по ссылке из письма, "
		    "отправленного на него.",
		    PQgetvalue(u, 0, U_PENDING_EMAIL));
	vars[n++] = (struct tmpl_var){ "email_pending", pending };
	vars[n++] = (struct tmpl_var){ "licenses", buf_str(&lists.licenses) };
	vars[n++] = (struct tmpl_var){ "orders", buf_str(&lists.orders) };
	vars[n++] = (struct tmpl_var){ "refunds", buf_str(&lists.refunds) };
	vars[n++] = (struct tmpl_var){ "documents",
	    buf_str(&lists.documents) };
	page_form(req, status, "Личный кабинет", "account.html", f, vars, n, 1);
	cabinet_html_free(&lists);
	cabinet_free(&cab);
}

/* Sends the cabinet as JSON. */
static void
send_cabinet_json(struct request *req, const PGresult *u)
{
	struct cabinet	cab;

	if (cabinet_load(PQgetvalue(u, 0, U_ID), &cab) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	http_send_json(req, 200, account_json(u, &cab));
	cabinet_free(&cab);
}

/* The logged-in user's row, or an answer (401, 503) and NULL. */
static PGresult *
require_user(struct request *req, struct session *s)
{
	PGresult	*u = NULL;

	if (session_require(req, s, "Войдите, чтобы открыть личный кабинет.") &&
	    (u = user_get(s->user_id)) == NULL)
		http_error(req, 503, "unavailable", NULL, NULL);
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
		show_cabinet(req, 200, u, NULL, notice_take(req));
	PQclear(u);
}

/* The address asked for, if it is not the one the user has. */
static const char *
new_email(const struct form *f, const PGresult *u)
{
	const char	*e = form_str(f, A_EMAIL);

	return e != NULL && strcmp(e, PQgetvalue(u, 0, U_EMAIL)) != 0 ? e :
	    NULL;
}

/* Checks the rules across fields against the stored row. */
static void
check_account_form(struct form *f, const PGresult *u)
{
	const char	*iin, *msg, *cur;
	long long	 st;
	int		 pw = form_str(f, A_NEW_PASSWORD) != NULL;

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
	/*
	 * The password is checked last, only for a form otherwise valid:
	 * only that has counted against the account's limit.
	 */
	if ((!pw && new_email(f, u) == NULL) || f->nerrors != 0)
		return;
	cur = f->v[A_CURRENT_PASSWORD].str;
	if (cur == NULL)
		form_reject(f, A_CURRENT_PASSWORD, pw ?
		    "Введите текущий пароль, чтобы сменить его." :
		    "Введите текущий пароль, чтобы сменить адрес.");
	else if (password_verify(cur, f->v[A_CURRENT_PASSWORD].len,
	    PQgetvalue(u, 0, U_PASSWORD_HASH)) != 1)
		form_reject(f, A_CURRENT_PASSWORD, "Неверный текущий пароль.");
}

/* Writes the changes, all or none.  Returns 0, or -1: no database. */
static int
update_account(struct request *req, struct form *f, const PGresult *u)
{
	char		 hash[PASSWORD_HASH_MAX];
	const char	*p[6], *q[2];
	PGresult	*res = NULL, *mail = NULL;
	int		 rc = -1;

	p[0] = q[0] = PQgetvalue(u, 0, U_ID);
	p[1] = form_str(f, A_FULL_NAME);
	p[2] = form_str(f, A_STATUS) ? status_name(f->v[A_STATUS].num) : NULL;
	p[3] = form_str(f, A_ADDRESS);
	p[4] = form_str(f, A_IIN_BIN);
	p[5] = NULL;
	q[1] = new_email(f, u);
	if (form_str(f, A_NEW_PASSWORD) != NULL) {
		if (password_hash(f->v[A_NEW_PASSWORD].str,
		    f->v[A_NEW_PASSWORD].len, req->cfg->password_cost,
		    hash) == -1)
			return -1;
		p[5] = hash;
	}
	if (db_begin() == -1)
		return -1;
	if ((res = db_exec("user_update", 6, p)) == NULL || !db_ok(res) ||
	    (q[1] != NULL && ((mail = db_exec("email_change", 2, q)) == NULL ||
	    !db_ok(mail))))
		goto out;
	/* A new password ends every other session of the user. */
	if (p[5] != NULL && session_end_others(req, strtoll(p[0], NULL,
	    10)) == -1)
		goto out;
	if (db_commit() == 0)
		rc = 0;
out:
	PQclear(res);
	PQclear(mail);
	db_rollback();
	return rc;
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
	/* Before the password is checked: the check is the costly part. */
	if (st == 0 && !limit_take(req, s.user_id, "account_change"))
		goto out;
	check_account_form(&f, u);
	/* Each new address mails two people. */
	if (f.nerrors == 0 && new_email(&f, u) != NULL &&
	    !limit_take(req, s.user_id, "email_change"))
		goto out;
	if (f.nerrors != 0 && req->json)
		http_error(req, 422, "invalid", &f, NULL);
	else if (f.nerrors != 0)
		show_cabinet(req, 422, u, &f, NULL);
	else if (update_account(req, &f, u) == -1)
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (!req->json && new_email(&f, u) != NULL)
		notice_redirect(req, NOTICE_EMAIL_LINK_SENT, "/account");
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

SERVER_PROGRAM(.name = "account", .role = "amobill_account",
    .config = CONF_SITE | CONF_FORMS | CONF_PASSWORDS,
    .statements = statement_sets,
    ROUTES({ "/account", get_account, post_account, NULL }));
