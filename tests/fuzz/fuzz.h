/*
 * fuzz.h: what the libFuzzer harnesses of tests/fuzz/ share.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput() and feeds its input
 * to one parser of untrusted bytes.  Besides the sanitizers (ASan, UBSan,
 * leaks), a harness checks the promises of the header it tests with
 * FUZZ_ASSERT: a broken promise aborts, and libFuzzer keeps the input.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: broken promise: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

/* A NUL-terminated copy of the input (NULs inside are kept). */
static inline char *
fuzz_strndup(const uint8_t *data, size_t n)
{
	char	*s;

	if ((s = malloc(n + 1)) == NULL)
		abort();
	if (n > 0)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

/*
 * Splits the input at its NUL bytes into at most max strings, in one
 * allocation (*mem, to free); the strings that are not there are "".
 * Returns how many were in the input.
 */
static inline size_t
fuzz_split(const uint8_t *data, size_t n, char **mem, const char **part,
    size_t max)
{
	char	*s = fuzz_strndup(data, n), *p = s, *end = s + n, *z;
	size_t	 k = 0, i;

	*mem = s;
	while (k < max) {
		part[k++] = p;
		if (k == max || (z = memchr(p, '\0', (size_t)(end - p))) ==
		    NULL || z == end)
			break;
		p = z + 1;
	}
	for (i = k; i < max; i++)
		part[i] = "";
	return k;
}

#endif
