/*
 * fuzz_kzid.c: the Kazakh identifiers of kzid.h (IIN/BIN, IBAN, BIC) over
 * any bytes, given as a pointer and a length (never read past it), and
 * the promises the header makes about how the checks relate.
 */
#include "fuzz.h"
#include "kzid.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char		*s, *dst, tiny[13];
	size_t		 len, i, spaces = 0;
	enum kzid_kind	 k;
	int		 d, iin, bin;

	/* Exactly n bytes, so that ASan sees any read beyond them. */
	if ((s = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	memcpy(s, data, n);

	k = kzid_classify(s, n);
	iin = kzid_iin_shape(s, n);
	bin = kzid_bin_shape(s, n);
	FUZZ_ASSERT(!(iin && bin));
	FUZZ_ASSERT(k == (iin ? KZID_IIN : bin ? KZID_BIN : KZID_INVALID));
	if (iin || bin)
		FUZZ_ASSERT(kzid_valid(s, n));
	if (kzid_valid(s, n)) {
		FUZZ_ASSERT(n == 12);
		FUZZ_ASSERT(kzid_check_digit(s) == s[11] - '0');
	}
	if (n >= 11) {
		d = kzid_check_digit(s);
		FUZZ_ASSERT(d >= -1 && d <= 9);
	}
	if (kz_iban_valid(s, n))
		FUZZ_ASSERT(n == 20 && s[0] == 'K' && s[1] == 'Z');
	if (kz_bic_valid(s, n))
		FUZZ_ASSERT((n == 8 || n == 11) && s[4] == 'K' && s[5] == 'Z');

	for (i = 0; i < n; i++)
		spaces += s[i] == ' ';
	if ((dst = malloc(n + 1)) == NULL)
		abort();
	len = kz_compact(dst, n + 1, s, n, 1);
	FUZZ_ASSERT(len == n - spaces);
	FUZZ_ASSERT(memchr(dst, ' ', len) == NULL && dst[len] == '\0');
	(void)kz_iban_valid(dst, len);
	(void)kz_bic_valid(dst, len);
	len = kz_compact(dst, n + 1, s, n, 0);
	FUZZ_ASSERT(len == n - spaces);
	(void)kzid_classify(dst, len);
	/* Too small a buffer: (size_t)-1 and an empty string. */
	len = kz_compact(tiny, sizeof(tiny), s, n, 0);
	if (n - spaces >= sizeof(tiny))
		FUZZ_ASSERT(len == (size_t)-1 && tiny[0] == '\0');
	else
		FUZZ_ASSERT(len == n - spaces);
	/* In place, as valid.c does it. */
	memcpy(dst, s, n);
	dst[n] = '\0';
	FUZZ_ASSERT(kz_compact(dst, n + 1, dst, n, 1) == n - spaces);
	free(dst);
	free(s);
	return 0;
}
