/*
 * test_robokassa.c: signatures against the published and derived vectors
 * (computed outside this project with Python's hashlib), the receipt, and
 * the parsing of callbacks.
 */
#include <string.h>

#include "check.h"
#include "config.h"
#include "robokassa.h"

static const struct rk_param shp[] = {
	/* Given out of order on purpose: signatures sort them. */
	{ "Shp_widget", "leadscore" },
	{ "Shp_account", "12345678" },
};

/* The fields of each vector, in the order they are signed. */
static const char *const pub_a[] = { "my_merchant_login", "100.00", "42",
    "my_password1" };
static const char *const pub_b[] = { "200.00", "84", "my_password2" };
static const struct rk_param pub_bs[] = { { "shp_interface", "link" } };
static const char *const pub_c[] = { "10", "1", "password#2" };
static const struct rk_param pub_cs[] = { { "shp_user_id", "1" },
    { "shp_email", "user@example.com" } };
static const char *const pub_d[] = { "test", "5.12", "5", "securepass1" };
static const char *const v1[] = { "amowidgets-kz", "60000.00", "1000001",
    "Pass1_Test_KZ" };
static const char *const v3a[] = { "60000.000000", "1000001",
    "Pass2_Test_KZ" };
static const char *const v3b[] = { "60000.00", "1000001", "Pass2_Test_KZ" };
static const char *const v4[] = { "60000.000000", "1000001",
    "Pass1_Test_KZ" };
static const char *const v6[] = { "amowidgets-kz", "1000001",
    "Pass2_Test_KZ" };

/* An array and the number of its elements. */
#define ALL(a)	(a), (sizeof(a) / sizeof((a)[0]))

/*
 * The published vectors (Robokassa's documentation and its examples), then
 * the derived ones: the hash, the fields, the Shp_ parameters, the hex.
 */
static const struct {
	int			 alg;
	const char *const	*f;
	size_t			 n;
	const struct rk_param	*s;
	size_t			 ns;
	const char		*want;
} sigs[] = {
	{ RK_MD5, ALL(pub_a), NULL, 0, "7642fdc174d0aabe022d992afd59f276" },
	{ RK_MD5, ALL(pub_b), ALL(pub_bs), "95286fdc8024655ceb9034539bac1180" },
	{ RK_MD5, ALL(pub_c), NULL, 0, "f38a17bc0db36343789587e4e5abf33c" },
	{ RK_SHA256, ALL(pub_c), NULL, 0, "6229bb8aa8f4e431fc43022f2847ae32"
	  "96a9d7fe649b97cb65755abc90d15f0c" },
	{ RK_MD5, ALL(pub_c), ALL(pub_cs), "9c4b932169d6b683e2b76e31bae35aeb" },
	{ RK_MD5, ALL(pub_d), NULL, 0, "d33ad746fefb057705993fc6662c5beb" },

	{ RK_MD5, ALL(v1), NULL, 0, "d7efe9f89adeb195d6878e22ce3e1423" },
	{ RK_SHA256, ALL(v1), NULL, 0, "fab27e3d6cbe3b0591e1ccad4429d556"
	  "7665962e4acff80e7aa7c6a831c971ba" },
	{ RK_MD5, ALL(v1), ALL(shp), "1b41ca4bd5fe27367bd80f638ea78103" },
	{ RK_SHA256, ALL(v1), ALL(shp), "4186ebbf222cca7db054fb2d434f7b23"
	  "5b62f7f41695de5a7112356dcf7f3e3d" },
	{ RK_MD5, ALL(v3a), ALL(shp), "ab3a9b9b15e084013d31677317fe9b2e" },
	{ RK_SHA256, ALL(v3a), ALL(shp), "7979697d0fd4971f81b10571105ec816"
	  "022926a9a0fa0697dd334eec8a9a0c9f" },
	/* The same amount written otherwise is another signature. */
	{ RK_MD5, ALL(v3b), ALL(shp), "4f2cb066d63185b54372906c30ae603f" },
	{ RK_MD5, ALL(v4), ALL(shp), "093755777f1386340328d39b7d7f8f96" },
	{ RK_SHA256, ALL(v4), ALL(shp), "6cb5614bee8119000d3656556dc03308"
	  "541645b6d8ff8d9d36df0140f3bac255" },
	{ RK_MD5, ALL(v6), NULL, 0, "7fef0a3270b2f6fdf1f89dc1d51f0026" },
	{ RK_SHA256, ALL(v6), NULL, 0, "06adfc659d81de4226fed4959ba7d631"
	  "8f52fd5554d44a18a0d342a1d9adc56e" },
};

/* f and s sign to want, and rk_check() takes want. */
static void
check_sig(int alg, const char *const *f, size_t n,
    const struct rk_param *s, size_t ns, const char *want)
{
	char	hex[RK_HEX_MAX];

	CHECK(rk_sign(alg, f, n, s, ns, hex) == 0);
	CHECK_STR(hex, want);
	CHECK(rk_check(alg, f, n, s, ns, want));
}

static void
test_signatures(void)
{
	size_t	i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		CHECK_CASE("signature %zu (%s, %s)", i, sigs[i].f[0],
		    sigs[i].want);
		check_sig(sigs[i].alg, sigs[i].f, sigs[i].n, sigs[i].s,
		    sigs[i].ns, sigs[i].want);
	}
	check_case_end();
	/* v3b signs otherwise than v3a: v3a's signature is not its. */
	CHECK(!rk_check(RK_MD5, ALL(v3b), ALL(shp),
	    "ab3a9b9b15e084013d31677317fe9b2e"));
}

static void
test_check(void)
{
	const char *const p1[] = { "60000.000000", "1000001",
	    "Pass1_Test_KZ" };

	/* Robokassa may send upper-case hex. */
	CHECK(rk_check(RK_MD5, v3a, 3, shp, 2,
	    "AB3A9B9B15E084013D31677317FE9B2E"));
	CHECK(rk_check(RK_MD5, v3a, 3, shp, 2,
	    "Ab3a9b9b15e084013d31677317fe9b2E"));
	/* Password #1 where #2 belongs. */
	CHECK(!rk_check(RK_MD5, p1, 3, shp, 2,
	    "ab3a9b9b15e084013d31677317fe9b2e"));
	/* Without the Shp_ parameters, or with one changed. */
	CHECK(!rk_check(RK_MD5, v3a, 3, NULL, 0,
	    "ab3a9b9b15e084013d31677317fe9b2e"));
	/* Truncated, extended, not hex, empty. */
	CHECK(!rk_check(RK_MD5, v3a, 3, shp, 2,
	    "ab3a9b9b15e084013d31677317fe9b2"));
	CHECK(!rk_check(RK_MD5, v3a, 3, shp, 2,
	    "ab3a9b9b15e084013d31677317fe9b2e0"));
	CHECK(!rk_check(RK_MD5, v3a, 3, shp, 2,
	    "zb3a9b9b15e084013d31677317fe9b2e"));
	CHECK(!rk_check(RK_MD5, v3a, 3, shp, 2, ""));
	/* Another algorithm's digest of the same string. */
	CHECK(!rk_check(RK_SHA256, v3a, 3, shp, 2,
	    "ab3a9b9b15e084013d31677317fe9b2e"));
}

static void
test_receipt(void)
{
	/* V5 of the brief: the receipt URL-encoded once, PHP-style. */
	static const char r1[] =
	    "%7B%22items%22%3A%5B%7B%22name%22%3A%22%D0%9F%D0%BE%D0%B4%D0%BF"
	    "%D0%B8%D1%81%D0%BA%D0%B0+%D0%BD%D0%B0+%D0%B2%D0%B8%D0%B4%D0%B6"
	    "%D0%B5%D1%82+amoCRM%2C+6+%D0%BC%D0%B5%D1%81.%22%2C%22quantity%22"
	    "%3A1%2C%22sum%22%3A60000%2C%22tax%22%3A%22none%22%7D%5D%7D";
	char		out[1024];
	const char	*f[5];

	CHECK(rk_receipt("Подписка на виджет amoCRM, 6 мес.", 6000000,
	    "none", out, sizeof(out)) == 0);
	CHECK_STR(out, r1);
	f[0] = "amowidgets-kz";
	f[1] = "60000.00";
	f[2] = "1000001";
	f[3] = out;
	f[4] = "Pass1_Test_KZ";
	check_sig(RK_MD5, f, 5, shp, 2, "096485bcbb69f228e2aa8db6f2f7edcb");
	check_sig(RK_SHA256, f, 5, shp, 2,
	    "d2ee934e6c6b8e398515149a5c79fad56133efea62a4f92f0c712a3516285175");
	/* A sum with tiyn, a quote in the name: still valid JSON. */
	CHECK(rk_receipt("Виджет \"A\"", 5966851, "vat16", out,
	    sizeof(out)) == 0);
	CHECK(strstr(out, "%22sum%22%3A59668.51%2C") != NULL);
	CHECK(strstr(out, "%5C%22A%5C%22") != NULL);
	CHECK(rk_receipt("x", 100, "none", out, 16) == -1);
}

static int
parse(struct rk_callback *cb, const char *s, int need)
{
	return rk_callback_parse(cb, s, strlen(s), need);
}

static void
test_callback(void)
{
	static const struct {
		const char	*query;
		int		 need, rc;
	} cases[] = {
		/* A FailURL carries no signature. */
		{ "OutSum=60000.00&InvId=7&Culture=ru", 0, 0 },
		{ "OutSum=60000.00&InvId=7&Culture=ru", 1, -1 },
		/* Missing, repeated, malformed and oversized parameters. */
		{ "InvId=7&SignatureValue=ab3a9b9b15e084013d31677317fe9b2e", 1,
		  -1 },
		{ "OutSum=1&OutSum=2&InvId=7", 0, -1 },
		{ "OutSum=1&InvId=0", 0, -1 },
		{ "OutSum=1&InvId=2147483648", 0, -1 },
		{ "OutSum=1&InvId=2147483647", 0, 0 },
		{ "OutSum=1&InvId=-5", 0, -1 },
		{ "OutSum=1%2C00&InvId=5", 0, -1 },
		{ "OutSum=1&InvId=5&SignatureValue=xyz", 1, -1 },
		{ "OutSum=1&InvId=5%00", 0, -1 },
		{ "OutSum=1&InvId=5&Shp_a=%ZZ", 0, -1 },
	};
	struct rk_callback	cb;
	size_t			i;

	CHECK(parse(&cb, "OutSum=60000.000000&InvId=1000001&SignatureValue="
	    "AB3A9B9B15E084013D31677317FE9B2E&Fee=2100.000000&EMail=a%40b.kz"
	    "&PaymentMethod=BankCard&Shp_widget=leadscore&Shp_account="
	    "12345678", 1) == 0);
	CHECK_STR(cb.out_sum, "60000.000000");
	CHECK(cb.inv == 1000001);
	CHECK(cb.nshp == 2);
	CHECK_STR(cb.signature, "AB3A9B9B15E084013D31677317FE9B2E");
	rk_callback_free(&cb);

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_CASE("callback \"%s\", signature %s", cases[i].query,
		    cases[i].need ? "needed" : "not needed");
		CHECK(parse(&cb, cases[i].query, cases[i].need) == cases[i].rc);
		rk_callback_free(&cb);
	}
	check_case_end();
}

static void
test_urlencode(void)
{
	char	out[64];

	CHECK(rk_urlencode("a b+c/d@e.f_g-h~", out, sizeof(out)) == 0);
	CHECK_STR(out, "a+b%2Bc%2Fd%40e.f_g-h%7E");
	CHECK(rk_urlencode("абв", out, 8) == -1);
}

int
main(void)
{
	test_signatures();
	test_check();
	test_receipt();
	test_callback();
	test_urlencode();
	return check_done();
}
