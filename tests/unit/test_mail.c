/*
 * test_mail.c: the messages' text: dates, encoded headers that never split
 * a character or pass a line's length, the MIME structure, refusal of
 * anything that could add a header, and the templates in text and HTML.
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

static void
test_templates(void)
{
	static const char	 t[] = "Здравствуйте, {{login}}!\n\n"
				    "Сумма: {{amount}}\nЗаказ: № {{inv}}\n\n"
				    "{{reset_url}}\n\n{{missing}}Конец {{note}}";
	struct tmpl_var		 v[] = {
		{ "login", "<ivan>" },
		{ "amount", "60\xc2\xa0" "000\xc2\xa0\xe2\x82\xb8" },
		{ "inv", "1000001" },
		{ "reset_url", "https://example.kz/password/reset?token=a&b" },
		{ "note", "строка 1\nстрока 2" },
	};
	struct buf		 b;

	buf_init(&b, 8192);
	CHECK(mail_text(&b, t, v, NVARS(v)) == 0);
	CHECK_STR(buf_str(&b), "Здравствуйте, <ivan>!\n\n"
	    "Сумма: 60\xc2\xa0" "000\xc2\xa0\xe2\x82\xb8\nЗаказ: № 1000001\n\n"
	    "https://example.kz/password/reset?token=a&b\n\n"
	    "Конец строка 1\nстрока 2");
	buf_reset(&b);
	CHECK(mail_html(&b, t, v, NVARS(v)) == 0);
	CHECK_STR(buf_str(&b), "<p>Здравствуйте, &lt;ivan&gt;!</p>\n"
	    "<p>Сумма: 60\xc2\xa0" "000\xc2\xa0\xe2\x82\xb8<br>\n"
	    "Заказ: № 1000001</p>\n"
	    "<p><a href=\"https://example.kz/password/reset?token=a&amp;b\">"
	    "https://example.kz/password/reset?token=a&amp;b</a></p>\n"
	    "<p>Конец строка 1<br>\nстрока 2</p>\n");

	/* An unterminated placeholder stays text; markup is escaped. */
	buf_reset(&b);
	CHECK(mail_html(&b, "a < b {{login", v, NVARS(v)) == 0);
	CHECK_STR(buf_str(&b), "<p>a &lt; b {{login</p>\n");
	buf_reset(&b);
	CHECK(mail_text(&b, "{{login}}{{", v, NVARS(v)) == 0);
	CHECK_STR(buf_str(&b), "<ivan>{{");
	buf_free(&b);
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
	test_build_refuses();
	test_templates();
	test_domain();
	return check_done();
}
