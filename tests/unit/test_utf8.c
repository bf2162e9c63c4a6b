/*
 * test_utf8.c: the strict UTF-8 decoder (RFC 3629).
 *
 * Every form value passes utf8_valid(), and the validators of names and
 * addresses look at code points from utf8_decode(), so a byte sequence it
 * lets through by mistake (an overlong '/' or '<', a surrogate, a NUL)
 * would reach the database and the pages.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "utf8.h"

/* Most vectors are string literals; measure them, NUL excluded. */
#define S(lit)	(lit), (sizeof(lit) - 1)

static size_t	decode(const char *, size_t, uint32_t *);
static void	test_decode_valid(void);
static void	test_decode_overlong(void);
static void	test_decode_range(void);
static void	test_decode_truncated(void);
static void	test_decode_continuation(void);
static void	test_valid(void);
static void	test_length(void);
static void	test_exact(void);

/*
 * Decodes from a heap copy of exactly n bytes, so that a read past n is
 * caught by AddressSanitizer, and leaves *cp alone on failure.
 */
static size_t
decode(const char *s, size_t n, uint32_t *cp)
{
	char	*p;
	size_t	 k;

	*cp = 0xdeadbeef;
	if ((p = malloc(n > 0 ? n : 1)) == NULL)
		return (size_t)-1;
	memcpy(p, s, n);
	k = utf8_decode(p, n, cp);
	free(p);
	return k;
}

/* Each length at both ends of its range. */
static void
test_decode_valid(void)
{
	uint32_t	cp;

	CHECK(decode(S("A"), &cp) == 1 && cp == 'A');
	CHECK(decode(S("\x7f"), &cp) == 1 && cp == 0x7f);
	CHECK(decode(S("\xc2\x80"), &cp) == 2 && cp == 0x80);
	CHECK(decode(S("\xdf\xbf"), &cp) == 2 && cp == 0x7ff);
	CHECK(decode(S("И"), &cp) == 2 && cp == 0x418);
	CHECK(decode(S("я"), &cp) == 2 && cp == 0x44f);
	CHECK(decode(S("\xe0\xa0\x80"), &cp) == 3 && cp == 0x800);
	CHECK(decode(S("€"), &cp) == 3 && cp == 0x20ac);
	CHECK(decode(S("№"), &cp) == 3 && cp == 0x2116);
	/* Either side of the surrogates. */
	CHECK(decode(S("\xed\x9f\xbf"), &cp) == 3 && cp == 0xd7ff);
	CHECK(decode(S("\xee\x80\x80"), &cp) == 3 && cp == 0xe000);
	CHECK(decode(S("\xef\xbf\xbf"), &cp) == 3 && cp == 0xffff);
	CHECK(decode(S("\xf0\x90\x80\x80"), &cp) == 4 && cp == 0x10000);
	CHECK(decode(S("😀"), &cp) == 4 && cp == 0x1f600);
	CHECK(decode(S("\xf4\x8f\xbf\xbf"), &cp) == 4 && cp == 0x10ffff);

	/* Only the first code point is decoded. */
	CHECK(decode(S("Иван"), &cp) == 2 && cp == 0x418);
	CHECK(decode(S("ab"), &cp) == 1 && cp == 'a');
	/* NUL decodes (as U+0000); utf8_valid() is what refuses it. */
	CHECK(decode("\0", 1, &cp) == 1 && cp == 0);
	/* Nothing to decode. */
	CHECK(decode("", 0, &cp) == 0);
}

/*
 * Overlong forms spell a code point with more bytes than it needs; C0 AF
 * is '/' and C0 BC is '<', the classic way around a filter.
 */
static void
test_decode_overlong(void)
{
	uint32_t	cp;

	CHECK(decode(S("\xc0\x80"), &cp) == 0);		/* NUL */
	CHECK(decode(S("\xc0\xaf"), &cp) == 0);		/* '/' */
	CHECK(decode(S("\xc0\xbc"), &cp) == 0);		/* '<' */
	CHECK(decode(S("\xc1\xbf"), &cp) == 0);		/* U+7F */
	CHECK(decode(S("\xe0\x80\x80"), &cp) == 0);	/* NUL */
	CHECK(decode(S("\xe0\x80\xaf"), &cp) == 0);	/* '/' */
	CHECK(decode(S("\xe0\x9f\xbf"), &cp) == 0);	/* U+7FF */
	CHECK(decode(S("\xf0\x80\x80\x80"), &cp) == 0);	/* NUL */
	CHECK(decode(S("\xf0\x8f\xbf\xbf"), &cp) == 0);	/* U+FFFF */
	/* Nothing was written into cp on failure. */
	CHECK(cp == 0xdeadbeef);
}

/* Surrogates are UTF-16's business, and Unicode ends at U+10FFFF. */
static void
test_decode_range(void)
{
	uint32_t	cp;

	CHECK(decode(S("\xed\xa0\x80"), &cp) == 0);	/* U+D800 */
	CHECK(decode(S("\xed\xad\xbf"), &cp) == 0);	/* U+DB7F */
	CHECK(decode(S("\xed\xb0\x80"), &cp) == 0);	/* U+DC00 */
	CHECK(decode(S("\xed\xbf\xbf"), &cp) == 0);	/* U+DFFF */
	/* A surrogate pair, as CESU-8 would write U+1F600. */
	CHECK(decode(S("\xed\xa0\xbd\xed\xb8\x80"), &cp) == 0);

	CHECK(decode(S("\xf4\x90\x80\x80"), &cp) == 0);	/* U+110000 */
	CHECK(decode(S("\xf4\xbf\xbf\xbf"), &cp) == 0);
	CHECK(decode(S("\xf5\x80\x80\x80"), &cp) == 0);
	CHECK(decode(S("\xf7\xbf\xbf\xbf"), &cp) == 0);
	/* Lead bytes of the 5- and 6-byte forms RFC 3629 removed. */
	CHECK(decode(S("\xf8\x88\x80\x80\x80"), &cp) == 0);
	CHECK(decode(S("\xfc\x84\x80\x80\x80\x80"), &cp) == 0);
	CHECK(decode(S("\xfe"), &cp) == 0);
	CHECK(decode(S("\xff"), &cp) == 0);
}

/* A sequence cut short, by the end of input or by another byte. */
static void
test_decode_truncated(void)
{
	uint32_t	cp;

	CHECK(decode(S("\xc3"), &cp) == 0);
	CHECK(decode(S("\xe2\x82"), &cp) == 0);
	CHECK(decode(S("\xe2"), &cp) == 0);
	CHECK(decode(S("\xf0\x9f\x98"), &cp) == 0);
	CHECK(decode(S("\xf0\x9f"), &cp) == 0);
	/* The length given counts, not what follows in memory. */
	CHECK(decode("И", 1, &cp) == 0);
	CHECK(decode("€", 2, &cp) == 0);
	CHECK(decode("😀", 3, &cp) == 0);

	/* The next byte is not a continuation byte. */
	CHECK(decode(S("\xc3\x28"), &cp) == 0);
	CHECK(decode(S("\xc3\xc3"), &cp) == 0);
	CHECK(decode(S("\xe2\x28\xa1"), &cp) == 0);
	CHECK(decode(S("\xe2\x82\x28"), &cp) == 0);
	CHECK(decode(S("\xf0\x9f\x98\x28"), &cp) == 0);
	CHECK(decode("\xd0\0", 2, &cp) == 0);
}

/* A continuation byte cannot start a sequence. */
static void
test_decode_continuation(void)
{
	uint32_t	cp;

	CHECK(decode(S("\x80"), &cp) == 0);
	CHECK(decode(S("\xbf"), &cp) == 0);
	CHECK(decode(S("\x98\xd0"), &cp) == 0);
	CHECK(decode(S("\x80\x80\x80\x80"), &cp) == 0);
}

static void
test_valid(void)
{
	CHECK(utf8_valid(S("")));
	CHECK(utf8_valid(S("plain ASCII, 123!")));
	CHECK(utf8_valid(S("Привет, мир")));
	CHECK(utf8_valid(S("Қазақстан Өскемен")));
	CHECK(utf8_valid(S("😀 emoji 👍🏽")));
	CHECK(utf8_valid(S("\xf4\x8f\xbf\xbf")));

	/* NUL, raw or overlong, ends a C string early: never valid. */
	CHECK(!utf8_valid("\0", 1));
	CHECK(!utf8_valid("ab\0cd", 5));
	CHECK(!utf8_valid(S("ab\xc0\x80" "cd")));
	CHECK(!utf8_valid(S("\xe0\x80\x80")));

	/* A bad sequence anywhere spoils the whole string. */
	CHECK(!utf8_valid(S("\xc0\xaf")));
	CHECK(!utf8_valid(S("Привет\xd0")));
	CHECK(!utf8_valid(S("\xd0Привет")));
	CHECK(!utf8_valid(S("При\x80вет")));
	CHECK(!utf8_valid(S("abc\xed\xa0\x80")));
	CHECK(!utf8_valid(S("abc\xf4\x90\x80\x80")));
	CHECK(!utf8_valid(S("\xff\xfe")));
	CHECK(!utf8_valid(S("caf\xe9")));	/* Latin-1 é */
	CHECK(!utf8_valid(S("\xc3\x28")));

	/* Cut inside a character by the given length. */
	CHECK(utf8_valid("Иван", 8));
	CHECK(!utf8_valid("Иван", 7));
	CHECK(utf8_valid("Иван", 6));
}

/* utf8_length() counts code points: the password rule depends on it. */
static void
test_length(void)
{
	CHECK(utf8_length(S("")) == 0);
	CHECK(utf8_length(S("abc")) == 3);
	CHECK(utf8_length(S("Привет")) == 6);
	CHECK(sizeof("Привет") - 1 == 12);
	CHECK(utf8_length(S("€")) == 1);
	CHECK(utf8_length(S("😀")) == 1);
	CHECK(utf8_length(S("aИ€😀")) == 4);
	CHECK(utf8_length(S("пппппппппп")) == 10);
	/* Only the given bytes count. */
	CHECK(utf8_length("Привет", 4) == 2);
	CHECK(utf8_length("abc", 0) == 0);
}

/* Whole strings of exactly n bytes on the heap. */
static void
test_exact(void)
{
	static const char	 text[] = "aИ€😀";
	char			*p;
	size_t			 n;

	for (n = 0; n <= sizeof(text) - 1; n++) {
		if ((p = malloc(n > 0 ? n : 1)) == NULL)
			continue;
		memcpy(p, text, n);
		/* Cuts fall after 1, 3, 6 and 10 bytes. */
		CHECK(utf8_valid(p, n) == (n == 0 || n == 1 || n == 3 ||
		    n == 6 || n == 10));
		free(p);
	}
}

int
main(void)
{
	test_decode_valid();
	test_decode_overlong();
	test_decode_range();
	test_decode_truncated();
	test_decode_continuation();
	test_valid();
	test_length();
	test_exact();
	return check_done();
}
