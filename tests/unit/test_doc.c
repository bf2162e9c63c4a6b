/*
 * test_doc.c: the order documents (doc.h).  doc_parse() against a table
 * of bad rows, each the good one with one thing wrong; doc_pdf() on a good
 * invoice and a good act, read back with poppler's pdftotext and pdfinfo
 * (poppler-utils; missing, the test fails): the texts, the page size, the
 * same bytes twice, the limits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "doc.h"

#define SELLER_NAME	"ТОО «Амобилл»"
#define SELLER_BIN	"180540001234"
#define SELLER_ADDRESS	"г. Алматы, пр. Абая, 10"
#define IIK		"KZ86125KZT5004100100"
#define BANK		"АО «Kaspi Bank»"
#define BIC		"CASPKZKA"
#define BUYER_NAME	"ТОО «Покупатель»"
#define BUYER_BIN	"990440009876"
#define BUYER_ADDRESS	"г. Астана, ул. Кенесары, 1"
#define OFFER		"Публичная оферта, редакция 2026-11-01, акцепт 02.12.2026"

#define SELLER		"{\"name\": \"" SELLER_NAME "\", \"bin\": \"" SELLER_BIN \
	"\", \"address\": \"" SELLER_ADDRESS "\", \"iik\": \"" IIK \
	"\", \"bank\": \"" BANK "\", \"bic\": \"" BIC "\", \"kbe\": \"17\", " \
	"\"knp\": \"859\"}"
#define BUYER		"{\"name\": \"" BUYER_NAME "\", \"iin_bin\": \"" \
	BUYER_BIN "\", \"address\": \"" BUYER_ADDRESS "\"}"

static const char invoice_row[] =
    "{\"kind\": \"invoice\", \"number\": \"2026-000001\", "
    "\"issued_on\": \"2026-12-01\", \"payable_until\": \"2026-12-06\", "
    "\"seller\": " SELLER ", \"buyer\": " BUYER ", "
    "\"item\": \"Доступ к виджетам для amoCRM, 6 мес.\", "
    "\"amount_tiyn\": 6000000, \"vat_rate\": 0, \"vat_tiyn\": 0, "
    "\"inv_id\": 12}";

static const char act_row[] =
    "{\"kind\": \"act\", \"number\": \"2026-000007\", "
    "\"issued_on\": \"2026-12-02\", \"period_start\": \"2026-12-02\", "
    "\"period_end\": \"2027-06-01\", \"offer\": \"" OFFER "\", "
    "\"seller\": {\"name\": \"" SELLER_NAME "\", \"bin\": \"" SELLER_BIN
    "\", \"address\": \"" SELLER_ADDRESS "\"}, \"buyer\": " BUYER ", "
    "\"item\": \"Доступ к виджетам для amoCRM, 6 мес.\", "
    "\"amount_tiyn\": 6000000, \"vat_rate\": 16, \"vat_tiyn\": 827586, "
    "\"payable_until\": null}";

/* The good row with its first "from" replaced by "to". */
static char *
edit(const char *row, const char *from, const char *to)
{
	const char	*at = strstr(row, from);
	char		*s;
	size_t		 n;

	if (at == NULL) {
		fprintf(stderr, "test: \"%s\" not in the row\n", from);
		exit(1);
	}
	n = strlen(row) - strlen(from) + strlen(to);
	if ((s = malloc(n + 1)) == NULL)
		exit(1);
	(void)snprintf(s, n + 1, "%.*s%s%s", (int)(at - row), row, to,
	    at + strlen(from));
	return s;
}

static const struct {
	int		 act;		/* edits act_row, else invoice_row */
	const char	*from, *to;
	const char	*why;		/* *why starts with it */
} bad[] = {
	{ 0, "\"kind\": \"invoice\"", "\"kind\": \"bill\"", "kind" },
	{ 0, "\"kind\": \"invoice\"", "\"kinds\": \"invoice\"", "kind" },
	{ 0, "\"kind\": \"invoice\"", "\"kind\": 1", "kind" },
	{ 0, "\"number\"", "\"numbers\"", "number: missing" },
	{ 0, "2026-000001", "2026-00001", "number: malformed" },
	{ 0, "2026-000001", "2026-0000011", "number: malformed" },
	{ 0, "2026-000001", "2026/000001", "number: malformed" },
	{ 0, "\"2026-000001\"", "2026000001", "number: malformed" },
	{ 0, "\"issued_on\"", "\"issued\"", "issued_on: missing" },
	{ 0, "2026-12-01", "2026-13-01", "issued_on: malformed" },
	{ 0, "2026-12-01", "2026-02-29", "issued_on: malformed" },
	{ 0, "2026-12-01", "2026-04-31", "issued_on: malformed" },
	{ 0, "2026-12-01", "2026-12-00", "issued_on: malformed" },
	{ 0, "2026-12-01", "2026-12-1", "issued_on: malformed" },
	{ 0, "2026-12-01", "1999-12-01", "issued_on: malformed" },
	{ 0, "2026-12-01", "2026-12-01T00:00:00", "issued_on: malformed" },
	{ 0, "\"payable_until\": \"2026-12-06\"", "\"payable_until\": null",
	  "payable_until: missing" },
	{ 0, "2026-12-06", "2026-11-30", "payable_until: before" },
	{ 0, "\"seller\": {", "\"sellers\": {", "seller: missing" },
	{ 0, "\"seller\": {", "\"seller\": [], \"x\": {", "seller: missing" },
	{ 0, "\"name\": \"" SELLER_NAME, "\"nam\": \"" SELLER_NAME,
	  "seller.name: missing" },
	{ 0, SELLER_NAME, "", "seller.name: malformed" },
	{ 0, SELLER_NAME, "ТОО\\nАмобилл", "seller.name: malformed" },
	{ 0, SELLER_NAME, "ТОО\\tАмобилл", "seller.name: malformed" },
	{ 0, SELLER_NAME, "ТОО\\u0085Амобилл", "seller.name: malformed" },
	{ 0, SELLER_NAME, "ТОО\\u2028Амобилл", "seller.name: malformed" },
	{ 0, SELLER_NAME, "ТОО\x7f", "seller.name: malformed" },
	{ 0, SELLER_NAME, "ТОО\\u0000Амобилл", "row" },
	{ 0, SELLER_NAME, "\\ud800", "row" },
	{ 0, SELLER_NAME, "ТОО \xff", "row" },
	{ 0, SELLER_NAME, "ТОО \xd0", "row" },
	{ 0, SELLER_NAME, "\xc0\xaf", "row" },
	{ 0, "\"bin\": \"" SELLER_BIN, "\"BIN\": \"" SELLER_BIN,
	  "seller.bin: missing" },
	{ 0, SELLER_BIN, "18054000123", "seller.bin: malformed" },
	{ 0, SELLER_BIN, "1805400012345", "seller.bin: malformed" },
	{ 0, SELLER_BIN, "18054000123a", "seller.bin: malformed" },
	{ 0, SELLER_ADDRESS, "", "seller.address: malformed" },
	{ 0, "\"iik\"", "\"iban\"", "seller.iik: missing" },
	{ 0, IIK, "KZ86125KZT500410010", "seller.iik: malformed" },
	{ 0, IIK, "RU86125KZT5004100100", "seller.iik: malformed" },
	{ 0, IIK, "KZ86125kzt5004100100", "seller.iik: malformed" },
	{ 0, "\"bank\"", "\"banks\"", "seller.bank: missing" },
	{ 0, "\"bic\"", "\"swift\"", "seller.bic: missing" },
	{ 0, BIC, "CASPKZK", "seller.bic: malformed" },
	{ 0, BIC, "caspkzka", "seller.bic: malformed" },
	{ 0, "\"kbe\": \"17\"", "\"kbe\": \"7\"", "seller.kbe: malformed" },
	{ 0, "\"kbe\": \"17\"", "\"kbe\": 17", "seller.kbe: malformed" },
	{ 0, "\"kbe\": \"17\"", "\"kb\": \"17\"", "seller.kbe: missing" },
	{ 0, "\"knp\": \"859\"", "\"knp\": \"85\"", "seller.knp: malformed" },
	{ 0, "\"knp\": \"859\"", "\"knp\": null", "seller.knp: missing" },
	{ 0, "\"buyer\": {", "\"buyer\": \"x\", \"b\": {", "buyer: missing" },
	{ 0, BUYER_NAME, "", "buyer.name: malformed" },
	{ 0, "\"iin_bin\"", "\"iin\"", "buyer.iin_bin: missing" },
	{ 0, BUYER_BIN, "99044000987", "buyer.iin_bin: malformed" },
	{ 0, BUYER_ADDRESS "\"", "\", \"x\": \"\"", "buyer.address: malformed" },
	{ 0, "\"address\": \"" BUYER_ADDRESS, "\"addr\": \"" BUYER_ADDRESS,
	  "buyer.address: missing" },
	{ 0, "\"item\"", "\"items\"", "item: missing" },
	{ 0, "\"amount_tiyn\": 6000000", "\"amount_tiyn\": -6000000",
	  "amount_tiyn" },
	{ 0, "\"amount_tiyn\": 6000000", "\"amount_tiyn\": 0", "amount_tiyn" },
	{ 0, "\"amount_tiyn\": 6000000", "\"amount_tiyn\": 60000.5",
	  "amount_tiyn" },
	{ 0, "\"amount_tiyn\": 6000000", "\"amount_tiyn\": \"6000000\"",
	  "amount_tiyn" },
	{ 0, "\"amount_tiyn\": 6000000", "\"amount_tiyn\": 100000000000000",
	  "amount_tiyn" },
	{ 0, "\"amount_tiyn\": 6000000", "\"amount\": 6000000", "amount_tiyn" },
	{ 0, "\"vat_rate\": 0", "\"vat_rate\": 100", "vat_rate" },
	{ 0, "\"vat_rate\": 0", "\"vat_rate\": -1", "vat_rate" },
	{ 0, "\"vat_rate\": 0", "\"vat_rate\": 12.5", "vat_rate" },
	{ 0, "\"vat_tiyn\": 0", "\"vat_tiyn\": 100", "vat_tiyn" },
	{ 0, "\"vat_tiyn\": 0", "\"vat_tiyn\": -1", "vat_tiyn" },
	{ 0, "\"vat_tiyn\": 0", "\"vat\": 0", "vat_tiyn" },
	{ 0, "\"inv_id\": 12", "\"number\": \"2026-000002\"", "row" },
	{ 0, "{\"kind\"", "[{\"kind\"", "row" },
	{ 0, "\"inv_id\": 12}", "\"inv_id\": 12", "row" },
	{ 1, "\"vat_tiyn\": 827586", "\"vat_tiyn\": 6000001", "vat_tiyn" },
	{ 1, "\"offer\"", "\"offers\"", "offer: missing" },
	{ 1, OFFER, "", "offer: malformed" },
	{ 1, "\"period_start\"", "\"start\"", "period_start: missing" },
	{ 1, "\"period_end\": \"2027-06-01\"", "\"period_end\": null",
	  "period_end: missing" },
	{ 1, "2027-06-01", "2026-12-01", "period_end: before" },
	{ 1, "2027-06-01", "2027-06-31", "period_end: malformed" },
	{ 1, "\"name\": \"" SELLER_NAME, "\"nam\": \"" SELLER_NAME,
	  "seller.name: missing" },
	{ 1, "\"kind\": \"act\"", "\"kind\": \"invoice\"",
	  "payable_until: missing" },
	{ 1, "\"payable_until\": null", "\"payable_until\": \"6.12.2026\"",
	  "payable_until: malformed" },
};

static void
parse_refusals(void)
{
	struct doc	 d;
	const char	*why;
	char		*row;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		row = edit(bad[i].act ? act_row : invoice_row, bad[i].from,
		    bad[i].to);
		CHECK_CASE("bad row %zu (%s -> %s)", i, bad[i].from,
		    check_bytes(bad[i].to, strlen(bad[i].to)));
		why = NULL;
		CHECK(doc_parse(row, strlen(row), &d, &why) == -1);
		CHECK(why != NULL && strncmp(why, bad[i].why,
		    strlen(bad[i].why)) == 0);
		if (why != NULL && strncmp(why, bad[i].why,
		    strlen(bad[i].why)) != 0)
			fprintf(stderr, "  why: %s\n", why);
		CHECK(d.number[0] == '\0' && d.amount_tiyn == 0);
		check_case_end();
		free(row);
	}
	CHECK(doc_parse("", 0, &d, &why) == -1 && why != NULL);
	CHECK(doc_parse("{}", 2, &d, &why) == -1 && why != NULL);
	/* The row as given, not up to a NUL. */
	CHECK(doc_parse(invoice_row, sizeof(invoice_row), &d, &why) == -1);
}

static void
parse_good(void)
{
	struct doc	 d;
	const char	*why = "unset";
	char		*row;

	CHECK(doc_parse(invoice_row, strlen(invoice_row), &d, &why) == 0);
	CHECK(why == NULL);
	CHECK(d.kind == DOC_INVOICE);
	CHECK_STR(d.number, "2026-000001");
	CHECK_STR(d.seller.name, SELLER_NAME);
	CHECK_STR(d.iik, IIK);
	CHECK_STR(d.kbe, "17");
	CHECK_STR(d.knp, "859");
	CHECK_STR(d.buyer.id, BUYER_BIN);
	CHECK(d.amount_tiyn == 6000000 && d.vat_rate == 0 && d.vat_tiyn == 0);

	CHECK(doc_parse(act_row, strlen(act_row), &d, &why) == 0);
	CHECK(d.kind == DOC_ACT && d.iik[0] == '\0' && d.bank[0] == '\0');
	CHECK_STR(d.period_end, "2027-06-01");
	CHECK_STR(d.offer, OFFER);
	/* An act's buyer without a BIN/IIN (a card payer's profile). */
	row = edit(act_row, "\"iin_bin\": \"" BUYER_BIN "\"",
	    "\"iin_bin\": null");
	CHECK(doc_parse(row, strlen(row), &d, &why) == 0);
	CHECK(d.buyer.id[0] == '\0');
	free(row);
	/* 29 February of a leap year; a period of one day. */
	row = edit(act_row, "2027-06-01", "2028-02-29");
	CHECK(doc_parse(row, strlen(row), &d, &why) == 0);
	free(row);
	row = edit(act_row, "2027-06-01", "2026-12-02");
	CHECK(doc_parse(row, strlen(row), &d, &why) == 0);
	free(row);
}

/* The text of a PDF: pdftotext's ("-layout" or "-raw"), NBSP as space. */
static char *
pdf_text(const struct buf *pdf, const char *mode, const char *tool)
{
	char	 path[] = "/tmp/test_doc.XXXXXX", cmd[256], *s, *o;
	FILE	*f;
	size_t	 n = 0, cap = 65536, k;
	int	 fd;

	if ((fd = mkstemp(path)) == -1 || write(fd, pdf->data, pdf->len) !=
	    (ssize_t)pdf->len || close(fd) == -1)
		return NULL;
	(void)snprintf(cmd, sizeof(cmd), "%s %s '%s' %s", tool, mode, path,
	    strcmp(tool, "pdftotext") == 0 ? "-" : "");
	if ((s = malloc(cap)) == NULL || (f = popen(cmd, "r")) == NULL) {
		unlink(path);
		free(s);
		return NULL;
	}
	while (n + 1 < cap && (k = fread(s + n, 1, cap - 1 - n, f)) > 0)
		n += k;
	s[n] = '\0';
	unlink(path);
	if (pclose(f) != 0) {
		fprintf(stderr, "test: \"%s\" failed (poppler-utils?)\n", cmd);
		free(s);
		return NULL;
	}
	/* U+00A0 as a space, in place. */
	for (o = s; (o = strstr(o, "\xc2\xa0")) != NULL; o++)
		memmove(o, " ", 1), memmove(o + 1, o + 2, strlen(o + 2) + 1);
	return s;
}

/* s without any whitespace, in place. */
static char *
squeeze(char *s)
{
	char	*r = s, *w = s;

	for (; *r != '\0'; r++)
		if (strchr(" \t\n\r\f", *r) == NULL)
			*w++ = *r;
	*w = '\0';
	return s;
}

static double
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
render(const char *row, struct doc *d, struct buf *pdf)
{
	const char	*why;
	double		 t;

	buf_init(pdf, DOC_PDF_MAX);
	if (doc_parse(row, strlen(row), d, &why) == -1) {
		fprintf(stderr, "test: refused: %s\n", why);
		return -1;
	}
	t = now_ms();
	if (doc_pdf(d, pdf) == -1)
		return -1;
	printf("%s %s: %zu bytes, %.1f ms\n", d->kind == DOC_INVOICE ?
	    "invoice" : "act", d->number, pdf->len, now_ms() - t);
	return 0;
}

#define HAS(text, s) do {						\
	CHECK_CASE("text holds \"%s\"", s);				\
	CHECK((text) != NULL && strstr(text, s) != NULL);		\
	check_case_end();						\
} while (0)

static void
page_is_a4(const struct buf *pdf, int pages)
{
	char	*info = pdf_text(pdf, "", "pdfinfo"), want[32];

	CHECK(info != NULL);
	if (getenv("TEST_DOC_SHOW") != NULL && info != NULL)
		fputs(info, stdout);
	if (info != NULL)
		squeeze(info);
	HAS(info, "Pagesize:595.28x841.89pts(A4)");
	(void)snprintf(want, sizeof(want), "Pages:%dEncrypted", pages);
	HAS(info, want);
	HAS(info, "Creator:amobill");
	free(info);
}

static void
render_invoice(void)
{
	struct doc	 d;
	struct buf	 pdf, again;
	char		*text, *row;

	CHECK(render(invoice_row, &d, &pdf) == 0);
	CHECK(pdf.len > 5 && memcmp(pdf.data, "%PDF-", 5) == 0);
	text = pdf_text(&pdf, "-layout", "pdftotext");
	if (getenv("TEST_DOC_SHOW") != NULL && text != NULL)
		fputs(text, stdout);
	HAS(text, "Счёт на оплату № 2026-000001 от 1 декабря 2026 г.");
	HAS(text, "Оплатить до: 06.12.2026");
	HAS(text, "Бенефициар");
	HAS(text, SELLER_NAME);
	HAS(text, "БИН: " SELLER_BIN);
	HAS(text, IIK);
	HAS(text, BIC);
	HAS(text, BANK);
	HAS(text, "Кбе");
	HAS(text, "17");
	HAS(text, "Код назначения платежа");
	HAS(text, "859");
	HAS(text, BUYER_NAME);
	HAS(text, "БИН/ИИН " BUYER_BIN);
	HAS(text, BUYER_ADDRESS);
	HAS(text, SELLER_ADDRESS);
	HAS(text, "60 000 ₸");
	HAS(text, "Итого: 60 000 ₸");
	HAS(text, "Без НДС");
	HAS(text, "Всего к оплате: Шестьдесят тысяч тенге 00 тиын");
	HAS(text, "усл.");
	free(text);
	page_is_a4(&pdf, 1);

	/* The same row, the same bytes, a second later too. */
	sleep(1);
	CHECK(render(invoice_row, &d, &again) == 0);
	CHECK(again.len == pdf.len && memcmp(again.data, pdf.data,
	    pdf.len) == 0);
	buf_free(&again);
	buf_free(&pdf);

	/* The customer's text is text, never markup. */
	row = edit(invoice_row, BUYER_NAME, "<b>ТОО & Co</b> <span "
	    "foreground=\\\"red\\\">x</span>");
	CHECK(render(row, &d, &pdf) == 0);
	text = pdf_text(&pdf, "-layout", "pdftotext");
	HAS(text, "<b>ТОО & Co</b> <span foreground=\"red\">x</span>");
	free(text);
	buf_free(&pdf);
	free(row);

	/* VAT at 16 %: 8 275,86 of 60 000. */
	row = edit(invoice_row, "\"vat_rate\": 0, \"vat_tiyn\": 0",
	    "\"vat_rate\": 16, \"vat_tiyn\": 827586");
	CHECK(render(row, &d, &pdf) == 0);
	text = pdf_text(&pdf, "-layout", "pdftotext");
	HAS(text, "В том числе НДС 16 %: 8 275,86 ₸");
	CHECK(text != NULL && strstr(text, "Без НДС") == NULL);
	free(text);
	buf_free(&pdf);
	free(row);
}

static void
render_act(void)
{
	struct doc	 d;
	struct buf	 pdf;
	char		*text, *row;

	CHECK(render(act_row, &d, &pdf) == 0);
	CHECK(pdf.len > 5 && memcmp(pdf.data, "%PDF-", 5) == 0);
	text = pdf_text(&pdf, "-layout", "pdftotext");
	if (getenv("TEST_DOC_SHOW") != NULL && text != NULL)
		fputs(text, stdout);
	HAS(text, "Акт выполненных работ (оказанных услуг)");
	HAS(text, "№ 2026-000007 от 2 декабря 2026 г.");
	HAS(text, "Исполнитель:");
	HAS(text, "Заказчик:");
	HAS(text, SELLER_NAME);
	HAS(text, "БИН " SELLER_BIN);
	HAS(text, BUYER_NAME);
	HAS(text, "БИН/ИИН " BUYER_BIN);
	HAS(text, BUYER_ADDRESS);
	HAS(text, OFFER);
	HAS(text, "02.12.2026 –");
	HAS(text, "01.06.2027");
	HAS(text, "60 000 ₸");
	HAS(text, "В том числе НДС 16 %: 8 275,86 ₸");
	HAS(text, "Шестьдесят тысяч тенге 00 тиын");
	HAS(text, "Сдал (Исполнитель)");
	HAS(text, "Принял (Заказчик)");
	free(text);
	page_is_a4(&pdf, 1);
	buf_free(&pdf);

	/* Without the buyer's BIN/IIN: no such line. */
	row = edit(act_row, "\"iin_bin\": \"" BUYER_BIN "\"",
	    "\"iin_bin\": null");
	CHECK(render(row, &d, &pdf) == 0);
	text = pdf_text(&pdf, "-layout", "pdftotext");
	CHECK(text != NULL && strstr(text, "БИН/ИИН") == NULL);
	HAS(text, BUYER_NAME);
	free(text);
	buf_free(&pdf);
	free(row);
}

/*
 * n characters of words (Cyrillic, and a three-byte character), or one
 * word without a space if solid.
 */
static void
fill(char *out, size_t outsz, size_t n, const char *tag, int solid)
{
	static const struct {
		const char	*s;
		size_t		 chars;
	} w[] = { { "Ёлочка", 6 }, { "—", 1 }, { "щука", 4 }, { "БИН", 3 },
	    { "№", 1 }, { "ТОО", 3 }, { "₸", 1 } };
	size_t	 chars, i = 0;
	char	*o = out;

	o += snprintf(o, outsz, "%s", tag);
	chars = strlen(tag);
	while (chars < n) {
		/* Room for the longest word (4 bytes a character at most). */
		if ((size_t)(o - out) + 4 * 6 + 1 > outsz) {
			fprintf(stderr, "test: fill: %zu characters do not fit\n", n);
			exit(1);
		}
		if (!solid && o[-1] != ' ' && chars + 1 < n) {
			*o++ = ' ';
			chars++;
		} else if (chars + w[i % 7].chars > n) {
			*o++ = 'x';
			chars++;
		} else {
			memcpy(o, w[i % 7].s, strlen(w[i % 7].s));
			o += strlen(w[i % 7].s);
			chars += w[i % 7].chars;
			i++;
		}
	}
	*o = '\0';
}

static const struct {
	const char	*key;		/* in the row, as "key": "..." */
	size_t		 max;
} longest[] = {
	{ "seller.name", DOC_NAME_MAX },
	{ "seller.address", DOC_ADDRESS_MAX },
	{ "seller.bank", DOC_FIELD_MAX },
	{ "buyer.name", DOC_NAME_MAX },
	{ "buyer.address", DOC_ADDRESS_MAX },
	{ "item", DOC_ITEM_MAX },
	{ "offer", DOC_FIELD_MAX },
};

#define BIG	(DOC_ADDRESS_MAX * 4 + 64)

/* A row with every text at its limit (words, or solid), or one over. */
static char *
longest_row(int kind_act, int solid, int over, char (*texts)[BIG])
{
	struct buf	 b;
	size_t		 i;
	char		 tag[8];

	for (i = 0; i < sizeof(longest) / sizeof(longest[0]); i++) {
		(void)snprintf(tag, sizeof(tag), "T%zu", i);
		fill(texts[i], sizeof(texts[i]), longest[i].max + (over ? 1 : 0),
		    tag, solid);
	}
	buf_init(&b, DOC_JSON_MAX);
	buf_printf(&b, "{\"kind\": \"%s\", \"number\": \"2026-999999\", "
	    "\"issued_on\": \"2026-12-31\", \"payable_until\": \"2027-01-30\", "
	    "\"period_start\": \"2026-12-31\", \"period_end\": \"2027-06-30\", "
	    "\"seller\": {\"name\": \"%s\", \"bin\": \"" SELLER_BIN "\", "
	    "\"address\": \"%s\", \"iik\": \"" IIK "\", \"bank\": \"%s\", "
	    "\"bic\": \"CASPKZKAXXX\", \"kbe\": \"19\", \"knp\": \"859\"}, "
	    "\"buyer\": {\"name\": \"%s\", \"iin_bin\": \"" BUYER_BIN "\", "
	    "\"address\": \"%s\"}, \"item\": \"%s\", \"offer\": \"%s\", "
	    "\"amount_tiyn\": 99999999999999, \"vat_rate\": 99, "
	    "\"vat_tiyn\": 49748743718591}", kind_act ? "act" : "invoice",
	    texts[0], texts[1], texts[2], texts[3], texts[4], texts[5],
	    texts[6]);
	if (b.failed)
		exit(1);
	return b.data;
}

static void
render_longest(void)
{
	static char	 texts[7][BIG];
	struct doc	 d;
	struct buf	 pdf;
	const char	*why;
	char		*row, *text, want[BIG];
	size_t		 i;
	int		 act, solid;

	for (act = 0; act < 2; act++)
		for (solid = 0; solid < 2; solid++) {
			row = longest_row(act, solid, 0, texts);
			CHECK_CASE("longest %s%s", act ? "act" : "invoice",
			    solid ? ", solid" : "");
			CHECK(render(row, &d, &pdf) == 0);
			check_case_end();
			if (getenv("TEST_DOC_KEEP") != NULL) {
				char	 path[64];
				FILE	*f;

				(void)snprintf(path, sizeof(path),
				    "/tmp/test_doc-%d%d.pdf", act, solid);
				if ((f = fopen(path, "w")) != NULL) {
					fwrite(pdf.data, 1, pdf.len, f);
					fclose(f);
				}
			}
			page_is_a4(&pdf, 1);
			text = pdf_text(&pdf, "-raw", "pdftotext");
			if (text != NULL)
				squeeze(text);
			for (i = 0; i < sizeof(longest) / sizeof(longest[0]);
			    i++) {
				if (!act && strcmp(longest[i].key, "offer") == 0)
					continue;
				if (act && strcmp(longest[i].key,
				    "seller.bank") == 0)
					continue;
				/* Both BIG: the whole text, its NUL within. */
				memcpy(want, texts[i], sizeof(want));
				squeeze(want);
				CHECK_CASE("longest %s%s: %s", act ? "act" :
				    "invoice", solid ? ", solid" : "",
				    longest[i].key);
				CHECK(text != NULL && strstr(text, want) !=
				    NULL);
				check_case_end();
			}
			HAS(text, "999999999999,99₸");
			HAS(text, "497487437185,91₸");
			free(text);
			buf_free(&pdf);
			free(row);
		}
	/* One character more than the limit, every text: refused. */
	row = longest_row(0, 0, 1, texts);
	CHECK(doc_parse(row, strlen(row), &d, &why) == -1);
	CHECK_STR(why, "offer: too long");
	free(row);
}

/* Over DOC_PDF_MAX or the buffer's own maximum: out as it was. */
static void
render_limits(void)
{
	struct doc	 d;
	struct buf	 out;
	const char	*why;

	CHECK(doc_parse(invoice_row, strlen(invoice_row), &d, &why) == 0);
	buf_init(&out, 2000);
	buf_adds(&out, "kept");
	CHECK(doc_pdf(&d, &out) == -1);
	CHECK(out.len == 4 && strcmp(buf_str(&out), "kept") == 0 &&
	    !out.failed);
	buf_free(&out);
	/* Appended after what the buffer holds. */
	buf_init(&out, DOC_PDF_MAX + 4);
	buf_adds(&out, "kept");
	CHECK(doc_pdf(&d, &out) == 0);
	CHECK(out.len > 4 && memcmp(out.data, "kept%PDF-", 9) == 0);
	buf_free(&out);
}

int
main(void)
{
	parse_refusals();
	parse_good();
	render_invoice();
	render_act();
	render_longest();
	render_limits();
	doc_shutdown();
	return check_done();
}
