/*
 * pdf.c: a struct doc as an A4 PDF, laid out with pango and drawn with
 * cairo; see doc.h.
 *
 * Every text that comes from the row is given to pango as text
 * (pango_layout_set_text), never as markup; bold is an attribute over a
 * range.  Numbers, dates and amounts are never broken: they hold no
 * break opportunity (a no-break space where they have a space), and the
 * cells that hold nothing else are laid out without wrapping in columns
 * wide enough for the largest value the limits allow.  The customer's
 * texts wrap at words, or inside a word too long for its column, never
 * with an inserted hyphen.
 *
 * The limits of doc.h make one page enough for either document; a block
 * that would still pass the bottom starts a new page (blocks are never
 * split).  The PDF's creation and modification dates are the document's
 * date, so the same row gives the same bytes.
 */
#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <cairo-pdf.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>

#include "doc.h"
#include "money.h"
#include "words.h"

#define PAGE_W		595.28		/* A4 in points */
#define PAGE_H		841.89
#define MARGIN		40.0
#define WIDTH		(PAGE_W - 2 * MARGIN)
#define PAD		3.0		/* inside a table's cell */
#define FONT		"DejaVu Sans"
#define TEXT_MAX	8192		/* one paragraph, labels and values */

#define NBSP		"\xc2\xa0"	/* U+00A0 */

/*
 * A piece of a paragraph: text, bold or not, and whether a line may
 * break inside it (KEEP: a number, a date, an amount, "БИН/ИИН" and its
 * digits, never broken: pango's allow-breaks attribute over it).
 */
struct run {
	const char	*text;
	int		 flags;
};

#define BOLD	1
#define KEEP	2

#define R(t)	{ (t), 0 }
#define B(t)	{ (t), BOLD }
#define K(t)	{ (t), KEEP }
#define BK(t)	{ (t), BOLD | KEEP }

enum align { LEFT, CENTER, RIGHT };

/* A cell of a table row; nowrap for a number, a date or an amount. */
struct cell {
	const struct run	*runs;
	size_t			 nruns;
	double			 width;
	enum align		 align;
	int			 nowrap;
};

struct sink {
	struct buf	*out;
	size_t		 start;
	int		 over;		/* past DOC_PDF_MAX or the buffer */
};

struct page {
	cairo_t		*cr;
	PangoContext	*pc;
	double		 y;
	int		 failed;	/* a text did not fit TEXT_MAX */
};

static cairo_status_t
sink_write(void *closure, const unsigned char *data, unsigned int n)
{
	struct sink	*s = closure;

	if (s->out->len - s->start + n > DOC_PDF_MAX ||
	    buf_add(s->out, data, n) == -1) {
		s->over = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	return CAIRO_STATUS_SUCCESS;
}

/*
 * The runs as one layout of the given size: width wide and wrapped, or
 * (nowrap) on the lines its own newlines make.  NULL if the text does
 * not fit TEXT_MAX (it always does within the limits).
 */
static PangoLayout *
layout_new(struct page *pg, const struct run *r, size_t n, double size,
    double width, enum align align, int nowrap)
{
	PangoLayout		*l;
	PangoFontDescription	*fd;
	PangoAttrList		*attrs;
	PangoAttribute		*a;
	struct buf		 text;
	size_t			 i, start;

	buf_init(&text, TEXT_MAX);
	attrs = pango_attr_list_new();
	/* Never an inserted hyphen inside a customer's word. */
	pango_attr_list_insert(attrs, pango_attr_insert_hyphens_new(FALSE));
	for (i = 0; i < n; i++) {
		start = text.len;
		(void)buf_adds(&text, r[i].text);
		if ((r[i].flags & BOLD) && text.len > start) {
			a = pango_attr_weight_new(PANGO_WEIGHT_BOLD);
			a->start_index = (guint)start;
			a->end_index = (guint)text.len;
			pango_attr_list_insert(attrs, a);
		}
		if ((r[i].flags & KEEP) && text.len > start) {
			a = pango_attr_allow_breaks_new(FALSE);
			a->start_index = (guint)start;
			a->end_index = (guint)text.len;
			pango_attr_list_insert(attrs, a);
		}
	}
	l = NULL;
	if (text.failed) {
		pg->failed = 1;
		goto out;
	}
	l = pango_layout_new(pg->pc);
	fd = pango_font_description_from_string(FONT);
	pango_font_description_set_size(fd, (gint)(size * PANGO_SCALE));
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_layout_set_text(l, buf_str(&text), (int)text.len);
	pango_layout_set_attributes(l, attrs);
	if (!nowrap) {
		pango_layout_set_width(l, (int)(width * PANGO_SCALE));
		pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
		pango_layout_set_alignment(l, align == RIGHT ?
		    PANGO_ALIGN_RIGHT : align == CENTER ? PANGO_ALIGN_CENTER :
		    PANGO_ALIGN_LEFT);
	}
out:
	pango_attr_list_unref(attrs);
	buf_free(&text);
	return l;
}

static double
layout_height(PangoLayout *l)
{
	int	w, h;

	pango_layout_get_size(l, &w, &h);
	return (double)h / PANGO_SCALE;
}

/*
 * A cell's layout; one that does not wrap (a number, a date, an amount)
 * and would still be wider than its column is set smaller to fit: the
 * columns hold the largest values at their size, so this is a guard.
 */
static PangoLayout *
cell_new(struct page *pg, const struct cell *c, double size, double width)
{
	PangoLayout	*l;
	int		 w, h;

	l = layout_new(pg, c->runs, c->nruns, size, width, c->align,
	    c->nowrap);
	if (l == NULL || !c->nowrap)
		return l;
	pango_layout_get_size(l, &w, &h);
	if ((double)w / PANGO_SCALE <= width)
		return l;
	g_object_unref(l);
	return layout_new(pg, c->runs, c->nruns,
	    size * width / ((double)w / PANGO_SCALE) * 0.98, width, c->align, 1);
}

/* Draws l at (x, y) in a box width wide (nowrap layouts are aligned here). */
static void
layout_draw(struct page *pg, PangoLayout *l, double x, double y,
    double width, enum align align, int nowrap)
{
	int	w, h;

	if (nowrap) {
		pango_layout_get_size(l, &w, &h);
		if (align == RIGHT)
			x += width - (double)w / PANGO_SCALE;
		else if (align == CENTER)
			x += (width - (double)w / PANGO_SCALE) / 2;
	}
	cairo_move_to(pg->cr, x, y);
	pango_cairo_show_layout(pg->cr, l);
}

/* Room for h more points on this page, or a new page. */
static void
room(struct page *pg, double h)
{
	if (pg->y + h > PAGE_H - MARGIN && pg->y > MARGIN) {
		cairo_show_page(pg->cr);
		pg->y = MARGIN;
	}
}

/* A paragraph across the page, then gap points. */
static void
para(struct page *pg, const struct run *r, size_t n, double size,
    enum align align, double gap)
{
	PangoLayout	*l;
	double		 h;

	if ((l = layout_new(pg, r, n, size, WIDTH, align, 0)) == NULL)
		return;
	h = layout_height(l);
	room(pg, h);
	layout_draw(pg, l, MARGIN, pg->y, WIDTH, align, 0);
	g_object_unref(l);
	pg->y += h + gap;
}

/* A horizontal rule, then gap points. */
static void
rule(struct page *pg, double width, double gap)
{
	room(pg, width);
	cairo_set_line_width(pg->cr, width);
	cairo_move_to(pg->cr, MARGIN, pg->y + width / 2);
	cairo_line_to(pg->cr, MARGIN + WIDTH, pg->y + width / 2);
	cairo_stroke(pg->cr);
	pg->y += width + gap;
}

#define ROW_CELLS	8

/*
 * A table row of n cells from the left margin, framed if border, its
 * height that of its tallest cell; then gap points.
 */
static void
row(struct page *pg, const struct cell *c, size_t n, double size,
    int border, double gap)
{
	PangoLayout	*l[ROW_CELLS];
	double		 h = 0, x, ch;
	double		 pad = border ? PAD : 0;
	size_t		 i;

	if (n > ROW_CELLS)
		n = ROW_CELLS;
	for (i = 0; i < n; i++) {
		l[i] = cell_new(pg, &c[i], size,
		    c[i].width - 2 * pad - (border ? 0 : 4));
		if (l[i] != NULL && (ch = layout_height(l[i])) > h)
			h = ch;
	}
	h += 2 * pad;
	room(pg, h);
	x = MARGIN;
	cairo_set_line_width(pg->cr, 0.6);
	for (i = 0; i < n; i++) {
		if (border) {
			cairo_rectangle(pg->cr, x, pg->y, c[i].width, h);
			cairo_stroke(pg->cr);
		}
		if (l[i] != NULL) {
			layout_draw(pg, l[i], x + pad, pg->y + pad,
			    c[i].width - 2 * pad, c[i].align, c[i].nowrap);
			g_object_unref(l[i]);
		}
		x += c[i].width;
	}
	pg->y += h + gap;
}

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* "1 декабря 2026 г." with no-break spaces, from "2026-12-01". */
static void
date_long(const char *iso, char out[64])
{
	static const char *const months[12] = { "января", "февраля",
	    "марта", "апреля", "мая", "июня", "июля", "августа", "сентября",
	    "октября", "ноября", "декабря" };
	int	m = (iso[5] - '0') * 10 + (iso[6] - '0');
	int	d = (iso[8] - '0') * 10 + (iso[9] - '0');

	if (m < 1 || m > 12)
		m = 1;
	(void)snprintf(out, 64, "%d" NBSP "%s" NBSP "%.4s" NBSP "г.", d,
	    months[m - 1], iso);
}

/* "01.12.2026" from "2026-12-01". */
static void
date_short(const char *iso, char out[11])
{
	(void)snprintf(out, 11, "%.2s.%.2s.%.4s", iso + 8, iso + 5, iso);
}

/* What both documents print: the amounts, the VAT, the words. */
struct figures {
	char	date[64];
	char	amount[MONEY_TEXT];
	char	vat[MONEY_TEXT + 64];
	char	words[MONEY_WORDS];
};

static void
figures(const struct doc *d, struct figures *f)
{
	char	v[MONEY_TEXT];

	date_long(d->issued_on, f->date);
	money_display(d->amount_tiyn, f->amount);
	if (d->vat_rate == 0)
		(void)snprintf(f->vat, sizeof(f->vat), "Без НДС");
	else {
		money_display(d->vat_tiyn, v);
		(void)snprintf(f->vat, sizeof(f->vat),
		    "В том числе НДС %d" NBSP "%%: %s", d->vat_rate, v);
	}
	if (money_words(d->amount_tiyn, f->words) == -1)
		f->words[0] = '\0';
}

/* "Поставщик:" and the party: name (bold), BIN, address. */
static void
party(struct page *pg, const char *label, const char *idlabel,
    const struct doc_party *p)
{
	struct run	l[] = { R(label) };
	struct run	v[] = { B(p->name), R(", "), K(idlabel), K(NBSP),
	    K(p->id), R(", "), R(p->address) };
	struct run	noid[] = { B(p->name), R(", "), R(p->address) };
	struct cell	c[] = {
		{ l, N(l), 85, LEFT, 0 },
		{ v, N(v), WIDTH - 85, LEFT, 0 },
	};

	if (p->id[0] == '\0') {
		c[1].runs = noid;
		c[1].nruns = N(noid);
	}
	row(pg, c, N(c), 9, 0, 5);
}

/*
 * The table of the one service; period (an act's "dd.mm.yyyy –
 * dd.mm.yyyy"), or NULL for an invoice.  The amounts' columns hold the
 * largest amount doc_parse() accepts ("999 999 999 999,99 ₸").
 */
#define AMOUNT_W	96	/* "999 999 999 999,99 ₸" at 8 points, and pads */

static void
items(struct page *pg, const struct doc *d, const struct figures *f,
    const char *period)
{
	struct run	hn[] = { B("№") }, hi[] = { B("Наименование") },
	    hp[] = { B("Период") }, hu[] = { B("Ед.") },
	    hq[] = { B("Кол-во") }, hpr[] = { B("Цена") },
	    hs[] = { B("Сумма") };
	struct run	vn[] = { R("1") }, vi[] = { R(d->item) },
	    vp[] = { R(period != NULL ? period : "") }, vu[] = { R("усл.") },
	    vq[] = { R("1") }, va[] = { R(f->amount) };
	struct cell	h[7], v[7];
	size_t		 n = 0;
	double		 name;

	name = WIDTH - 22 - 34 - 42 - 2 * AMOUNT_W - (period != NULL ? 66 : 0);
#define COL(hr, vr, w, al, nw) do {					\
	h[n] = (struct cell){ hr, N(hr), w, CENTER, 0 };		\
	v[n] = (struct cell){ vr, N(vr), w, al, nw };			\
	n++;								\
} while (0)
	COL(hn, vn, 22, CENTER, 1);
	COL(hi, vi, name, LEFT, 0);
	if (period != NULL) {
		COL(hp, vp, 66, CENTER, 1);
		COL(hu, vu, 34, CENTER, 1);
		COL(hq, vq, 42, CENTER, 1);
	} else {
		COL(hq, vq, 42, CENTER, 1);
		COL(hu, vu, 34, CENTER, 1);
	}
	COL(hpr, va, AMOUNT_W, RIGHT, 1);
	COL(hs, va, AMOUNT_W, RIGHT, 1);
#undef COL
	row(pg, h, n, 8, 1, 0);
	row(pg, v, n, 8, 1, 8);
}

/* Итого and the VAT line, right-aligned. */
static void
totals(struct page *pg, const struct figures *f)
{
	struct run	t[] = { B("Итого: "), BK(f->amount) };
	struct run	v[] = { BK(f->vat) };

	para(pg, t, N(t), 9.5, RIGHT, 2);
	para(pg, v, N(v), 9.5, RIGHT, 10);
}

static void
invoice(struct page *pg, const struct doc *d, const struct figures *f)
{
	char		 until[11];
	struct run	 b1[] = { R("Бенефициар:\n"), B(d->seller.name),
	    R("\n"), K("БИН: "), BK(d->seller.id) };
	struct run	 b2[] = { R("ИИК\n"), BK(d->iik) };
	struct run	 b3[] = { R("Кбе\n"), BK(d->kbe) };
	struct run	 b4[] = { R("Банк бенефициара:\n"), B(d->bank) };
	struct run	 b5[] = { R("БИК\n"), BK(d->bic) };
	struct run	 b6[] = { R("Код назначения платежа\n"), BK(d->knp) };
	struct cell	 bank1[] = {
		{ b1, N(b1), WIDTH - 275, LEFT, 0 },
		{ b2, N(b2), 145, LEFT, 0 },
		{ b3, N(b3), 130, LEFT, 0 },
	};
	struct cell	 bank2[] = {
		{ b4, N(b4), WIDTH - 275, LEFT, 0 },
		{ b5, N(b5), 145, LEFT, 0 },
		{ b6, N(b6), 130, LEFT, 0 },
	};
	struct run	 title[] = { B("Счёт на оплату "), BK("№" NBSP),
	    BK(d->number), B(" от "), BK(f->date) };
	struct run	 pay[] = { R("Оплатить до: "), BK(until) };
	struct run	 count[] = { R("Всего наименований 1, на сумму "),
	    K(f->amount) };
	struct run	 words[] = { R("Всего к оплате: "), B(f->words) };
	struct run	 sl[] = { R("Поставщик") };
	struct run	 sv[] = { R("______________________________ / "),
	    R(d->seller.name), R(" /") };
	struct cell	 sign[] = {
		{ sl, N(sl), 85, LEFT, 0 },
		{ sv, N(sv), WIDTH - 85, LEFT, 0 },
	};

	date_short(d->payable_until, until);
	row(pg, bank1, N(bank1), 8, 1, 0);
	row(pg, bank2, N(bank2), 8, 1, 14);
	para(pg, title, N(title), 13, LEFT, 4);
	para(pg, pay, N(pay), 9, LEFT, 6);
	rule(pg, 1.5, 8);
	party(pg, "Поставщик:", "БИН", &d->seller);
	party(pg, "Покупатель:", "БИН/ИИН", &d->buyer);
	pg->y += 6;
	items(pg, d, f, NULL);
	totals(pg, f);
	para(pg, count, N(count), 9, LEFT, 2);
	para(pg, words, N(words), 9, LEFT, 8);
	rule(pg, 1.5, 24);
	row(pg, sign, N(sign), 9, 0, 0);
}

static void
act(struct page *pg, const struct doc *d, const struct figures *f)
{
	char		 from[11], to[11], period[40];
	struct run	 title[] = {
		B("Акт выполненных работ (оказанных услуг)\n"),
		BK("№" NBSP), BK(d->number), B(" от "), BK(f->date),
	};
	struct run	 cl[] = { R("Договор:") }, cv[] = { R(d->offer) };
	struct cell	 contract[] = {
		{ cl, N(cl), 85, LEFT, 0 },
		{ cv, N(cv), WIDTH - 85, LEFT, 0 },
	};
	struct run	 words[] = { R("Всего оказано услуг на сумму: "),
	    B(f->words) };
	struct run	 note[] = { R("Вышеперечисленные услуги оказаны "
	    "полностью и в срок. Заказчик претензий по объёму, качеству и "
	    "срокам оказания услуг не имеет.") };
	struct run	 s1[] = { R("Сдал (Исполнитель):\n"), B(d->seller.name),
	    R("\n\n\n______________________________\nподпись") };
	struct run	 s2[] = { R("Принял (Заказчик):\n"), B(d->buyer.name),
	    R("\n\n\n______________________________\nподпись") };
	struct cell	 sign[] = {
		{ s1, N(s1), WIDTH / 2, LEFT, 0 },
		{ s2, N(s2), WIDTH / 2, LEFT, 0 },
	};

	date_short(d->period_start, from);
	date_short(d->period_end, to);
	(void)snprintf(period, sizeof(period), "%s" NBSP "–\n%s", from, to);
	para(pg, title, N(title), 12, CENTER, 6);
	rule(pg, 1.5, 8);
	party(pg, "Исполнитель:", "БИН", &d->seller);
	party(pg, "Заказчик:", "БИН/ИИН", &d->buyer);
	row(pg, contract, N(contract), 9, 0, 6);
	pg->y += 6;
	items(pg, d, f, period);
	totals(pg, f);
	para(pg, words, N(words), 9, LEFT, 6);
	para(pg, note, N(note), 9, LEFT, 8);
	rule(pg, 1.5, 24);
	row(pg, sign, N(sign), 9, 0, 0);
}

/* The PDF's title and dates: the document's own, never the clock's. */
static void
metadata(cairo_surface_t *s, const struct doc *d)
{
	char	title[128], date[32];

	(void)snprintf(title, sizeof(title), "%s № %s", d->kind ==
	    DOC_INVOICE ? "Счёт на оплату" :
	    "Акт выполненных работ (оказанных услуг)", d->number);
	(void)snprintf(date, sizeof(date), "%.10sT00:00:00", d->issued_on);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR,
	    "amobill");
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE,
	    date);
	cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, date);
}

int
doc_pdf(const struct doc *d, struct buf *out)
{
	struct sink		 sink = { out, out->len, 0 };
	struct page		 pg = { NULL, NULL, MARGIN, 0 };
	struct figures		 f;
	cairo_surface_t		*s;
	cairo_font_options_t	*fo;
	cairo_status_t		 st;
	int			 failed = out->failed;

	if (out->failed)
		return -1;
	figures(d, &f);
	s = cairo_pdf_surface_create_for_stream(sink_write, &sink, PAGE_W,
	    PAGE_H);
	metadata(s, d);
	pg.cr = cairo_create(s);
	pg.pc = pango_font_map_create_context(
	    pango_cairo_font_map_get_default());
	/* Points as pango's units; outlines as the font draws them. */
	pango_cairo_context_set_resolution(pg.pc, 72);
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	pango_cairo_context_set_font_options(pg.pc, fo);
	cairo_font_options_destroy(fo);
	pango_cairo_update_context(pg.cr, pg.pc);
	cairo_set_source_rgb(pg.cr, 0, 0, 0);

	if (d->kind == DOC_INVOICE)
		invoice(&pg, d, &f);
	else
		act(&pg, d, &f);

	cairo_show_page(pg.cr);
	st = cairo_status(pg.cr);
	g_object_unref(pg.pc);
	cairo_destroy(pg.cr);
	cairo_surface_finish(s);
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(s);
	cairo_surface_destroy(s);
	if (st != CAIRO_STATUS_SUCCESS || sink.over || pg.failed ||
	    f.words[0] == '\0') {
		/* Nothing of it stays in out. */
		out->len = sink.start;
		if (out->data != NULL)
			out->data[out->len] = '\0';
		out->failed = failed;
		return -1;
	}
	return 0;
}

void
doc_shutdown(void)
{
	/* The font map holds pango's fonts, which hold cairo's and fontconfig's. */
	pango_cairo_font_map_set_default(NULL);
	cairo_debug_reset_static_data();
	FcFini();
}
