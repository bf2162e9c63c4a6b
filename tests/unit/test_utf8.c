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
static void	test_decode(void);
static void	test_valid(void);
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

/*
 * What decodes: the bytes, then the length and the code point decode()
 * gives.  Each length at both ends of its range first.
 */
static const struct {
	const char	*s;
	size_t		 n, len;
	uint32_t	 cp;
} decodes[] = {
	{ S("A"), 1, 'A' },			{ S("\x7f"), 1, 0x7f },
	{ S("\xc2\x80"), 2, 0x80 },		{ S("\xdf\xbf"), 2, 0x7ff },
	{ S("И"), 2, 0x418 },			{ S("я"), 2, 0x44f },
	{ S("\xe0\xa0\x80"), 3, 0x800 },	{ S("€"), 3, 0x20ac },
	{ S("№"), 3, 0x2116 },
	/* Either side of the surrogates. */
	{ S("\xed\x9f\xbf"), 3, 0xd7ff },	{ S("\xee\x80\x80"), 3, 0xe000 },
	{ S("\xef\xbf\xbf"), 3, 0xffff },
	{ S("\xf0\x90\x80\x80"), 4, 0x10000 },	{ S("😀"), 4, 0x1f600 },
	{ S("\xf4\x8f\xbf\xbf"), 4, 0x10ffff },
	/* Only the first code point is decoded. */
	{ S("Иван"), 2, 0x418 },		{ S("ab"), 1, 'a' },
	/* NUL decodes (as U+0000); utf8_valid() is what refuses it. */
	{ "\0", 1, 1, 0 },
};

/*
 * What does not: decode() gives 0 and leaves cp as it was.  Overlong
 * forms spell a code point with more bytes than it needs; C0 AF is '/'
 * and C0 BC is '<', the classic way around a filter.
 */
static const struct {
	const char	*s;
	size_t		 n;
} rejects[] = {
	{ "", 0 },					/* nothing to decode */
	/* NUL, '/', '<', U+7F; NUL, '/', U+7FF; NUL, U+FFFF. */
	{ S("\xc0\x80") }, { S("\xc0\xaf") }, { S("\xc0\xbc") },
	{ S("\xc1\xbf") }, { S("\xe0\x80\x80") }, { S("\xe0\x80\xaf") },
	{ S("\xe0\x9f\xbf") }, { S("\xf0\x80\x80\x80") },
	{ S("\xf0\x8f\xbf\xbf") },
	/*
	 * Surrogates are UTF-16's business (the last of them a pair, as
	 * CESU-8 would write U+1F600), and Unicode ends at U+10FFFF.
	 */
	{ S("\xed\xa0\x80") }, { S("\xed\xad\xbf") }, { S("\xed\xb0\x80") },
	{ S("\xed\xbf\xbf") }, { S("\xed\xa0\xbd\xed\xb8\x80") },
	{ S("\xf4\x90\x80\x80") }, { S("\xf4\xbf\xbf\xbf") },
	{ S("\xf5\x80\x80\x80") }, { S("\xf7\xbf\xbf\xbf") },
	/* Lead bytes of the 5- and 6-byte forms RFC 3629 removed. */
	{ S("\xf8\x88\x80\x80\x80") }, { S("\xfc\x84\x80\x80\x80\x80") },
	{ S("\xfe") }, { S("\xff") },
	/* A sequence cut short, by the end of input or by another byte. */
	{ S("\xc3") }, { S("\xe2\x82") }, { S("\xe2") },
	{ S("\xf0\x9f\x98") }, { S("\xf0\x9f") },
	/* The length given counts, not what follows in memory. */
	{ "И", 1 }, { "€", 2 }, { "😀", 3 },
	/* The next byte is not a continuation byte. */
	{ S("\xc3\x28") }, { S("\xc3\xc3") }, { S("\xe2\x28\xa1") },
	{ S("\xe2\x82\x28") }, { S("\xf0\x9f\x98\x28") }, { "\xd0\0", 2 },
	/* A continuation byte cannot start a sequence. */
	{ S("\x80") }, { S("\xbf") }, { S("\x98\xd0") },
	{ S("\x80\x80\x80\x80") },
};

static void
test_decode(void)
{
	uint32_t	cp;
	size_t		i;

	for (i = 0; i < sizeof(decodes) / sizeof(decodes[0]); i++) {
		CHECK_CASE("decode \"%s\"", check_bytes(decodes[i].s,
		    decodes[i].n));
		CHECK(decode(decodes[i].s, decodes[i].n, &cp) ==
		    decodes[i].len);
		CHECK(cp == decodes[i].cp);
	}
	for (i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		CHECK_CASE("reject \"%s\"", check_bytes(rejects[i].s,
		    rejects[i].n));
		CHECK(decode(rejects[i].s, rejects[i].n, &cp) == 0);
		/* Nothing was written into cp on failure. */
		CHECK(cp == 0xdeadbeef);
	}
	check_case_end();
}

/* utf8_valid() of whole strings, then utf8_length() of the valid ones. */
static const struct {
	const char	*s;
	size_t		 n;
	int		 valid;
} valids[] = {
	{ S(""), 1 },			{ S("plain ASCII, 123!"), 1 },
	{ S("Привет, мир"), 1 },	{ S("Қазақстан Өскемен"), 1 },
	{ S("😀 emoji 👍🏽"), 1 },	{ S("\xf4\x8f\xbf\xbf"), 1 },
	/* NUL, raw or overlong, ends a C string early: never valid. */
	{ "\0", 1, 0 },			{ "ab\0cd", 5, 0 },
	{ S("ab\xc0\x80" "cd"), 0 },	{ S("\xe0\x80\x80"), 0 },
	/* A bad sequence anywhere spoils the whole string. */
	{ S("\xc0\xaf"), 0 },		{ S("Привет\xd0"), 0 },
	{ S("\xd0Привет"), 0 },		{ S("При\x80вет"), 0 },
	{ S("abc\xed\xa0\x80"), 0 },	{ S("abc\xf4\x90\x80\x80"), 0 },
	{ S("\xff\xfe"), 0 },		{ S("caf\xe9"), 0 },	/* Latin-1 é */
	{ S("\xc3\x28"), 0 },
	/* Cut inside a character by the given length. */
	{ "Иван", 8, 1 },		{ "Иван", 7, 0 },	{ "Иван", 6, 1 },
};

/* utf8_length() counts code points: the password rule depends on it. */
static const struct {
	const char	*s;
	size_t		 n, length;
} lengths[] = {
	{ S(""), 0 }, { S("abc"), 3 }, { S("Привет"), 6 }, { S("€"), 1 },
	{ S("😀"), 1 }, { S("aИ€😀"), 4 }, { S("пппппппппп"), 10 },
	/* Only the given bytes count. */
	{ "Привет", 4, 2 }, { "abc", 0, 0 },
};

static void
test_valid(void)
{
	size_t	i;

	for (i = 0; i < sizeof(valids) / sizeof(valids[0]); i++) {
		CHECK_CASE("utf8_valid(\"%s\", %zu)", check_bytes(valids[i].s,
		    valids[i].n), valids[i].n);
		CHECK(utf8_valid(valids[i].s, valids[i].n) == valids[i].valid);
	}
	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		CHECK_CASE("utf8_length(\"%s\", %zu)",
		    check_bytes(lengths[i].s, lengths[i].n), lengths[i].n);
		CHECK(utf8_length(lengths[i].s, lengths[i].n) ==
		    lengths[i].length);
	}
	check_case_end();
	CHECK(sizeof("Привет") - 1 == 12);
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

/* Untrusted text made storable: valid and printable, never cut inside. */
static void
test_escape(void)
{
	static const struct {
		const char	*in, *out;
		size_t		 dstsz;
	} cases[] = {
		{ "Mozilla/5.0 (X11)", "Mozilla/5.0 (X11)", 64 },
		{ "Яндекс.Браузер", "Яндекс.Браузер", 64 },
		{ "bad \xff byte", "bad \\xff byte", 64 },
		{ "overlong \xc0\xaf", "overlong \\xc0\\xaf", 64 },
		{ "surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80", 64 },
		{ "tab\tand\r\nnewline", "tab\\x09and\\x0d\\x0anewline", 64 },
		{ "del\x7f", "del\\x7f", 64 },
		/* Room for "ab" and not for "Я" (2 bytes) with the NUL. */
		{ "abЯ", "ab", 4 },
		{ "ab\xff", "ab", 6 },
		{ "ab\xff", "ab\\xff", 7 },
		{ "", "", 1 },
	};
	char	out[64];
	size_t	i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_CASE("utf8_escape(\"%s\", %zu)", cases[i].out,
		    cases[i].dstsz);
		n = utf8_escape(out, cases[i].dstsz, cases[i].in,
		    strlen(cases[i].in));
		CHECK_STR(out, cases[i].out);
		CHECK(n == strlen(out) && n < cases[i].dstsz);
		CHECK(utf8_valid(out, n));
		check_case_end();
	}
}

int
main(void)
{
	test_decode();
	test_valid();
	test_exact();
	test_escape();
	return check_done();
}
