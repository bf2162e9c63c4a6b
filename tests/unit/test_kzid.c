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
static void	test_iban(void);
static void	test_bic(void);
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

static void
test_id(void)
{
	/* Valid IINs, BINs, and the shapes that tell them apart. */
	CHECK(kzid_valid(S("791028302728")));
	CHECK(kzid_iin_shape(S("791028302728")));
	CHECK(!kzid_bin_shape(S("791028302728")));
	CHECK(kzid_classify(S("791028302728")) == KZID_IIN);

	CHECK(kzid_valid(S("900115300401")));
	CHECK(kzid_iin_shape(S("900115300401")));
	CHECK(!kzid_bin_shape(S("900115300401")));
	CHECK(kzid_classify(S("900115300401")) == KZID_IIN);

	CHECK(kzid_valid(S("940140000385")));
	CHECK(kzid_bin_shape(S("940140000385")));
	CHECK(!kzid_iin_shape(S("940140000385")));
	CHECK(kzid_classify(S("940140000385")) == KZID_BIN);

	CHECK(kzid_valid(S("990140004654")));
	CHECK(kzid_bin_shape(S("990140004654")));
	CHECK(!kzid_iin_shape(S("990140004654")));
	CHECK(kzid_classify(S("990140004654")) == KZID_BIN);

	/* Own vectors, from an independent script. */
	CHECK(kzid_classify(S("410313607915")) == KZID_IIN);
	CHECK(kzid_classify(S("090904395483")) == KZID_IIN);
	CHECK(kzid_classify(S("070907114080")) == KZID_IIN);
	CHECK(kzid_classify(S("720120281332")) == KZID_IIN);	/* 2nd pass */
	CHECK(kzid_classify(S("870952610270")) == KZID_BIN);
	CHECK(!kzid_valid(S("410313607914")));
	CHECK(!kzid_valid(S("870952610271")));

	/* Wrong control digit. */
	CHECK(!kzid_valid(S("791028302729")));
	CHECK(kzid_classify(S("791028302729")) == KZID_INVALID);
	/* A transposition is caught too. */
	CHECK(!kzid_valid(S("790128302728")));

	/* Control digit right, but month 13: valid number, not an IIN. */
	CHECK(kzid_valid(S("791328302729")));
	CHECK(!kzid_iin_shape(S("791328302729")));
	CHECK(!kzid_bin_shape(S("791328302729")));
	CHECK(kzid_classify(S("791328302729")) == KZID_INVALID);

	/* Wrong lengths. */
	CHECK(!kzid_valid(S("79102830272")));
	CHECK(!kzid_valid(S("7910283027281")));
	CHECK(!kzid_valid(S("")));
	CHECK(!kzid_iin_shape(S("79102830272")));
	CHECK(!kzid_bin_shape(S("9401400003850")));
	/* The length given is what counts, not the NUL. */
	CHECK(!kzid_valid("791028302728", 11));
	CHECK(kzid_valid("7910283027289", 12));

	/* Letters and other bytes. */
	CHECK(!kzid_valid(S("79102830272A")));
	CHECK(!kzid_valid(S("A91028302728")));
	CHECK(!kzid_valid(S("7910 8302728")));
	CHECK(!kzid_valid(S("-91028302728")));
	/* A byte above 0x7f, negative as a signed char. */
	CHECK(!kzid_valid(S("\xb7" "91028302728")));
	/*
	 * Embedded NUL, with the length given explicitly.  The literals are
	 * split after \0 so that the next digits are not read as octal.
	 */
	CHECK(!kzid_valid("791028\0" "02728", 12));
	CHECK(!kzid_valid("7910283027\0" "8", 12));
	CHECK(kzid_classify("791028\0" "02728", 12) == KZID_INVALID);
}

static void
test_iban(void)
{
	CHECK(kz_iban_valid(S("KZ86125KZT5004100100")));
	CHECK(kz_iban_valid(S("KZ18722S000012345678")));
	/* Own vectors, from an independent script. */
	CHECK(kz_iban_valid(S("KZ75125KZT1001300335")));
	CHECK(kz_iban_valid(S("KZ90601A861000012345")));
	CHECK(kz_iban_valid(S("KZ979260010000ABCDEF")));

	/* mod 97 gives 2. */
	CHECK(!kz_iban_valid(S("KZ87125KZT5004100100")));
	/* A swapped pair in the account. */
	CHECK(!kz_iban_valid(S("KZ86125KZT5004101000")));
	/* 19 and 21 characters. */
	CHECK(!kz_iban_valid(S("KZ86125KZT500410010")));
	CHECK(!kz_iban_valid(S("KZ86125KZT50041001000")));
	CHECK(!kz_iban_valid("KZ86125KZT5004100100", 19));
	/* Lower case is rejected; kz_compact() upper-cases it first. */
	CHECK(!kz_iban_valid(S("kz86125kzt5004100100")));
	CHECK(!kz_iban_valid(S("KZ86125kzt5004100100")));
	/* Spaces are rejected; kz_compact() removes them first. */
	CHECK(!kz_iban_valid(S("KZ86 125K ZT50 0410 0100")));
	/* Bank code must be digits. */
	CHECK(!kz_iban_valid(S("KZ8612AKZT5004100100")));
	/* A valid IBAN of another country. */
	CHECK(!kz_iban_valid(S("GB82WEST12345698765432")));
	/* Embedded NUL. */
	CHECK(!kz_iban_valid("KZ86125KZT\0" "004100100", 20));
	CHECK(!kz_iban_valid(S("")));
}

static void
test_bic(void)
{
	CHECK(kz_bic_valid(S("CASPKZKA")));
	CHECK(kz_bic_valid(S("HSBKKZKX")));
	CHECK(kz_bic_valid(S("NBRKKZKX")));
	CHECK(kz_bic_valid(S("CASPKZKAXXX")));
	CHECK(kz_bic_valid(S("KCJBKZ2A")));
	CHECK(kz_bic_valid(S("HSBKKZKX001")));

	CHECK(!kz_bic_valid(S("CASPRUKA")));
	CHECK(!kz_bic_valid(S("casPKZKA")));
	CHECK(!kz_bic_valid(S("CASPKZka")));
	CHECK(!kz_bic_valid(S("CASPKZK")));
	CHECK(!kz_bic_valid(S("CASPKZKAX")));
	CHECK(!kz_bic_valid(S("CASPKZKAXX")));
	CHECK(!kz_bic_valid(S("CASPKZKAXXXX")));
	CHECK(!kz_bic_valid(S("CAS1KZKA")));
	CHECK(!kz_bic_valid(S("CASPKZK-")));
	CHECK(!kz_bic_valid(S("CASP KZKA")));
	CHECK(!kz_bic_valid("CASPKZK\0", 8));
	CHECK(!kz_bic_valid(S("")));
}

static void
test_compact(void)
{
	char buf[32], small[5];
	size_t n;

	n = kz_compact(buf, sizeof(buf), S("KZ86 125K ZT50 0410 0100"), 0);
	CHECK(n == 20);
	CHECK_STR(buf, "KZ86125KZT5004100100");
	CHECK(kz_iban_valid(buf, n));

	/* Lower case passes only once upper-cased. */
	n = kz_compact(buf, sizeof(buf), S("kz86 125k zt50 0410 0100"), 0);
	CHECK(n == 20);
	CHECK(!kz_iban_valid(buf, n));
	n = kz_compact(buf, sizeof(buf), S("kz86 125k zt50 0410 0100"), 1);
	CHECK(n == 20);
	CHECK_STR(buf, "KZ86125KZT5004100100");
	CHECK(kz_iban_valid(buf, n));

	n = kz_compact(buf, sizeof(buf), S("791028 302728"), 0);
	CHECK(n == 12);
	CHECK_STR(buf, "791028302728");
	CHECK(kzid_classify(buf, n) == KZID_IIN);

	n = kz_compact(buf, sizeof(buf), S(" caspkzka "), 1);
	CHECK(n == 8);
	CHECK(kz_bic_valid(buf, n));

	/* Only the given length is read. */
	n = kz_compact(buf, sizeof(buf), "AB CDEF", 4, 0);
	CHECK(n == 3);
	CHECK_STR(buf, "ABC");

	/* Empty and all-space input give an empty string. */
	n = kz_compact(buf, sizeof(buf), S(""), 1);
	CHECK(n == 0);
	CHECK_STR(buf, "");
	n = kz_compact(buf, sizeof(buf), S("    "), 1);
	CHECK(n == 0);
	CHECK_STR(buf, "");

	/* Exactly dstsz-1 characters fit; one more does not. */
	n = kz_compact(small, sizeof(small), S("a b c d"), 1);
	CHECK(n == 4);
	CHECK_STR(small, "ABCD");
	n = kz_compact(small, sizeof(small), S("abcde"), 1);
	CHECK(n == (size_t)-1);
	CHECK_STR(small, "");
	n = kz_compact(small, 0, S("a"), 1);
	CHECK(n == (size_t)-1);
	n = kz_compact(small, 1, S("  "), 1);
	CHECK(n == 0);
	CHECK_STR(small, "");
	n = kz_compact(small, 1, S("a"), 1);
	CHECK(n == (size_t)-1);

	/* Other bytes are kept, so the checks still reject them. */
	n = kz_compact(buf, sizeof(buf), S("7910-28302728"), 0);
	CHECK(n == 13);
	CHECK(!kzid_valid(buf, n));
	n = kz_compact(buf, sizeof(buf), "79 1028\0" "02728", 13, 0);
	CHECK(n == 12);
	CHECK(!kzid_valid(buf, n));
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
	test_iban();
	test_bic();
	test_compact();
	test_exact();
	return check_done();
}
