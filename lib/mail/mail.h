/*
 * mail.h: the site's e-mail messages as RFC 5322 text (contract §6).
 *
 * A message has the headers Date (UTC), From, To, Subject (RFC 2047
 * encoded words in UTF-8, folded), Message-ID, MIME-Version and
 * Auto-Submitted, and a multipart/alternative body: a text/plain and a
 * text/html part, both UTF-8 in base64 with CRLF line ends.  No line is
 * longer than 78 characters.
 *
 * Everything here is pure: the caller supplies the time and the random
 * parts (the Message-ID's left side, the boundary), so a message can be
 * checked byte for byte.  Addresses, the Message-ID and the boundary must
 * be printable ASCII without spaces; the texts valid UTF-8.  Nothing a
 * caller passes can add a header: a value that could is refused.
 */
#ifndef MAIL_H
#define MAIL_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "html.h"

#define MAIL_MAX	(512 * 1024)	/* the largest message built */
#define MAIL_DATE_LEN	32		/* an RFC 5322 date, with the NUL */

struct mail_message {
	const char	*from;		/* address */
	const char	*from_name;	/* display name (UTF-8), or NULL */
	const char	*reply_to;	/* address, or NULL */
	const char	*to;		/* address */
	const char	*subject;	/* UTF-8, one line */
	const char	*text;		/* UTF-8, lines ending in LF */
	const char	*html;		/* UTF-8, a whole HTML document */
	time_t		 date;
	const char	*message_id;	/* "random@domain", no angle brackets */
	const char	*boundary;	/* 1-60 of [0-9A-Za-z._-] */
};

/* Appends the whole message.  Returns 0, or -1 if a part is refused. */
int	mail_build(struct buf *, const struct mail_message *);

/* "Tue, 24 Nov 2026 05:00:00 +0000": the time in UTC, in English. */
void	mail_date(time_t, char out[MAIL_DATE_LEN]);

/*
 * Appends "Name: value" and CRLF, the value as RFC 2047 encoded words
 * ("=?UTF-8?B?...?=") if it is not plain ASCII, folded so that no line
 * passes 76 characters and no character is split.  Returns 0 or -1.
 */
int	mail_header(struct buf *, const char *name, const char *value);

/*
 * A message's text from a template: plain text with {{name}}
 * placeholders, paragraphs separated by a blank line.  A placeholder with
 * no variable becomes empty.
 *
 * mail_text() fills the values in as they are.  mail_html() makes each
 * paragraph a <p> with its lines joined by <br>, escapes the template's
 * text and every value, and shows a value whose name ends in "_url" as a
 * link to itself.  Both return 0 or -1.
 */
int	mail_text(struct buf *, const char *tmpl, const struct tmpl_var *,
	    size_t nvars);
int	mail_html(struct buf *, const char *tmpl, const struct tmpl_var *,
	    size_t nvars);

/* The domain of an address (after its last '@'), or "" if it has none. */
const char *mail_domain(const char *address);

#endif
