/*
 * doc.h: the order documents of contract §7 — the invoice ("Счёт на
 * оплату") and the act of completed work ("Акт выполненных работ
 * (оказанных услуг)") — as A4 PDF with selectable Cyrillic text.
 *
 * A document is printed from its stored row only (amobill.invoices,
 * amobill.acts, sql/018_invoices.sql), which the database hands over as
 * one JSON object; doc_parse() reads it into a struct doc, checking
 * every field against the limits below, and doc_pdf() lays it out with
 * pango and draws it with cairo.  The same row gives the same text; the
 * PDF's dates are the document's, so the same row gives the same bytes
 * with the same libraries.  The customer's texts are drawn as text,
 * never read as pango markup.
 *
 *	{"kind": "invoice" | "act", "number": "2026-000001",
 *	 "issued_on": "2026-12-01", "payable_until": "2026-12-06",
 *	 "period_start": "...", "period_end": "...", "offer": "...",
 *	 "seller": {"name", "bin", "address", "iik", "bank", "bic", "kbe",
 *	            "knp"},
 *	 "buyer": {"name", "iin_bin", "address"},
 *	 "item": "...", "amount_tiyn": 6000000, "vat_rate": 0,
 *	 "vat_tiyn": 0}
 *
 * payable_until is an invoice's, period_start, period_end and offer (the
 * offer version and its acceptance, as the act names the contract) an
 * act's; an act's seller needs only name, bin and address, and an act's
 * buyer may have no iin_bin (null: amobill.acts allows it, and the act
 * then prints none).  A field another kind does not print may be absent
 * or null; if it is there it is checked all the same.  Members not named
 * here are ignored; a member named twice is refused.
 *
 * The checks: texts are valid UTF-8 of 1 to *_MAX characters without a
 * control character (C0, DEL, C1, U+2028, U+2029), "\u0000" refused;
 * dates YYYY-MM-DD, real days from 2000; number ^[0-9]{4}-[0-9]{6}$; BIN
 * and IIN 12 digits (the checksum is lib/rules' business, checked when
 * the profile was saved); iik "KZ" and 18 of [A-Z0-9]; bic 8 or 11 of
 * [A-Z0-9]; kbe 2 digits, knp 3; amount_tiyn a whole number 1 ..
 * 10^14 - 1, vat_rate 0 .. 99, vat_tiyn 0 .. amount (0 at rate 0);
 * payable_until >= issued_on, period_start <= period_end.
 *
 * Layer rules (lib/doc): may use lib/rules, lib/base, cJSON, cairo and pango; never
 * I/O but the output buffer, the configuration, the database or the web.
 * Only the programs that render documents link it (cmd/mailer): the web
 * programs serve stored bytes and never load cairo or pango.
 */
#ifndef DOC_H
#define DOC_H

#include <stddef.h>

#include "buf.h"

#define DOC_JSON_MAX	16384		/* the largest row accepted */
#define DOC_PDF_MAX	(1024 * 1024)	/* the largest PDF made */

/*
 * The limits of the texts, in characters (code points) as the schema
 * counts them (sql/018_invoices.sql); each array holds that many
 * characters of any width (4 bytes each at most) and the NUL.  They make
 * one A4 page enough for either document whatever the texts (doc_pdf()
 * still starts a new page if a block would pass the bottom).
 */
#define DOC_NAME_MAX	200
#define DOC_ADDRESS_MAX	300
#define DOC_ITEM_MAX	300
#define DOC_FIELD_MAX	120		/* bank, offer */
#define DOC_TEXT(n)	((n) * 4 + 1)

enum doc_kind {
	DOC_INVOICE,
	DOC_ACT,
};

struct doc_party {
	char	name[DOC_TEXT(DOC_NAME_MAX)];
	char	id[13];		/* BIN or IIN: 12 digits; "" for none */
	char	address[DOC_TEXT(DOC_ADDRESS_MAX)];
};

struct doc {
	enum doc_kind		 kind;
	char			 number[12];	/* "2026-000001" */
	char			 issued_on[11];	/* "YYYY-MM-DD" */
	char			 payable_until[11];
	char			 period_start[11];
	char			 period_end[11];
	char			 offer[DOC_TEXT(DOC_FIELD_MAX)];
	struct doc_party	 seller;
	char			 iik[21];	/* KZ IBAN, 20 characters */
	char			 bank[DOC_TEXT(DOC_FIELD_MAX)];
	char			 bic[12];	/* 8 or 11 of [A-Z0-9] */
	char			 kbe[3];
	char			 knp[4];
	struct doc_party	 buyer;
	char			 item[DOC_TEXT(DOC_ITEM_MAX)];
	long long		 amount_tiyn;	/* > 0 */
	int			 vat_rate;	/* 0..99 percent */
	long long		 vat_tiyn;	/* VAT included in amount */
};

/*
 * Reads the row p[0..n) into d.  Returns 0, or -1 with *why naming the
 * first field missing or wrong (malformed JSON, a field too long, not
 * valid UTF-8 or with a control character, a date not YYYY-MM-DD, an
 * amount not positive, VAT over the amount...).
 */
int	doc_parse(const char *p, size_t n, struct doc *d, const char **why);

/*
 * Appends the document's PDF to out (A4, one page or more).  Returns 0,
 * or -1 if cairo fails or the PDF would pass DOC_PDF_MAX (out then holds
 * nothing of it).
 */
int	doc_pdf(const struct doc *d, struct buf *out);

/*
 * Frees what cairo, pango and fontconfig keep for the process, so that
 * a program ending cleanly leaves nothing behind (the leak checker).
 * Call once, at exit, after the last doc_pdf().
 */
void	doc_shutdown(void);

#endif
