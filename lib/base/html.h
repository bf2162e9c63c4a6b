/*
 * html.h: HTML escaping and the one template engine, for the pages and
 * the mail alike.
 *
 * A template is text with placeholders.  In an HTML template
 * (TMPL_HTML) {{name}} is replaced by the variable's value, HTML-escaped,
 * and {{{name}}} by the value as it is, for fragments the caller has
 * built with html_escape().  In a plain-text template (TMPL_TEXT, the
 * text part of a mail) both are replaced by the value as it is.  A
 * placeholder with no variable becomes empty; if several variables have
 * the name, the first counts.  A value is never read as a template.
 * Templates are compiled into the programs (templates/), so a page can
 * never be read from a wrong path.
 *
 * Layer rules (lib/base): the C library only; never another layer.
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

enum tmpl_mode {
	TMPL_HTML,		/* values escaped, but in {{{name}}} */
	TMPL_TEXT,		/* values as they are */
};

/*
 * Appends the template with its placeholders filled in from vars.
 * Returns 0, or -1 if the buffer overflowed (it is then failed: the
 * caller sends nothing of it).
 */
int	tmpl_fill(struct buf *, const char *tmpl, enum tmpl_mode,
	    const struct tmpl_var *, size_t nvars);

/* tmpl_fill() of an HTML template: the pages. */
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
