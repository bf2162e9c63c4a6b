/*
 * fuzz_utf8.c: strict UTF-8 (utf8.h) over any bytes, checked against a
 * second decoder written here from RFC 3629's table of well-formed
 * sequences (a different method: byte ranges, not bit arithmetic).
 */
#include "fuzz.h"
#include "utf8.h"

/* Length of the well-formed sequence at s[0..n) (RFC 3629 §4), or 0. */
static size_t
reference(const unsigned char *s, size_t n)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		len, i;

	if (n == 0)
		return 0;
	if (s[0] <= 0x7f)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	const char	*s;
	char		*copy;
	uint32_t	 cp;
	size_t		 i, k, r, count = 0;
	int		 valid = 1;

	/* Exactly n bytes: nothing past them may be read. */
	if ((copy = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	memcpy(copy, data, n);
	s = copy;
	for (i = 0; i < n; i += k) {
		cp = 0xffffffff;
		k = utf8_decode(s + i, n - i, &cp);
		r = reference(data + i, n - i);
		FUZZ_ASSERT(k == r);
		if (k == 0) {
			valid = 0;
			k = 1;
			continue;
		}
		FUZZ_ASSERT(cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff));
		FUZZ_ASSERT(k == (cp < 0x80 ? 1u : cp < 0x800 ? 2u :
		    cp < 0x10000 ? 3u : 4u));
		if (cp == 0)
			valid = 0;
		count++;
	}
	FUZZ_ASSERT(utf8_valid(s, n) == valid);
	if (valid)
		FUZZ_ASSERT(utf8_length(s, n) == count);
	FUZZ_ASSERT(utf8_decode(s, 0, &cp) == 0);
	free(copy);
	return 0;
}
