/*
 * check.h: the smallest test harness that tells you where it failed.
 *
 * Each unit test is one program; CHECK() records a failure with its file and
 * line and goes on, so one run shows every broken case.  check_done() prints
 * the closing line "N passed, N failed" and gives the exit status for ctest.
 *
 * A loop over a table of cases names the case it is at with CHECK_CASE()
 * (printf-style) and clears it with check_case_end(); every failure in
 * between prints that name, so that a failing row is known by more than the
 * line of the loop.  check_bytes() spells a value with C escapes for it.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;
static char check_case[512];

#define CHECK_CASE	check_case_set
#define CHECK_AT_	"%s:%d: %s%s"
#define CHECK_WHERE_							\
	__FILE__, __LINE__, check_case, *check_case ? ": " : ""

#define CHECK(cond) do {						\
	if (cond)							\
		check_passed++;						\
	else {								\
		check_failed++;						\
		fprintf(stderr, CHECK_AT_ "CHECK(%s) failed\n",		\
		    CHECK_WHERE_, #cond);				\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *check_g_ = (got), *check_w_ = (want);		\
	if (check_g_ != NULL && strcmp(check_g_, check_w_) == 0)	\
		check_passed++;						\
	else {								\
		check_failed++;						\
		fprintf(stderr, CHECK_AT_				\
		    "got \"%s\", want \"%s\"\n",			\
		    CHECK_WHERE_, check_g_ ? check_g_ : "(null)",	\
		    check_w_);						\
	}								\
} while (0)

static inline void __attribute__((format(printf, 1, 2)))
check_case_set(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(check_case, sizeof(check_case), fmt, ap);
	va_end(ap);
}

static inline void
check_case_end(void)
{
	check_case[0] = '\0';
}

/* n bytes of s as a C string literal would spell them (a static buffer). */
static inline const char *
check_bytes(const char *s, size_t n)
{
	static char	out[256];
	size_t		i, k = 0;

	for (i = 0; i < n && k + 5 < sizeof(out); i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			out[k++] = (char)c;
		else
			k += (size_t)snprintf(out + k, sizeof(out) - k,
			    "\\x%02x", c);
	}
	out[k] = '\0';
	return out;
}

static inline int
check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#endif
