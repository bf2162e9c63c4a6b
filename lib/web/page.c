/*
 * page.c: layout and page rendering; see page.h.
 */
#include <stdio.h>
#include <string.h>

#include "csrf.h"
#include "form.h"
#include "page.h"

#define MAX_PAGE	(512 * 1024)

void
page_send_body(struct request *req, int status, const char *title,
    const char *body, int logged_in)
{
	const struct config	*c = req->cfg;
	struct buf		 out;
	const char		*layout = tmpl_get("pages/layout.html");
	const char		*nav = tmpl_get(logged_in ?
				    "pages/nav-user.html" : "pages/nav-guest.html");
	struct tmpl_var		 vars[] = {
		{ "title", title },
		{ "nav", nav },
		{ "body", body },
		{ "merchant_name", c->merchant_name },
		{ "merchant_bin", c->merchant_bin },
		{ "merchant_address", c->merchant_address },
		{ "support_email", c->support_email },
	};

	buf_init(&out, MAX_PAGE);
	tmpl_render(&out, layout, vars, sizeof(vars) / sizeof(vars[0]));
	if (out.failed)
		http_send(req, 500, "text/plain; charset=utf-8", "", 0);
	else
		http_send(req, status, "text/html; charset=utf-8",
		    buf_str(&out), out.len);
	buf_free(&out);
}

void
page_send(struct request *req, int status, const char *title,
    const char *name, const struct tmpl_var *vars, size_t nvars,
    int logged_in)
{
	struct buf	body;
	char		path[64];
	const char	*t = NULL;

	if (snprintf(path, sizeof(path), "pages/%s", name) < (int)sizeof(path))
		t = tmpl_get(path);
	buf_init(&body, MAX_PAGE);
	if (t != NULL)
		tmpl_render(&body, t, vars, nvars);
	if (t == NULL || body.failed)
		http_send(req, 500, "text/plain; charset=utf-8", "", 0);
	else
		page_send_body(req, status, title, buf_str(&body), logged_in);
	buf_free(&body);
}

const char *
page_status_text(int status)
{
	switch (status) {
	case 400: return "Запрос повреждён.";
	case 401: return "Войдите в личный кабинет.";
	case 403: return "Форма устарела: обновите страницу и отправьте её "
	    "ещё раз.";
	case 404: return "Такой страницы нет.";
	case 405: return "Этот адрес так не вызывают.";
	case 413: return "Слишком большой запрос.";
	case 415: return "Неверный формат запроса.";
	case 422: return "Проверьте введённые данные.";
	case 503: return "Сервис временно недоступен. Попробуйте через "
	    "минуту.";
	default: return "Что-то пошло не так. Мы уже разбираемся.";
	}
}

void
page_message(struct request *req, int status, const char *title,
    const char *message)
{
	struct tmpl_var	vars[] = {
		{ "title", title },
		{ "message", message },
	};

	page_send(req, status, title, "message.html", vars, 2, 0);
}

static size_t
form_vars(const struct form *f, struct tmpl_var *vars, char (*names)[40])
{
	size_t	i, n = 0;

	for (i = 0; i < f->nfields; i++) {
		/* An absent field leaves its name free for an extra value. */
		if (!(f->fields[i].flags & FIELD_SECRET) &&
		    f->v[i].str != NULL) {
			vars[n].name = f->fields[i].name;
			vars[n++].value = f->v[i].str;
		}
		snprintf(names[i], sizeof(names[i]), "%s_err",
		    f->fields[i].name);
		vars[n].name = names[i];
		vars[n++].value = f->v[i].error;
	}
	vars[n].name = "form_err";
	vars[n++].value = f->error;
	return n;
}

void
page_form(struct request *req, int status, const char *title,
    const char *name, const struct form *f, const struct tmpl_var *extra,
    size_t nextra, int logged_in)
{
	struct tmpl_var	vars[2 * FORM_MAX_FIELDS + 2 + PAGE_EXTRA_MAX];
	char		names[FORM_MAX_FIELDS][40];
	char		csrf[CRYPTO_TOKEN_LEN + 1];
	size_t		n = 0, i;

	if (nextra > PAGE_EXTRA_MAX || csrf_token(req, csrf) == -1) {
		page_message(req, 503, http_reason(503), page_status_text(503));
		return;
	}
	if (f != NULL)
		n = form_vars(f, vars, names);
	for (i = 0; i < nextra; i++)
		vars[n++] = extra[i];
	vars[n++] = (struct tmpl_var){ "csrf", csrf };
	page_send(req, status, title, name, vars, n, logged_in);
}
