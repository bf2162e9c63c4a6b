/*
 * parse.c: a document's row (JSON) into a struct doc; see doc.h.
 *
 * Every field is described once, in the table below: where it is (the
 * top object, "seller" or "buyer"), where it goes in struct doc, how it
 * is checked and which kinds need it.  A field a kind does not need may
 * be absent or null; if it is there, it is checked all the same.
 * Members the table does not name are ignored (the row may carry more,
 * e.g. its inv_id); a member named twice is refused, since cJSON would
 * read the first and another reader the last.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "doc.h"
#include "json.h"
#include "utf8.h"

enum check {
	C_TEXT,		/* one line of text, 1..max characters */
	C_DATE,		/* YYYY-MM-DD, a real day */
	C_NUMBER,	/* 2026-000001 */
	C_ID,		/* BIN or IIN: 12 digits */
	C_IIK,		/* KZ and 18 of [A-Z0-9] */
	C_BIC,		/* 8 or 11 of [A-Z0-9] */
	C_DIGITS,	/* exactly max digits (Kbe 2, KNP 3) */
};

#define NEED_INVOICE	1
#define NEED_ACT	2
#define NEED_ALL	(NEED_INVOICE | NEED_ACT)

enum where { TOP, SELLER, BUYER };

struct field {
	enum where	 where;
	const char	*key;
	size_t		 off;		/* in struct doc */
	size_t		 size;		/* of the array there */
	enum check	 check;
	size_t		 max;		/* characters (C_TEXT), digits */
	int		 need;
	const char	*missing;	/* what *why says */
	const char	*bad;
	const char	*toolong;
};

#define F(w, prefix, key, member, check, max, need) {			\
	w, key, offsetof(struct doc, member),				\
	sizeof(((struct doc *)0)->member), check, max, need,		\
	prefix key ": missing", prefix key ": malformed",		\
	prefix key ": too long" }

static const struct field fields[] = {
	F(TOP, "", "number", number, C_NUMBER, 0, NEED_ALL),
	F(TOP, "", "issued_on", issued_on, C_DATE, 0, NEED_ALL),
	F(TOP, "", "payable_until", payable_until, C_DATE, 0, NEED_INVOICE),
	F(TOP, "", "period_start", period_start, C_DATE, 0, NEED_ACT),
	F(TOP, "", "period_end", period_end, C_DATE, 0, NEED_ACT),
	F(TOP, "", "offer", offer, C_TEXT, DOC_FIELD_MAX, NEED_ACT),
	F(TOP, "", "item", item, C_TEXT, DOC_ITEM_MAX, NEED_ALL),
	F(SELLER, "seller.", "name", seller.name, C_TEXT, DOC_NAME_MAX,
	    NEED_ALL),
	F(SELLER, "seller.", "bin", seller.id, C_ID, 12, NEED_ALL),
	F(SELLER, "seller.", "address", seller.address, C_TEXT,
	    DOC_ADDRESS_MAX, NEED_ALL),
	F(SELLER, "seller.", "iik", iik, C_IIK, 20, NEED_INVOICE),
	F(SELLER, "seller.", "bank", bank, C_TEXT, DOC_FIELD_MAX,
	    NEED_INVOICE),
	F(SELLER, "seller.", "bic", bic, C_BIC, 11, NEED_INVOICE),
	F(SELLER, "seller.", "kbe", kbe, C_DIGITS, 2, NEED_INVOICE),
	F(SELLER, "seller.", "knp", knp, C_DIGITS, 3, NEED_INVOICE),
	F(BUYER, "buyer.", "name", buyer.name, C_TEXT, DOC_NAME_MAX,
	    NEED_ALL),
	/*
	 * An act's buyer may have none (amobill.acts.buyer_iin_bin is
	 * nullable: a card payer's profile need not hold one); an
	 * invoice's always has one (profile_incomplete otherwise).
	 */
	F(BUYER, "buyer.", "iin_bin", buyer.id, C_ID, 12, NEED_INVOICE),
	F(BUYER, "buyer.", "address", buyer.address, C_TEXT,
	    DOC_ADDRESS_MAX, NEED_ALL),
};

/*
 * A character that has no place in a one-line field: the C0 and C1
 * controls, DEL, and the line and paragraph separators (which pango
 * would break the line at).
 */
static int
control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 ||
	    cp == 0x2029;
}

/* 1, 0 (not one line of valid UTF-8) or -1 (more than max characters). */
static int
text_ok(const char *s, size_t n, size_t max)
{
	uint32_t	cp;
	size_t		k, count = 0;

	if (n == 0)
		return 0;
	while (n > 0) {
		if ((k = utf8_decode(s, n, &cp)) == 0 || control(cp))
			return 0;
		if (++count > max)
			return -1;
		s += k;
		n -= k;
	}
	return 1;
}

static int
all_of(const char *s, size_t n, const char *set)
{
	return strspn(s, set) == n;
}

#define DIGITS	"0123456789"
#define UPPER	"ABCDEFGHIJKLMNOPQRSTUVWXYZ"

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* YYYY-MM-DD with a year from 2000, a month and a day that exist. */
static int
date_ok(const char *s, size_t n)
{
	static const int	 mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	int			 y, m, d;

	if (n != 10 || s[4] != '-' || s[7] != '-' || strspn(s, DIGITS) != 4 ||
	    strspn(s + 5, DIGITS) != 2 || strspn(s + 8, DIGITS) != 2)
		return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 2000 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && leap(y));
}

/* 1, 0 (malformed) or -1 (too long) for the value s[0..n) of f. */
static int
value_ok(const struct field *f, const char *s, size_t n)
{
	switch (f->check) {
	case C_TEXT:
		return text_ok(s, n, f->max);
	case C_DATE:
		return date_ok(s, n);
	case C_NUMBER:
		return n == 11 && s[4] == '-' && strspn(s, DIGITS) == 4 &&
		    strspn(s + 5, DIGITS) == 6;
	case C_ID:
	case C_DIGITS:
		return n == f->max && all_of(s, n, DIGITS);
	case C_IIK:
		return n == 20 && s[0] == 'K' && s[1] == 'Z' &&
		    all_of(s, n, UPPER DIGITS);
	case C_BIC:
		return (n == 8 || n == 11) && all_of(s, n, UPPER DIGITS);
	}
	return 0;
}

static const cJSON *
object(const cJSON *o, const char *key)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsObject(v) && !json_duplicate_keys(v) ? v : NULL;
}

/* A whole number in [min, max], or -1 with *ok 0. */
static long long
integer(const cJSON *o, const char *key, double min, double max, int *ok)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, key);

	*ok = cJSON_IsNumber(v) && v->valuedouble >= min &&
	    v->valuedouble <= max && floor(v->valuedouble) == v->valuedouble;
	return *ok ? (long long)v->valuedouble : -1;
}

static int
fields_read(const cJSON *top, struct doc *d, const char **why)
{
	const cJSON	*in[3], *v;
	const struct field *f;
	size_t		 i, n;
	int		 need = d->kind == DOC_INVOICE ? NEED_INVOICE : NEED_ACT;
	int		 rc;

	in[TOP] = top;
	in[SELLER] = object(top, "seller");
	in[BUYER] = object(top, "buyer");
	if (in[SELLER] == NULL) {
		*why = "seller: missing or not an object";
		return -1;
	}
	if (in[BUYER] == NULL) {
		*why = "buyer: missing or not an object";
		return -1;
	}
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		f = &fields[i];
		v = cJSON_GetObjectItemCaseSensitive(in[f->where], f->key);
		if (v == NULL || cJSON_IsNull(v)) {
			if (f->need & need) {
				*why = f->missing;
				return -1;
			}
			continue;
		}
		if (!cJSON_IsString(v)) {
			*why = f->bad;
			return -1;
		}
		n = strlen(v->valuestring);
		if ((rc = value_ok(f, v->valuestring, n)) != 1) {
			*why = rc == -1 ? f->toolong : f->bad;
			return -1;
		}
		if (n >= f->size) {
			*why = f->toolong;
			return -1;
		}
		memcpy((char *)d + f->off, v->valuestring, n + 1);
	}
	return 0;
}

/* What no one field says: amounts, VAT, the order of the dates. */
static int
whole_read(const cJSON *top, struct doc *d, const char **why)
{
	int	ok;

	d->amount_tiyn = integer(top, "amount_tiyn", 1, 99999999999999.0,
	    &ok);
	if (!ok) {
		*why = "amount_tiyn: missing or not 1 .. 10^14 - 1";
		return -1;
	}
	d->vat_rate = (int)integer(top, "vat_rate", 0, 99, &ok);
	if (!ok) {
		*why = "vat_rate: missing or not 0 .. 99";
		return -1;
	}
	d->vat_tiyn = integer(top, "vat_tiyn", 0, (double)d->amount_tiyn,
	    &ok);
	if (!ok || (d->vat_rate == 0 && d->vat_tiyn != 0)) {
		*why = "vat_tiyn: missing, negative, over the amount or "
		    "without a rate";
		return -1;
	}
	if (d->kind == DOC_INVOICE &&
	    strcmp(d->payable_until, d->issued_on) < 0) {
		*why = "payable_until: before issued_on";
		return -1;
	}
	if (d->kind == DOC_ACT && strcmp(d->period_end, d->period_start) < 0) {
		*why = "period_end: before period_start";
		return -1;
	}
	return 0;
}

/* Whether p[0..n) holds the six bytes \u0000. */
static int
spells_nul(const char *p, size_t n)
{
	size_t	i;

	for (i = 0; i + 6 <= n; i++)
		if (p[i] == '\\' && memcmp(p + i + 1, "u0000", 5) == 0)
			return 1;
	return 0;
}

int
doc_parse(const char *p, size_t n, struct doc *d, const char **why)
{
	cJSON		*top = NULL;
	const cJSON	*kind;
	int		 rc = -1;

	memset(d, 0, sizeof(*d));
	*why = NULL;
	if (n == 0 || n > DOC_JSON_MAX || !utf8_valid(p, n)) {
		*why = "row: empty, too long or not UTF-8";
		goto out;
	}
	/*
	 * cJSON reads the escape \u0000 as the end of its string, which
	 * would cut a text short unseen: a row that spells it is refused
	 * (the database never writes one; a literal backslash before
	 * "u0000" is refused too, which costs nothing).
	 */
	if (spells_nul(p, n)) {
		*why = "row: holds \\u0000";
		goto out;
	}
	top = cJSON_ParseWithLength(p, n);
	if (top == NULL || !cJSON_IsObject(top) || json_duplicate_keys(top)) {
		*why = "row: not one JSON object";
		goto out;
	}
	kind = cJSON_GetObjectItemCaseSensitive(top, "kind");
	if (cJSON_IsString(kind) && strcmp(kind->valuestring, "invoice") == 0)
		d->kind = DOC_INVOICE;
	else if (cJSON_IsString(kind) && strcmp(kind->valuestring, "act") == 0)
		d->kind = DOC_ACT;
	else {
		*why = "kind: not \"invoice\" or \"act\"";
		goto out;
	}
	if (fields_read(top, d, why) == -1 || whole_read(top, d, why) == -1)
		goto out;
	rc = 0;
out:
	cJSON_Delete(top);
	if (rc == -1) {
		memset(d, 0, sizeof(*d));
		if (*why == NULL)
			*why = "row: malformed";
	}
	return rc;
}
