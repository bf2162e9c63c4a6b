/*
 * fuzz_base64.c: base64url decoding (base64.h) of any bytes, with room to
 * spare and with too little, and both encoders' round trip: what decodes
 * encodes back to the same text (the encoding is canonical, or a token
 * could be spelt two ways).
 */
#include "base64.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	char		*src, *enc;
	unsigned char	*dec, *back;
	size_t		 len, elen, blen, cap;

	if ((src = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	memcpy(src, data, n);
	/* Decoded text is never longer than its encoding. */
	cap = n + 1;
	if ((dec = malloc(cap)) == NULL || (enc = malloc(B64_LEN(n))) == NULL ||
	    (back = malloc(cap)) == NULL)
		abort();
	len = b64url_decode(dec, cap, src, n);
	if (len != (size_t)-1) {
		FUZZ_ASSERT(len <= n * 3 / 4);
		/* The same text into a buffer exactly its size. */
		FUZZ_ASSERT(b64url_decode(back, len, src, n) == len ||
		    len == 0);
		if (len > 0)
			FUZZ_ASSERT(b64url_decode(back, len - 1, src, n) ==
			    (size_t)-1);
		elen = b64url_encode(enc, B64_LEN(len), dec, len);
		FUZZ_ASSERT(elen != (size_t)-1 && elen == strlen(enc));
		FUZZ_ASSERT(elen == n && memcmp(enc, src, n) == 0);
	}

	/* Any bytes encode and decode back. */
	elen = b64url_encode(enc, B64_LEN(n), src, n);
	FUZZ_ASSERT(elen != (size_t)-1 && elen == strlen(enc));
	FUZZ_ASSERT(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789-_") == elen);
	blen = b64url_decode(back, cap, enc, elen);
	FUZZ_ASSERT(blen == n && memcmp(back, src, n) == 0);
	elen = b64_encode(enc, B64_LEN(n), src, n);
	FUZZ_ASSERT(elen == (n + 2) / 3 * 4 && elen == strlen(enc));
	if (n > 0)
		FUZZ_ASSERT(b64_encode(enc, B64_LEN(n) - 1, src, n) ==
		    (size_t)-1);
	free(back);
	free(enc);
	free(dec);
	free(src);
	return 0;
}
