/*
 * check.h: the smallest test harness that tells you where it failed.
 *
 * Each unit test is one program; CHECK() records a failure with its file and
 * line and goes on, so one run shows every broken case.  check_done() prints
 * the closing line "N passed, N failed" and gives the exit status for ctest.
 */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do {						\
	if (cond)							\
		check_passed++;						\
	else {								\
		check_failed++;						\
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_STR(got, want) do {					\
	const char *check_g_ = (got), *check_w_ = (want);		\
	if (check_g_ != NULL && strcmp(check_g_, check_w_) == 0)	\
		check_passed++;						\
	else {								\
		check_failed++;						\
		fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n",	\
		    __FILE__, __LINE__, check_g_ ? check_g_ : "(null)",	\
		    check_w_);						\
	}								\
} while (0)

static inline int
check_done(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#endif
