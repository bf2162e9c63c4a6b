/*
 * test_usage.c: a worker's tally of license checks: counts and distinct
 * users per (account, widget, hour), its bounds, and the batch's arrays.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "usage.h"

static void
test_counts_and_users(void)
{
	static struct usage	u;
	size_t			i;

	usage_reset(&u);
	/* 5 checks by 2 users, and one without a user. */
	CHECK(usage_count(&u, 7, "leadscore", 100, 11) == 0);
	CHECK(usage_count(&u, 7, "leadscore", 100, 12) == 0);
	CHECK(usage_count(&u, 7, "leadscore", 100, 11) == 0);
	CHECK(usage_count(&u, 7, "leadscore", 100, 12) == 0);
	CHECK(usage_count(&u, 7, "leadscore", 100, 0) == 0);
	/* Another widget, hour or account is another key. */
	CHECK(usage_count(&u, 7, "callplan", 100, 11) == 0);
	CHECK(usage_count(&u, 7, "leadscore", 101, 11) == 0);
	CHECK(usage_count(&u, 8, "leadscore", 100, 11) == 0);
	CHECK(u.nkeys == 4);
	CHECK(u.keys[0].account == 7 && u.keys[0].hour == 100 &&
	    strcmp(u.keys[0].widget, "leadscore") == 0 &&
	    u.keys[0].checks == 5);
	for (i = 1; i < 4; i++)
		CHECK(u.keys[i].checks == 1);
	/* 11 and 12 under the first key, 11 under each other. */
	CHECK(u.nusers == 5);
	CHECK(u.users[0].key == 0 && u.users[0].user == 11);
	CHECK(u.users[1].key == 0 && u.users[1].user == 12);
	CHECK(u.users[2].key == 1 && u.users[3].key == 2 &&
	    u.users[4].key == 3);
	usage_reset(&u);
	CHECK(u.nkeys == 0 && u.nusers == 0);
	CHECK(usage_count(&u, 7, "leadscore", 100, 11) == 0);
	CHECK(u.nkeys == 1 && u.keys[0].checks == 1 && u.nusers == 1);
	/* A code too long for a catalogue code is refused. */
	CHECK(usage_count(&u, 7, "a-widget-code-longer-than-32-bytes", 1,
	    0) == -1);
	CHECK(u.nkeys == 1);
}

static void
test_full(void)
{
	static struct usage	u;
	long long		a;
	int			full = 0;

	usage_reset(&u);
	for (a = 1; a <= USAGE_KEYS; a++)
		full |= usage_count(&u, a, "leadscore", 1, 0);
	CHECK(full == 0 && u.nkeys == USAGE_KEYS);
	/* A new key does not fit; a known one still counts. */
	CHECK(usage_count(&u, USAGE_KEYS + 1, "leadscore", 1, 0) == -1);
	CHECK(u.nkeys == USAGE_KEYS);
	CHECK(usage_count(&u, 1, "leadscore", 1, 0) == 0);
	CHECK(u.keys[0].checks == 2);

	usage_reset(&u);
	for (a = 1; a <= USAGE_USERS; a++)
		full |= usage_count(&u, 1, "leadscore", 1, a);
	CHECK(full == 0 && u.nusers == USAGE_USERS);
	/* A new user does not fit: the check is not counted either. */
	CHECK(usage_count(&u, 1, "leadscore", 1, USAGE_USERS + 1) == -1);
	CHECK(u.keys[0].checks == USAGE_USERS);
	CHECK(usage_count(&u, 2, "leadscore", 1, USAGE_USERS + 1) == -1);
	CHECK(u.nkeys == 1);
	/* A user seen before does. */
	CHECK(usage_count(&u, 1, "leadscore", 1, 5) == 0);
	CHECK(u.keys[0].checks == USAGE_USERS + 1);
}

static void
test_arrays(void)
{
	static struct usage	u;
	static struct buf	cols[USAGE_NCOLUMNS];
	size_t			i;

	for (i = 0; i < USAGE_NCOLUMNS; i++)
		buf_init(&cols[i], USAGE_ARRAY_MAX);
	usage_reset(&u);
	CHECK(usage_arrays(&u, cols) == 0);
	CHECK_STR(buf_str(&cols[USAGE_ACCOUNTS]), "{}");
	CHECK_STR(buf_str(&cols[USAGE_USER_IDS]), "{}");
	usage_count(&u, 7, "leadscore", 100, 11);
	usage_count(&u, 7, "leadscore", 100, 11);
	usage_count(&u, 9, "null", 101, 0);
	CHECK(usage_arrays(&u, cols) == 0);
	CHECK_STR(buf_str(&cols[USAGE_ACCOUNTS]), "{7,9}");
	/* Quoted: a widget called "null" is not SQL's NULL. */
	CHECK_STR(buf_str(&cols[USAGE_WIDGETS]), "{\"leadscore\",\"null\"}");
	CHECK_STR(buf_str(&cols[USAGE_HOURS]), "{100,101}");
	CHECK_STR(buf_str(&cols[USAGE_CHECKS]), "{2,1}");
	CHECK_STR(buf_str(&cols[USAGE_USER_ACCOUNTS]), "{7}");
	CHECK_STR(buf_str(&cols[USAGE_USER_WIDGETS]), "{\"leadscore\"}");
	CHECK_STR(buf_str(&cols[USAGE_USER_HOURS]), "{100}");
	CHECK_STR(buf_str(&cols[USAGE_USER_IDS]), "{11}");
	/* The largest batch fits the documented room. */
	usage_reset(&u);
	for (i = 0; i < USAGE_USERS; i++)
		usage_count(&u, 9007199254740991LL - (long long)(i % USAGE_KEYS),
		    "abcdefghijklmnopqrstuvwxyz012345", 9007199254740991LL,
		    9007199254740991LL - (long long)i);
	CHECK(u.nusers == USAGE_USERS);
	CHECK(usage_arrays(&u, cols) == 0);
	for (i = 0; i < USAGE_NCOLUMNS; i++)
		buf_free(&cols[i]);
}

int
main(void)
{
	test_counts_and_users();
	test_full();
	test_arrays();
	return check_done();
}
