/*
 * test_valid.c: the validators of the site's form fields.
 *
 * Each validator gets what form_parse() would give it: a writable,
 * NUL-terminated, valid UTF-8 value with its length.  They may rewrite
 * the value in place (trim, lower-case, drop spaces), so the tests look at
 * the value afterwards as well as at the verdict.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "crypto.h"
#include "form.h"
#include "valid.h"

/* The value last checked, as the validator left it. */
static char			mem[2048];
static struct form_value	fv;

static const char	*run(form_check, const char *);
static int		 ok(form_check, const char *);
static int		 ok_as(form_check, const char *, const char *);
static int		 bad(form_check, const char *);
static const char	*repeat(const char *, size_t);
static void		 test_login(void);
static void		 test_login_or_email(void);
static void		 test_email(void);
static void		 test_password(void);
static void		 test_full_name(void);
static void		 test_address(void);
static void		 test_status(void);
static void		 test_iin_bin(void);
static void		 test_iin_bin_for(void);
static void		 test_yes(void);
static void		 test_token(void);

/* Copies s into the writable mem and runs the validator on it. */
static const char *
run(form_check fn, const char *s)
{
	size_t	n = strlen(s);

	if (n >= sizeof(mem))
		return "test value too long";
	memcpy(mem, s, n + 1);
	fv.str = mem;
	fv.len = n;
	fv.num = 0;
	fv.error = NULL;
	return fn(&fv);
}

/*
 * Accepted, and the value left as a C string whose length is len: a
 * handler passes str to libpq and len to the hash, so they must agree.
 */
static int
ok(form_check fn, const char *s)
{
	const char	*msg = run(fn, s);

	if (msg != NULL)
		fprintf(stderr, "refused \"%s\": %s\n", s, msg);
	return msg == NULL && strlen(fv.str) == fv.len;
}

/* Accepted and rewritten into want. */
static int
ok_as(form_check fn, const char *s, const char *want)
{
	if (!ok(fn, s))
		return 0;
	if (strcmp(fv.str, want) != 0) {
		fprintf(stderr, "\"%s\" became \"%s\", want \"%s\"\n", s,
		    fv.str, want);
		return 0;
	}
	return 1;
}

/* Refused with a message, and never grown past the input. */
static int
bad(form_check fn, const char *s)
{
	size_t		 n = strlen(s);
	const char	*msg = run(fn, s);

	if (msg == NULL)
		fprintf(stderr, "accepted \"%s\" as \"%s\"\n", s, fv.str);
	return msg != NULL && *msg != '\0' && fv.len <= n;
}

/* s repeated to n bytes (s is whole characters; n a multiple of it). */
static const char *
repeat(const char *s, size_t n)
{
	static char	out[2048];
	size_t		i, k = strlen(s);

	if (n >= sizeof(out))
		n = sizeof(out) - 1;
	for (i = 0; i + k <= n; i += k)
		memcpy(out + i, s, k);
	out[i] = '\0';
	return out;
}

static void
test_login(void)
{
	CHECK(ok(valid_login, "abc"));
	CHECK(ok(valid_login, "ivan"));
	CHECK(ok(valid_login, "ivan.petrov_1-2"));
	CHECK(ok(valid_login, "007"));
	CHECK(ok(valid_login, repeat("a", 32)));
	/* Not trimmed nor lower-cased: a login is typed as it is. */
	CHECK(ok_as(valid_login, "ivan", "ivan"));

	CHECK(bad(valid_login, ""));
	CHECK(bad(valid_login, "ab"));
	CHECK(bad(valid_login, repeat("a", 33)));
	CHECK(bad(valid_login, "Ivan"));
	CHECK(bad(valid_login, "IVAN"));
	CHECK(bad(valid_login, "иван"));
	CHECK(bad(valid_login, "ivan petrov"));
	CHECK(bad(valid_login, " ivan"));
	CHECK(bad(valid_login, "ivan@example"));
	CHECK(bad(valid_login, "<b>x</b>"));
	CHECK(bad(valid_login, "' OR 1=1--"));
	CHECK(bad(valid_login, "ivan;drop"));
	CHECK(bad(valid_login, "iv/an"));
	CHECK(bad(valid_login, "iv\\an"));
	CHECK(bad(valid_login, "ivan\t"));
	/* Three bytes, but one character. */
	CHECK(bad(valid_login, "€"));
}

static void
test_login_or_email(void)
{
	CHECK(ok_as(valid_login_or_email, "Ivan", "ivan"));
	CHECK(ok_as(valid_login_or_email, " Ivan@Example.KZ ",
	    "ivan@example.kz"));
	CHECK(bad(valid_login_or_email, "ab"));
	CHECK(bad(valid_login_or_email, "  ab  "));
	CHECK(bad(valid_login_or_email, repeat("a", 255)));
}

static void
test_email(void)
{
	char	addr[300];

	/* Lower-cased and trimmed, so one address is stored one way. */
	CHECK(ok_as(valid_email, "Ivan.Petrov@Example.KZ",
	    "ivan.petrov@example.kz"));
	CHECK(fv.len == 22);
	CHECK(ok_as(valid_email, "  a.b@example.kz  ", "a.b@example.kz"));
	CHECK(fv.len == 14);
	CHECK(ok(valid_email, "a@b.kz"));
	CHECK(ok(valid_email, "a+tag@mail.example.kz"));
	CHECK(ok(valid_email, "first_last-1%x@sub-domain.example.co"));
	CHECK(ok(valid_email, "a@x-1.kz"));
	CHECK(ok(valid_email, "a@123.kz"));

	CHECK(bad(valid_email, ""));
	CHECK(bad(valid_email, "plain"));
	CHECK(bad(valid_email, "plain.example.kz"));	/* missing @ */
	CHECK(bad(valid_email, "a@b"));
	CHECK(bad(valid_email, "ivan@example"));	/* no dot */
	CHECK(bad(valid_email, "@example.kz"));
	CHECK(bad(valid_email, "a@@example.kz"));
	CHECK(bad(valid_email, "a@b@example.kz"));
	CHECK(bad(valid_email, ".a@example.kz"));	/* leading dot */
	CHECK(bad(valid_email, "a.@example.kz"));	/* trailing dot */
	CHECK(bad(valid_email, "a..b@example.kz"));
	CHECK(bad(valid_email, "a@example..kz"));
	CHECK(bad(valid_email, "a@.example.kz"));
	CHECK(bad(valid_email, "a@example.kz."));
	CHECK(bad(valid_email, "\"a\"@example.kz"));	/* quoting */
	CHECK(bad(valid_email, "a'b@example.kz"));
	CHECK(bad(valid_email, "a b@example.kz"));	/* space inside */
	CHECK(bad(valid_email, "ab@exam ple.kz"));
	CHECK(bad(valid_email, "a@-example.kz"));	/* label starts - */
	CHECK(bad(valid_email, "a@example-.kz"));
	CHECK(bad(valid_email, "a@example.-kz"));
	CHECK(bad(valid_email, "a@exam_ple.kz"));
	CHECK(bad(valid_email, "<script>@example.kz"));
	CHECK(bad(valid_email, "a@example.kz<script>"));
	CHECK(bad(valid_email, "x'; DROP TABLE users; --@example.kz"));
	CHECK(bad(valid_email, "a(comment)@example.kz"));
	CHECK(bad(valid_email, "иван@example.kz"));
	CHECK(bad(valid_email, "a@пример.kz"));
	CHECK(bad(valid_email, "a\t@example.kz"));

	/* The local part is 64 bytes at most, a label 63, the whole 254. */
	snprintf(addr, sizeof(addr), "%s@example.kz", repeat("a", 64));
	CHECK(ok(valid_email, addr));
	snprintf(addr, sizeof(addr), "%s@example.kz", repeat("a", 65));
	CHECK(bad(valid_email, addr));
	snprintf(addr, sizeof(addr), "a@%s.kz", repeat("b", 63));
	CHECK(ok(valid_email, addr));
	snprintf(addr, sizeof(addr), "a@%s.kz", repeat("b", 64));
	CHECK(bad(valid_email, addr));
	/* "a@", three labels of 63 and one of 57, dots, "kz": 254 bytes. */
	snprintf(addr, sizeof(addr), "a@%s.", repeat("b", 63));
	snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "%s.",
	    repeat("c", 63));
	snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "%s.",
	    repeat("d", 63));
	snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "%s.kz",
	    repeat("e", 57));
	CHECK(strlen(addr) == 254);
	CHECK(ok(valid_email, addr));
	/* One more byte, every label still short enough. */
	addr[254] = 'z';
	addr[255] = '\0';
	CHECK(strlen(addr) == 255);
	CHECK(bad(valid_email, addr));
}

/* 10 to 128 characters, counted as code points, not bytes. */
static void
test_password(void)
{
	CHECK(ok(valid_password, "correct horse 1"));
	CHECK(ok(valid_password, "0123456789"));
	/* 10 Cyrillic letters are 20 bytes: the count is of letters. */
	CHECK(ok(valid_password, "пппппппппп"));
	CHECK(ok(valid_password, "😀😀😀😀😀😀😀😀😀😀"));
	CHECK(ok(valid_password, repeat("x", 128)));
	CHECK(ok(valid_password, repeat("я", 256)));	/* 128 letters */
	/* Anything may be in a password, quotes and markup included. */
	CHECK(ok(valid_password, "' OR 1=1--<>&\""));
	/* Spaces count and are kept: the password is what was typed. */
	CHECK(ok_as(valid_password, " spaced pw ", " spaced pw "));

	CHECK(bad(valid_password, ""));
	CHECK(bad(valid_password, "short"));
	CHECK(bad(valid_password, "123456789"));
	/* 9 Cyrillic letters: 18 bytes, but only 9 characters. */
	CHECK(bad(valid_password, "ппппппппп"));
	CHECK(bad(valid_password, repeat("x", 129)));
	CHECK(bad(valid_password, repeat("я", 258)));	/* 129 letters */
}

static void
test_full_name(void)
{
	CHECK(ok(valid_full_name, "Иванов Иван Иванович"));
	CHECK(ok(valid_full_name, "Әлихан Нұрғалиұлы"));
	CHECK(ok(valid_full_name, "O'Brien-Smith Jr."));
	CHECK(ok(valid_full_name, "ТОО «Ромашка»"));
	CHECK(ok(valid_full_name, "ТОО \"Ромашка-2\" (филиал)"));
	CHECK(ok(valid_full_name, "Ли"));
	CHECK(ok_as(valid_full_name, "  Иван Петров  ", "Иван Петров"));
	CHECK(fv.len == strlen("Иван Петров"));
	CHECK(ok(valid_full_name, repeat("Я", 400)));	/* 200 letters */

	/* Markup and code: characters a name never needs. */
	CHECK(bad(valid_full_name, "<script>alert(1)</script>"));
	CHECK(bad(valid_full_name, "'; DROP TABLE users; --"));
	CHECK(bad(valid_full_name, "Иван <b>"));
	CHECK(bad(valid_full_name, "a&b"));
	CHECK(bad(valid_full_name, "x{y}"));
	CHECK(bad(valid_full_name, "back\\slash"));
	CHECK(bad(valid_full_name, "Иван;"));
	CHECK(bad(valid_full_name, "`id`"));
	/* Control characters: tabs and line breaks split log lines. */
	CHECK(bad(valid_full_name, "Иван\tПетров"));
	CHECK(bad(valid_full_name, "Иван\nПетров"));
	CHECK(bad(valid_full_name, "Иван\r\nПетров"));
	CHECK(bad(valid_full_name, "Иван\x7fПетров"));
	CHECK(bad(valid_full_name, "Иван\xc2\x85Петров"));	/* U+0085 */
	CHECK(bad(valid_full_name, "Иван\x1b[31m"));
	/* Invisible characters that make one name look like another. */
	CHECK(bad(valid_full_name, "Иван\xe2\x80\xa8Петров"));	/* U+2028 */
	CHECK(bad(valid_full_name, "\xef\xbb\xbfИван"));	/* BOM */
	CHECK(bad(valid_full_name, "Иван\xe2\x80\xaeвортеП"));	/* U+202E */
	CHECK(bad(valid_full_name, "Иван\xe2\x81\xa6Петров"));	/* U+2066 */
	CHECK(bad(valid_full_name, "Ив\xe2\x80\x8bан"));	/* U+200B */
	CHECK(bad(valid_full_name, "Ив\xc2\xadан"));		/* U+00AD */
	/* Lengths: 2 to 200 characters, after trimming. */
	CHECK(bad(valid_full_name, ""));
	CHECK(bad(valid_full_name, "a"));
	CHECK(bad(valid_full_name, "   a   "));
	CHECK(bad(valid_full_name, "     "));
	CHECK(bad(valid_full_name, repeat("Я", 402)));	/* 201 letters */
}

static void
test_address(void)
{
	CHECK(ok(valid_address, "г. Алматы, ул. Абая, 1"));
	CHECK(ok(valid_address, "050000, г. Алматы, пр. Абая, д. 10/2, кв. 5"));
	CHECK(ok(valid_address,
	    "г. Астана, ул. Кенесары, № 5, офис #12: 3 этаж"));
	CHECK(ok(valid_address, "Almaty, Abay ave. 1 (BC \"Nurly Tau\")"));
	CHECK(ok_as(valid_address, " г. Алматы, ул. Абая, 1 ",
	    "г. Алматы, ул. Абая, 1"));
	CHECK(ok(valid_address, repeat("д", 600)));	/* 300 letters */

	CHECK(bad(valid_address, "ул."));
	CHECK(bad(valid_address, "   ул.   "));
	CHECK(bad(valid_address, "<img src=x onerror=alert(1)>"));
	CHECK(bad(valid_address, "'; DROP TABLE users; --"));
	CHECK(bad(valid_address, "a;b;c;d;e"));
	CHECK(bad(valid_address, "Алматы\r\nBcc: x"));
	CHECK(bad(valid_address, "Алматы\tАбая 1"));
	CHECK(bad(valid_address, "Алматы, Абая 1\xe2\x80\xae"));
	CHECK(bad(valid_address, "Алматы & Co 1"));
	CHECK(bad(valid_address, repeat("д", 602)));	/* 301 letters */
}

static void
test_status(void)
{
	CHECK(ok(valid_status, "individual"));
	CHECK(fv.num == STATUS_INDIVIDUAL);
	CHECK(ok(valid_status, "legal_entity"));
	CHECK(fv.num == STATUS_LEGAL_ENTITY);

	CHECK(bad(valid_status, ""));
	CHECK(bad(valid_status, "entity"));
	CHECK(bad(valid_status, "INDIVIDUAL"));
	CHECK(bad(valid_status, "individual "));
	CHECK(bad(valid_status, "individual'--"));
	CHECK(bad(valid_status, "1"));
	CHECK(bad(valid_status, "legal"));
	/* num is left alone when the value is refused. */
	CHECK(fv.num == 0);

	/* And the names back from the numbers. */
	CHECK_STR(status_name(STATUS_INDIVIDUAL), "individual");
	CHECK_STR(status_name(STATUS_LEGAL_ENTITY), "legal_entity");
	CHECK_STR(status_name(0), "");
	CHECK_STR(status_name(3), "");
	CHECK_STR(status_name(-1), "");
}

static void
test_iin_bin(void)
{
	CHECK(ok_as(valid_iin_bin, "791028302728", "791028302728"));
	CHECK(ok_as(valid_iin_bin, "940140000385", "940140000385"));
	/* Spaces are dropped, wherever they are, and len follows. */
	CHECK(ok_as(valid_iin_bin, "791028 302728", "791028302728"));
	CHECK(fv.len == 12);
	CHECK(ok_as(valid_iin_bin, " 7910 2830 2728 ", "791028302728"));
	CHECK(fv.len == 12);

	CHECK(bad(valid_iin_bin, ""));
	CHECK(bad(valid_iin_bin, "    "));
	CHECK(bad(valid_iin_bin, "791028302729"));	/* control digit */
	CHECK(bad(valid_iin_bin, "790128302728"));	/* transposition */
	CHECK(bad(valid_iin_bin, "79102830272"));	/* 11 digits */
	CHECK(bad(valid_iin_bin, "7910283027288"));	/* 13 digits */
	CHECK(bad(valid_iin_bin, "79102830272a"));
	CHECK(bad(valid_iin_bin, "ИИН791028302"));
	CHECK(bad(valid_iin_bin, "7910-2830-2728"));
	CHECK(bad(valid_iin_bin, "850720401600"));	/* no control digit */
	CHECK(bad(valid_iin_bin, "791328302729"));	/* month 13 */
	CHECK(bad(valid_iin_bin, "' OR '1'='1"));
	/* A refused value is still a consistent string: len follows str. */
	CHECK(bad(valid_iin_bin, "791028 30272"));
	CHECK(fv.len == strlen(fv.str));
	CHECK(bad(valid_iin_bin, "7910 2830 2729"));
	CHECK(fv.len == strlen(fv.str));
}

/* An individual gives an IIN, a legal entity a BIN. */
static void
test_iin_bin_for(void)
{
	const char	*msg;

	CHECK(valid_iin_bin_for("791028302728", STATUS_INDIVIDUAL) == NULL);
	CHECK(valid_iin_bin_for("940140000385", STATUS_LEGAL_ENTITY) == NULL);
	CHECK(valid_iin_bin_for("990140004654", STATUS_LEGAL_ENTITY) == NULL);

	msg = valid_iin_bin_for("791028302728", STATUS_LEGAL_ENTITY);
	CHECK(msg != NULL && strstr(msg, "БИН") != NULL);
	msg = valid_iin_bin_for("940140000385", STATUS_INDIVIDUAL);
	CHECK(msg != NULL && strstr(msg, "ИИН") != NULL);
	/* Neither kind fits either status. */
	CHECK(valid_iin_bin_for("791328302729", STATUS_INDIVIDUAL) != NULL);
	CHECK(valid_iin_bin_for("791328302729", STATUS_LEGAL_ENTITY) != NULL);
	CHECK(valid_iin_bin_for("", STATUS_INDIVIDUAL) != NULL);
}

/* A ticked box sends "yes"; nothing else is consent. */
static void
test_yes(void)
{
	CHECK(ok(valid_yes, "yes"));
	CHECK(bad(valid_yes, "YES"));
	CHECK(bad(valid_yes, "Yes"));
	CHECK(bad(valid_yes, "on"));
	CHECK(bad(valid_yes, "no"));
	CHECK(bad(valid_yes, "1"));
	CHECK(bad(valid_yes, "yes "));
	CHECK(bad(valid_yes, "yess"));
	CHECK(bad(valid_yes, ""));
}

/* The form key: what crypto_token() makes, and nothing else. */
static void
test_token(void)
{
	char	tok[CRYPTO_TOKEN_LEN + 2], copy[CRYPTO_TOKEN_LEN + 2];

	CHECK(crypto_token(tok) == 0);
	CHECK(strlen(tok) == CRYPTO_TOKEN_LEN);
	CHECK(ok_as(valid_token, tok, tok));

	/* 42 and 44 characters. */
	memcpy(copy, tok, CRYPTO_TOKEN_LEN - 1);
	copy[CRYPTO_TOKEN_LEN - 1] = '\0';
	CHECK(bad(valid_token, copy));
	memcpy(copy, tok, CRYPTO_TOKEN_LEN);
	copy[CRYPTO_TOKEN_LEN] = 'A';
	copy[CRYPTO_TOKEN_LEN + 1] = '\0';
	CHECK(bad(valid_token, copy));

	/* A character outside base64url, first or in the middle. */
	memcpy(copy, tok, CRYPTO_TOKEN_LEN + 1);
	copy[0] = '+';
	CHECK(bad(valid_token, copy));
	memcpy(copy, tok, CRYPTO_TOKEN_LEN + 1);
	copy[20] = '/';
	CHECK(bad(valid_token, copy));
	memcpy(copy, tok, CRYPTO_TOKEN_LEN + 1);
	copy[20] = '=';
	CHECK(bad(valid_token, copy));
	memcpy(copy, tok, CRYPTO_TOKEN_LEN + 1);
	copy[20] = ' ';
	CHECK(bad(valid_token, copy));

	/*
	 * The last character carries 4 bits of the 32nd byte and 2 spare
	 * bits; a spare bit set makes a second spelling of the same token.
	 */
	memcpy(copy, tok, CRYPTO_TOKEN_LEN + 1);
	copy[CRYPTO_TOKEN_LEN - 1] = 'A';
	CHECK(ok(valid_token, copy));
	copy[CRYPTO_TOKEN_LEN - 1] = 'B';
	CHECK(bad(valid_token, copy));

	CHECK(bad(valid_token, ""));
	CHECK(bad(valid_token, repeat("A", 44)));
	CHECK(ok(valid_token, repeat("A", 43)));
}

int
main(void)
{
	test_login();
	test_login_or_email();
	test_email();
	test_password();
	test_full_name();
	test_address();
	test_status();
	test_iin_bin();
	test_iin_bin_for();
	test_yes();
	test_token();
	return check_done();
}
