/*
 * test_kzid.c: vectors for the IIN/BIN, IBAN and BIC checks of kzid.c.
 *
 * The same vectors are asserted against the SQL functions in
 * tests/sql/kz_identifiers.sql, so both sides keep the same rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kzid.h"

/* Most vectors are string literals; measure them, NUL excluded. */
#define S(lit)	(lit), (sizeof(lit) - 1)

static void	test_check_digit(void);
static void	test_id(void);
static void	test_codes(void);
static void	test_compact(void);
static void	test_exact(void);

static void
test_check_digit(void)
{
	char body[12];
	int d;

	/* First pass: r1 = 8. */
	CHECK(kzid_check_digit("79102830272") == 8);
	/* First pass gives 10, second gives 1. */
	CHECK(kzid_check_digit("90011530040") == 1);
	CHECK(kzid_check_digit("94014000038") == 5);
	CHECK(kzid_check_digit("99014000465") == 4);
	/* Both passes give 10: no control digit, not 0 as in Russia. */
	CHECK(kzid_check_digit("85072040160") == -1);
	CHECK(kzid_check_digit("58022458768") == -1);
	/* A non-digit in the body. */
	CHECK(kzid_check_digit("7910283027A") == -1);

	/* Every possible ending of a body with no control digit fails. */
	memcpy(body, "85072040160", 11);
	for (d = 0; d <= 9; d++) {
		body[11] = (char)('0' + d);
		CHECK(!kzid_valid(body, 12));
		CHECK(kzid_classify(body, 12) == KZID_INVALID);
	}
}

/*
 * IINs and BINs: the value, then what kzid_valid(), kzid_iin_shape() and
 * kzid_bin_shape() say of it; kzid_classify() must agree with the shapes.
 */
static const struct {
	const char	*s;
	size_t		 n;
	int		 valid, iin, bin;
} ids[] = {
	/* Valid IINs, BINs, and the shapes that tell them apart. */
	{ S("791028302728"), 1, 1, 0 },
	{ S("900115300401"), 1, 1, 0 },
	{ S("940140000385"), 1, 0, 1 },
	{ S("990140004654"), 1, 0, 1 },
	/* Own vectors, from an independent script; 720120281332: 2nd pass. */
	{ S("410313607915"), 1, 1, 0 }, { S("090904395483"), 1, 1, 0 },
	{ S("070907114080"), 1, 1, 0 }, { S("720120281332"), 1, 1, 0 },
	{ S("870952610270"), 1, 0, 1 },
	{ S("410313607914"), 0, 0, 0 }, { S("870952610271"), 0, 0, 0 },
	/* Wrong control digit; a transposition is caught too. */
	{ S("791028302729"), 0, 0, 0 }, { S("790128302728"), 0, 0, 0 },
	/* Control digit right, but month 13: valid number, not an IIN. */
	{ S("791328302729"), 1, 0, 0 },
	/* Wrong lengths. */
	{ S("79102830272"), 0, 0, 0 }, { S("7910283027281"), 0, 0, 0 },
	{ S(""), 0, 0, 0 }, { S("9401400003850"), 0, 0, 0 },
	/* The length given is what counts, not the NUL. */
	{ "791028302728", 11, 0, 0, 0 }, { "7910283027289", 12, 1, 1, 0 },
	/* Letters and other bytes; \xb7 is negative as a signed char. */
	{ S("79102830272A"), 0, 0, 0 }, { S("A91028302728"), 0, 0, 0 },
	{ S("7910 8302728"), 0, 0, 0 }, { S("-91028302728"), 0, 0, 0 },
	{ S("\xb7" "91028302728"), 0, 0, 0 },
	/*
	 * Embedded NUL, with the length given explicitly.  The literals are
	 * split after \0 so that the next digits are not read as octal.
	 */
	{ "791028\0" "02728", 12, 0, 0, 0 }, { "7910283027\0" "8", 12, 0, 0, 0 },
};

static void
test_id(void)
{
	enum kzid_kind	kind;
	size_t		i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		CHECK_CASE("id \"%s\" (%zu bytes)", check_bytes(ids[i].s,
		    ids[i].n), ids[i].n);
		kind = ids[i].iin ? KZID_IIN : ids[i].bin ? KZID_BIN :
		    KZID_INVALID;
		CHECK(kzid_valid(ids[i].s, ids[i].n) == ids[i].valid);
		CHECK(kzid_iin_shape(ids[i].s, ids[i].n) == ids[i].iin);
		CHECK(kzid_bin_shape(ids[i].s, ids[i].n) == ids[i].bin);
		CHECK(kzid_classify(ids[i].s, ids[i].n) == kind);
	}
	check_case_end();
}

/* IBANs and BICs: the check, the value, and its verdict. */
#define IBAN	kz_iban_valid, "kz_iban_valid"
#define BIC	kz_bic_valid, "kz_bic_valid"
static const struct {
	int		(*fn)(const char *, size_t);
	const char	*name, *s;
	size_t		 n;
	int		 want;
} codes[] = {
	{ IBAN, S("KZ86125KZT5004100100"), 1 },
	{ IBAN, S("KZ18722S000012345678"), 1 },
	/* Own vectors, from an independent script. */
	{ IBAN, S("KZ75125KZT1001300335"), 1 },
	{ IBAN, S("KZ90601A861000012345"), 1 },
	{ IBAN, S("KZ979260010000ABCDEF"), 1 },
	/* mod 97 gives 2; a swapped pair in the account. */
	{ IBAN, S("KZ87125KZT5004100100"), 0 },
	{ IBAN, S("KZ86125KZT5004101000"), 0 },
	/* 19 and 21 characters. */
	{ IBAN, S("KZ86125KZT500410010"), 0 },
	{ IBAN, S("KZ86125KZT50041001000"), 0 },
	{ IBAN, "KZ86125KZT5004100100", 19, 0 },
	/* Lower case and spaces are rejected; kz_compact() fixes them first. */
	{ IBAN, S("kz86125kzt5004100100"), 0 },
	{ IBAN, S("KZ86125kzt5004100100"), 0 },
	{ IBAN, S("KZ86 125K ZT50 0410 0100"), 0 },
	/* Bank code must be digits; a valid IBAN of another country. */
	{ IBAN, S("KZ8612AKZT5004100100"), 0 },
	{ IBAN, S("GB82WEST12345698765432"), 0 },
	/* Embedded NUL; nothing at all. */
	{ IBAN, "KZ86125KZT\0" "004100100", 20, 0 },
	{ IBAN, S(""), 0 },

	{ BIC, S("CASPKZKA"), 1 }, { BIC, S("HSBKKZKX"), 1 },
	{ BIC, S("NBRKKZKX"), 1 }, { BIC, S("CASPKZKAXXX"), 1 },
	{ BIC, S("KCJBKZ2A"), 1 }, { BIC, S("HSBKKZKX001"), 1 },
	{ BIC, S("CASPRUKA"), 0 }, { BIC, S("casPKZKA"), 0 },
	{ BIC, S("CASPKZka"), 0 }, { BIC, S("CASPKZK"), 0 },
	{ BIC, S("CASPKZKAX"), 0 }, { BIC, S("CASPKZKAXX"), 0 },
	{ BIC, S("CASPKZKAXXXX"), 0 }, { BIC, S("CAS1KZKA"), 0 },
	{ BIC, S("CASPKZK-"), 0 }, { BIC, S("CASP KZKA"), 0 },
	{ BIC, "CASPKZK\0", 8, 0 }, { BIC, S(""), 0 },
};
#undef IBAN
#undef BIC

static void
test_codes(void)
{
	size_t	i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		CHECK_CASE("%s(\"%s\", %zu)", codes[i].name,
		    check_bytes(codes[i].s, codes[i].n), codes[i].n);
		CHECK(codes[i].fn(codes[i].s, codes[i].n) == codes[i].want);
	}
	check_case_end();
}

/* kz_compact() says it is an IIN the way kzid_classify() does. */
static int
is_iin(const char *s, size_t len)
{
	return kzid_classify(s, len) == KZID_IIN;
}

/*
 * kz_compact() into a heap buffer of exactly dstsz bytes: the input, dstsz,
 * upper, the length it returns and the string it leaves (NULL: not looked
 * at), then a check the result must pass or fail (want 1 or 0), if any.
 */
static const struct {
	const char	*in;
	size_t		 n, dstsz;
	int		 upper;
	size_t		 len;
	const char	*out;
	int		(*then)(const char *, size_t);
	int		 want;
} compacts[] = {
	{ S("KZ86 125K ZT50 0410 0100"), 32, 0, 20, "KZ86125KZT5004100100",
	  kz_iban_valid, 1 },
	/* Lower case passes only once upper-cased. */
	{ S("kz86 125k zt50 0410 0100"), 32, 0, 20, NULL, kz_iban_valid, 0 },
	{ S("kz86 125k zt50 0410 0100"), 32, 1, 20, "KZ86125KZT5004100100",
	  kz_iban_valid, 1 },
	{ S("791028 302728"), 32, 0, 12, "791028302728", is_iin, 1 },
	{ S(" caspkzka "), 32, 1, 8, NULL, kz_bic_valid, 1 },
	/* Only the given length is read. */
	{ "AB CDEF", 4, 32, 0, 3, "ABC", NULL, 0 },
	/* Empty and all-space input give an empty string. */
	{ S(""), 32, 1, 0, "", NULL, 0 },
	{ S("    "), 32, 1, 0, "", NULL, 0 },
	/* Exactly dstsz-1 characters fit; one more does not. */
	{ S("a b c d"), 5, 1, 4, "ABCD", NULL, 0 },
	{ S("abcde"), 5, 1, (size_t)-1, "", NULL, 0 },
	{ S("a"), 0, 1, (size_t)-1, NULL, NULL, 0 },
	{ S("  "), 1, 1, 0, "", NULL, 0 },
	{ S("a"), 1, 1, (size_t)-1, NULL, NULL, 0 },
	/* Other bytes are kept, so the checks still reject them. */
	{ S("7910-28302728"), 32, 0, 13, NULL, kzid_valid, 0 },
	{ "79 1028\0" "02728", 13, 32, 0, 12, NULL, kzid_valid, 0 },
};

static void
test_compact(void)
{
	size_t	i, n;
	char	*p;

	for (i = 0; i < sizeof(compacts) / sizeof(compacts[0]); i++) {
		CHECK_CASE("kz_compact(\"%s\", dstsz %zu, upper %d)",
		    check_bytes(compacts[i].in, compacts[i].n),
		    compacts[i].dstsz, compacts[i].upper);
		if ((p = malloc(compacts[i].dstsz > 0 ? compacts[i].dstsz : 1)) ==
		    NULL)
			continue;
		n = kz_compact(p, compacts[i].dstsz, compacts[i].in,
		    compacts[i].n, compacts[i].upper);
		CHECK(n == compacts[i].len);
		if (compacts[i].out != NULL)
			CHECK_STR(p, compacts[i].out);
		if (compacts[i].then != NULL)
			CHECK(compacts[i].then(p, n) == compacts[i].want);
		free(p);
	}
	check_case_end();
}

/*
 * Give every function buffers of exactly len bytes on the heap, so that
 * a read past len shows up under -fsanitize=address.
 */
static void
test_exact(void)
{
	static const char fill[] = "791028302728KZ86125KZT5004100100";
	char out[64];
	size_t len;
	char *p;

	for (len = 0; len < sizeof(fill); len++) {
		if ((p = malloc(len > 0 ? len : 1)) == NULL)
			continue;
		memcpy(p, fill, len);
		CHECK(kzid_valid(p, len) == (len == 12));
		CHECK(kzid_classify(p, len) == (len == 12 ? KZID_IIN :
		    KZID_INVALID));
		CHECK(!kzid_bin_shape(p, len));
		CHECK(!kz_iban_valid(p, len));
		CHECK(!kz_bic_valid(p, len));
		CHECK(kz_compact(out, sizeof(out), p, len, 1) == len);
		free(p);
	}
	if ((p = malloc(20)) != NULL) {
		memcpy(p, "KZ86125KZT5004100100", 20);
		CHECK(kz_iban_valid(p, 20));
		free(p);
	}
	if ((p = malloc(11)) != NULL) {
		memcpy(p, "CASPKZKAXXX", 11);
		CHECK(kz_bic_valid(p, 11));
		CHECK(kz_bic_valid(p, 8));
		free(p);
	}
}

int
main(void)
{
	test_check_digit();
	test_id();
	test_codes();
	test_compact();
	test_exact();
	return check_done();
}
