/*
 * test_mail.c: the messages' text: dates, encoded headers that never split
 * a character or pass a line's length, the MIME structure, refusal of
 * anything that could add a header, the variables (a computed value wins
 * over any key of the data) and the templates of templates/mail/ rendered
 * in text and HTML, failing whole when they do not fit.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "mail.h"
#include "utf8.h"

#define NVARS(a)	(sizeof(a) / sizeof((a)[0]))

/* A base64 decoder of our own, so the test does not trust the library's. */
static size_t
unbase64(const char *s, size_t n, char *out)
{
	static const char	 alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const char		*p;
	uint32_t		 acc = 0;
	size_t			 i, o = 0;
	int			 bits = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '=' || s[i] == '\r' || s[i] == '\n')
			continue;
		if ((p = strchr(alphabet, s[i])) == NULL)
			return (size_t)-1;
		acc = acc << 6 | (uint32_t)(p - alphabet);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = '\0';
	return o;
}

/* Every line ends in CRLF, none is longer than max, no bare CR or LF. */
static int
lines_ok(const char *s, size_t max)
{
	const char	*line = s, *crlf;

	while (*line != '\0') {
		if ((crlf = strstr(line, "\r\n")) == NULL)
			return 0;
		if ((size_t)(crlf - line) > max ||
		    memchr(line, '\n', (size_t)(crlf - line)) != NULL ||
		    memchr(line, '\r', (size_t)(crlf - line)) != NULL)
			return 0;
		line = crlf + 2;
	}
	return 1;
}

/*
 * Decodes the encoded words of a header's value (after "Name: "),
 * checking that each holds whole characters.  Returns the text, or NULL.
 */
static char *
decode_words(const char *v)
{
	static char	 out[4096];
	char		 word[512];
	const char	*p = v, *end;
	size_t		 o = 0, n;

	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		p += 10;
		if ((end = strstr(p, "?=")) == NULL)
			return NULL;
		n = unbase64(p, (size_t)(end - p), word);
		if (n == (size_t)-1 || !utf8_valid(word, n) ||
		    o + n >= sizeof(out))
			return NULL;
		memcpy(out + o, word, n);
		o += n;
		p = end + 2;
	}
	out[o] = '\0';
	return out;
}

static void
test_date(void)
{
	char	d[MAIL_DATE_LEN];

	mail_date(0, d);
	CHECK_STR(d, "Thu, 01 Jan 1970 00:00:00 +0000");
	mail_date(1700000000, d);
	CHECK_STR(d, "Tue, 14 Nov 2023 22:13:20 +0000");
	mail_date(1798761599, d);
	CHECK_STR(d, "Thu, 31 Dec 2026 23:59:59 +0000");
}

static void
test_header(void)
{
	static const char	 ru[] = "Оплата заказа № 1000001 получена";
	static const char	 emoji[] = "🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂"
				    "🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂";
	struct buf		 b;
	char			 long_ru[2048];
	size_t			 i, n;

	buf_init(&b, 8192);
	CHECK(mail_header(&b, "Subject", "Hello") == 0);
	CHECK_STR(buf_str(&b), "Subject: Hello\r\n");

	buf_reset(&b);
	CHECK(mail_header(&b, "Subject", ru) == 0);
	CHECK(strncmp(buf_str(&b), "Subject: =?UTF-8?B?", 19) == 0);
	CHECK(lines_ok(buf_str(&b), 76));
	CHECK_STR(decode_words(buf_str(&b)), ru);

	/* Long: folded, every word whole characters, lines within 76. */
	for (i = 0, n = 0; i < 20; i++)
		n += (size_t)snprintf(long_ru + n, sizeof(long_ru) - n, "%s",
		    "Лицензия заканчивается ");
	buf_reset(&b);
	CHECK(mail_header(&b, "Subject", long_ru) == 0);
	CHECK(lines_ok(buf_str(&b), 76));
	CHECK(strstr(buf_str(&b), "\r\n =?UTF-8?B?") != NULL);
	CHECK_STR(decode_words(buf_str(&b)), long_ru);

	/* Four-byte characters are never cut. */
	buf_reset(&b);
	CHECK(mail_header(&b, "Subject", emoji) == 0);
	CHECK(lines_ok(buf_str(&b), 76));
	CHECK_STR(decode_words(buf_str(&b)), emoji);

	/* Plain ASCII folds at a space, never inside a word. */
	buf_reset(&b);
	CHECK(mail_header(&b, "Subject", "Your license for mycompany.amocrm.ru "
	    "ends in seven days; renew it in the cabinet to keep every widget") ==
	    0);
	CHECK_STR(buf_str(&b), "Subject: Your license for mycompany.amocrm.ru "
	    "ends in seven days; renew it in\r\n the cabinet to keep every "
	    "widget\r\n");
	CHECK(lines_ok(buf_str(&b), 78));
	/* A word too long for a line stands alone; past 998 it is refused. */
	memset(long_ru, 'x', 980);
	long_ru[980] = '\0';
	buf_reset(&b);
	CHECK(mail_header(&b, "Subject", long_ru) == 0);
	CHECK(strlen(buf_str(&b)) == 9 + 980 + 2);
	memset(long_ru, 'x', 1000);
	long_ru[1000] = '\0';
	CHECK(mail_header(&b, "Subject", long_ru) == -1);
	/* Spaces at an end or two together would fold into a blank line. */
	CHECK(mail_header(&b, "Subject", "two  spaces") == -1);
	CHECK(mail_header(&b, "Subject", " leading") == -1);
	CHECK(mail_header(&b, "Subject", "trailing ") == -1);

	/* Nothing can start a header of its own. */
	buf_reset(&b);
	CHECK(mail_header(&b, "Subject", "Hi\r\nBcc: x@example.kz") == -1);
	CHECK(mail_header(&b, "Subject", "Привет\nBcc: x") == -1);
	CHECK(mail_header(&b, "Subject", "bad \xff utf-8") == -1);
	buf_free(&b);
}

static struct mail_message
sample(void)
{
	return (struct mail_message){
		.from = "noreply@example.kz",
		.from_name = "ИП «Образец»",
		.reply_to = "support@example.kz",
		.to = "ivan@example.kz",
		.subject = "Восстановление пароля",
		.text = "Здравствуйте!\n\nСсылка: https://example.kz/x\n",
		.html = "<!doctype html>\n<p>Здравствуйте!</p>\n",
		.date = 1700000000,
		.message_id = "0123abcd.1700000000@example.kz",
		.boundary = "amobill-0123456789ab",
	};
}

/* The decoded body of the part whose Content-Type starts with type. */
static const char *
part(const char *msg, const char *type, char *out)
{
	char		 head[128];
	const char	*p, *body, *end;

	snprintf(head, sizeof(head), "Content-Type: %s", type);
	if ((p = strstr(msg, head)) == NULL ||
	    (body = strstr(p, "\r\n\r\n")) == NULL ||
	    (end = strstr(body, "\r\n--amobill-0123456789ab")) == NULL)
		return NULL;
	body += 4;
	return unbase64(body, (size_t)(end - body), out) == (size_t)-1 ?
	    NULL : out;
}

static void
test_build(void)
{
	struct mail_message	 m = sample();
	struct buf		 b;
	const char		*s, *from;
	char			 dec[4096];

	buf_init(&b, MAIL_MAX);
	CHECK(mail_build(&b, &m) == 0);
	s = buf_str(&b);
	CHECK(lines_ok(s, 78));
	CHECK(strncmp(s, "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n", 39) == 0);
	CHECK(strstr(s, "\r\nTo: ivan@example.kz\r\n") != NULL);
	CHECK(strstr(s, "\r\nReply-To: support@example.kz\r\n") != NULL);
	CHECK(strstr(s, "\r\nMessage-ID: <0123abcd.1700000000@example.kz>\r\n")
	    != NULL);
	CHECK(strstr(s, "\r\nMIME-Version: 1.0\r\n") != NULL);
	CHECK(strstr(s, "multipart/alternative;\r\n boundary=\""
	    "amobill-0123456789ab\"\r\n\r\n") != NULL);
	CHECK((from = strstr(s, "\r\nFrom: =?UTF-8?B?")) != NULL);
	CHECK(from != NULL && strstr(from, " <noreply@example.kz>\r\n") !=
	    NULL);
	CHECK(strstr(s, "\r\n--amobill-0123456789ab--\r\n") != NULL);
	/* The header block ends before the first part. */
	CHECK(strstr(s, "\r\n\r\n") < strstr(s, "--amobill-0123456789ab"));
	CHECK_STR(part(s, "text/plain; charset=utf-8", dec),
	    "Здравствуйте!\r\n\r\nСсылка: https://example.kz/x\r\n");
	CHECK_STR(part(s, "text/html; charset=utf-8", dec),
	    "<!doctype html>\r\n<p>Здравствуйте!</p>\r\n");
	/* Only ASCII on the wire. */
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			break;
	CHECK(*s == '\0');
	buf_free(&b);
}

static void
test_build_long_body(void)
{
	struct mail_message	 m = sample();
	struct buf		 b, text;
	size_t			 i;

	buf_init(&text, 64 * 1024);
	for (i = 0; i < 400; i++)
		buf_adds(&text, "Строка без переносов, очень длинная. ");
	m.text = buf_str(&text);
	buf_init(&b, MAIL_MAX);
	CHECK(mail_build(&b, &m) == 0);
	CHECK(lines_ok(buf_str(&b), 78));
	buf_free(&b);
	buf_free(&text);
}

static void
test_build_attachment(void)
{
	struct mail_message	 m = sample();
	struct buf		 b;
	const char		*s, *alt, *pdf;
	char			 dec[4096];
	static const char	 file[] = "%PDF-1.5\n\0\xff binary\r\n";

	m.attachment = file;
	m.attachment_len = sizeof(file) - 1;
	m.attachment_name = "invoice-2026-000001.pdf";
	m.attachment_type = "application/pdf";
	buf_init(&b, MAIL_MAX);
	CHECK(mail_build(&b, &m) == 0);
	s = buf_str(&b);
	CHECK(lines_ok(s, 78));
	CHECK(strstr(s, "\r\nContent-Type: multipart/mixed;\r\n boundary=\""
	    "amobill-0123456789ab\"\r\n\r\n--amobill-0123456789ab\r\n"
	    "Content-Type: multipart/alternative;\r\n boundary=\""
	    "amobill-0123456789ab.a\"\r\n") != NULL);
	/* The texts first, as alternatives, then the file. */
	CHECK((alt = strstr(s, "--amobill-0123456789ab.a--\r\n")) != NULL);
	CHECK((pdf = strstr(s, "Content-Type: application/pdf; name=\""
	    "invoice-2026-000001.pdf\"\r\nContent-Disposition: attachment; "
	    "filename=\"invoice-2026-000001.pdf\"\r\n")) != NULL);
	CHECK(alt != NULL && pdf != NULL && alt < pdf);
	CHECK_STR(part(s, "text/plain; charset=utf-8", dec),
	    "Здравствуйте!\r\n\r\nСсылка: https://example.kz/x\r\n");
	CHECK(part(s, "application/pdf", dec) != NULL &&
	    memcmp(dec, file, sizeof(file) - 1) == 0);
	CHECK(strstr(s, "\r\n--amobill-0123456789ab--\r\n") != NULL);
	/* A name that would need quoting, or a file too large: refused. */
	m.attachment_name = "счёт.pdf";
	CHECK(mail_build(&b, &m) == -1);
	m.attachment_name = "a\"b.pdf";
	CHECK(mail_build(&b, &m) == -1);
	m.attachment_name = "invoice.pdf";
	m.attachment_type = "application/pdf\r\nBcc: x";
	CHECK(mail_build(&b, &m) == -1);
	m.attachment_type = "application/pdf";
	m.attachment_len = MAIL_ATTACHMENT_MAX + 1;
	CHECK(mail_build(&b, &m) == -1);
	buf_free(&b);
}

static void
test_build_refuses(void)
{
	struct mail_message	 m;
	struct buf		 b;

	buf_init(&b, MAIL_MAX);
	m = sample();
	m.to = "ivan@example.kz\r\nBcc: all@example.kz";
	CHECK(mail_build(&b, &m) == -1);
	m = sample();
	m.to = "ivan @example.kz";
	CHECK(mail_build(&b, &m) == -1);
	m = sample();
	m.from = "";
	CHECK(mail_build(&b, &m) == -1);
	m = sample();
	m.boundary = "a\"b";
	CHECK(mail_build(&b, &m) == -1);
	m = sample();
	m.message_id = "x y@example.kz";
	CHECK(mail_build(&b, &m) == -1);
	m = sample();
	m.subject = "Тема\r\nTo: other@example.kz";
	CHECK(mail_build(&b, &m) == -1);
	m = sample();
	m.text = "bad \xc3\x28 utf-8";
	CHECK(mail_build(&b, &m) == -1);
	m = sample();
	m.from_name = "Имя\nBcc: x";
	CHECK(mail_build(&b, &m) == -1);
	/* Without a display name, the address alone. */
	buf_reset(&b);
	m = sample();
	m.from_name = NULL;
	CHECK(mail_build(&b, &m) == 0);
	CHECK(strstr(buf_str(&b), "\r\nFrom: noreply@example.kz\r\n") != NULL);
	buf_free(&b);
}

/* Which value wins: a computed one, whatever the data holds. */
static void
test_vars(void)
{
	struct mail_vars	*vs = malloc(sizeof(*vs));
	size_t			 i;

	CHECK(vs != NULL);
	if (vs == NULL)
		return;
	mail_vars_init(vs);
	/* Data first, computed after: the computed value replaces it. */
	CHECK(mail_var_data(vs, "link_url", "https://evil.example/") == 0);
	CHECK(mail_var_set(vs, "link_url", "https://example.kz/x?token=t") ==
	    0);
	CHECK_STR(mail_var_get(vs, "link_url"), "https://example.kz/x?token=t");
	/* Computed first, data after: the data is ignored. */
	CHECK(mail_var_set(vs, "amount", mail_var_printf(vs, "%d ₸", 60)) ==
	    0);
	CHECK(mail_var_data(vs, "amount", "0 ₸") == 0);
	CHECK(mail_var_data(vs, "amount", mail_var_printf(vs, "%d", 1)) == 0);
	CHECK_STR(mail_var_get(vs, "amount"), "60 ₸");
	/* Data never replaces data either: the first counts. */
	CHECK(mail_var_data(vs, "login", "ivan") == 0);
	CHECK(mail_var_data(vs, "login", "petr") == 0);
	CHECK_STR(mail_var_get(vs, "login"), "ivan");
	/* The last computed value counts. */
	CHECK(mail_var_set(vs, "site_url", "a") == 0);
	CHECK(mail_var_set(vs, "site_url", "b") == 0);
	CHECK_STR(mail_var_get(vs, "site_url"), "b");
	CHECK(mail_var_get(vs, "nosuch") == NULL);
	CHECK(mail_var_set(vs, "empty", NULL) == 0);
	CHECK_STR(mail_var_get(vs, "empty"), "");
	CHECK(vs->n == 5 && !vs->failed);

	/* One variable too many fails the set, not drops the variable. */
	for (i = vs->n; i < MAIL_VARS_MAX; i++)
		CHECK(mail_var_set(vs, mail_var_printf(vs, "v%zu", i), "x") ==
		    0);
	CHECK(!vs->failed);
	CHECK(mail_var_data(vs, "one_more", "x") == -1);
	CHECK(vs->failed);
	/* A known name is still refused once the set failed. */
	CHECK(mail_var_set(vs, "login", "x") == -1);

	/* A value over the store fails it too, and what uses it. */
	mail_vars_init(vs);
	CHECK(mail_var_printf(vs, "%*s", MAIL_STORE_MAX, "x") == NULL);
	CHECK(vs->failed);
	mail_vars_init(vs);
	CHECK(mail_var_printf(vs, "%*s", MAIL_STORE_MAX / 2, "x") != NULL);
	CHECK(!vs->failed);
	CHECK(mail_var_set(vs, "half2", mail_var_printf(vs, "%*s",
	    MAIL_STORE_MAX / 2, "x")) == -1);
	CHECK(vs->failed);
	/* A name that could not be kept fails the set as well. */
	mail_vars_init(vs);
	CHECK(mail_var_data(vs, NULL, "x") == -1);
	CHECK(vs->failed);
	free(vs);
}

/* The variables of a password reset, with hostile keys in the data. */
static void
reset_vars(struct mail_vars *vs)
{
	mail_vars_init(vs);
	/* The event's data, as a hostile row could hold it. */
	mail_var_data(vs, "login", "<ivan>");
	mail_var_data(vs, "link_url", "https://evil.example/steal");
	mail_var_data(vs, "body", "EVIL BODY");
	mail_var_data(vs, "subject", "EVIL SUBJECT");
	mail_var_data(vs, "site_url", "https://evil.example/");
	mail_var_data(vs, "support_email", "evil@evil.example");
	mail_var_data(vs, "expires", "never");
	/* What the mailer computes. */
	mail_var_set(vs, "merchant_name", "ИП «Образец»");
	mail_var_set(vs, "support_email", "support@example.kz");
	mail_var_set(vs, "site_url", "https://example.kz/");
	mail_var_set(vs, "link_url",
	    "https://example.kz/password/reset?token=a&b");
	mail_var_set(vs, "expires", "05.03.2026");
	mail_var_set(vs, "expires_time", "09:30");
}

static void
test_render(void)
{
	struct mail_vars	*vs = malloc(sizeof(*vs));
	struct buf		 subject, text, html;
	const char		*why = "unset";

	CHECK(vs != NULL);
	if (vs == NULL)
		return;
	reset_vars(vs);
	buf_init(&subject, MAIL_SUBJECT_MAX);
	buf_init(&text, MAIL_MAX);
	buf_init(&html, MAIL_MAX);
	CHECK(mail_render("password_reset", vs, &subject, &text, &html,
	    &why) == 0);
	CHECK(why == NULL);
	CHECK_STR(buf_str(&subject), "Восстановление пароля");
	/* Text: values as they are, the computed link, the footer. */
	CHECK(strncmp(buf_str(&text), "Здравствуйте, <ivan>!\n\n", 34) == 0);
	CHECK(strstr(buf_str(&text),
	    "\n\nhttps://example.kz/password/reset?token=a&b\n\n") != NULL);
	CHECK(strstr(buf_str(&text), "до 05.03.2026 09:30 по времени") !=
	    NULL);
	CHECK(strstr(buf_str(&text), "останется прежним.\n\n"
	    "С уважением,\nИП «Образец»\nhttps://example.kz/\n"
	    "Поддержка: support@example.kz\n") != NULL);
	CHECK(strstr(buf_str(&text), "{{") == NULL);
	/* HTML: every value escaped, the link a link, in the layout. */
	CHECK(strncmp(buf_str(&html), "<!doctype html>\n<html lang=\"ru\">",
	    31) == 0);
	CHECK(strstr(buf_str(&html), "<title>Восстановление пароля</title>")
	    != NULL);
	CHECK(strstr(buf_str(&html), "Здравствуйте, &lt;ivan&gt;!") != NULL);
	CHECK(strstr(buf_str(&html), "<ivan>") == NULL);
	CHECK(strstr(buf_str(&html), "<a href=\"https://example.kz/password/"
	    "reset?token=a&amp;b\">https://example.kz/password/reset?token="
	    "a&amp;b</a>") != NULL);
	CHECK(strstr(buf_str(&html), "{{") == NULL);
	/* No key of the data shadowed a computed value. */
	CHECK(strstr(buf_str(&subject), "EVIL") == NULL);
	CHECK(strstr(buf_str(&text), "evil") == NULL);
	CHECK(strstr(buf_str(&text), "EVIL") == NULL);
	CHECK(strstr(buf_str(&text), "never") == NULL);
	CHECK(strstr(buf_str(&html), "evil") == NULL);
	CHECK(strstr(buf_str(&html), "EVIL") == NULL);
	/* The set no longer points into the render's buffers. */
	CHECK_STR(mail_var_get(vs, "body"), "");
	CHECK_STR(mail_var_get(vs, "subject"), "");

	/* A value with a newline stays in the text, escaped in HTML. */
	buf_reset(&subject);
	buf_reset(&text);
	buf_reset(&html);
	mail_vars_init(vs);
	mail_var_data(vs, "reason", "строка 1\n<b>строка 2</b>");
	mail_var_data(vs, "refund_id", "7");
	CHECK(mail_render("refund_request_admin", vs, &subject, &text, &html,
	    &why) == 0);
	CHECK(strstr(buf_str(&text), "Причина:\nстрока 1\n<b>строка 2</b>\n")
	    != NULL);
	CHECK(strstr(buf_str(&html), "строка 1\n&lt;b&gt;строка 2&lt;/b&gt;")
	    != NULL);
	CHECK(strncmp(buf_str(&subject), "Заявление на возврат № 7 ", 44) ==
	    0);
	buf_free(&subject);
	buf_free(&text);
	buf_free(&html);
	free(vs);
}

/* A render that does not fit fails, with why; it never sends less. */
static void
test_render_fails(void)
{
	static const char *const bad_kinds[] = {
		"nosuch", "layout", "", "../pages/login", "mail/verify_email",
		"verify_email.txt", "VERIFY_EMAIL",
	};
	struct mail_vars	*vs = malloc(sizeof(*vs));
	struct buf		 subject, text, html;
	const char		*why;
	size_t			 i;

	CHECK(vs != NULL);
	if (vs == NULL)
		return;
	buf_init(&subject, MAIL_SUBJECT_MAX);
	buf_init(&text, MAIL_MAX);
	buf_init(&html, MAIL_MAX);

	/* A template missing. */
	for (i = 0; i < NVARS(bad_kinds); i++) {
		reset_vars(vs);
		why = NULL;
		CHECK(!mail_kind_known(bad_kinds[i]));
		CHECK(mail_render(bad_kinds[i], vs, &subject, &text, &html,
		    &why) == -1);
		CHECK(why != NULL && strstr(why, "template") != NULL);
	}
	CHECK(mail_kind_known("password_reset"));

	/* Too many variables: the set failed, so does the render. */
	reset_vars(vs);
	for (i = 0; i <= MAIL_VARS_MAX; i++)
		mail_var_data(vs, mail_var_printf(vs, "x%zu", i), "x");
	CHECK(vs->failed);
	why = NULL;
	CHECK(mail_render("password_reset", vs, &subject, &text, &html,
	    &why) == -1);
	CHECK(why != NULL && strstr(why, "variables") != NULL);

	/*
	 * Room for the data, none for body and subject (no data key has
	 * their names, which would give them a place): it fails too.
	 */
	mail_vars_init(vs);
	for (i = vs->n; i < MAIL_VARS_MAX; i++)
		mail_var_data(vs, mail_var_printf(vs, "x%zu", i), "x");
	CHECK(!vs->failed);
	buf_reset(&subject);
	buf_reset(&text);
	buf_reset(&html);
	CHECK(mail_render("password_reset", vs, &subject, &text, &html,
	    &why) == -1);

	/* Output over its buffer: the text, then the HTML. */
	buf_free(&text);
	buf_init(&text, 200);
	buf_reset(&subject);
	buf_reset(&html);
	reset_vars(vs);
	CHECK(mail_render("password_reset", vs, &subject, &text, &html,
	    &why) == -1);
	CHECK(why != NULL && strstr(why, "too long") != NULL);
	buf_free(&text);
	buf_init(&text, MAIL_MAX);
	buf_free(&html);
	buf_init(&html, 200);
	buf_reset(&subject);
	reset_vars(vs);
	CHECK(mail_render("password_reset", vs, &subject, &text, &html,
	    &why) == -1);
	buf_free(&html);
	buf_init(&html, MAIL_MAX);

	/* A value that would make the subject two lines. */
	buf_reset(&subject);
	buf_reset(&text);
	mail_vars_init(vs);
	mail_var_data(vs, "inv_id", "1\nBcc: x@example.kz");
	CHECK(mail_render("payment_received", vs, &subject, &text, &html,
	    &why) == -1);
	CHECK(why != NULL && strstr(why, "line") != NULL);
	buf_free(&subject);
	buf_free(&text);
	buf_free(&html);
	free(vs);
}

static void
test_domain(void)
{
	CHECK_STR(mail_domain("noreply@example.kz"), "example.kz");
	CHECK_STR(mail_domain("a@b@mail.example.kz"), "mail.example.kz");
	CHECK_STR(mail_domain("nobody"), "");
}

int
main(void)
{
	test_date();
	test_header();
	test_build();
	test_build_long_body();
	test_build_attachment();
	test_build_refuses();
	test_vars();
	test_render();
	test_render_fails();
	test_domain();
	return check_done();
}
