/*
 * form.h: the strict application/x-www-form-urlencoded parser and the
 * table-driven validation of a form's fields (the kcgi model).
 *
 * A program describes each form once, as a table of fields: name, the
 * validator, the longest raw value and whether it is required.
 * form_parse() decodes the body, rejects what is malformed (bad
 * %-escapes, NUL bytes, invalid UTF-8, repeated fields, too many fields,
 * empty names) and runs each field's validator, which may normalise the
 * value in place (lower-case an e-mail, strip spaces from an IIN) and set
 * a typed number.  Handlers then read only validated values.
 *
 * Every error message is Russian text for the person filling in the form,
 * naming no internal detail; JSON clients get the same text.
 *
 * Layer rules (lib/rules): may use lib/base and lib/crypto (and cJSON);
 * pure functions over untrusted bytes: no I/O, no configuration, no
 * database, no web.
 */
#ifndef FORM_H
#define FORM_H

#include <stddef.h>

#define FORM_MAX_FIELDS	16	/* fields one table may describe */
#define FORM_MAX_PAIRS	32	/* name=value pairs one body may carry */

struct form_value;

/*
 * Validates v->str (valid UTF-8, no NUL, at most the field's max bytes)
 * and may rewrite it (never longer) or set v->num.  Returns NULL, or the
 * message to show next to the field.
 */
typedef const char *(*form_check)(struct form_value *v);

enum {
	FIELD_REQUIRED	= 1 << 0,	/* absent or empty is an error */
	FIELD_SECRET	= 1 << 1,	/* never echoed back into a page */
};

struct form_field {
	const char	*name;
	form_check	 check;
	size_t		 max;		/* longest raw value in bytes */
	unsigned	 flags;
	const char	*missing;	/* message when required and absent,
					   NULL for the usual one */
};

struct form_value {
	char		*str;		/* decoded value, or NULL if absent */
	size_t		 len;
	long long	 num;		/* set by validators of typed fields */
	const char	*error;		/* message for this field, or NULL */
};

struct form {
	const struct form_field	*fields;
	size_t			 nfields;
	struct form_value	 v[FORM_MAX_FIELDS];
	const char		*error;	/* about the body as a whole */
	int			 nerrors; /* fields with errors, plus error */
	char			*mem;	/* the decoded values (private) */
};

/*
 * Parses body[0..n) against the table.  Returns 0 if every field is valid,
 * -1 if anything is wrong (see nerrors, error and each v[i].error).  Either
 * way the form must be released with form_free().
 */
int	form_parse(struct form *, const struct form_field *, size_t nfields,
	    const char *body, size_t n);

void	form_free(struct form *);

/*
 * Every pair of a body, for forms whose field names are not known in
 * advance (Robokassa's Shp_ parameters).  Same strictness as form_parse(),
 * and a repeated name is an error too.
 */
struct form_pair {
	char		*name;
	char		*value;		/* NULL if it did not decode */
	size_t		 len;
	const char	*error;		/* message for this pair, or NULL */
};

struct form_pairs {
	struct form_pair	 p[FORM_MAX_PAIRS];
	size_t			 n;
	const char		*error;	/* about the body as a whole */
	char			*mem;	/* the decoded texts (private) */
};

/*
 * Decodes body[0..n) into pairs.  Returns 0, or -1 if the body or any pair
 * is malformed.  Release with form_pairs_free() in every case.
 */
int	form_pairs(struct form_pairs *, const char *body, size_t n);

void	form_pairs_free(struct form_pairs *);

/* The value of field i if it was given and valid, else NULL. */
const char *form_str(const struct form *, size_t i);

/* Marks field i invalid with a message (for rules across fields). */
void	form_reject(struct form *, size_t i, const char *msg);

/*
 * Decodes one %-encoded component s[0..n) into dst (which holds n + 1
 * bytes), '+' meaning space.  Returns the decoded length, or (size_t)-1 on
 * a bad escape, a NUL byte or invalid UTF-8.  Used for query strings too.
 */
size_t	form_decode(char *dst, const char *s, size_t n);

/*
 * Finds name in a query string q (may be NULL) and decodes its value into
 * dst[dstsz].  Returns the length, or (size_t)-1 if absent, malformed,
 * repeated or too long.
 */
size_t	form_query(const char *q, const char *name, char *dst, size_t dstsz);

#endif
