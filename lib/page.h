/*
 * page.h: the site's HTML pages, rendered from the compiled-in templates
 * inside the common layout (header, navigation, footer with the seller's
 * details from the configuration).
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

/* A page with a heading and one message (errors, notices). */
void	page_message(struct request *, int status, const char *title,
	    const char *message);

/*
 * Variables for a form template from a parsed form: for a field "x",
 * "x" is the submitted value (never for FIELD_SECRET fields) and "x_err"
 * the error message; "form_err" is the error about the body as a whole.
 * vars holds 2 * nfields + 1 entries; returns how many were written.
 * Names are built in names[], which must outlive vars.
 */
size_t	page_form_vars(const struct form *, struct tmpl_var *vars,
	    char (*names)[40]);

#endif
