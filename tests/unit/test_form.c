/*
 * test_form.c: the strict application/x-www-form-urlencoded parser.
 *
 * Every byte a visitor sends in a form goes through form_parse() before
 * any handler sees it, so what it refuses (bad escapes, NUL bytes,
 * invalid UTF-8, repeated or surplus fields, oversized values) is what
 * the rest of the code may take for granted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "form.h"
#include "valid.h"

enum { F_NAME, F_LOGIN, F_EMAIL, F_NOTE, F_STATUS, NFIELDS };

static const struct form_field fields[NFIELDS] = {
	[F_NAME] =	{ "name",	NULL,		20,  FIELD_REQUIRED },
	[F_LOGIN] =	{ "login",	valid_login,	32,  0 },
	[F_EMAIL] =	{ "email",	valid_email,	254, 0 },
	[F_NOTE] =	{ "note",	NULL,		10,  0 },
	[F_STATUS] =	{ "status",	valid_status,	16,  0 },
};

static int		 parse_n(struct form *, const char *, size_t);
static int		 parse(struct form *, const char *);
static const char	*field_error(const char *, size_t);
static void		 test_plain(void);
static void		 test_escapes(void);
static void		 test_bad_escapes(void);
static void		 test_nul(void);
static void		 test_bad_utf8(void);
static void		 test_repeated(void);
static void		 test_pairs(void);
static void		 test_empty_pairs(void);
static void		 test_required(void);
static void		 test_too_long(void);
static void		 test_validators(void);
static void		 test_reject(void);
static void		 test_query(void);
static void		 test_decode(void);

/*
 * Parses a heap copy of exactly n bytes, so that a read past the body
 * shows up under AddressSanitizer.  The values live in the form's own
 * memory, so the copy can go at once.
 */
static int
parse_n(struct form *f, const char *body, size_t n)
{
	char	*p;
	int	 rc;

	if ((p = malloc(n > 0 ? n : 1)) == NULL) {
		memset(f, 0, sizeof(*f));
		return -2;
	}
	memcpy(p, body, n);
	rc = form_parse(f, fields, NFIELDS, p, n);
	free(p);
	return rc;
}

static int
parse(struct form *f, const char *body)
{
	return parse_n(f, body, strlen(body));
}

/*
 * The message that "name=<value>" gets for the name field, or NULL.
 * Messages are static strings, so the pointer outlives the form and two
 * cases of one kind give the same pointer.
 */
static const char *
field_error(const char *value, size_t n)
{
	struct form	 f;
	struct buf	 b;
	const char	*msg;

	buf_init(&b, 1 << 20);
	buf_adds(&b, "name=");
	buf_add(&b, value, n);
	CHECK(!b.failed);
	CHECK(parse_n(&f, buf_str(&b), b.len) == -1);
	msg = f.v[F_NAME].error;
	CHECK(msg != NULL);
	CHECK(form_str(&f, F_NAME) == NULL);
	/* The value was wrong, not the body. */
	CHECK(f.error == NULL);
	CHECK(f.nerrors == 1);
	form_free(&f);
	buf_free(&b);
	return msg;
}

static void
test_plain(void)
{
	struct form	f;

	CHECK(parse(&f, "name=Ivan&login=ivan") == 0);
	CHECK(f.nerrors == 0);
	CHECK(f.error == NULL);
	CHECK_STR(form_str(&f, F_NAME), "Ivan");
	CHECK(f.v[F_NAME].len == 4);
	CHECK_STR(form_str(&f, F_LOGIN), "ivan");
	/* Fields not sent are NULL, without an error. */
	CHECK(f.v[F_NOTE].str == NULL);
	CHECK(f.v[F_NOTE].error == NULL);
	CHECK(form_str(&f, F_NOTE) == NULL);
	form_free(&f);

	/* Order does not matter; unknown fields are ignored. */
	CHECK(parse(&f, "foo=bar&login=ivan&x=%zz&name=Ivan&baz") == 0);
	CHECK_STR(form_str(&f, F_NAME), "Ivan");
	CHECK_STR(form_str(&f, F_LOGIN), "ivan");
	form_free(&f);

	/* Only the first '=' separates: the rest belongs to the value. */
	CHECK(parse(&f, "name=a=b==") == 0);
	CHECK_STR(form_str(&f, F_NAME), "a=b==");
	form_free(&f);

	/* A key without '=' has an empty value. */
	CHECK(parse(&f, "note&name=x") == 0);
	CHECK(f.v[F_NOTE].str == NULL);
	CHECK(f.v[F_NOTE].error == NULL);
	form_free(&f);
	CHECK(parse(&f, "name") == -1);
	CHECK(f.v[F_NAME].error != NULL);
	CHECK(f.error == NULL);
	form_free(&f);

	/* Raw UTF-8, not %-encoded, is as good. */
	CHECK(parse(&f, "name=Иван") == 0);
	CHECK_STR(form_str(&f, F_NAME), "Иван");
	form_free(&f);

	/* Names may be %-encoded as well. */
	CHECK(parse(&f, "na%6De=Ivan") == 0);
	CHECK_STR(form_str(&f, F_NAME), "Ivan");
	form_free(&f);
}

static void
test_escapes(void)
{
	struct form	f;

	/* '+' is a space, "%2B" a plus. */
	CHECK(parse(&f, "name=Ivan+Petrov%2B") == 0);
	CHECK_STR(form_str(&f, F_NAME), "Ivan Petrov+");
	CHECK(f.v[F_NAME].len == 12);
	form_free(&f);

	/* The separators themselves, escaped, are data. */
	CHECK(parse(&f, "name=a%26b%3Dc%25d%20e") == 0);
	CHECK_STR(form_str(&f, F_NAME), "a&b=c%d e");
	form_free(&f);

	/* Cyrillic as a browser sends it, in upper and lower case hex. */
	CHECK(parse(&f, "name=%D0%98%D0%B2%D0%B0%D0%BD") == 0);
	CHECK_STR(form_str(&f, F_NAME), "Иван");
	CHECK(f.v[F_NAME].len == 8);
	form_free(&f);
	CHECK(parse(&f, "name=%d0%98%d0%b2") == 0);
	CHECK_STR(form_str(&f, F_NAME), "Ив");
	form_free(&f);

	/* Four-byte UTF-8. */
	CHECK(parse(&f, "name=%F0%9F%98%80") == 0);
	CHECK_STR(form_str(&f, F_NAME), "😀");
	form_free(&f);
}

/* A '%' not followed by two hex digits is that field's error. */
static void
test_bad_escapes(void)
{
	const char	*msg;

	msg = field_error("%", 1);
	CHECK(field_error("%4", 2) == msg);
	CHECK(field_error("%zz", 3) == msg);
	CHECK(field_error("%G0", 3) == msg);
	CHECK(field_error("%0G", 3) == msg);
	CHECK(field_error("abc%", 4) == msg);
	CHECK(field_error("abc%4", 5) == msg);
	CHECK(field_error("%%41", 4) == msg);
	CHECK(field_error("% 41", 4) == msg);
	CHECK(field_error("%+4", 3) == msg);
	CHECK(field_error("%-1", 3) == msg);
}

/* NUL ends a C string early, so no value may hold one. */
static void
test_nul(void)
{
	struct form	f;
	const char	*msg;

	msg = field_error("%00", 3);
	CHECK(field_error("a%00b", 5) == msg);
	/* The same message as a bad escape: both are a bad encoding. */
	CHECK(field_error("%zz", 3) == msg);

	/*
	 * A raw NUL in a value is that field's error, so the rest of the form
	 * (its CSRF token too) is still read; in a name it spoils the body.
	 */
	CHECK(parse_n(&f, "name=a\0b", 8) == -1);
	CHECK(f.error == NULL);
	CHECK(f.v[F_NAME].error == msg);
	CHECK(form_str(&f, F_NAME) == NULL);
	form_free(&f);
	CHECK(parse_n(&f, "na\0me=ab", 8) == -1);
	CHECK(f.error != NULL);
	form_free(&f);
	CHECK(parse_n(&f, "\0", 1) == -1);
	CHECK(f.error != NULL);
	form_free(&f);
}

/* What decodes to invalid UTF-8 is that field's error. */
static void
test_bad_utf8(void)
{
	const char	*msg;

	msg = field_error("%00", 3);
	CHECK(field_error("%C3%28", 6) == msg);
	CHECK(field_error("%FF", 3) == msg);
	CHECK(field_error("%FF%FE", 6) == msg);
	CHECK(field_error("%D0", 3) == msg);		/* truncated */
	CHECK(field_error("%D0%98%D0", 9) == msg);
	CHECK(field_error("%C0%AF", 6) == msg);		/* overlong '/' */
	CHECK(field_error("%C0%80", 6) == msg);		/* overlong NUL */
	CHECK(field_error("%ED%A0%80", 9) == msg);	/* surrogate */
	CHECK(field_error("%F4%90%80%80", 12) == msg);	/* > U+10FFFF */
	CHECK(field_error("caf\xe9", 4) == msg);	/* raw Latin-1 */
}

/* A field given twice is an error, whatever either value is. */
static void
test_repeated(void)
{
	struct form	 f;
	const char	*msg;

	CHECK(parse(&f, "name=a&name=b") == -1);
	CHECK((msg = f.v[F_NAME].error) != NULL);
	CHECK(form_str(&f, F_NAME) == NULL);
	CHECK(f.error == NULL);
	CHECK(f.nerrors == 1);
	form_free(&f);
	/* Repeated, not badly encoded: a message of its own. */
	CHECK(msg != field_error("%zz", 3));

	/* The same value twice, or an empty first one, is no different. */
	CHECK(parse(&f, "name=a&name=a") == -1);
	CHECK(f.v[F_NAME].error == msg);
	form_free(&f);
	CHECK(parse(&f, "name=&name=b") == -1);
	CHECK(f.v[F_NAME].error == msg);
	form_free(&f);
	CHECK(parse(&f, "name=b&name") == -1);
	CHECK(f.v[F_NAME].error == msg);
	form_free(&f);
	/* An invalid first value does not let a second one in. */
	CHECK(parse(&f, "name=%zz&name=ok") == -1);
	CHECK(f.v[F_NAME].error != NULL);
	CHECK(form_str(&f, F_NAME) == NULL);
	form_free(&f);
	/* An optional field too; and the name spelt another way. */
	CHECK(parse(&f, "name=x&note=1&no%74e=2") == -1);
	CHECK(f.v[F_NOTE].error == msg);
	CHECK(f.v[F_NAME].error == NULL);
	CHECK(f.nerrors == 1);
	form_free(&f);
	/* Unknown fields may repeat: they are ignored. */
	CHECK(parse(&f, "name=x&u=1&u=2") == 0);
	form_free(&f);
}

/* At most FORM_MAX_PAIRS pairs, known or not, in a body. */
static void
test_pairs(void)
{
	struct form	f;
	struct buf	b;
	int		i;

	buf_init(&b, 4096);
	buf_adds(&b, "name=x");
	for (i = 1; i < FORM_MAX_PAIRS; i++)
		buf_printf(&b, "&u%d=1", i);
	CHECK(parse(&f, buf_str(&b)) == 0);
	CHECK(f.error == NULL);
	form_free(&f);

	/* One more. */
	buf_adds(&b, "&login=ivan");
	CHECK(parse(&f, buf_str(&b)) == -1);
	CHECK(f.error != NULL);
	/* Nothing past the limit is taken. */
	CHECK(f.v[F_LOGIN].str == NULL);
	form_free(&f);

	/* Far more, as a flood would send. */
	buf_reset(&b);
	buf_adds(&b, "name=x");
	for (i = 0; i < 500; i++)
		buf_adds(&b, "&a");
	CHECK(!b.failed);
	CHECK(parse(&f, buf_str(&b)) == -1);
	CHECK(f.error != NULL);
	form_free(&f);
	buf_free(&b);
}

/* An empty pair or an empty name is a malformed body. */
static void
test_empty_pairs(void)
{
	static const char *const bad[] = {
		"name=1&&login=abc",
		"&name=1",
		"name=1&",
		"&",
		"&&",
		"=x&name=1",
		"name=1&=",
		"name=1&=2",
		"name=x&%zz=1",		/* a bad escape in a name */
		"name=x&%00=1",
	};
	struct form	f;
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(parse(&f, bad[i]) == -1);
		if (f.error == NULL)
			fprintf(stderr, "no body error for \"%s\"\n", bad[i]);
		CHECK(f.error != NULL);
		form_free(&f);
	}
}

/* A required field missing or empty is an error; an optional one is not. */
static void
test_required(void)
{
	struct form	 f;
	const char	*msg;

	CHECK(parse(&f, "login=ivan") == -1);
	CHECK((msg = f.v[F_NAME].error) != NULL);
	CHECK(f.v[F_NAME].str == NULL);
	CHECK(f.error == NULL);
	CHECK(f.nerrors == 1);
	/* The other fields are still parsed and checked. */
	CHECK_STR(form_str(&f, F_LOGIN), "ivan");
	form_free(&f);

	CHECK(parse(&f, "name=") == -1);
	CHECK(f.v[F_NAME].error == msg);
	CHECK(f.v[F_NAME].str == NULL);
	form_free(&f);

	/* The empty body, as a GET has. */
	CHECK(parse(&f, "") == -1);
	CHECK(f.v[F_NAME].error == msg);
	CHECK(f.error == NULL);
	form_free(&f);
	CHECK(form_parse(&f, fields, 0, "", 0) == 0);
	CHECK(f.nerrors == 0);
	form_free(&f);

	/* Empty optional fields become absent and skip their validator. */
	CHECK(parse(&f, "name=x&login=&email=&status=") == 0);
	CHECK(f.v[F_LOGIN].str == NULL);
	CHECK(f.v[F_EMAIL].str == NULL);
	CHECK(f.v[F_STATUS].str == NULL);
	CHECK(f.v[F_STATUS].num == 0);
	form_free(&f);

	/* Errors add up: one per field. */
	CHECK(parse(&f, "login=IVAN&status=nobody") == -1);
	CHECK(f.nerrors == 3);
	CHECK(f.v[F_NAME].error != NULL);
	CHECK(f.v[F_LOGIN].error != NULL);
	CHECK(f.v[F_STATUS].error != NULL);
	form_free(&f);
}

/*
 * max counts decoded bytes.  A raw value over 3 * max cannot decode to
 * max bytes, so it is refused before decoding; the message is the same.
 */
static void
test_too_long(void)
{
	struct form	 f;
	struct buf	 b;
	const char	*msg;
	char		 v[20000];
	int		 i;

	memset(v, 'a', sizeof(v));
	/* Exactly max. */
	CHECK(parse(&f, "name=aaaaaaaaaaaaaaaaaaaa") == 0);
	CHECK(f.v[F_NAME].len == 20);
	form_free(&f);

	msg = field_error(v, 21);
	CHECK(msg != field_error("%zz", 3));
	CHECK(field_error(v, 60) == msg);	/* decoded: 60 > 20 */
	CHECK(field_error(v, 61) == msg);	/* raw: 61 > 3 * 20 */
	CHECK(field_error(v, sizeof(v)) == msg);

	/* 10 Cyrillic letters, 20 bytes, fit, %-encoded in 60 or not. */
	buf_init(&b, 1024);
	buf_adds(&b, "name=");
	for (i = 0; i < 10; i++)
		buf_adds(&b, "%D0%98");
	CHECK(b.len == 65);
	CHECK(parse(&f, buf_str(&b)) == 0);
	CHECK_STR(form_str(&f, F_NAME), "ИИИИИИИИИИ");
	form_free(&f);
	/* An 11th does not. */
	buf_adds(&b, "%D0%98");
	CHECK(parse(&f, buf_str(&b)) == -1);
	CHECK(f.v[F_NAME].error == msg);
	form_free(&f);
	buf_free(&b);
	CHECK(parse(&f, "name=ИИИИИИИИИИ") == 0);
	form_free(&f);
	CHECK(field_error("ИИИИИИИИИИИ", 22) == msg);

	/* Each field has its own max. */
	CHECK(parse(&f, "name=x&note=0123456789") == 0);
	form_free(&f);
	CHECK(parse(&f, "name=x&note=0123456789A") == -1);
	CHECK(f.v[F_NOTE].error == msg);
	CHECK(f.v[F_NAME].error == NULL);
	form_free(&f);
	/* A too-long value decoded but refused still counts as given. */
	CHECK(parse(&f, "name=x&note=0123456789A&note=1") == -1);
	CHECK(f.v[F_NOTE].error != NULL);
	CHECK(form_str(&f, F_NOTE) == NULL);
	form_free(&f);
}

/* Validators run on decoded values and may rewrite them. */
static void
test_validators(void)
{
	struct form	f;

	CHECK(parse(&f, "name=x&login=Ivan") == -1);
	CHECK(f.v[F_LOGIN].error != NULL);
	CHECK(form_str(&f, F_LOGIN) == NULL);
	CHECK(f.nerrors == 1);
	form_free(&f);

	/* Trimmed and lower-cased in place; len follows. */
	CHECK(parse(&f, "name=x&email=+Ivan%40Example.KZ+") == 0);
	CHECK_STR(form_str(&f, F_EMAIL), "ivan@example.kz");
	CHECK(f.v[F_EMAIL].len == 15);
	form_free(&f);

	/* A typed field sets num. */
	CHECK(parse(&f, "name=x&status=legal_entity") == 0);
	CHECK(f.v[F_STATUS].num == STATUS_LEGAL_ENTITY);
	form_free(&f);
	CHECK(parse(&f, "name=x&status=individual") == 0);
	CHECK(f.v[F_STATUS].num == STATUS_INDIVIDUAL);
	form_free(&f);

	/* SQL in a value is only text, and the login rule refuses it. */
	CHECK(parse(&f, "name=x&login=%27+OR+1%3D1--") == -1);
	CHECK(f.v[F_LOGIN].error != NULL);
	form_free(&f);
}

static void
test_reject(void)
{
	struct form	f;

	CHECK(parse(&f, "name=x&login=ivan") == 0);
	form_reject(&f, F_LOGIN, "taken");
	CHECK(form_str(&f, F_LOGIN) == NULL);
	CHECK_STR(f.v[F_LOGIN].error, "taken");
	CHECK(f.nerrors == 1);
	/* A second message replaces the first but is not counted twice. */
	form_reject(&f, F_LOGIN, "again");
	CHECK_STR(f.v[F_LOGIN].error, "again");
	CHECK(f.nerrors == 1);
	form_reject(&f, F_NAME, "bad");
	CHECK(f.nerrors == 2);
	form_free(&f);
	/* form_free() twice is harmless. */
	form_free(&f);
}

static void
test_query(void)
{
	static const char q[] = "a=1&b=%D0%98&c=x+y&empty=&flag&long=abcdefgh"
	    "&bad=%zz&rep=1&rep=2&nul=%00&utf=%FF&eq=a=b";
	char		dst[16], small[8], big[9], v[200];

	CHECK(form_query(q, "a", dst, sizeof(dst)) == 1);
	CHECK_STR(dst, "1");
	CHECK(form_query(q, "b", dst, sizeof(dst)) == 2);
	CHECK_STR(dst, "И");
	CHECK(form_query(q, "c", dst, sizeof(dst)) == 3);
	CHECK_STR(dst, "x y");
	CHECK(form_query(q, "empty", dst, sizeof(dst)) == 0);
	CHECK_STR(dst, "");
	CHECK(form_query(q, "eq", dst, sizeof(dst)) == 3);
	CHECK_STR(dst, "a=b");

	/* Absent, including a name that is only a prefix of another. */
	CHECK(form_query(q, "d", dst, sizeof(dst)) == (size_t)-1);
	CHECK(form_query(q, "lon", dst, sizeof(dst)) == (size_t)-1);
	CHECK(form_query(q, "longer", dst, sizeof(dst)) == (size_t)-1);
	CHECK(form_query(q, "flag", dst, sizeof(dst)) == (size_t)-1);
	CHECK(form_query(NULL, "a", dst, sizeof(dst)) == (size_t)-1);
	CHECK(form_query("", "a", dst, sizeof(dst)) == (size_t)-1);

	/* Repeated: neither value is the one. */
	CHECK(form_query(q, "rep", dst, sizeof(dst)) == (size_t)-1);
	/* Malformed. */
	CHECK(form_query(q, "bad", dst, sizeof(dst)) == (size_t)-1);
	CHECK(form_query(q, "nul", dst, sizeof(dst)) == (size_t)-1);
	CHECK(form_query(q, "utf", dst, sizeof(dst)) == (size_t)-1);
	CHECK(form_query("a=%", "a", dst, sizeof(dst)) == (size_t)-1);

	/* dst holds dstsz - 1 characters and the NUL. */
	CHECK(form_query(q, "long", small, sizeof(small)) == (size_t)-1);
	CHECK(form_query(q, "long", big, sizeof(big)) == 8);
	CHECK_STR(big, "abcdefgh");
	CHECK(form_query(q, "a", dst, 1) == (size_t)-1);
	CHECK(form_query(q, "empty", dst, 1) == 0);
	CHECK(form_query(q, "a", dst, 0) == (size_t)-1);
	/* Far too long, refused before decoding. */
	memset(v, 'x', sizeof(v) - 1);
	memcpy(v, "a=", 2);
	v[sizeof(v) - 1] = '\0';
	CHECK(form_query(v, "a", dst, sizeof(dst)) == (size_t)-1);
	/* Long only until decoded: 3 bytes each, 5 letters, 10 bytes. */
	CHECK(form_query("a=%D0%98%D0%98%D0%98%D0%98%D0%98", "a", dst,
	    sizeof(dst)) == 10);
	CHECK_STR(dst, "ИИИИИ");
}

/* form_decode() directly, into exactly n + 1 bytes on the heap. */
static void
test_decode(void)
{
	static const struct {
		const char	*in;
		const char	*out;	/* NULL: must fail */
	} v[] = {
		{ "", "" },
		{ "abc", "abc" },
		{ "a+b%20c", "a b c" },
		{ "%41%42", "AB" },
		{ "%4a%4A", "JJ" },
		{ "++", "  " },
		{ "%2B", "+" },
		{ "%D0%98", "И" },
		{ "Иван", "Иван" },
		{ "%", NULL },
		{ "%4", NULL },
		{ "%zz", NULL },
		{ "%G0", NULL },
		{ "a%", NULL },
		{ "%00", NULL },
		{ "%C3%28", NULL },
		{ "%FF", NULL },
		{ "%C0%AF", NULL },
		{ "%ED%A0%80", NULL },
	};
	char	*dst;
	size_t	 i, n, k;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = strlen(v[i].in);
		if ((dst = malloc(n + 1)) == NULL)
			continue;
		k = form_decode(dst, v[i].in, n);
		if (v[i].out == NULL)
			CHECK(k == (size_t)-1);
		else {
			CHECK(k == strlen(v[i].out));
			CHECK_STR(k != (size_t)-1 ? dst : NULL, v[i].out);
		}
		free(dst);
	}

	/* A raw NUL, and only n bytes read. */
	if ((dst = malloc(4)) != NULL) {
		CHECK(form_decode(dst, "a\0b", 3) == (size_t)-1);
		CHECK(form_decode(dst, "ab%zz", 2) == 2);
		CHECK_STR(dst, "ab");
		/* A cut escape is cut, whatever follows in memory. */
		CHECK(form_decode(dst, "%41", 2) == (size_t)-1);
		free(dst);
	}
}

int
main(void)
{
	test_plain();
	test_escapes();
	test_bad_escapes();
	test_nul();
	test_bad_utf8();
	test_repeated();
	test_pairs();
	test_empty_pairs();
	test_required();
	test_too_long();
	test_validators();
	test_reject();
	test_query();
	test_decode();
	return check_done();
}
