/*
 * test_buf.c: the growable buffer with a hard maximum.
 *
 * Every page and header is built in a struct buf, and the maximum is what
 * keeps a hostile value from growing a response without bound, so the
 * edges of max and the sticky failed flag matter most.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"

/* b holds exactly str (its length, NUL-terminated), and failed is as given. */
#define CHECK_BUF(b, str, fail) do {					\
	CHECK((b)->len == strlen(str));					\
	CHECK((b)->failed == (fail));					\
	CHECK_STR(buf_str(b), (str));					\
} while (0)

static void	test_empty(void);
static void	test_append(void);
static void	test_printf(void);
static void	test_max(void);
static void	test_max_printf(void);
static void	test_max_zero(void);
static void	test_reset(void);
static void	test_free(void);
static void	test_growth(void);

/* A buffer nothing was added to is "" and owns no memory. */
static void
test_empty(void)
{
	struct buf	b;

	buf_init(&b, 100);
	CHECK(b.data == NULL);
	CHECK(b.len == 0);
	CHECK(b.failed == 0);
	CHECK(b.max == 100);
	/* Callers print buf_str() unconditionally: never NULL. */
	CHECK(buf_str(&b) != NULL);
	CHECK_STR(buf_str(&b), "");
	buf_free(&b);
	CHECK_STR(buf_str(&b), "");

	/* Adding nothing still leaves a terminated string. */
	buf_init(&b, 100);
	CHECK(buf_add(&b, "", 0) == 0);
	CHECK(b.len == 0);
	CHECK(b.data != NULL && b.data[0] == '\0');
	CHECK_STR(buf_str(&b), "");
	CHECK(buf_adds(&b, "") == 0);
	CHECK(buf_printf(&b, "%s", "") == 0);
	CHECK_BUF(&b, "", 0);
	buf_free(&b);
}

static void
test_append(void)
{
	struct buf	b;

	buf_init(&b, 1024);
	CHECK(buf_adds(&b, "abc") == 0);
	CHECK_BUF(&b, "abc", 0);
	CHECK(buf_add(&b, "defgh", 2) == 0);
	CHECK_BUF(&b, "abcde", 0);
	/* Always NUL-terminated right after len. */
	CHECK(b.data[b.len] == '\0');

	/* buf_add() takes bytes, NUL included; buf_str() stops there. */
	CHECK(buf_add(&b, "x\0y", 3) == 0);
	CHECK(b.len == 8);
	CHECK(memcmp(b.data, "abcdex\0y", 8) == 0);
	CHECK(b.data[8] == '\0');
	CHECK_STR(buf_str(&b), "abcdex");

	/* UTF-8 is bytes too. */
	buf_reset(&b);
	CHECK(buf_adds(&b, "Привет") == 0);
	CHECK_BUF(&b, "Привет", 0);
	buf_free(&b);
}

static void
test_printf(void)
{
	struct buf	b;

	buf_init(&b, 1024);
	CHECK(buf_printf(&b, "%d-%s", 42, "x") == 0);
	CHECK_BUF(&b, "42-x", 0);
	/* printf appends, it does not overwrite. */
	CHECK(buf_printf(&b, "[%05.1f]", 3.14159) == 0);
	CHECK_STR(buf_str(&b), "42-x[003.1]");
	CHECK(buf_printf(&b, "%zu", (size_t)18446744073709551615ULL) == 0);
	CHECK_STR(buf_str(&b), "42-x[003.1]18446744073709551615");
	CHECK(b.len == strlen(b.data));
	buf_free(&b);

	/* A first printf on a buffer with no memory yet. */
	buf_init(&b, 1024);
	CHECK(buf_printf(&b, "%s", "Иван") == 0);
	CHECK_STR(buf_str(&b), "Иван");
	buf_free(&b);
}

/*
 * Exactly max bytes fit; one more fails, sets failed, leaves the contents
 * as they were, and from then on every append fails, even an empty one,
 * so a page built of many pieces can be checked once at the end.
 */
static void
test_max(void)
{
	struct buf	b;

	buf_init(&b, 8);
	CHECK(buf_adds(&b, "1234") == 0);
	CHECK(buf_adds(&b, "5678") == 0);
	CHECK_BUF(&b, "12345678", 0);

	CHECK(buf_adds(&b, "9") == -1);
	CHECK_BUF(&b, "12345678", 1);

	CHECK(buf_add(&b, "", 0) == -1);
	CHECK(buf_adds(&b, "") == -1);
	CHECK(buf_printf(&b, "%s", "") == -1);
	CHECK(b.failed == 1);
	CHECK(b.len == 8);
	buf_free(&b);

	/* max + 1 in one piece: nothing is added, not even a prefix. */
	buf_init(&b, 8);
	CHECK(buf_adds(&b, "123456789") == -1);
	CHECK_BUF(&b, "", 1);
	/* A small piece after the failure fails too: it is sticky. */
	CHECK(buf_adds(&b, "1") == -1);
	CHECK_BUF(&b, "", 1);
	buf_free(&b);

	/* Exactly max in one piece. */
	buf_init(&b, 8);
	CHECK(buf_adds(&b, "12345678") == 0);
	CHECK(b.failed == 0);
	CHECK_STR(buf_str(&b), "12345678");
	buf_free(&b);

	/* A huge n must not wrap around the check. */
	buf_init(&b, 8);
	CHECK(buf_adds(&b, "ab") == 0);
	CHECK(buf_add(&b, "x", (size_t)-1) == -1);
	CHECK(buf_add(&b, "x", (size_t)-1 - 1) == -1);
	CHECK(b.len == 2);
	CHECK(b.failed == 1);
	buf_free(&b);
}

/* The same limits when the text comes from printf. */
static void
test_max_printf(void)
{
	struct buf	b;

	buf_init(&b, 5);
	CHECK(buf_printf(&b, "%05d", 42) == 0);
	CHECK_BUF(&b, "00042", 0);
	CHECK(buf_printf(&b, "%d", 1) == -1);
	CHECK(b.failed == 1);
	CHECK_STR(buf_str(&b), "00042");
	CHECK(buf_adds(&b, "") == -1);
	buf_free(&b);

	/* Too long a result: nothing of it is written. */
	buf_init(&b, 5);
	CHECK(buf_adds(&b, "ab") == 0);
	CHECK(buf_printf(&b, "%s", "cdef") == -1);
	CHECK_BUF(&b, "ab", 1);
	buf_free(&b);
}

/* max 0 holds the empty string and nothing else. */
static void
test_max_zero(void)
{
	struct buf	b;

	buf_init(&b, 0);
	CHECK(buf_adds(&b, "") == 0);
	CHECK_STR(buf_str(&b), "");
	CHECK(buf_adds(&b, "x") == -1);
	CHECK_BUF(&b, "", 1);
	buf_free(&b);
}

/* reset empties the buffer and clears failed, so it can be used again. */
static void
test_reset(void)
{
	struct buf	b;

	buf_init(&b, 4);
	CHECK(buf_adds(&b, "abcd") == 0);
	CHECK(buf_adds(&b, "e") == -1);
	CHECK(b.failed == 1);
	buf_reset(&b);
	CHECK_BUF(&b, "", 0);
	/* The memory is kept. */
	CHECK(b.data != NULL);
	CHECK(b.max == 4);
	CHECK(buf_adds(&b, "wxyz") == 0);
	CHECK_STR(buf_str(&b), "wxyz");
	CHECK(buf_adds(&b, "!") == -1);
	buf_free(&b);

	/* reset of a buffer that never had memory. */
	buf_init(&b, 4);
	buf_reset(&b);
	CHECK(b.data == NULL);
	CHECK_STR(buf_str(&b), "");
	CHECK(buf_adds(&b, "ok") == 0);
	CHECK_STR(buf_str(&b), "ok");
	buf_free(&b);
}

/* After buf_free() the buffer is empty and may be used again. */
static void
test_free(void)
{
	struct buf	b;

	buf_init(&b, 16);
	CHECK(buf_adds(&b, "0123456789abcdefX") == -1);
	buf_free(&b);
	CHECK(b.data == NULL);
	CHECK_BUF(&b, "", 0);
	/* Freeing twice is harmless. */
	buf_free(&b);

	buf_init(&b, 16);
	CHECK(buf_adds(&b, "again") == 0);
	CHECK_STR(buf_str(&b), "again");
	buf_free(&b);
}

/*
 * Many small appends past the first allocation, up to a max that is not a
 * power of two: the contents stay right and the cap never passes max + 1.
 */
static void
test_growth(void)
{
	struct buf	b;
	size_t		i;
	int		ok = 1;

	buf_init(&b, 10000);
	for (i = 0; i < 1000; i++)
		if (buf_adds(&b, "0123456789") != 0)
			ok = 0;
	CHECK(ok);
	CHECK(b.len == 10000);
	CHECK(b.cap <= 10001);
	CHECK(strlen(buf_str(&b)) == 10000);
	for (i = 0; i < 10000 && ok; i++)
		if (b.data[i] != (char)('0' + i % 10))
			ok = 0;
	CHECK(ok);
	CHECK(buf_adds(&b, "x") == -1);
	buf_free(&b);

	/* One printf far larger than the first allocation. */
	buf_init(&b, 100000);
	CHECK(buf_printf(&b, "<%5000d>", 7) == 0);
	CHECK(b.len == 5002);
	CHECK(b.data[0] == '<' && b.data[4999] == ' ' &&
	    b.data[5000] == '7' && b.data[5001] == '>');
	CHECK(b.data[5002] == '\0');
	buf_free(&b);
}

int
main(void)
{
	test_empty();
	test_append();
	test_printf();
	test_max();
	test_max_printf();
	test_max_zero();
	test_reset();
	test_free();
	test_growth();
	return check_done();
}
