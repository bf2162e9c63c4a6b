/*
 * test_html.c: HTML escaping, the one template engine (HTML and plain
 * text, for pages and mail) and plain-text documents.
 *
 * Everything a person typed reaches a page through html_escape() or a
 * {{name}} placeholder, so these are the cases that keep a name like
 * "<script>" text rather than markup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "html.h"

#define NVARS(a)	(sizeof(a) / sizeof((a)[0]))

static const char	*render(struct buf *, const char *,
			    const struct tmpl_var *, size_t);
static const char	*document(struct buf *, const char *);
static void		 test_escape(void);
static void		 test_escape_limits(void);
static void		 test_tmpl(void);
static void		 test_tmpl_names(void);
static void		 test_tmpl_get(void);
static void		 test_tmpl_text(void);
static void		 test_tmpl_limits(void);
static void		 test_document(void);
static void		 test_document_escape(void);

/* Renders into a fresh buffer and gives its text. */
static const char *
render(struct buf *b, const char *t, const struct tmpl_var *vars, size_t n)
{
	buf_free(b);
	buf_init(b, 1 << 16);
	CHECK(tmpl_render(b, t, vars, n) == 0);
	return buf_str(b);
}

static const char *
document(struct buf *b, const char *text)
{
	buf_free(b);
	buf_init(b, 1 << 16);
	CHECK(html_document(b, text) == 0);
	return buf_str(b);
}

/* The five characters that can end a text or an attribute value. */
static void
test_escape(void)
{
	struct buf	b;

	buf_init(&b, 1024);
	CHECK(html_escapes(&b, "&<>\"'") == 0);
	CHECK_STR(buf_str(&b), "&amp;&lt;&gt;&quot;&#39;");

	buf_reset(&b);
	CHECK(html_escapes(&b, "<script>alert('x')</script>") == 0);
	CHECK_STR(buf_str(&b),
	    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");

	/* Breaking out of a quoted attribute. */
	buf_reset(&b);
	html_escapes(&b, "\" onmouseover=\"alert(1)");
	CHECK_STR(buf_str(&b), "&quot; onmouseover=&quot;alert(1)");

	/* Text without them, Cyrillic included, is kept as it is. */
	buf_reset(&b);
	html_escapes(&b, "Иван Петров, ТОО «Ромашка» 100%");
	CHECK_STR(buf_str(&b), "Иван Петров, ТОО «Ромашка» 100%");

	/* An entity is escaped again: the text shows as typed. */
	buf_reset(&b);
	html_escapes(&b, "&amp;");
	CHECK_STR(buf_str(&b), "&amp;amp;");

	/* Escaping appends to what is there. */
	buf_reset(&b);
	buf_adds(&b, "<p>");
	html_escapes(&b, "a<b");
	buf_adds(&b, "</p>");
	CHECK_STR(buf_str(&b), "<p>a&lt;b</p>");

	/* Only n bytes are read. */
	buf_reset(&b);
	CHECK(html_escape(&b, "<b>", 1) == 0);
	CHECK_STR(buf_str(&b), "&lt;");
	buf_reset(&b);
	CHECK(html_escape(&b, "", 0) == 0);
	CHECK_STR(buf_str(&b), "");
	buf_free(&b);
}

/* An escaped text that does not fit fails the buffer, not truncates it. */
static void
test_escape_limits(void)
{
	struct buf	b;

	/* "&lt;" is 4 bytes: "<<" needs 8. */
	buf_init(&b, 8);
	CHECK(html_escapes(&b, "<<") == 0);
	CHECK(b.len == 8);
	buf_reset(&b);
	CHECK(html_escapes(&b, "<<<") == -1);
	CHECK(b.failed);
	buf_reset(&b);
	/* The failure inside the text is reported even if the tail fits. */
	CHECK(html_escapes(&b, "<<<a") == -1);
	CHECK(b.failed);
	buf_free(&b);
}

/*
 * Templates and what they render to with the variables of test_tmpl():
 * what {{x}} and {{{x}}} give, and what stays text as it is.
 */
static const struct {
	const char	*tmpl, *want;
} renders[] = {
	/* {{x}} is escaped. */
	{ "Hello, {{name}}!",
	  "Hello, &lt;b&gt;Ann &amp; &quot;Bob&quot;&lt;/b&gt;!" },
	/* {{{x}}} is not: it is for fragments built with html_escape(). */
	{ "<p>{{{frag}}}</p>", "<p><em>built</em></p>" },
	{ "{{frag}}", "&lt;em&gt;built&lt;/em&gt;" },
	/* Unknown names and NULL values become empty. */
	{ "[{{nosuch}}]", "[]" }, { "[{{{nosuch}}}]", "[]" },
	{ "[{{nul}}]", "[]" },
	/* Several, adjacent, and at both ends. */
	{ "{{frag}}{{{frag}}}", "&lt;em&gt;built&lt;/em&gt;<em>built</em>" },
	/* Text without placeholders is copied as it is. */
	{ "<a href=\"/\">Главная</a>", "<a href=\"/\">Главная</a>" },
	{ "", "" },
	/*
	 * A value is never read as a template: a name typed as "{{frag}}"
	 * must not pull another variable into the page.
	 */
	{ "{{brace}}", "{{frag}}" }, { "{{{brace}}}", "{{frag}}" },
	/* Stray closing braces are text. */
	{ "a}}b", "a}}b" }, { "{{frag}}}", "&lt;em&gt;built&lt;/em&gt;}" },
	/* "{{" with no closing braces is text, and so is all that follows. */
	{ "x {{a", "x {{a" }, { "x {{", "x {{" }, { "{{", "{{" },
	{ "{{a}} and {{a", "A and {{a" }, { "x {{{a}}", "x {{{a}}" },
	{ "x {{a}", "x {{a}" },
	/* CSS and scripts in a template keep their single braces. */
	{ "p { color: red }", "p { color: red }" },
};

static void
test_tmpl(void)
{
	struct buf		b;
	const struct tmpl_var	vars[] = {
		{ "name", "<b>Ann & \"Bob\"</b>" },
		{ "frag", "<em>built</em>" },
		{ "nul", NULL },
		{ "brace", "{{frag}}" },
		{ "a", "A" },
	};
	size_t			i;

	buf_init(&b, 1024);
	for (i = 0; i < sizeof(renders) / sizeof(renders[0]); i++) {
		CHECK_CASE("template \"%s\"", renders[i].tmpl);
		CHECK_STR(render(&b, renders[i].tmpl, vars, NVARS(vars)),
		    renders[i].want);
	}
	check_case_end();
	/* No variables at all. */
	CHECK_STR(render(&b, "[{{name}}]", NULL, 0), "[]");
	buf_free(&b);
}

/*
 * A name matches whole, not as a prefix either way; of two variables of
 * a name the first counts.
 */
static void
test_tmpl_names(void)
{
	struct buf		b;
	const struct tmpl_var	vars[] = {
		{ "name", "N" },
		{ "nam", "short" },
		{ "name_long", "long" },
		{ "name", "second" },
	};

	buf_init(&b, 1024);
	CHECK_STR(render(&b, "{{name}}", vars, NVARS(vars)), "N");
	CHECK_STR(render(&b, "{{nam}}", vars, NVARS(vars)), "short");
	CHECK_STR(render(&b, "{{name_long}}", vars, NVARS(vars)), "long");
	CHECK_STR(render(&b, "{{na}}", vars, NVARS(vars)), "");
	CHECK_STR(render(&b, "{{names}}", vars, NVARS(vars)), "");
	/* Blanks are part of the name, which none has. */
	CHECK_STR(render(&b, "{{ name }}", vars, NVARS(vars)), "");
	/* Only nvars entries are looked at. */
	CHECK_STR(render(&b, "{{nam}}", vars, 1), "");
	buf_free(&b);
}

/* The compiled-in templates, by file name only. */
static void
test_tmpl_get(void)
{
	struct buf		 b;
	const char		*t;
	const struct tmpl_var	 vars[] = {
		{ "title", "<T>" },
		{ "message", "<M>" },
	};

	t = tmpl_get("pages/layout.html");
	CHECK(t != NULL && *t != '\0');
	CHECK(tmpl_get("pages/message.html") != NULL);
	/* Pages and mail side by side. */
	CHECK(tmpl_get("mail/layout.txt") != NULL);
	CHECK(tmpl_get("mail/layout.html") != NULL);
	CHECK(tmpl_get("mail/password_reset.txt") != NULL);
	CHECK(tmpl_get("mail/nosuch.txt") == NULL);
	CHECK(tmpl_get("nosuch.html") == NULL);
	CHECK(tmpl_get("") == NULL);
	/* Never a path, so never a file outside the program. */
	CHECK(tmpl_get("../layout.html") == NULL);
	CHECK(tmpl_get("/etc/passwd") == NULL);
	CHECK(tmpl_get("templates/pages/layout.html") == NULL);

	/* A real template renders with no placeholder left over. */
	buf_init(&b, 1 << 16);
	if ((t = tmpl_get("pages/message.html")) != NULL) {
		CHECK(tmpl_render(&b, t, vars, NVARS(vars)) == 0);
		CHECK(strstr(buf_str(&b), "{{") == NULL);
		CHECK(strstr(buf_str(&b), "<T>") == NULL);
		CHECK(strstr(buf_str(&b), "<M>") == NULL);
	}
	buf_free(&b);
}

/* Plain text (a mail's text part): every value as it is. */
static void
test_tmpl_text(void)
{
	struct buf		b;
	const struct tmpl_var	vars[] = {
		{ "name", "<b>Ann & \"Bob\"</b>" },
		{ "brace", "{{name}}" },
		{ "name", "second" },
	};

	buf_init(&b, 1024);
	CHECK(tmpl_fill(&b, "Hello, {{name}}! {{{name}}}", TMPL_TEXT, vars,
	    NVARS(vars)) == 0);
	CHECK_STR(buf_str(&b), "Hello, <b>Ann & \"Bob\"</b>! "
	    "<b>Ann & \"Bob\"</b>");
	/* Nor is a value read as a template in text. */
	buf_reset(&b);
	CHECK(tmpl_fill(&b, "[{{brace}}] [{{nosuch}}] {{x", TMPL_TEXT, vars,
	    NVARS(vars)) == 0);
	CHECK_STR(buf_str(&b), "[{{name}}] [] {{x");
	/* The template's own text is never escaped, in either mode. */
	buf_reset(&b);
	CHECK(tmpl_fill(&b, "a < b & c", TMPL_TEXT, NULL, 0) == 0);
	CHECK_STR(buf_str(&b), "a < b & c");
	/* TMPL_HTML is tmpl_render(). */
	buf_reset(&b);
	CHECK(tmpl_fill(&b, "{{name}}", TMPL_HTML, vars, NVARS(vars)) == 0);
	CHECK_STR(buf_str(&b), "&lt;b&gt;Ann &amp; &quot;Bob&quot;&lt;/b&gt;");
	buf_free(&b);
}

/* Output over the buffer's maximum: -1, and the buffer failed. */
static void
test_tmpl_limits(void)
{
	struct buf		b;
	const struct tmpl_var	vars[] = {
		{ "long", "0123456789" },
		{ "v", "first" },
	};

	buf_init(&b, 15);
	CHECK(tmpl_fill(&b, "{{long}}{{long}}", TMPL_TEXT, vars,
	    NVARS(vars)) == -1);
	CHECK(b.failed);
	buf_reset(&b);
	CHECK(tmpl_render(&b, "x{{long}}yyyyy", vars, NVARS(vars)) == -1);
	buf_reset(&b);
	/* The failure is reported even if the template's tail fits. */
	CHECK(tmpl_render(&b, "{{long}}{{long}}z", vars, NVARS(vars)) == -1);
	buf_reset(&b);
	CHECK(tmpl_render(&b, "{{long}}{{v}}", vars, NVARS(vars)) == 0);
	CHECK_STR(buf_str(&b), "0123456789first");
	buf_free(&b);
}

static void
test_document(void)
{
	struct buf	b;

	buf_init(&b, 1 << 16);
	CHECK_STR(document(&b, ""), "");
	CHECK_STR(document(&b, "\n\n\n"), "");
	CHECK_STR(document(&b, "# Title"), "<h2>Title</h2>\n");
	CHECK_STR(document(&b, "One line."), "<p>One line.</p>\n");

	/* Lines of a paragraph stay together; a blank line parts them. */
	CHECK_STR(document(&b,
	    "# Условия\n"
	    "\n"
	    "Line one\n"
	    "line two\n"
	    "\n"
	    "- first\n"
	    "- second\n"
	    "after\n"),
	    "<h2>Условия</h2>\n"
	    "<p>Line one\nline two</p>\n"
	    "<ul>\n<li>first</li>\n<li>second</li>\n</ul>\n"
	    "<p>after</p>\n");

	/* A list or a heading ends a paragraph without a blank line. */
	CHECK_STR(document(&b, "para\n- item\n# Head\ntext"),
	    "<p>para</p>\n<ul>\n<li>item</li>\n</ul>\n<h2>Head</h2>\n"
	    "<p>text</p>\n");
	/* Two lists parted by a blank line are two lists. */
	CHECK_STR(document(&b, "- a\n\n- b\n"),
	    "<ul>\n<li>a</li>\n</ul>\n<ul>\n<li>b</li>\n</ul>\n");
	/* A list runs to the end of the text. */
	CHECK_STR(document(&b, "- a\n- b"),
	    "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n");
	/* Without the blank after # or -, it is a paragraph. */
	CHECK_STR(document(&b, "#hashtag\n-dash"),
	    "<p>#hashtag\n-dash</p>\n");
	/* Windows line ends, as a text pasted into the database has. */
	CHECK_STR(document(&b, "# A\r\n\r\nb\r\nc\r\n"),
	    "<h2>A</h2>\n<p>b\nc</p>\n");
	buf_free(&b);
}

/* Every kind of line is escaped: the text comes from the database. */
static void
test_document_escape(void)
{
	struct buf	b;

	buf_init(&b, 1 << 16);
	CHECK_STR(document(&b, "# <script>x</script>"),
	    "<h2>&lt;script&gt;x&lt;/script&gt;</h2>\n");
	CHECK_STR(document(&b, "- a & b"), "<ul>\n<li>a &amp; b</li>\n</ul>\n");
	CHECK_STR(document(&b, "<img src=x onerror='alert(1)'>"),
	    "<p>&lt;img src=x onerror=&#39;alert(1)&#39;&gt;</p>\n");
	CHECK_STR(document(&b, "\"q\"\n- \"l\""),
	    "<p>&quot;q&quot;</p>\n<ul>\n<li>&quot;l&quot;</li>\n</ul>\n");
	buf_free(&b);

	/* A document too big for the buffer fails instead of truncating. */
	buf_init(&b, 16);
	CHECK(html_document(&b, "# A heading far too long for sixteen") ==
	    -1);
	CHECK(b.failed);
	buf_free(&b);
}

int
main(void)
{
	test_escape();
	test_escape_limits();
	test_tmpl();
	test_tmpl_names();
	test_tmpl_get();
	test_tmpl_text();
	test_tmpl_limits();
	test_document();
	test_document_escape();
	return check_done();
}
