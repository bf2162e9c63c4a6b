/*
 * kzid.c: checks for Kazakhstan identifiers (IIN, BIN, IBAN, BIC).
 *
 * The contracts are in kzid.h.  Character classes are tested by hand
 * rather than with <ctype.h> so that the result never depends on the
 * locale and a negative char is never passed to isdigit().
 */
#include "kzid.h"

#define KZID_LEN	12
#define KZ_IBAN_LEN	20

static int	is_digit(char);
static int	is_upper(char);
static int	two_digits(const char *);

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

/* The value of two ASCII digits the caller has already checked. */
static int
two_digits(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

int
kzid_check_digit(const char *d11)
{
	/* Second-pass weights, as set by the IIN/BIN rules. */
	static const int w2[11] = { 3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2 };
	int i, s1, s2;

	s1 = s2 = 0;
	for (i = 0; i < 11; i++) {
		if (!is_digit(d11[i]))
			return -1;
		s1 += (i + 1) * (d11[i] - '0');
		s2 += w2[i] * (d11[i] - '0');
	}
	if (s1 % 11 != 10)
		return s1 % 11;
	if (s2 % 11 != 10)
		return s2 % 11;
	/* Both passes give 10: no control digit exists for this body. */
	return -1;
}

int
kzid_valid(const char *s, size_t len)
{
	int cd;

	if (len != KZID_LEN)
		return 0;
	/* The body is checked by kzid_check_digit(); only the last byte here. */
	if (!is_digit(s[11]))
		return 0;
	cd = kzid_check_digit(s);
	return cd >= 0 && cd == s[11] - '0';
}

int
kzid_iin_shape(const char *s, size_t len)
{
	int month, day;

	if (!kzid_valid(s, len))
		return 0;
	month = two_digits(s + 2);
	day = two_digits(s + 4);
	/* No calendar check: the digits need not be a real birth date. */
	if (month < 1 || month > 12 || day < 1 || day > 31)
		return 0;
	return s[6] >= '1' && s[6] <= '6';
}

int
kzid_bin_shape(const char *s, size_t len)
{
	int month;

	if (!kzid_valid(s, len))
		return 0;
	month = two_digits(s + 2);
	if (month < 1 || month > 12)
		return 0;
	if (s[4] < '4' || s[4] > '6')
		return 0;
	return s[5] >= '0' && s[5] <= '3';
}

enum kzid_kind
kzid_classify(const char *s, size_t len)
{
	if (kzid_iin_shape(s, len))
		return KZID_IIN;
	if (kzid_bin_shape(s, len))
		return KZID_BIN;
	return KZID_INVALID;
}

int
kz_iban_valid(const char *s, size_t len)
{
	size_t i, k;
	unsigned int r;
	char c;

	if (len != KZ_IBAN_LEN)
		return 0;
	if (s[0] != 'K' || s[1] != 'Z')
		return 0;
	/* Check digits and bank code are digits only. */
	for (i = 2; i < 7; i++)
		if (!is_digit(s[i]))
			return 0;
	for (i = 7; i < KZ_IBAN_LEN; i++)
		if (!is_digit(s[i]) && !is_upper(s[i]))
			return 0;

	/*
	 * ISO 7064 MOD 97-10 over the string with its first four characters
	 * moved to the end and each letter replaced by 10..35.  Folding the
	 * remainder one digit (or letter) at a time keeps r below 97, so
	 * r * 100 + 35 fits easily in an unsigned int.
	 */
	r = 0;
	for (k = 0; k < KZ_IBAN_LEN; k++) {
		c = s[(k + 4) % KZ_IBAN_LEN];
		if (is_digit(c))
			r = (r * 10 + (unsigned int)(c - '0')) % 97;
		else
			r = (r * 100 + (unsigned int)(c - 'A' + 10)) % 97;
	}
	return r == 1;
}

int
kz_bic_valid(const char *s, size_t len)
{
	size_t i;

	if (len != 8 && len != 11)
		return 0;
	/* Institution code: four letters. */
	for (i = 0; i < 4; i++)
		if (!is_upper(s[i]))
			return 0;
	/* Country code. */
	if (s[4] != 'K' || s[5] != 'Z')
		return 0;
	/* Location code and optional branch code. */
	for (i = 6; i < len; i++)
		if (!is_upper(s[i]) && !is_digit(s[i]))
			return 0;
	return 1;
}

size_t
kz_compact(char *dst, size_t dstsz, const char *s, size_t len, int upper)
{
	size_t i, n;
	char c;

	if (dstsz == 0)
		return (size_t)-1;
	n = 0;
	for (i = 0; i < len; i++) {
		c = s[i];
		if (c == ' ')
			continue;
		/* Keep room for the NUL; fail whole rather than truncate. */
		if (n >= dstsz - 1) {
			dst[0] = '\0';
			return (size_t)-1;
		}
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		dst[n++] = c;
	}
	dst[n] = '\0';
	return n;
}
