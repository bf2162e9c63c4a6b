/*
 * fuzz_cookie.c: the Cookie header parser behind http_cookie_get()
 * (lib/web/http.c).  It reads only the request's cookies field, so a
 * request that holds nothing else reaches it without FastCGI.  The names
 * are those the site reads (session, csrf, notice), with the output sizes
 * they use and smaller ones.
 */
#include "fuzz.h"
#include "http.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static const char *const names[] = { "session", "csrf", "notice", "" };
	static const size_t sizes[] = { 1, 8, 44, 65, 256 };
	struct request	 req;
	char		*hdr, *out;
	size_t		 i, j;
	long		 len;

	/* The header as FastCGI gives it: a string. */
	hdr = fuzz_strndup(data, n);
	memset(&req, 0, sizeof(req));
	req.cookies = hdr;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			/* Exactly the size given, so ASan sees an overrun. */
			if ((out = malloc(sizes[j])) == NULL)
				abort();
			len = http_cookie_get(&req, names[i], out, sizes[j]);
			FUZZ_ASSERT(len >= -1);
			if (len >= 0) {
				FUZZ_ASSERT((size_t)len < sizes[j]);
				FUZZ_ASSERT(strlen(out) <= (size_t)len);
				/* A value never runs into the next cookie. */
				FUZZ_ASSERT(memchr(out, ';', (size_t)len) ==
				    NULL);
			}
			free(out);
		}
	req.cookies = NULL;
	FUZZ_ASSERT(http_cookie_get(&req, "session", hdr, 1) == -1);
	free(hdr);
	return 0;
}
