/*
 * fuzz_html.c: the one template engine and the escaping of html.h.  The
 * input is split at NUL bytes into a template and four values; the
 * values also fill the compiled-in page templates and a plain-text
 * document.  Promises checked: escaped text holds no markup, a value is
 * never read as a template, an overflowing render fails whole.
 */
#include "fuzz.h"
#include "html.h"

#define OUT_MAX	(1024 * 1024)

static const char *const pages[] = {
	"pages/layout.html", "pages/login.html", "pages/register.html",
	"pages/account.html", "pages/checkout.html", "pages/checkout-pay.html",
	"pages/document.html", "pages/fail.html", "pages/forgot.html",
	"pages/message.html", "pages/refund.html", "pages/reset.html",
	"pages/success-paid.html", "pages/success-pending.html",
	"mail/layout.html", "mail/layout.txt",
	"mail/password_reset.html", "mail/password_reset.txt",
};

/* No markup character is left once the tags we allow are taken out. */
static void
check_no_markup(const char *s, const char *const *tags)
{
	const char	*const *t;
	size_t		 k;

	while (*s != '\0') {
		for (t = tags; *t != NULL; t++)
			if (strncmp(s, *t, k = strlen(*t)) == 0)
				break;
		if (*t != NULL) {
			s += k;
			continue;
		}
		FUZZ_ASSERT(strchr("<>\"'", *s) == NULL);
		if (*s == '&')
			FUZZ_ASSERT(strncmp(s, "&amp;", 5) == 0 ||
			    strncmp(s, "&lt;", 4) == 0 ||
			    strncmp(s, "&gt;", 4) == 0 ||
			    strncmp(s, "&quot;", 6) == 0 ||
			    strncmp(s, "&#39;", 5) == 0);
		s++;
	}
}

static const char *const no_tags[] = { NULL };
static const char *const doc_tags[] = {
	"<p>", "</p>", "<h2>", "</h2>", "<ul>", "</ul>", "<li>", "</li>", NULL
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct tmpl_var	 vars[4];
	const char	*part[5], *t;
	char		*mem, *want;
	struct buf	 b, w;
	size_t		 i;

	fuzz_split(data, n, &mem, part, 5);
	vars[0] = (struct tmpl_var){ "a", part[1] };
	vars[1] = (struct tmpl_var){ "b", part[2] };
	vars[2] = (struct tmpl_var){ "title", part[3] };
	vars[3] = (struct tmpl_var){ "body", part[4] };
	buf_init(&b, OUT_MAX);
	buf_init(&w, OUT_MAX);

	/* Any template, either mode. */
	(void)tmpl_fill(&b, part[0], TMPL_TEXT, vars, 4);
	buf_reset(&b);
	(void)tmpl_render(&b, part[0], vars, 4);
	buf_reset(&b);

	/* Escaping. */
	FUZZ_ASSERT(html_escapes(&b, part[1]) == 0);
	check_no_markup(buf_str(&b), no_tags);
	/* A value in {{a}} is its escape; in {{{a}}} and text, itself. */
	buf_reset(&w);
	buf_adds(&w, "[");
	html_escapes(&w, part[1]);
	buf_adds(&w, "]");
	buf_reset(&b);
	FUZZ_ASSERT(tmpl_render(&b, "[{{a}}]", vars, 4) == 0);
	FUZZ_ASSERT(strcmp(buf_str(&b), buf_str(&w)) == 0);
	if ((want = malloc(strlen(part[1]) + 3)) == NULL)
		abort();
	snprintf(want, strlen(part[1]) + 3, "[%s]", part[1]);
	buf_reset(&b);
	FUZZ_ASSERT(tmpl_render(&b, "[{{{a}}}]", vars, 4) == 0);
	FUZZ_ASSERT(strcmp(buf_str(&b), want) == 0);
	buf_reset(&b);
	FUZZ_ASSERT(tmpl_fill(&b, "[{{a}}]", TMPL_TEXT, vars, 4) == 0);
	FUZZ_ASSERT(strcmp(buf_str(&b), want) == 0);
	free(want);

	/* The site's own templates with hostile values. */
	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		if ((t = tmpl_get(pages[i])) == NULL)
			continue;
		buf_reset(&b);
		if (tmpl_render(&b, t, vars, 4) == -1)
			continue;
		/* Too small a buffer: the render fails, it is not cut. */
		buf_free(&w);
		buf_init(&w, b.len / 2);
		FUZZ_ASSERT(tmpl_render(&w, t, vars, 4) == (b.len > 0 ? -1 :
		    0));
		FUZZ_ASSERT(w.failed == (b.len > 0));
		buf_free(&w);
		buf_init(&w, OUT_MAX);
	}

	/* A plain-text document: only its own tags are markup. */
	buf_reset(&b);
	if (html_document(&b, part[0]) == 0)
		check_no_markup(buf_str(&b), doc_tags);
	buf_free(&b);
	buf_free(&w);
	free(mem);
	return 0;
}
