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
static void		 each(form_check, const char *, int, const char *const *);
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
static void		 test_limits(void);

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

/* What valid_login() accepts. */
static const char *const login_accepted[] = {
	"abc", "ivan", "ivan.petrov_1-2", "007",
	NULL
};

/* What valid_login() refuses. */
static const char *const login_refused[] = {
	"Ivan", "IVAN", "иван", "ivan petrov", " ivan", "ivan@example",
	"<b>x</b>", "' OR 1=1--", "ivan;drop", "iv/an", "iv\\an", "ivan\t",
	/* Three bytes, but one character. */
	"€",
	NULL
};

/* What valid_email() accepts. */
static const char *const email_accepted[] = {
	"a@b.kz", "a+tag@mail.example.kz",
	"first_last-1%x@sub-domain.example.co", "a@x-1.kz", "a@123.kz",
	NULL
};

/* What valid_email() refuses. */
static const char *const email_refused[] = {
	"", "plain",
	"plain.example.kz",	/* missing @ */
	"a@b",
	"ivan@example",	/* no dot */
	"@example.kz", "a@@example.kz", "a@b@example.kz",
	".a@example.kz",	/* leading dot */
	"a.@example.kz",	/* trailing dot */
	"a..b@example.kz", "a@example..kz", "a@.example.kz", "a@example.kz.",
	"\"a\"@example.kz",	/* quoting */
	"a'b@example.kz",
	"a b@example.kz",	/* space inside */
	"ab@exam ple.kz",
	"a@-example.kz",	/* label starts - */
	"a@example-.kz", "a@example.-kz", "a@exam_ple.kz",
	"<script>@example.kz", "a@example.kz<script>",
	"x'; DROP TABLE users; --@example.kz", "a(comment)@example.kz",
	"иван@example.kz", "a@пример.kz", "a\t@example.kz",
	NULL
};

/* What valid_password() accepts. */
static const char *const password_accepted[] = {
	"correct horse 1", "0123456789",
	/* 10 Cyrillic letters are 20 bytes: the count is of letters. */
	"пппппппппп", "😀😀😀😀😀😀😀😀😀😀",
	NULL
};

/* What valid_password() refuses. */
static const char *const password_refused[] = {
	"", "short", "123456789",
	/* 9 Cyrillic letters: 18 bytes, but only 9 characters. */
	"ппппппппп",
	NULL
};

/* What valid_full_name() accepts. */
static const char *const full_name_accepted[] = {
	"Иванов Иван Иванович", "Әлихан Нұрғалиұлы", "O'Brien-Smith Jr.",
	"ТОО «Ромашка»", "ТОО \"Ромашка-2\" (филиал)", "Ли",
	NULL
};

/* What valid_full_name() refuses. */
static const char *const full_name_refused[] = {
	/* Markup and code: characters a name never needs. */
	"<script>alert(1)</script>", "'; DROP TABLE users; --", "Иван <b>",
	"a&b", "x{y}", "back\\slash", "Иван;", "`id`",
	/* Control characters: tabs and line breaks split log lines. */
	"Иван\tПетров", "Иван\nПетров", "Иван\r\nПетров", "Иван\x7fПетров",
	"Иван\xc2\x85Петров",	/* U+0085 */
	"Иван\x1b[31m",
	/* Invisible characters that make one name look like another. */
	"Иван\xe2\x80\xa8Петров",	/* U+2028 */
	"\xef\xbb\xbfИван",	/* BOM */
	"Иван\xe2\x80\xaeвортеП",	/* U+202E */
	"Иван\xe2\x81\xa6Петров",	/* U+2066 */
	"Ив\xe2\x80\x8bан",	/* U+200B */
	"Ив\xc2\xadан",	/* U+00AD */
	/* Lengths: 2 to 200 characters, after trimming. */
	"", "a", "   a   ", "     ",
	NULL
};

/* What valid_address() accepts. */
static const char *const address_accepted[] = {
	"г. Алматы, ул. Абая, 1", "050000, г. Алматы, пр. Абая, д. 10/2, кв. 5",
	"г. Астана, ул. Кенесары, № 5, офис #12: 3 этаж",
	"Almaty, Abay ave. 1 (BC \"Nurly Tau\")",
	NULL
};

/* What valid_address() refuses. */
static const char *const address_refused[] = {
	"ул.", "   ул.   ", "<img src=x onerror=alert(1)>",
	"'; DROP TABLE users; --", "a;b;c;d;e", "Алматы\r\nBcc: x",
	"Алматы\tАбая 1", "Алматы, Абая 1\xe2\x80\xae", "Алматы & Co 1",
	NULL
};

/* What valid_status() refuses. */
static const char *const status_refused[] = {
	"", "entity", "INDIVIDUAL", "individual ", "individual'--", "1",
	"legal",
	NULL
};

/* What valid_iin_bin() refuses. */
static const char *const iin_bin_refused[] = {
	"", "    ",
	"791028302729",	/* control digit */
	"790128302728",	/* transposition */
	"79102830272",	/* 11 digits */
	"7910283027288",	/* 13 digits */
	"79102830272a", "ИИН791028302", "7910-2830-2728",
	"850720401600",	/* no control digit */
	"791328302729",	/* month 13 */
	"' OR '1'='1",
	NULL
};

/* What valid_yes() refuses. */
static const char *const yes_refused[] = {
	"YES", "Yes", "on", "no", "1", "yes ", "yess", "",
	NULL
};

/*
 * The longest values: a character repeated to the most bytes a validator
 * takes, and to one character more, which it refuses.  Passwords, names
 * and addresses count characters: 128, 200 and 300 two-byte letters.
 */
static const struct {
	form_check	 fn;
	const char	*name, *ch;
	size_t		 most, over;
} limits[] = {
	{ valid_login, "valid_login", "a", 32, 33 },
	{ valid_password, "valid_password", "x", 128, 129 },
	{ valid_password, "valid_password", "я", 256, 258 },
	{ valid_full_name, "valid_full_name", "Я", 400, 402 },
	{ valid_address, "valid_address", "д", 600, 602 },
	{ valid_token, "valid_token", "A", 43, 44 },
};

static void
test_limits(void)
{
	size_t	i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		CHECK_CASE("%s of \"%s\" x %zu bytes, then %zu", limits[i].name,
		    limits[i].ch, limits[i].most, limits[i].over);
		CHECK(ok(limits[i].fn, repeat(limits[i].ch, limits[i].most)));
		CHECK(bad(limits[i].fn, repeat(limits[i].ch, limits[i].over)));
	}
	check_case_end();
}

/* fn accepts (ok()) or refuses (bad()) every value of the NULL-ended v. */
static void
each(form_check fn, const char *name, int accepts, const char *const *v)
{
	for (; *v != NULL; v++) {
		CHECK_CASE("%s(\"%s\") %s", name, *v,
		    accepts ? "accepts" : "refuses");
		CHECK(accepts ? ok(fn, *v) : bad(fn, *v));
	}
	check_case_end();
}

static void
test_login(void)
{
	each(valid_login, "valid_login", 1, login_accepted);
	/* Not trimmed nor lower-cased: a login is typed as it is. */
	CHECK(ok_as(valid_login, "ivan", "ivan"));

	CHECK(bad(valid_login, ""));
	CHECK(bad(valid_login, "ab"));
	each(valid_login, "valid_login", 0, login_refused);
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
	each(valid_email, "valid_email", 1, email_accepted);

	each(valid_email, "valid_email", 0, email_refused);

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
	each(valid_password, "valid_password", 1, password_accepted);
	/* Anything may be in a password, quotes and markup included. */
	CHECK(ok(valid_password, "' OR 1=1--<>&\""));
	/* Spaces count and are kept: the password is what was typed. */
	CHECK(ok_as(valid_password, " spaced pw ", " spaced pw "));

	each(valid_password, "valid_password", 0, password_refused);
}

static void
test_full_name(void)
{
	each(valid_full_name, "valid_full_name", 1, full_name_accepted);
	CHECK(ok_as(valid_full_name, "  Иван Петров  ", "Иван Петров"));
	CHECK(fv.len == strlen("Иван Петров"));

	each(valid_full_name, "valid_full_name", 0, full_name_refused);
}

static void
test_address(void)
{
	each(valid_address, "valid_address", 1, address_accepted);
	CHECK(ok_as(valid_address, " г. Алматы, ул. Абая, 1 ",
	    "г. Алматы, ул. Абая, 1"));

	each(valid_address, "valid_address", 0, address_refused);
}

static void
test_status(void)
{
	CHECK(ok(valid_status, "individual"));
	CHECK(fv.num == STATUS_INDIVIDUAL);
	CHECK(ok(valid_status, "legal_entity"));
	CHECK(fv.num == STATUS_LEGAL_ENTITY);

	each(valid_status, "valid_status", 0, status_refused);
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

	each(valid_iin_bin, "valid_iin_bin", 0, iin_bin_refused);
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
	each(valid_yes, "valid_yes", 0, yes_refused);
}

/* The form key: what crypto_token() makes, and nothing else. */
static void
test_token(void)
{
	static const struct {
		size_t	at;
		char	c;
		int	accepts;
	} edits[] = {
		{ 0, '+', 0 }, { 20, '/', 0 }, { 20, '=', 0 }, { 20, ' ', 0 },
		{ CRYPTO_TOKEN_LEN - 1, 'A', 1 }, { CRYPTO_TOKEN_LEN - 1, 'B', 0 },
	};
	char	tok[CRYPTO_TOKEN_LEN + 2], copy[CRYPTO_TOKEN_LEN + 2];
	size_t	i;

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

	/*
	 * One character changed: outside base64url, first or in the middle;
	 * or the last, which carries 4 bits of the 32nd byte and 2 spare
	 * bits: a spare bit set makes a second spelling of the same token.
	 */
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		CHECK_CASE("token with '%c' at %zu", edits[i].c, edits[i].at);
		memcpy(copy, tok, CRYPTO_TOKEN_LEN + 1);
		copy[edits[i].at] = edits[i].c;
		CHECK(edits[i].accepts ? ok(valid_token, copy) :
		    bad(valid_token, copy));
	}
	check_case_end();

	CHECK(bad(valid_token, ""));
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
	test_limits();
	return check_done();
}
