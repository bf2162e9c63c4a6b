/*
 * test_base64.c: base64 (RFC 4648 §4) and unpadded base64url (§5).
 *
 * base64url carries the session and form tokens and the scrypt salts and
 * keys, so its decoder must take exactly one spelling of every byte string
 * and refuse everything else.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "check.h"

/* Most vectors are string literals; measure them, NUL excluded. */
#define S(lit)	(lit), (sizeof(lit) - 1)

static void	test_vectors(void);
static void	test_encode_size(void);
static void	test_round_trip(void);
static void	test_decode_rejects(void);
static void	test_leftover_bits(void);
static void	test_decode_size(void);
static void	test_exact(void);

/*
 * The test vectors of RFC 4648 §10 in both alphabets (padded base64,
 * unpadded base64url), then the bytes where the alphabets part (62 and
 * 63: + and / against - and _) and NUL bytes, which are data like any other.
 */
static const struct {
	const char	*in;
	size_t		 len;
	const char	*b64, *url;
} vectors[] = {
	{ S(""), "", "" },
	{ S("f"), "Zg==", "Zg" },
	{ S("fo"), "Zm8=", "Zm8" },
	{ S("foo"), "Zm9v", "Zm9v" },
	{ S("foob"), "Zm9vYg==", "Zm9vYg" },
	{ S("fooba"), "Zm9vYmE=", "Zm9vYmE" },
	{ S("foobar"), "Zm9vYmFy", "Zm9vYmFy" },
	{ S("\xfb\xff"), "+/8=", "-_8" },
	{ S("\xff\xfe"), "//4=", "__4" },
	{ S("\0\0\0"), "AAAA", "AAAA" },
};

/* Each vector in each alphabet, and its base64url spelling back. */
static void
test_vectors(void)
{
	char	out[16], back[16];
	size_t	i, n;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		CHECK_CASE("vector \"%s\"",
		    check_bytes(vectors[i].in, vectors[i].len));
		memset(out, 'x', sizeof(out));
		n = b64_encode(out, sizeof(out), vectors[i].in, vectors[i].len);
		CHECK(n == strlen(vectors[i].b64));
		CHECK_STR(out, vectors[i].b64);

		memset(out, 'x', sizeof(out));
		n = b64url_encode(out, sizeof(out), vectors[i].in,
		    vectors[i].len);
		CHECK(n == strlen(vectors[i].url));
		CHECK_STR(out, vectors[i].url);
		n = b64url_decode(back, sizeof(back), vectors[i].url,
		    strlen(vectors[i].url));
		CHECK(n == vectors[i].len);
		CHECK(n != (size_t)-1 && memcmp(back, vectors[i].in, n) == 0);
	}
	check_case_end();
}

/*
 * B64_LEN(n) is enough and one byte less is refused: a caller sizing its
 * buffer by the macro must never see a truncated, unterminated string.
 */
static void
test_encode_size(void)
{
	char	out[16];
	size_t	n;

	CHECK(B64_LEN(0) == 1);
	CHECK(B64_LEN(1) == 5);
	CHECK(B64_LEN(3) == 5);
	CHECK(B64_LEN(4) == 9);
	CHECK(B64_LEN(32) == 45);

	CHECK(b64_encode(out, B64_LEN(6), "foobar", 6) == 8);
	CHECK(b64_encode(out, B64_LEN(6) - 1, "foobar", 6) == (size_t)-1);
	CHECK(b64_encode(out, B64_LEN(1) - 1, "f", 1) == (size_t)-1);
	CHECK(b64_encode(out, 0, "", 0) == (size_t)-1);
	CHECK(b64_encode(out, 1, "", 0) == 0);
	CHECK_STR(out, "");

	/* Unpadded needs ceil(4n/3) + 1 bytes, exactly. */
	CHECK(b64url_encode(out, 3, "f", 1) == 2);
	CHECK(b64url_encode(out, 2, "f", 1) == (size_t)-1);
	CHECK(b64url_encode(out, 4, "fo", 2) == 3);
	CHECK(b64url_encode(out, 3, "fo", 2) == (size_t)-1);
	CHECK(b64url_encode(out, 5, "foo", 3) == 4);
	CHECK(b64url_encode(out, 4, "foo", 3) == (size_t)-1);
	CHECK(b64url_encode(out, 0, "", 0) == (size_t)-1);
	/* B64_LEN() is generous for the unpadded form too. */
	n = b64url_encode(out, B64_LEN(4), "foob", 4);
	CHECK(n == 6);
}

/*
 * Every length from 0 to 64 of bytes that cover the whole byte range,
 * 0xfe and 0xff included, comes back unchanged, with nothing but the url
 * alphabet in between and no padding.
 */
static void
test_round_trip(void)
{
	unsigned char	in[256], back[256];
	char		enc[B64_LEN(256)];
	size_t		i, len, n;
	unsigned	x = 12345;

	for (i = 0; i < sizeof(in); i++) {
		x = x * 1103515245 + 12345;
		in[i] = (unsigned char)(x >> 16);
	}
	in[0] = 0xff;
	in[1] = 0xfe;
	in[2] = 0x00;
	for (len = 0; len <= 64; len++) {
		n = b64url_encode(enc, sizeof(enc), in, len);
		CHECK(n == (4 * len + 2) / 3);
		CHECK(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789-_") == n);
		n = b64url_decode(back, sizeof(back), enc, strlen(enc));
		CHECK(n == len);
		CHECK(n == len && memcmp(back, in, len) == 0);
	}

	/* All 256 byte values at once, in order. */
	for (i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	n = b64url_encode(enc, sizeof(enc), in, 256);
	CHECK(n == 342);
	CHECK(strchr(enc, '-') != NULL && strchr(enc, '_') != NULL);
	CHECK(strchr(enc, '+') == NULL && strchr(enc, '/') == NULL);
	CHECK(strchr(enc, '=') == NULL);
	n = b64url_decode(back, sizeof(back), enc, n);
	CHECK(n == 256);
	CHECK(memcmp(back, in, 256) == 0);
}

/* Anything outside the url alphabet is an error, wherever it is. */
static void
test_decode_rejects(void)
{
	unsigned char	out[16];

	/* Padding: tokens are never padded, so '=' is a foreign byte. */
	CHECK(b64url_decode(out, sizeof(out), S("Zg==")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("Zm8=")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("Zm9vYmE=")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("====")) == (size_t)-1);
	/* The standard alphabet's + and / are not base64url. */
	CHECK(b64url_decode(out, sizeof(out), S("+/8")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("Zm9+")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("Zm9/")) == (size_t)-1);
	/* Blanks and line breaks are not skipped. */
	CHECK(b64url_decode(out, sizeof(out), S("Zm9v YmFy")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("Zm9v\nYmFy")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S(" Zm9v")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("Zm9v.")) == (size_t)-1);
	/* A NUL inside the given length, and bytes above 0x7f. */
	CHECK(b64url_decode(out, sizeof(out), "Zm\0v", 4) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("Zm9\xc3")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("\xff\xff\xff\xff")) ==
	    (size_t)-1);

	/*
	 * n % 4 == 1: one character holds 6 bits, less than a byte, so no
	 * encoder writes it.
	 */
	CHECK(b64url_decode(out, sizeof(out), S("A")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("Zm9vY")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("Zm9vYmFyZ")) == (size_t)-1);

	/* Only the given length is read: the rest of the string is not. */
	CHECK(b64url_decode(out, sizeof(out), "Zm9v====", 4) == 3);
	CHECK(b64url_decode(out, sizeof(out), "", 0) == 0);
}

/*
 * The bits past the last whole byte must be zero: otherwise "Zg" and "Zh"
 * would both decode to "f", and a token would have several spellings.
 */
static void
test_leftover_bits(void)
{
	unsigned char	out[4];

	/* Two characters: 12 bits, 4 left over. */
	CHECK(b64url_decode(out, sizeof(out), S("AA")) == 1);
	CHECK(out[0] == 0x00);
	CHECK(b64url_decode(out, sizeof(out), S("AB")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("AP")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("AQ")) == 1);
	CHECK(out[0] == 0x01);
	CHECK(b64url_decode(out, sizeof(out), S("Zg")) == 1);
	CHECK(out[0] == 'f');
	CHECK(b64url_decode(out, sizeof(out), S("Zh")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("Z_")) == (size_t)-1);

	/* Three characters: 18 bits, 2 left over. */
	CHECK(b64url_decode(out, sizeof(out), S("AAE")) == 2);
	CHECK(out[0] == 0x00 && out[1] == 0x01);
	CHECK(b64url_decode(out, sizeof(out), S("AAB")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("AAC")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("AAD")) == (size_t)-1);
	CHECK(b64url_decode(out, sizeof(out), S("Zm8")) == 2);
	CHECK(b64url_decode(out, sizeof(out), S("Zm9")) == (size_t)-1);

	/* Four characters: no bits left over, every last character goes. */
	CHECK(b64url_decode(out, sizeof(out), S("AAAB")) == 3);
	CHECK(b64url_decode(out, sizeof(out), S("___-")) == 3);
}

/* The decoder never writes past dstsz, and says so instead. */
static void
test_decode_size(void)
{
	unsigned char	out[8];

	memset(out, 0xaa, sizeof(out));
	CHECK(b64url_decode(out, 6, S("Zm9vYmFy")) == 6);
	CHECK(memcmp(out, "foobar", 6) == 0);
	CHECK(out[6] == 0xaa);
	CHECK(b64url_decode(out, 5, S("Zm9vYmFy")) == (size_t)-1);
	CHECK(b64url_decode(out, 1, S("Zm8")) == (size_t)-1);
	CHECK(b64url_decode(out, 2, S("Zm8")) == 2);
	CHECK(b64url_decode(out, 0, S("Zg")) == (size_t)-1);
	CHECK(b64url_decode(out, 0, "", 0) == 0);
	CHECK(b64url_decode(NULL, 0, "", 0) == 0);
}

/*
 * Sources and destinations of exactly the right size on the heap, so
 * that a read or write one byte too far shows up under AddressSanitizer.
 */
static void
test_exact(void)
{
	/* "foobarbazqux" */
	static const char	 enc[] = "Zm9vYmFyYmF6cXV4";
	unsigned char		*dst;
	char			*src, *out;
	size_t			 len, want;

	for (len = 0; len <= sizeof(enc) - 1; len++) {
		if (len % 4 == 1)
			continue;
		want = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
		src = malloc(len > 0 ? len : 1);
		dst = malloc(want > 0 ? want : 1);
		if (src == NULL || dst == NULL) {
			free(src);
			free(dst);
			continue;
		}
		memcpy(src, enc, len);
		/* Cuts inside a group leave bits over: only some decode. */
		if (b64url_decode(dst, want, src, len) != (size_t)-1)
			CHECK(memcmp(dst, "foobarbazqux", want) == 0);
		else
			CHECK(len % 4 != 0);
		free(src);
		free(dst);
	}

	/* Encode into a buffer of exactly the size asked for. */
	if ((out = malloc(B64_LEN(7))) != NULL) {
		CHECK(b64_encode(out, B64_LEN(7), "foobarb", 7) == 12);
		CHECK_STR(out, "Zm9vYmFyYg==");
		free(out);
	}
	if ((out = malloc(11)) != NULL) {
		CHECK(b64url_encode(out, 11, "foobarb", 7) == 10);
		CHECK_STR(out, "Zm9vYmFyYg");
		free(out);
	}
}

int
main(void)
{
	test_vectors();
	test_encode_size();
	test_round_trip();
	test_decode_rejects();
	test_leftover_bits();
	test_decode_size();
	test_exact();
	return check_done();
}
