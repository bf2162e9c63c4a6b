/*
 * base64.c: base64 and base64url; see base64.h.
 */
#include <stdint.h>

#include "base64.h"

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static size_t
encode(char *dst, size_t dstsz, const unsigned char *s, size_t n,
    const char *abc, int pad)
{
	size_t		 i, o = 0;
	uint32_t	 v;

	if (dstsz < (pad ? B64_LEN(n) : (4 * n + 2) / 3 + 1))
		return (size_t)-1;
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		dst[o++] = abc[v >> 18 & 63];
		dst[o++] = abc[v >> 12 & 63];
		dst[o++] = abc[v >> 6 & 63];
		dst[o++] = abc[v & 63];
	}
	if (i < n) {
		v = (uint32_t)s[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		dst[o++] = abc[v >> 18 & 63];
		dst[o++] = abc[v >> 12 & 63];
		if (i + 1 < n)
			dst[o++] = abc[v >> 6 & 63];
		else if (pad)
			dst[o++] = '=';
		if (pad)
			dst[o++] = '=';
	}
	dst[o] = '\0';
	return o;
}

size_t
b64_encode(char *dst, size_t dstsz, const void *src, size_t n)
{
	return encode(dst, dstsz, src, n, std_alphabet, 1);
}

size_t
b64url_encode(char *dst, size_t dstsz, const void *src, size_t n)
{
	return encode(dst, dstsz, src, n, url_alphabet, 0);
}

static int
url_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

size_t
b64url_decode(void *dst, size_t dstsz, const char *src, size_t n)
{
	unsigned char	*d = dst;
	uint32_t	 v = 0;
	size_t		 i, o = 0;
	int		 c, bits = 0;

	/* A lone trailing character carries fewer than 8 bits: malformed. */
	if (n % 4 == 1)
		return (size_t)-1;
	for (i = 0; i < n; i++) {
		if ((c = url_value((unsigned char)src[i])) < 0)
			return (size_t)-1;
		v = v << 6 | (uint32_t)c;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == dstsz)
				return (size_t)-1;
			d[o++] = (unsigned char)(v >> bits);
		}
	}
	/* Leftover bits must be zero, so each input has one decoding. */
	if ((v & ((1u << bits) - 1)) != 0)
		return (size_t)-1;
	return o;
}
