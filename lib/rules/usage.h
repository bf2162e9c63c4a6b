/*
 * usage.h: what a license-check worker counts between two writes (issue
 * 13): the checks per (account, widget, hour) and the amoCRM users seen
 * per (account, widget, hour), in bounded tables, written as one batch
 * (amobill.record_usage) at most every few seconds and at exit.  Never a
 * database write per answer.
 *
 * Hours, not days: the hour is the clock's (seconds since the epoch /
 * 3600), and the database puts each in its Asia/Almaty day (every offset
 * Kazakhstan ever had is whole hours), so the worker needs no calendar.
 *
 * Invariants: keys[0..nkeys) are distinct (account, widget, hour), each
 * with checks >= 1; users[0..nusers) are distinct (key, user), user > 0.
 *
 * Layer rules (lib/rules): pure functions over memory; may use lib/base;
 * never I/O.
 */
#ifndef USAGE_H
#define USAGE_H

#include <stddef.h>

#include "buf.h"

#define USAGE_KEYS	2048
#define USAGE_USERS	4096
#define USAGE_WIDGET	33		/* a widget code and its NUL */

struct usage_key {
	long long	account;
	long long	hour;
	long long	checks;
	char		widget[USAGE_WIDGET];
};

struct usage_user {
	size_t		key;		/* index into keys */
	long long	user;
};

struct usage {
	struct usage_key	keys[USAGE_KEYS];
	size_t			nkeys;
	struct usage_user	users[USAGE_USERS];
	size_t			nusers;
	/* Open addressing: index + 1 into keys / users, 0 for a free slot. */
	unsigned short		key_slots[USAGE_KEYS * 2];
	unsigned short		user_slots[USAGE_USERS * 2];
};

/* Empties the tables. */
void	usage_reset(struct usage *);

/*
 * Counts one check of widget (a catalogue code, shorter than
 * USAGE_WIDGET) for account in hour, by user (0: unknown).  Returns 0,
 * or -1 with nothing counted when a table is full: write the batch,
 * reset, and count again.
 */
int	usage_count(struct usage *, long long account, const char *widget,
	    long long hour, long long user);

/* The columns of a batch, as amobill.record_usage takes them. */
enum {
	USAGE_ACCOUNTS, USAGE_WIDGETS, USAGE_HOURS, USAGE_CHECKS,
	USAGE_USER_ACCOUNTS, USAGE_USER_WIDGETS, USAGE_USER_HOURS,
	USAGE_USER_IDS, USAGE_NCOLUMNS
};

/*
 * The batch as PostgreSQL array literals ("{1,2}", "{\"leadscore\"}"),
 * one a column, into out[] (each buf_init'ed by the caller with room
 * for USAGE_ARRAY_MAX).  Returns 0, or -1 if one did not fit.
 */
#define USAGE_ARRAY_MAX	(USAGE_USERS * (USAGE_WIDGET + 3) + 16)
int	usage_arrays(const struct usage *, struct buf out[USAGE_NCOLUMNS]);

#endif
