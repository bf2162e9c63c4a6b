/*
 * usage.c: the per-worker tally of license checks; see usage.h.
 */
#include <string.h>

#include "usage.h"

/* Fibonacci hashing of a 64-bit mix into a table of 2^bits slots. */
static size_t
hash(unsigned long long x, size_t nslots)
{
	x ^= x >> 29;
	x *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(x >> 40) & (nslots - 1);
}

static unsigned long long
key_hash(long long account, const char *widget, long long hour)
{
	unsigned long long	h = (unsigned long long)account * 31 +
				    (unsigned long long)hour;

	while (*widget != '\0')
		h = h * 131 + (unsigned char)*widget++;
	return h;
}

void
usage_reset(struct usage *u)
{
	u->nkeys = u->nusers = 0;
	memset(u->key_slots, 0, sizeof(u->key_slots));
	memset(u->user_slots, 0, sizeof(u->user_slots));
}

/*
 * The key's index, or -1 with the free slot for it in *slot.
 */
static long
find_key(const struct usage *u, long long account, const char *widget,
    long long hour, size_t *slot)
{
	const size_t		 n = sizeof(u->key_slots) / sizeof(u->key_slots[0]);
	size_t			 i = hash(key_hash(account, widget, hour), n);
	const struct usage_key	*k;

	for (; u->key_slots[i] != 0; i = (i + 1) & (n - 1)) {
		k = &u->keys[u->key_slots[i] - 1];
		if (k->account == account && k->hour == hour &&
		    strcmp(k->widget, widget) == 0)
			return (long)(u->key_slots[i] - 1);
	}
	*slot = i;
	return -1;
}

/* Whether (key, user) is there; the free slot for it in *slot if not. */
static int
has_user(const struct usage *u, size_t key, long long user, size_t *slot)
{
	const size_t		 n = sizeof(u->user_slots) / sizeof(u->user_slots[0]);
	size_t			 i = hash((unsigned long long)user * 2654435761ULL +
				    key, n);
	const struct usage_user	*x;

	for (; u->user_slots[i] != 0; i = (i + 1) & (n - 1)) {
		x = &u->users[u->user_slots[i] - 1];
		if (x->key == key && x->user == user)
			return 1;
	}
	*slot = i;
	return 0;
}

int
usage_count(struct usage *u, long long account, const char *widget,
    long long hour, long long user)
{
	struct usage_key	*k;
	size_t			 kslot = 0, uslot = 0, wlen = strlen(widget);
	long			 key;
	int			 new_user;

	if (wlen >= USAGE_WIDGET)
		return -1;
	key = find_key(u, account, widget, hour, &kslot);
	/* A new key has no users yet: only a known key's may be known. */
	new_user = user > 0 && (key == -1 ||
	    !has_user(u, (size_t)key, user, &uslot));
	/* Counted whole or not at all. */
	if ((key == -1 && u->nkeys == USAGE_KEYS) ||
	    (new_user && u->nusers == USAGE_USERS))
		return -1;
	if (key == -1) {
		key = (long)u->nkeys;
		k = &u->keys[key];
		k->account = account;
		k->hour = hour;
		k->checks = 0;
		memcpy(k->widget, widget, wlen + 1);
		u->key_slots[kslot] = (unsigned short)++u->nkeys;
		if (new_user)
			(void)has_user(u, (size_t)key, user, &uslot);
	}
	u->keys[key].checks++;
	if (new_user) {
		u->users[u->nusers].key = (size_t)key;
		u->users[u->nusers].user = user;
		u->user_slots[uslot] = (unsigned short)++u->nusers;
	}
	return 0;
}

int
usage_arrays(const struct usage *u, struct buf out[USAGE_NCOLUMNS])
{
	const struct usage_key	*k;
	size_t			 i, c;
	int			 rc = 0;

	for (c = 0; c < USAGE_NCOLUMNS; c++) {
		buf_reset(&out[c]);
		buf_adds(&out[c], "{");
	}
	for (i = 0; i < u->nkeys; i++) {
		k = &u->keys[i];
		/* Codes are of [a-z0-9_-]: quoted, so "null" stays a code. */
		buf_printf(&out[USAGE_ACCOUNTS], "%s%lld", i ? "," : "",
		    k->account);
		buf_printf(&out[USAGE_WIDGETS], "%s\"%s\"", i ? "," : "",
		    k->widget);
		buf_printf(&out[USAGE_HOURS], "%s%lld", i ? "," : "", k->hour);
		buf_printf(&out[USAGE_CHECKS], "%s%lld", i ? "," : "",
		    k->checks);
	}
	for (i = 0; i < u->nusers; i++) {
		k = &u->keys[u->users[i].key];
		buf_printf(&out[USAGE_USER_ACCOUNTS], "%s%lld", i ? "," : "",
		    k->account);
		buf_printf(&out[USAGE_USER_WIDGETS], "%s\"%s\"", i ? "," : "",
		    k->widget);
		buf_printf(&out[USAGE_USER_HOURS], "%s%lld", i ? "," : "",
		    k->hour);
		buf_printf(&out[USAGE_USER_IDS], "%s%lld", i ? "," : "",
		    u->users[i].user);
	}
	for (c = 0; c < USAGE_NCOLUMNS; c++)
		if (buf_adds(&out[c], "}") == -1)
			rc = -1;
	return rc;
}
