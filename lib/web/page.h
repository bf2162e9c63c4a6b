/*
 * page.h: the site's HTML pages, rendered from the compiled-in templates
 * inside the common layout (header, navigation, footer with the seller's
 * details from the configuration).
 *
 * Layer rules (lib/web): may use http.h, csrf.h and lib/base's
 * templates; never reply.h, session.h or the database.
 */
#ifndef PAGE_H
#define PAGE_H

#include "html.h"
#include "http.h"

struct form;

/*
 * Renders the template name with vars inside the layout and sends it.
 * The layout shows the links of a logged-in user if logged_in is set.
 */
void	page_send(struct request *, int status, const char *title,
	    const char *name, const struct tmpl_var *vars, size_t nvars,
	    int logged_in);

/* Sends the layout around an already rendered body. */
void	page_send_body(struct request *, int status, const char *title,
	    const char *body, int logged_in);

/* What a person is told of a status code ("Такой страницы нет."). */
const char *page_status_text(int status);

/* A page with a heading and one message (errors, notices). */
void	page_message(struct request *, int status, const char *title,
	    const char *message);

#define PAGE_EXTRA_MAX	16	/* extra variables a form page may have */

/*
 * Sends a form page: the template with, for each field "x" of f (NULL for
 * an empty form), "x" the submitted value (never for FIELD_SECRET fields)
 * and "x_err" its error, "form_err" the error about the body as a whole,
 * "csrf" the request's CSRF token, then the extra variables (at most
 * PAGE_EXTRA_MAX; a field the form carried keeps the form's value, so an
 * extra of a field's name fills it only when it was not submitted).
 * Answers 503 if no CSRF token can be had.
 */
void	page_form(struct request *, int status, const char *title,
	    const char *name, const struct form *f,
	    const struct tmpl_var *extra, size_t nextra, int logged_in);

#endif
