/*
 * mail.c: messages as RFC 5322 and MIME text; see mail.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "mail.h"
#include "utf8.h"

#define LINE_SOFT	76	/* encoded-word lines (RFC 2047 §2) */
#define LINE_FOLD	78	/* a header line folded at a space (RFC 5322 §2.1.1) */
#define LINE_HARD	998	/* the longest line there may be (RFC 5322 §2.1.1) */
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

/*
 * Appends plain ASCII text after a header's colon, each word after its
 * space, on a line that already has used columns: a word that would pass
 * LINE_FOLD starts a new line, its space becoming the fold (RFC 5322's
 * unfolding removes only the CRLF).  Words are separated by one space; a
 * value with a space at either end or two together is refused, as is a
 * word too long for LINE_HARD.  Returns 0 or -1.
 */
static int
folded_words(struct buf *b, const char *s, size_t used)
{
	const char	*sp;
	size_t		 n;
	int		 first = 1;

	for (;;) {
		sp = strchr(s, ' ');
		n = sp != NULL ? (size_t)(sp - s) : strlen(s);
		if (n == 0 && !(first && sp == NULL))
			return -1;	/* a space at an end, or two */
		if (!first && used + 1 + n > LINE_FOLD) {
			buf_adds(b, "\r\n");
			used = 0;
		}
		if (used + 1 + n > LINE_HARD)
			return -1;
		buf_adds(b, " ");
		buf_add(b, s, n);
		used += 1 + n;
		first = 0;
		if (sp == NULL)
			break;
		s = sp + 1;
	}
	return b->failed ? -1 : 0;
}

int
mail_header(struct buf *b, const char *name, const char *value)
{
	if (!line_ok(value) || strlen(name) > 40)
		return -1;
	buf_printf(b, "%s:", name);
	if (plain_ascii(value)) {
		if (folded_words(b, value, strlen(name) + 1) == -1)
			return -1;
	} else {
		buf_adds(b, " ");
		if (encoded_words(b, value, strlen(name) + 2) == -1)
			return -1;
	}
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

/* Bytes in base64, in lines of B64_LINE. */
static int
base64_lines(struct buf *b, const void *p, size_t len)
{
	char	*enc;
	size_t	 n, i;
	int	 rc = -1;

	if ((enc = malloc(B64_LEN(len))) == NULL)
		return -1;
	if ((n = b64_encode(enc, B64_LEN(len), p, len)) == (size_t)-1)
		goto out;
	for (i = 0; i < n; i += B64_LINE) {
		buf_add(b, enc + i, n - i < B64_LINE ? n - i : B64_LINE);
		buf_adds(b, "\r\n");
	}
	rc = b->failed ? -1 : 0;
out:
	free(enc);
	return rc;
}

/* The text with CRLF line ends, in base64. */
static int
base64_part(struct buf *b, const char *text)
{
	struct buf	 crlf;
	int		 rc = -1;

	buf_init(&crlf, MAIL_MAX);
	for (; *text != '\0'; text++) {
		if (*text == '\n')
			buf_add(&crlf, "\r\n", 2);
		else if (*text != '\r')
			buf_add(&crlf, text, 1);
	}
	if (!crlf.failed)
		rc = base64_lines(b, buf_str(&crlf), crlf.len);
	buf_free(&crlf);
	return rc;
}

static int
boundary_ok(const char *s)
{
	return atom_ok(s, 60) && strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz._-") == strlen(s);
}

/*
 * The two texts as multipart/alternative, its boundary bnd; with an
 * attachment the caller has opened the multipart/mixed around it.
 */
static int
alternative(struct buf *b, const struct mail_message *m, const char *bnd)
{
	buf_printf(b, "Content-Type: multipart/alternative;\r\n"
	    " boundary=\"%s\"\r\n\r\n", bnd);
	buf_printf(b, "--%s\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", bnd);
	if (base64_part(b, m->text) == -1)
		return -1;
	buf_printf(b, "--%s\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", bnd);
	if (base64_part(b, m->html) == -1)
		return -1;
	buf_printf(b, "--%s--\r\n", bnd);
	return b->failed ? -1 : 0;
}

int
mail_build(struct buf *b, const struct mail_message *m)
{
	char	date[MAIL_DATE_LEN], inner[MAIL_BOUNDARY_MAX + 3];
	int	attached = m->attachment != NULL;

	if (!atom_ok(m->from, 254) || !atom_ok(m->to, 254) ||
	    (m->reply_to != NULL && !atom_ok(m->reply_to, 254)) ||
	    !atom_ok(m->message_id, 200) || !boundary_ok(m->boundary) ||
	    !utf8_valid(m->text, strlen(m->text)) ||
	    !utf8_valid(m->html, strlen(m->html)))
		return -1;
	/* A file name needs no quoting or encoding: a boundary's alphabet. */
	if (attached && (m->attachment_len > MAIL_ATTACHMENT_MAX ||
	    m->attachment_name == NULL || !boundary_ok(m->attachment_name) ||
	    m->attachment_type == NULL || !atom_ok(m->attachment_type, 100)))
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
	if (!attached)
		return alternative(b, m, m->boundary);
	snprintf(inner, sizeof(inner), "%s.a", m->boundary);
	buf_printf(b, "Content-Type: multipart/mixed;\r\n"
	    " boundary=\"%s\"\r\n\r\n--%s\r\n", m->boundary, m->boundary);
	if (alternative(b, m, inner) == -1)
		return -1;
	buf_printf(b, "--%s\r\n"
	    "Content-Type: %s; name=\"%s\"\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", m->boundary,
	    m->attachment_type, m->attachment_name, m->attachment_name);
	if (base64_lines(b, m->attachment, m->attachment_len) == -1)
		return -1;
	buf_printf(b, "--%s--\r\n", m->boundary);
	return b->failed ? -1 : 0;
}

/* ---- the texts of a message ---- */

void
mail_vars_init(struct mail_vars *vs)
{
	memset(vs, 0, sizeof(*vs));
}

static int
var_find(const struct mail_vars *vs, const char *name)
{
	size_t	i;

	for (i = 0; i < vs->n; i++)
		if (strcmp(vs->v[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Copies s into the store; NULL (and the set failed) if it is full. */
static const char *
keep(struct mail_vars *vs, const char *s, size_t n)
{
	char	*p;

	if (vs->failed || n >= sizeof(vs->store) - vs->used) {
		vs->failed = 1;
		return NULL;
	}
	p = vs->store + vs->used;
	memcpy(p, s, n);
	p[n] = '\0';
	vs->used += n + 1;
	return p;
}

/* The one place a variable is put: the rule of which value wins. */
static int
put(struct mail_vars *vs, int computed, const char *name, const char *value)
{
	int	i;

	/* NULL: a name that mail_var_printf() could not keep. */
	if (vs->failed || name == NULL)
		return vs->failed = 1, -1;
	if ((i = var_find(vs, name)) != -1) {
		/* Data never replaces; a computed value always does. */
		if (computed) {
			vs->v[i].value = value;
			vs->computed[i] = 1;
		}
		return 0;
	}
	if (vs->n == MAIL_VARS_MAX)
		return vs->failed = 1, -1;
	vs->v[vs->n] = (struct tmpl_var){ name, value };
	vs->computed[vs->n++] = (unsigned char)computed;
	return 0;
}

int
mail_var_data(struct mail_vars *vs, const char *name, const char *value)
{
	return put(vs, 0, name, value);
}

int
mail_var_set(struct mail_vars *vs, const char *name, const char *value)
{
	return put(vs, 1, name, value);
}

const char *
mail_var_printf(struct mail_vars *vs, const char *fmt, ...)
{
	char	text[MAIL_STORE_MAX];
	va_list	ap;
	int	len;

	va_start(ap, fmt);
	len = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(text)) {
		vs->failed = 1;
		return NULL;
	}
	return keep(vs, text, (size_t)len);
}

const char *
mail_var_get(const struct mail_vars *vs, const char *name)
{
	int	i = var_find(vs, name);

	return i == -1 ? NULL : vs->v[i].value ? vs->v[i].value : "";
}

/* The compiled-in template mail/<kind><ext>, or NULL. */
static const char *
kind_template(const char *kind, const char *ext)
{
	char	path[96];
	int	n;

	n = snprintf(path, sizeof(path), "mail/%s%s", kind, ext);
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    strspn(kind, "abcdefghijklmnopqrstuvwxyz_") != strlen(kind) ||
	    strcmp(kind, "layout") == 0)
		return NULL;
	return tmpl_get(path);
}

int
mail_kind_known(const char *kind)
{
	const char	*txt = kind_template(kind, ".txt");

	return txt != NULL && strncmp(txt, "Subject: ", 9) == 0 &&
	    strchr(txt, '\n') != NULL && kind_template(kind, ".html") != NULL;
}

/* A variable that pointed into a buffer now points nowhere. */
static void
unpoint(struct mail_vars *vs, const char *name)
{
	int	i;

	if ((i = var_find(vs, name)) != -1)
		vs->v[i].value = NULL;
}

/* Empties b, first overwriting what it held (it may hold a token). */
static void
wipe(struct buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->len);
	buf_reset(b);
}

/* Drops the line ends at the end of b (a template file's last LF). */
static void
trim_lf(struct buf *b)
{
	while (b->len > 0 && b->data[b->len - 1] == '\n')
		b->data[--b->len] = '\0';
}

int
mail_render(const char *kind, struct mail_vars *vs, struct buf *subject,
    struct buf *text, struct buf *html, const char **why)
{
	const char	*txt, *body_html, *nl, *layout_txt, *layout_html;
	struct buf	 line, body;
	int		 rc = -1;

	buf_init(&line, MAIL_SUBJECT_MAX);
	buf_init(&body, MAIL_MAX);
	*why = "a template is missing";
	if (!mail_kind_known(kind) ||
	    (layout_txt = tmpl_get("mail/layout.txt")) == NULL ||
	    (layout_html = tmpl_get("mail/layout.html")) == NULL)
		goto out;
	txt = kind_template(kind, ".txt");
	body_html = kind_template(kind, ".html");
	*why = "the variables do not fit";
	if (vs->failed)
		goto out;

	/* The subject: one line, filled in. */
	*why = "the subject is too long";
	nl = strchr(txt, '\n');
	if (buf_add(&line, txt + 9, (size_t)(nl - txt - 9)) == -1 ||
	    tmpl_fill(subject, buf_str(&line), TMPL_TEXT, vs->v, vs->n) == -1)
		goto out;
	*why = "the subject is empty or more than a line";
	if (subject->len == 0 || strpbrk(buf_str(subject), "\r\n") != NULL)
		goto out;
	for (txt = nl + 1; *txt == '\n'; txt++)
		;

	*why = "the message is too long";
	if (tmpl_fill(&body, txt, TMPL_TEXT, vs->v, vs->n) == -1)
		goto out;
	trim_lf(&body);
	if (mail_var_set(vs, "body", buf_str(&body)) == -1 ||
	    mail_var_set(vs, "subject", buf_str(subject)) == -1) {
		*why = "the variables do not fit";
		goto out;
	}
	if (tmpl_fill(text, layout_txt, TMPL_TEXT, vs->v, vs->n) == -1)
		goto out;

	unpoint(vs, "body");
	wipe(&body);
	if (tmpl_fill(&body, body_html, TMPL_HTML, vs->v, vs->n) == -1 ||
	    mail_var_set(vs, "body", buf_str(&body)) == -1 ||
	    tmpl_fill(html, layout_html, TMPL_HTML, vs->v, vs->n) == -1)
		goto out;
	*why = NULL;
	rc = 0;
out:
	/* The set points into buffers that end here. */
	unpoint(vs, "body");
	unpoint(vs, "subject");
	wipe(&body);
	buf_free(&line);
	buf_free(&body);
	return rc;
}

const char *
mail_domain(const char *address)
{
	const char	*at = strrchr(address, '@');

	return at != NULL ? at + 1 : "";
}
