/*
 * fuzz_doc.c: a document's row (doc.h) as any bytes: doc_parse() keeps
 * its promises (0 and a struct of checked, NUL-terminated fields, or -1,
 * a reason and a zeroed struct), and what it accepts, doc_pdf() renders
 * (a PDF, appended whole, or nothing).  Rendering takes 10 to 20 ms
 * under the sanitizers, and only the rare input that parses pays it.
 */
#include "doc.h"
#include "fuzz.h"

static int
terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

/*
 * fontconfig, which pango starts in a thread of its own, keeps its
 * caches where the leak checker does not see them (libFuzzer checks
 * after any input that allocated more than it freed), so it takes them
 * for lost, though FcFini() frees them (doc_shutdown(), at exit).  Its
 * allocations, and only those, are left out of the leak reports here;
 * that doc_shutdown() leaves nothing is tests/unit/test_doc.c's business,
 * under ASan.  (Freeing everything after each input instead makes a
 * rendering cost 90 ms rather than 10 to 20.)
 */
const char	*__lsan_default_suppressions(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

static void
shutdown(void)
{
	doc_shutdown();
}

int	LLVMFuzzerInitialize(int *, char ***);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (atexit(shutdown) != 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static const struct doc	 zero;
	struct doc		 d;
	struct buf		 out;
	const char		*why = "unset";
	char			*row;

	/* Exactly n bytes: the row need not be NUL-terminated. */
	if ((row = malloc(n > 0 ? n : 1)) == NULL)
		abort();
	if (n > 0)
		memcpy(row, data, n);
	if (doc_parse(row, n, &d, &why) == -1) {
		FUZZ_ASSERT(why != NULL && strcmp(why, "unset") != 0);
		FUZZ_ASSERT(memcmp(&d, &zero, sizeof(d)) == 0);
		free(row);
		return 0;
	}
	free(row);
	FUZZ_ASSERT(why == NULL);
	FUZZ_ASSERT(d.kind == DOC_INVOICE || d.kind == DOC_ACT);
	FUZZ_ASSERT(strlen(d.number) == 11 && strlen(d.issued_on) == 10);
	FUZZ_ASSERT(terminated(d.seller.name, sizeof(d.seller.name)) &&
	    d.seller.name[0] != '\0' && d.buyer.name[0] != '\0' &&
	    d.item[0] != '\0' && strlen(d.seller.id) == 12);
	FUZZ_ASSERT(d.amount_tiyn > 0 && d.amount_tiyn < 100000000000000LL);
	FUZZ_ASSERT(d.vat_tiyn >= 0 && d.vat_tiyn <= d.amount_tiyn);
	FUZZ_ASSERT(d.vat_rate >= 0 && d.vat_rate <= 99);
	if (d.kind == DOC_INVOICE)
		FUZZ_ASSERT(strlen(d.iik) == 20 && d.bank[0] != '\0' &&
		    strlen(d.buyer.id) == 12 &&
		    strcmp(d.payable_until, d.issued_on) >= 0);
	else
		FUZZ_ASSERT(d.offer[0] != '\0' &&
		    strcmp(d.period_end, d.period_start) >= 0);

	buf_init(&out, DOC_PDF_MAX);
	buf_adds(&out, "x");
	if (doc_pdf(&d, &out) == 0)
		FUZZ_ASSERT(out.len > 6 && memcmp(out.data, "x%PDF-", 6) == 0);
	else
		FUZZ_ASSERT(out.len == 1 && !out.failed);
	buf_free(&out);
	return 0;
}
