/*
 * mail.h: the site's e-mail messages as RFC 5322 text (contract §6).
 *
 * A message has the headers Date (UTC), From, To, Subject (RFC 2047
 * encoded words in UTF-8, folded), Message-ID, MIME-Version and
 * Auto-Submitted, and a multipart/alternative body: a text/plain and a
 * text/html part, both UTF-8 in base64 with CRLF line ends.  A message
 * with an attachment (a document's PDF) is multipart/mixed: that body,
 * then the file in base64.  What can be
 * folded is folded to lines of at most 78 characters (the Subject and the
 * sender's name; base64 in lines of 76); an address or the Message-ID
 * cannot be, so its line is as long as it is: no line of a message is
 * ever longer than RFC 5322's limit of 998 characters.
 *
 * Everything here is pure: the caller supplies the time and the random
 * parts (the Message-ID's left side, the boundary), so a message can be
 * checked byte for byte.  Addresses, the Message-ID and the boundary must
 * be printable ASCII without spaces; the texts valid UTF-8.  Nothing a
 * caller passes can add a header: a value that could is refused.
 *
 * Layer rules (lib/mail): may use lib/base; never I/O, the configuration,
 * the database or the web.
 */
#ifndef MAIL_H
#define MAIL_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "html.h"

#define MAIL_MAX	(2 * 1024 * 1024)	/* the largest message built */
#define MAIL_ATTACHMENT_MAX (1024 * 1024)	/* the largest file attached */
#define MAIL_BOUNDARY_MAX 60
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
	/* An attachment, or attachment NULL. */
	const void	*attachment;
	size_t		 attachment_len;	/* at most MAIL_ATTACHMENT_MAX */
	const char	*attachment_name;	/* 1-60 of [0-9A-Za-z._-] */
	const char	*attachment_type;	/* "application/pdf" */
};

/* Appends the whole message.  Returns 0, or -1 if a part is refused. */
int	mail_build(struct buf *, const struct mail_message *);

/* "Tue, 24 Nov 2026 05:00:00 +0000": the time in UTC, in English. */
void	mail_date(time_t, char out[MAIL_DATE_LEN]);

/*
 * Appends "Name: value" and CRLF, the value as RFC 2047 encoded words
 * ("=?UTF-8?B?...?=") if it is not plain ASCII, folded so that no line
 * passes 76 characters and no character is split; plain ASCII is folded
 * at its spaces so that no line passes 78 unless a single word is longer.
 * Returns 0, or -1 for a value with a control character or invalid UTF-8,
 * plain ASCII with a space at an end or two together, or a word that
 * would pass 998.
 */
int	mail_header(struct buf *, const char *name, const char *value);

/*
 * A message's texts, from the templates of its kind (templates/mail/,
 * compiled in):
 *
 *	mail/<kind>.txt		"Subject: " and the subject's template on the
 *				first line, a blank line, the plain-text body
 *	mail/<kind>.html	the HTML body (a fragment: paragraphs)
 *	mail/layout.txt		every plain-text part: {{{body}}}, the footer
 *	mail/layout.html	every HTML part: the document, <title>{{subject}},
 *				{{{body}}}, the footer
 *
 * rendered by the one template engine (html.h): the subject and the text
 * as TMPL_TEXT, the HTML as TMPL_HTML (every value escaped).  The
 * layouts see the message's variables and two more, set here: body (the
 * kind's body, rendered) and subject.
 *
 * The variables come from two sources: the event's data (the outbox row)
 * and the values the sender computes (links with their tokens, amounts,
 * the site's addresses).  A computed value always wins: mail_var_data()
 * never replaces a variable, mail_var_set() replaces a data value of its
 * name, so no key of the data can shadow a link or an amount.
 *
 * A render that does not fit fails; nothing is dropped or cut: a variable
 * over MAIL_VARS_MAX or a value over the set's store fails the set (and
 * the render), and so do a missing template and an output over its buffer.
 */
#define MAIL_VARS_MAX	64		/* variables of one message */
#define MAIL_STORE_MAX	8192		/* bytes of the values made here */
#define MAIL_SUBJECT_MAX 998		/* a header's line (RFC 5322 §2.1.1) */

struct mail_vars {
	struct tmpl_var	 v[MAIL_VARS_MAX];
	unsigned char	 computed[MAIL_VARS_MAX];
	size_t		 n;
	char		 store[MAIL_STORE_MAX];	/* copies of names and values */
	size_t		 used;
	int		 failed;	/* a variable did not fit */
};

void	mail_vars_init(struct mail_vars *);

/*
 * A value of the event's data: added unless a variable of the name is
 * there already.  name and value are kept, not copied.  Returns 0, or -1
 * (and fails the set) if it does not fit or name is NULL.
 */
int	mail_var_data(struct mail_vars *, const char *name, const char *value);

/*
 * A computed value: replaces any value of the name (the last computed
 * one counts).  name and value are kept, not copied.  0 or -1, as above.
 */
int	mail_var_set(struct mail_vars *, const char *name, const char *value);

/*
 * Formatted text kept in the set's store, for a name or a value made by
 * the caller; NULL (and the set failed) if it does not fit.
 */
const char *mail_var_printf(struct mail_vars *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* The value of a name, or NULL. */
const char *mail_var_get(const struct mail_vars *, const char *name);

/*
 * Renders the message of a kind into subject, text and html (appended;
 * the caller sizes them).  Returns 0, or -1 with *why saying what failed
 * (no address, no value: it may go to a log).
 */
int	mail_render(const char *kind, struct mail_vars *, struct buf *subject,
	    struct buf *text, struct buf *html, const char **why);

/* Whether the kind has both its templates (and may be rendered). */
int	mail_kind_known(const char *kind);

/* The domain of an address (after its last '@'), or "" if it has none. */
const char *mail_domain(const char *address);

#endif
