/*
 * valid.h: the validators of the site's form fields (see form.h for the
 * contract every validator keeps).  Each rule lives here once and every
 * form that has the field uses it.
 *
 * Layer rules (lib/rules): may use lib/base and lib/crypto (and cJSON);
 * pure functions over untrusted bytes: no I/O, no configuration, no
 * database, no web.
 */
#ifndef VALID_H
#define VALID_H

#include "amohost.h"
#include "form.h"
#include "vocab.h"

const char	*valid_login(struct form_value *);	/* 3-32 of a-z 0-9 . _ - */
const char	*valid_login_or_email(struct form_value *); /* lower-cased */
const char	*valid_email(struct form_value *);	/* lower-cased */
const char	*valid_password(struct form_value *);	/* 10-128 characters */
const char	*valid_full_name(struct form_value *);	/* letters, spaces, - ' . */
const char	*valid_address(struct form_value *);	/* postal address text */
const char	*valid_status(struct form_value *);	/* sets num */
const char	*valid_iin_bin(struct form_value *);	/* spaces dropped */
const char	*valid_yes(struct form_value *);	/* a ticked box: "yes" */

/* What a required box says when it was left unticked. */
extern const char valid_unticked[];
const char	*valid_token(struct form_value *);	/* a crypto_token() */
const char	*valid_reason(struct form_value *);	/* 20-2000 characters */
const char	*valid_iban(struct form_value *);	/* KZ IBAN, compacted */
const char	*valid_bic(struct form_value *);	/* compacted, upper-case */
const char	*valid_inv_id(struct form_value *);	/* 1..2^31-1, sets num */

/*
 * An amoCRM account as checkout takes it: "mycompany" (amocrm.ru),
 * "mycompany.amocrm.ru", "mycompany.kommo.com" or "mycompany.amocrm.com",
 * with or without "https://" and a trailing "/".  Lower-cases it and
 * drops the scheme and slash; use amo_host() (amohost.h) for the full host.
 */
const char	*valid_amo_domain(struct form_value *);

/*
 * The rule across two fields: an individual gives an IIN, a legal entity
 * a BIN.  Returns NULL or the message for the iin_bin field.
 */
const char	*valid_iin_bin_for(const char *iin_bin, long long status);

#endif
