/*
 * register: creates a customer's account (POST /register) and shows the
 * registration form (GET /register).
 *
 * The account, the consent to personal-data processing (with the text's
 * version, time, IP address) and the first session are written in one
 * transaction: either the customer is registered and logged in, or
 * nothing was written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "server.h"
#include "session.h"
#include "utf8.h"
#include "valid.h"

/* The longest User-Agent kept with a consent (consents.user_agent). */
#define UA_MAX	512

enum {
	F_LOGIN, F_EMAIL, F_PASSWORD, F_FULL_NAME, F_STATUS, F_ADDRESS,
	F_IIN_BIN, F_CONSENT, F_CSRF, NFIELDS
};

static const struct form_field fields[NFIELDS] = {
	[F_LOGIN] =	{ "login", valid_login, 64, FIELD_REQUIRED },
	[F_EMAIL] =	{ "email", valid_email, 254, FIELD_REQUIRED },
	[F_PASSWORD] =	{ "password", valid_password, 512,
			  FIELD_REQUIRED | FIELD_SECRET },
	[F_FULL_NAME] =	{ "full_name", valid_full_name, 800, FIELD_REQUIRED },
	[F_STATUS] =	{ "status", valid_status, 16, FIELD_REQUIRED },
	[F_ADDRESS] =	{ "address", valid_address, 1200, FIELD_REQUIRED },
	[F_IIN_BIN] =	{ "iin_bin", valid_iin_bin, 32, FIELD_REQUIRED },
	[F_CONSENT] =	{ "consent", valid_yes, 8, FIELD_REQUIRED,
			  valid_unticked },
	[F_CSRF] =	CSRF_FIELD,
};

static const struct db_stmt statements[] = {
	/* The consent names the privacy text in force; none is an error. */
	{ "register_user",
	  "WITH u AS ("
	  "  INSERT INTO amobill.users (login, email, password_hash,"
	  "    full_name, status, address, iin_bin)"
	  "  VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id),"
	  " c AS ("
	  "  INSERT INTO amobill.consents (user_id, purpose, document_id, ip,"
	  "    user_agent)"
	  "  SELECT u.id, 'personal_data', (SELECT id FROM"
	  "    amobill.current_documents WHERE kind = 'privacy'),"
	  "    $8::inet, left($9, 512) FROM u)"
	  " SELECT id FROM u" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = {
	statements, session_statements, NULL
};

/* Shows the form, empty (f NULL) or with the values and errors of f. */
static void
show_form(struct request *req, int status, const struct form *f)
{
	long long	st = 0;

	if (f != NULL && f->v[F_STATUS].error == NULL)
		st = f->v[F_STATUS].num;
	{
		struct tmpl_var vars[] = {
			{ "individual_checked",
			  st == STATUS_LEGAL_ENTITY ? "" : "checked" },
			{ "legal_entity_checked",
			  st == STATUS_LEGAL_ENTITY ? "checked" : "" },
			{ "consent_checked", f != NULL &&
			  form_str(f, F_CONSENT) != NULL ? "checked" : "" },
		};

		page_form(req, status, "Регистрация", "register.html", f,
		    vars, sizeof(vars) / sizeof(vars[0]), 0);
	}
}

static void
get_register(struct request *req)
{
	show_form(req, 200, NULL);
}

static void
reject(struct request *req, int status, const char *code, struct form *f)
{
	if (req->json)
		http_error(req, status, code, f, NULL);
	else
		show_form(req, status, f);
}

/* Inserts the user and the first session.  Returns the status to answer. */
static int
create_user(struct request *req, struct form *f, const char *hash,
    long long *uid)
{
	const char	*p[9];
	char		 agent[UA_MAX + 1];
	PGresult	*res;
	int		 status = 503;

	p[0] = form_str(f, F_LOGIN);
	p[1] = form_str(f, F_EMAIL);
	p[2] = hash;
	p[3] = form_str(f, F_FULL_NAME);
	p[4] = status_name(f->v[F_STATUS].num);
	p[5] = form_str(f, F_ADDRESS);
	p[6] = form_str(f, F_IIN_BIN);
	p[7] = req->remote_addr[0] ? req->remote_addr : "0.0.0.0";
	/* The consent's evidence, as the browser sent it, made storable. */
	p[8] = NULL;
	if (req->user_agent != NULL) {
		utf8_escape(agent, sizeof(agent), req->user_agent,
		    strlen(req->user_agent));
		p[8] = agent;
	}
	if (db_begin() == -1)
		return 503;
	if ((res = db_exec("register_user", 9, p)) == NULL)
		goto out;
	if (db_ok(res) && PQntuples(res) == 1) {
		*uid = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		status = session_start(req, *uid) == 0 && db_commit() == 0 ?
		    201 : 503;
	} else if (strcmp(db_constraint(res), "users_login_key") == 0) {
		form_reject(f, F_LOGIN, "Этот логин уже занят.");
		status = 409;
	} else if (strcmp(db_constraint(res), "users_email_key") == 0) {
		form_reject(f, F_EMAIL, "Этот адрес уже зарегистрирован.");
		status = 409;
	}
	PQclear(res);
out:
	db_rollback();
	return status;
}

static void
post_register(struct request *req)
{
	struct form	 f;
	const char	*msg;
	char		 hash[PASSWORD_HASH_MAX];
	long long	 uid = 0;
	cJSON		*root;
	int		 st;

	st = session_form(req, &f, fields, NFIELDS, F_CSRF);
	if (st != 0 && st != 422)
		goto out;
	if (form_str(&f, F_STATUS) != NULL && form_str(&f, F_IIN_BIN) != NULL &&
	    (msg = valid_iin_bin_for(form_str(&f, F_IIN_BIN),
	    f.v[F_STATUS].num)) != NULL) {
		form_reject(&f, F_IIN_BIN, msg);
		st = 422;
	}
	if (st == 422) {
		reject(req, 422, "invalid", &f);
		goto out;
	}
	if (password_hash(f.v[F_PASSWORD].str, f.v[F_PASSWORD].len,
	    req->cfg->password_cost, hash) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		goto out;
	}
	st = create_user(req, &f, hash, &uid);
	if (st == 409)
		reject(req, 409, f.v[F_LOGIN].error != NULL ? "login_taken" :
		    "email_taken", &f);
	else if (st != 201)
		http_error(req, 503, "unavailable", NULL, NULL);
	else if (req->json) {
		root = cJSON_CreateObject();
		if (root != NULL)
			cJSON_AddNumberToObject(root, "user_id", (double)uid);
		http_send_json(req, 201, root);
	} else
		http_redirect(req, "/account");
out:
	form_free(&f);
}

SERVER_PROGRAM(.name = "register", .role = "amobill_register",
    .config = CONF_SITE | CONF_FORMS | CONF_PASSWORDS,
    .statements = statement_sets,
    ROUTES({ "/register", get_register, post_register, NULL }));
