/*
 * utf8.c: strict UTF-8 decoding; see utf8.h.
 */
#include <stdio.h>
#include <string.h>

#include "utf8.h"

size_t
utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char	*s = (const unsigned char *)str;
	uint32_t		 c, min;
	size_t			 len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int
utf8_valid(const char *s, size_t n)
{
	uint32_t	cp;
	size_t		k;

	while (n > 0) {
		if ((k = utf8_decode(s, n, &cp)) == 0 || cp == 0)
			return 0;
		s += k;
		n -= k;
	}
	return 1;
}

size_t
utf8_length(const char *s, size_t n)
{
	size_t	count = 0;

	/* Continuation bytes do not start a code point. */
	for (; n > 0; s++, n--)
		if (((unsigned char)*s & 0xc0) != 0x80)
			count++;
	return count;
}

size_t
utf8_escape(char *dst, size_t dstsz, const char *s, size_t n)
{
	uint32_t	cp;
	size_t		k, o = 0;

	while (n > 0) {
		k = utf8_decode(s, n, &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7f) {
			if (o + 4 >= dstsz)
				break;
			snprintf(dst + o, dstsz - o, "\\x%02x",
			    (unsigned char)*s);
			o += 4;
			k = 1;
		} else {
			if (o + k >= dstsz)
				break;
			memcpy(dst + o, s, k);
			o += k;
		}
		s += k;
		n -= k;
	}
	dst[o] = '\0';
	return o;
}
