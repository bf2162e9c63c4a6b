/*
 * html.h: HTML escaping and the page templates.
 *
 * A template is HTML with placeholders: {{name}} is replaced by the
 * variable's value, HTML-escaped; {{{name}}} by the value as it is, for
 * fragments the caller has built with html_escape().  A placeholder with no
 * variable becomes empty.  Templates are compiled into the programs
 * (templates/), so a page can never be read from a wrong path.
 */
#ifndef HTML_H
#define HTML_H

#include <stddef.h>

#include "buf.h"

struct tmpl_var {
	const char	*name;
	const char	*value;		/* NULL is the same as "" */
};

/* Appends s[0..n) with & < > " ' escaped. */
int	html_escape(struct buf *, const char *s, size_t n);

/* Appends html_escape() of a NUL-terminated string. */
int	html_escapes(struct buf *, const char *s);

/* Appends the template with its placeholders filled in from vars. */
int	tmpl_render(struct buf *, const char *tmpl, const struct tmpl_var *,
	    size_t nvars);

/*
 * The compiled-in template of that path below templates/ (e.g.
 * "pages/login.html"), or NULL.
 */
const char *tmpl_get(const char *name);

/*
 * Appends a plain-text document as HTML: "# " lines become headings,
 * "- " lines list items, blank lines separate paragraphs.
 */
int	html_document(struct buf *, const char *text);

#endif
