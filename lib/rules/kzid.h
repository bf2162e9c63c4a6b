/*
 * kzid.h: checks for Kazakhstan identifiers (IIN, BIN, IBAN, BIC).
 *
 * All functions are pure: no I/O, no allocation, no global state, and they
 * do not depend on the locale.  Input is a pointer and a length; it need not
 * be NUL-terminated and no byte beyond len is ever read.  An embedded NUL is
 * just an invalid character.  The checks do not trim or fold case: user
 * input is normalised first with kz_compact(), then checked.
 *
 * The same rules are enforced by the database, see
 * sql/002_kz_identifiers.sql; change both together.
 *
 * Layer rules (lib/rules): may use lib/base and lib/crypto (and cJSON);
 * pure functions over untrusted bytes: no I/O, no configuration, no
 * database, no web.
 */
#ifndef KZID_H
#define KZID_H

#include <stddef.h>

/* Result of checking a 12-digit IIN/BIN. */
enum kzid_kind {
	KZID_INVALID = 0,
	KZID_IIN,
	KZID_BIN
};

/*
 * Compute the control digit of an IIN or BIN from its first 11 digits.
 * d11 must point to at least 11 readable bytes.  The sum of digit i
 * times weight i (weights 1..11) is taken mod 11; if that gives 10 the
 * sum is taken again with weights 3,4,5,6,7,8,9,10,11,1,2.  Returns the
 * control digit 0..9, or -1 if the second pass gives 10 too (no number
 * with this body is valid) or if one of the 11 bytes is not an ASCII
 * digit.  There is no fallback to 0 as in the Russian INN rule.
 */
int kzid_check_digit(const char *d11);

/*
 * Returns 1 iff s[0..len) is exactly 12 ASCII digits and the last one
 * is the control digit of the first 11, else 0.  Says nothing about
 * whether it is an IIN or a BIN.
 */
int kzid_valid(const char *s, size_t len);

/*
 * Returns 1 iff kzid_valid() and the number has the shape of an IIN
 * (individual): YYMMDD with month 01-12 and day 01-31, then a 7th digit
 * 1-6 giving century and sex.  The date is not checked against the
 * calendar (31 February passes): since a 2013 decree the digits are no
 * longer bound to the person's data, so only a plausible shape is asked.
 */
int kzid_iin_shape(const char *s, size_t len);

/*
 * Returns 1 iff kzid_valid() and the number has the shape of a BIN
 * (legal entity): YYMM with month 01-12, a 5th digit 4, 5 or 6 (type of
 * entity) and a 6th digit 0-3 (kind of registration).
 */
int kzid_bin_shape(const char *s, size_t len);

/*
 * Returns KZID_IIN or KZID_BIN for a valid number of that shape, else
 * KZID_INVALID.  The shapes cannot both match: the 5th digit of an IIN
 * is the tens of a day (0-3), that of a BIN is 4-6.
 */
enum kzid_kind kzid_classify(const char *s, size_t len);

/*
 * Returns 1 iff s[0..len) is a Kazakh IBAN in electronic form: exactly
 * 20 characters, "KZ", 2 check digits, a 3-digit bank code and 13 of
 * [0-9A-Z], upper case, no spaces, and the ISO 7064 MOD 97-10 remainder
 * is 1.  The remainder is computed digit by digit, without big integers.
 */
int kz_iban_valid(const char *s, size_t len);

/*
 * Returns 1 iff s[0..len) is a Kazakh BIC (SWIFT code):
 * ^[A-Z]{4}KZ[A-Z0-9]{2}([A-Z0-9]{3})?$, i.e. 8 or 11 characters,
 * upper case only.
 */
int kz_bic_valid(const char *s, size_t len);

/*
 * Copy s[0..len) into dst without its ASCII spaces (0x20), upper-casing
 * ASCII letters if upper is nonzero, and NUL-terminate it.  Returns the
 * length of the compacted string.  If it does not fit in dstsz-1 bytes,
 * returns (size_t)-1 and leaves dst an empty string (when dstsz > 0).
 * Other bytes, NUL included, are copied as they are, so that the checks
 * still reject them.  Used to normalise input such as
 * "KZ86 125K ZT50 0410 0100" or "791028 302728" before checking it.
 */
size_t kz_compact(char *dst, size_t dstsz, const char *s, size_t len,
    int upper);

#endif
