/*
 * html.c: escaping, templates and plain-text documents; see html.h.
 */
#include <string.h>

#include "html.h"

int
html_escape(struct buf *b, const char *s, size_t n)
{
	const char	*rep;
	size_t		 i, start = 0;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		buf_add(b, s + start, i - start);
		buf_adds(b, rep);
		start = i + 1;
	}
	return buf_add(b, s + start, n - start);
}

int
html_escapes(struct buf *b, const char *s)
{
	return html_escape(b, s, strlen(s));
}

static const char *
lookup(const struct tmpl_var *vars, size_t n, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strncmp(vars[i].name, name, len) == 0 &&
		    vars[i].name[len] == '\0')
			return vars[i].value ? vars[i].value : "";
	return "";
}

int
tmpl_fill(struct buf *b, const char *t, enum tmpl_mode mode,
    const struct tmpl_var *vars, size_t nvars)
{
	const char	*open, *close, *val;
	int		 raw;

	while ((open = strstr(t, "{{")) != NULL) {
		buf_add(b, t, (size_t)(open - t));
		raw = open[2] == '{';
		open += raw ? 3 : 2;
		if ((close = strstr(open, raw ? "}}}" : "}}")) == NULL) {
			/* Not a placeholder after all: keep the text. */
			t = open - (raw ? 3 : 2);
			break;
		}
		val = lookup(vars, nvars, open, (size_t)(close - open));
		if (raw || mode == TMPL_TEXT)
			buf_adds(b, val);
		else
			html_escapes(b, val);
		t = close + (raw ? 3 : 2);
	}
	return buf_adds(b, t);
}

int
tmpl_render(struct buf *b, const char *t, const struct tmpl_var *vars,
    size_t nvars)
{
	return tmpl_fill(b, t, TMPL_HTML, vars, nvars);
}

int
html_document(struct buf *b, const char *text)
{
	const char	*line, *end;
	size_t		 len;
	int		 in_p = 0, in_ul = 0;

	for (line = text; *line != '\0'; line = *end ? end + 1 : end) {
		if ((end = strchr(line, '\n')) == NULL)
			end = line + strlen(line);
		len = (size_t)(end - line);
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (in_p && (len == 0 || strncmp(line, "# ", 2) == 0 ||
		    strncmp(line, "- ", 2) == 0)) {
			buf_adds(b, "</p>\n");
			in_p = 0;
		}
		if (in_ul && strncmp(line, "- ", 2) != 0) {
			buf_adds(b, "</ul>\n");
			in_ul = 0;
		}
		if (len == 0)
			continue;
		if (strncmp(line, "# ", 2) == 0) {
			buf_adds(b, "<h2>");
			html_escape(b, line + 2, len - 2);
			buf_adds(b, "</h2>\n");
		} else if (strncmp(line, "- ", 2) == 0) {
			if (!in_ul)
				buf_adds(b, "<ul>\n");
			in_ul = 1;
			buf_adds(b, "<li>");
			html_escape(b, line + 2, len - 2);
			buf_adds(b, "</li>\n");
		} else {
			buf_adds(b, in_p ? "\n" : "<p>");
			in_p = 1;
			html_escape(b, line, len);
		}
	}
	if (in_p)
		buf_adds(b, "</p>\n");
	if (in_ul)
		buf_adds(b, "</ul>\n");
	return b->failed ? -1 : 0;
}
