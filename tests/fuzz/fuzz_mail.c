/*
 * fuzz_mail.c: building a message (mail.h) out of hostile values.  The
 * input is split at NUL bytes into the message's parts (addresses, name,
 * subject, texts, Message-ID, boundary), then into the values of a mail
 * kind's variables, as an outbox row would carry them.  What mail.h
 * promises of a message it builds is checked: CRLF line ends only, no
 * line longer than MAIL_LINE (RFC 5322's 998), the Subject's lines folded
 * to MAIL_FOLD (78) unless one is a single word, the headers it names and
 * no other (nothing a caller passes adds a header), and its boundary only
 * where it belongs.
 */
#include "fuzz.h"
#include "mail.h"

#define MAIL_LINE	998	/* mail.h's promise, without the CRLF */
#define MAIL_FOLD	78	/* where a foldable header is folded */

static const char *const kinds[] = {
	"account_blocked", "license_ending", "password_reset",
	"payment_received", "refund_approved", "refund_paid",
	"refund_rejected", "refund_request_admin", "refund_requested",
	"verify_email",
};

/* The names the templates of templates/mail/ use. */
static const char *const names[] = {
	"login", "inv_id", "refund_id", "amount", "host", "requested",
	"support_email", "paid", "expires_time", "expires", "ends",
	"decided", "what", "site_url", "days_text", "checkout_url",
	"account_url", "user_id", "starts", "since", "reference",
	"recipient_iin_bin", "recipient", "reason_text", "reason", "plan",
	"order_amount", "merchant_name", "iban", "full_name", "ends_time",
	"email", "deadline", "days_used", "days_total", "bic", "body",
	"subject",
};

static const char *const headers[] = {
	"Date", "From", "Reply-To", "To", "Subject", "Message-ID",
	"MIME-Version", "Auto-Submitted", "Content-Type",
};
#define NHEADERS	(sizeof(headers) / sizeof(headers[0]))

/* Every line ends in CRLF and is at most MAIL_LINE long; returns lines. */
static size_t
check_lines(const char *s, size_t n)
{
	const char	*p = s, *end = s + n, *nl;
	size_t		 lines = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		FUZZ_ASSERT(nl != NULL && nl > p && nl[-1] == '\r');
		FUZZ_ASSERT(memchr(p, '\r', (size_t)(nl - 1 - p)) == NULL);
		if ((size_t)(nl - 1 - p) > MAIL_LINE)
			fprintf(stderr, "line of %zu: %.*s\n",
			    (size_t)(nl - 1 - p), (int)(nl - 1 - p), p);
		FUZZ_ASSERT((size_t)(nl - 1 - p) <= MAIL_LINE);
		p = nl + 1;
		lines++;
	}
	return lines;
}

static void
check_message(const struct buf *b, const struct mail_message *m)
{
	const char	*p, *end, *nl, *colon;
	size_t		 seen[NHEADERS] = { 0 }, i, blen, marks = 0;
	int		 subject = 0;

	FUZZ_ASSERT(b->len > 0 && strlen(b->data) == b->len);
	check_lines(b->data, b->len);
	/* The header section: known names only, each once. */
	for (p = b->data; (nl = strstr(p, "\r\n")) != p; p = nl + 2) {
		FUZZ_ASSERT(nl != NULL);
		if (*p == ' ' || *p == '\t') {
			/* Folded: a Subject line holds one word if it is long. */
			FUZZ_ASSERT(!subject || nl - p <= MAIL_FOLD ||
			    memchr(p + 1, ' ', (size_t)(nl - p - 1)) == NULL);
			continue;
		}
		subject = strncmp(p, "Subject:", 8) == 0;
		FUZZ_ASSERT(!subject || nl - p <= MAIL_FOLD ||
		    memchr(p + 9, ' ', (size_t)(nl - p - 9)) == NULL);
		colon = memchr(p, ':', (size_t)(nl - p));
		FUZZ_ASSERT(colon != NULL);
		for (i = 0; i < NHEADERS; i++)
			if ((size_t)(colon - p) == strlen(headers[i]) &&
			    strncmp(p, headers[i], strlen(headers[i])) == 0)
				break;
		FUZZ_ASSERT(i < NHEADERS);
		FUZZ_ASSERT(seen[i]++ == 0);
	}
	for (i = 0; i < NHEADERS; i++)
		FUZZ_ASSERT(seen[i] == (strcmp(headers[i], "Reply-To") != 0 ||
		    m->reply_to != NULL));
	/* The boundary: opening the two parts, closing the message. */
	blen = strlen(m->boundary);
	end = b->data + b->len;
	for (p = b->data; p < end; p = nl + 2) {
		nl = strstr(p, "\r\n");
		if (nl - p >= (ptrdiff_t)(2 + blen) && p[0] == '-' &&
		    p[1] == '-' && strncmp(p + 2, m->boundary, blen) == 0)
			marks++;
	}
	FUZZ_ASSERT(marks == 3);
}

static void
build(const struct mail_message *m)
{
	struct buf	b;

	buf_init(&b, MAIL_MAX);
	if (mail_build(&b, m) == 0)
		check_message(&b, m);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct mail_message	 m;
	struct mail_vars	 vs;
	struct buf		 h, subject, text, html;
	const char		*part[14], *why, *kind;
	char			*mem, date[MAIL_DATE_LEN];
	size_t			 i;
	time_t			 t = 0;

	fuzz_split(data, n, &mem, part, 14);
	memset(&m, 0, sizeof(m));
	m.from = part[0];
	m.from_name = *part[1] != '\0' ? part[1] : NULL;
	m.reply_to = *part[2] != '\0' ? part[2] : NULL;
	m.to = part[3];
	m.subject = part[4];
	m.text = part[5];
	m.html = part[6];
	m.message_id = part[7];
	m.boundary = part[8];
	for (i = 0; i < sizeof(t) && i < n; i++)
		t = (time_t)((unsigned long long)t << 8 | data[i]);
	m.date = t;
	mail_date(t, date);
	FUZZ_ASSERT(strlen(date) < MAIL_DATE_LEN);
	build(&m);

	/* One header alone. */
	buf_init(&h, 4096);
	if (mail_header(&h, "Subject", part[4]) == 0)
		check_lines(h.data, h.len);
	buf_free(&h);
	(void)mail_domain(part[0]);

	/* The pipeline: a kind's templates, the values from the data. */
	kind = kinds[(n > 0 ? data[n - 1] : 0) % (sizeof(kinds) /
	    sizeof(kinds[0]))];
	mail_vars_init(&vs);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		(void)mail_var_data(&vs, names[i], part[9 + i % 5]);
	(void)mail_var_set(&vs, "link_url", "https://example.kz/reset?t=x");
	buf_init(&subject, MAIL_SUBJECT_MAX);
	buf_init(&text, MAIL_MAX);
	buf_init(&html, MAIL_MAX);
	if (mail_render(kind, &vs, &subject, &text, &html, &why) == 0) {
		FUZZ_ASSERT(why == NULL);
		FUZZ_ASSERT(strpbrk(buf_str(&subject), "\r\n") == NULL);
		FUZZ_ASSERT(strcmp(mail_var_get(&vs, "link_url"),
		    "https://example.kz/reset?t=x") == 0);
		m.from = "noreply@example.kz";
		m.from_name = "Amobill";
		m.reply_to = "support@example.kz";
		m.to = "user@example.kz";
		m.subject = buf_str(&subject);
		m.text = buf_str(&text);
		m.html = buf_str(&html);
		m.message_id = "0123456789abcdef@example.kz";
		m.boundary = "b-0123456789";
		build(&m);
	} else
		FUZZ_ASSERT(why != NULL);
	buf_free(&subject);
	buf_free(&text);
	buf_free(&html);
	free(mem);
	return 0;
}
