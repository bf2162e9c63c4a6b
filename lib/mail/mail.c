/*
 * mail.c: messages as RFC 5322 and MIME text; see mail.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "mail.h"
#include "utf8.h"

#define LINE_SOFT	76	/* encoded-word lines (RFC 2047 §2) */
#define B64_LINE	76	/* base64 lines (RFC 2045 §6.8) */
#define WORD_OPEN	"=?UTF-8?B?"
#define WORD_CLOSE	"?="

/* Printable ASCII without spaces: addresses, ids, the boundary. */
static int
atom_ok(const char *s, size_t max)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Valid UTF-8 without control characters (a one-line header value). */
static int
line_ok(const char *s)
{
	size_t	n = strlen(s), i;

	if (!utf8_valid(s, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
plain_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

void
mail_date(time_t t, char out[MAIL_DATE_LEN])
{
	static const char *const days[] = {
		"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
	};
	static const char *const months[] = {
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
		"Oct", "Nov", "Dec"
	};
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(out, MAIL_DATE_LEN, "Thu, 01 Jan 1970 00:00:00 +0000");
		return;
	}
	/* Bounded, so that the text always fits. */
	snprintf(out, MAIL_DATE_LEN, "%s, %02u %s %04u %02u:%02u:%02u +0000",
	    days[(unsigned)tm.tm_wday % 7], (unsigned)tm.tm_mday % 100,
	    months[(unsigned)tm.tm_mon % 12],
	    (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)tm.tm_hour % 100,
	    (unsigned)tm.tm_min % 100, (unsigned)tm.tm_sec % 100);
}

/*
 * Appends s as encoded words, starting on a line that already has used
 * columns, folding before a word that would pass LINE_SOFT.  Each word
 * holds whole characters only.  Returns the columns of the last line,
 * or -1.
 */
static int
encoded_words(struct buf *b, const char *s, size_t used)
{
	char		 word[B64_LEN(64)];
	const char	*p = s, *end = s + strlen(s);
	size_t		 room, take, step, n;
	uint32_t	 cp;

	while (p < end) {
		/* Bytes that fit: 3 per 4 base64 characters. */
		room = used + sizeof(WORD_OPEN) - 1 + sizeof(WORD_CLOSE) - 1 <
		    LINE_SOFT ? (LINE_SOFT - used - (sizeof(WORD_OPEN) - 1) -
		    (sizeof(WORD_CLOSE) - 1)) / 4 * 3 : 0;
		if (room > 45)
			room = 45;
		for (take = 0; p + take < end; take += step) {
			if ((step = utf8_decode(p + take,
			    (size_t)(end - p - take), &cp)) == 0)
				return -1;
			if (take + step > room)
				break;
		}
		if (take == 0) {
			if (used <= 1)
				return -1;	/* cannot happen: 45 bytes */
			buf_adds(b, "\r\n ");
			used = 1;
			continue;
		}
		if ((n = b64_encode(word, sizeof(word), p, take)) ==
		    (size_t)-1)
			return -1;
		buf_printf(b, "%s%s%s", WORD_OPEN, word, WORD_CLOSE);
		used += sizeof(WORD_OPEN) - 1 + n + sizeof(WORD_CLOSE) - 1;
		p += take;
		if (p < end) {
			buf_adds(b, "\r\n ");
			used = 1;
		}
	}
	return b->failed ? -1 : (int)used;
}

int
mail_header(struct buf *b, const char *name, const char *value)
{
	if (!line_ok(value) || strlen(name) > 40)
		return -1;
	buf_printf(b, "%s: ", name);
	if (plain_ascii(value)) {
		if (strlen(name) + 2 + strlen(value) > 998)
			return -1;
		buf_adds(b, value);
	} else if (encoded_words(b, value, strlen(name) + 2) == -1)
		return -1;
	buf_adds(b, "\r\n");
	return b->failed ? -1 : 0;
}

/* From: with an encoded display name, the address on a line of its own
 * if the name's last line has no room for it. */
static int
from_header(struct buf *b, const char *name, const char *addr)
{
	int	used;

	if (name == NULL || *name == '\0') {
		buf_printf(b, "From: %s\r\n", addr);
		return 0;
	}
	if (!line_ok(name))
		return -1;
	buf_adds(b, "From: ");
	if ((used = encoded_words(b, name, 6)) == -1)
		return -1;
	if ((size_t)used + 3 + strlen(addr) > 78)
		buf_adds(b, "\r\n");
	buf_printf(b, " <%s>\r\n", addr);
	return 0;
}

/* The text with CRLF line ends, in base64, in lines of B64_LINE. */
static int
base64_part(struct buf *b, const char *text)
{
	struct buf	 crlf;
	char		*enc = NULL;
	size_t		 n, i;
	int		 rc = -1;

	buf_init(&crlf, MAIL_MAX);
	for (; *text != '\0'; text++) {
		if (*text == '\n')
			buf_add(&crlf, "\r\n", 2);
		else if (*text != '\r')
			buf_add(&crlf, text, 1);
	}
	if (crlf.failed || (enc = malloc(B64_LEN(crlf.len))) == NULL)
		goto out;
	if ((n = b64_encode(enc, B64_LEN(crlf.len), buf_str(&crlf),
	    crlf.len)) == (size_t)-1)
		goto out;
	for (i = 0; i < n; i += B64_LINE) {
		buf_add(b, enc + i, n - i < B64_LINE ? n - i : B64_LINE);
		buf_adds(b, "\r\n");
	}
	rc = b->failed ? -1 : 0;
out:
	free(enc);
	buf_free(&crlf);
	return rc;
}

int
mail_build(struct buf *b, const struct mail_message *m)
{
	char	date[MAIL_DATE_LEN];

	if (!atom_ok(m->from, 254) || !atom_ok(m->to, 254) ||
	    (m->reply_to != NULL && !atom_ok(m->reply_to, 254)) ||
	    !atom_ok(m->message_id, 200) || !atom_ok(m->boundary, 60) ||
	    strspn(m->boundary, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz._-") != strlen(m->boundary) ||
	    !utf8_valid(m->text, strlen(m->text)) ||
	    !utf8_valid(m->html, strlen(m->html)))
		return -1;
	mail_date(m->date, date);
	buf_printf(b, "Date: %s\r\n", date);
	if (from_header(b, m->from_name, m->from) == -1)
		return -1;
	if (m->reply_to != NULL)
		buf_printf(b, "Reply-To: %s\r\n", m->reply_to);
	buf_printf(b, "To: %s\r\n", m->to);
	if (mail_header(b, "Subject", m->subject) == -1)
		return -1;
	buf_printf(b, "Message-ID: <%s>\r\n", m->message_id);
	buf_adds(b, "MIME-Version: 1.0\r\n"
	    "Auto-Submitted: auto-generated\r\n");
	buf_printf(b, "Content-Type: multipart/alternative;\r\n"
	    " boundary=\"%s\"\r\n\r\n", m->boundary);
	buf_printf(b, "--%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", m->boundary);
	if (base64_part(b, m->text) == -1)
		return -1;
	buf_printf(b, "--%s\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", m->boundary);
	if (base64_part(b, m->html) == -1)
		return -1;
	buf_printf(b, "--%s--\r\n", m->boundary);
	return b->failed ? -1 : 0;
}

/* ---- templates ---- */

static const struct tmpl_var *
lookup(const struct tmpl_var *vars, size_t n, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strncmp(vars[i].name, name, len) == 0 &&
		    vars[i].name[len] == '\0')
			return &vars[i];
	return NULL;
}

/* HTML of plain text: escaped, line breaks as <br>. */
static void
html_lines(struct buf *b, const char *s, size_t n)
{
	const char	*nl;

	while ((nl = memchr(s, '\n', n)) != NULL) {
		html_escape(b, s, (size_t)(nl - s));
		buf_adds(b, "<br>\n");
		n -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	html_escape(b, s, n);
}

static int
is_url(const char *name)
{
	size_t	n = strlen(name);

	return n >= 4 && strcmp(name + n - 4, "_url") == 0;
}

/* Appends t[0..n) with its placeholders filled in. */
static void
fill(struct buf *b, const char *t, size_t n, const struct tmpl_var *vars,
    size_t nvars, int html)
{
	const char		*end = t + n, *open, *close, *val;
	const struct tmpl_var	*v;

	while (t < end) {
		open = NULL;
		for (close = t; close + 1 < end; close++)
			if (close[0] == '{' && close[1] == '{') {
				open = close;
				break;
			}
		close = NULL;
		if (open != NULL)
			for (close = open + 2; close + 1 < end; close++)
				if (close[0] == '}' && close[1] == '}')
					break;
		if (open == NULL || close == NULL || close + 1 >= end) {
			if (html)
				html_lines(b, t, (size_t)(end - t));
			else
				buf_add(b, t, (size_t)(end - t));
			return;
		}
		if (html)
			html_lines(b, t, (size_t)(open - t));
		else
			buf_add(b, t, (size_t)(open - t));
		v = lookup(vars, nvars, open + 2, (size_t)(close - open - 2));
		val = v != NULL && v->value != NULL ? v->value : "";
		if (!html)
			buf_adds(b, val);
		else if (v != NULL && is_url(v->name) && *val != '\0') {
			buf_adds(b, "<a href=\"");
			html_escapes(b, val);
			buf_adds(b, "\">");
			html_escapes(b, val);
			buf_adds(b, "</a>");
		} else
			html_lines(b, val, strlen(val));
		t = close + 2;
	}
}

int
mail_text(struct buf *b, const char *tmpl, const struct tmpl_var *vars,
    size_t nvars)
{
	fill(b, tmpl, strlen(tmpl), vars, nvars, 0);
	return b->failed ? -1 : 0;
}

int
mail_html(struct buf *b, const char *tmpl, const struct tmpl_var *vars,
    size_t nvars)
{
	const char	*p = tmpl, *end;
	size_t		 n;

	while (*p != '\0') {
		while (*p == '\n')
			p++;
		if (*p == '\0')
			break;
		if ((end = strstr(p, "\n\n")) == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		while (n > 0 && p[n - 1] == '\n')
			n--;
		buf_adds(b, "<p>");
		fill(b, p, n, vars, nvars, 1);
		buf_adds(b, "</p>\n");
		p = end;
	}
	return b->failed ? -1 : 0;
}

const char *
mail_domain(const char *address)
{
	const char	*at = strrchr(address, '@');

	return at != NULL ? at + 1 : "";
}
