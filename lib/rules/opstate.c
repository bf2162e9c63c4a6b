/*
 * opstate.c: Robokassa's OpStateExt answer, read strictly; see opstate.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opstate.h"

#define CODE_MAX	8		/* digits of a code, with the NUL */

static const char index_page[] = "Index.aspx";
static const char opstate_page[] = "WebService/Service.asmx/OpStateExt";

int
opstate_url(const char *page, char *out, size_t outsz)
{
	size_t	n = strlen(page), k = sizeof(index_page) - 1;
	int	w;

	if (n < k || strcmp(page + n - k, index_page) != 0)
		return -1;
	w = snprintf(out, outsz, "%.*s%s", (int)(n - k), page, opstate_page);
	return w >= 0 && (size_t)w < outsz ? 0 : -1;
}

/* ---- the answer, read strictly ---- */

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The first pat in s[0..end), or NULL. */
static const char *
find(const char *s, const char *end, const char *pat)
{
	size_t	n = strlen(pat);

	for (; s != NULL && s <= end && (size_t)(end - s) >= n; s++)
		if (memcmp(s, pat, n) == 0)
			return s;
	return NULL;
}

/*
 * The content of the element called name in s[0..end): *in and *inend.
 * Returns 0, or -1 if there is none, more than one, or it is not closed.
 * The answer is small and flat, so a search by name is enough; anything
 * it does not expect is refused, never guessed at.
 */
static int
element(const char *s, const char *end, const char *name, const char **in,
    const char **inend)
{
	char		 open[40], close[40];
	const char	*p, *found = NULL, *gt;
	size_t		 n;

	if (snprintf(open, sizeof(open), "<%s", name) >= (int)sizeof(open) ||
	    snprintf(close, sizeof(close), "</%s>", name) >=
	    (int)sizeof(close))
		return -1;
	n = strlen(open);
	for (p = s; (p = find(p, end, open)) != NULL; p += n) {
		if (p + n == end || (p[n] != '>' && p[n] != '/' &&
		    !is_space(p[n])))
			continue;	/* a longer name */
		if (found != NULL)
			return -1;
		found = p;
	}
	if (found == NULL || (gt = find(found, end, ">")) == NULL)
		return -1;
	if (gt[-1] == '/') {
		*in = *inend = gt;
		return 0;
	}
	if ((*inend = find(gt + 1, end, close)) == NULL)
		return -1;
	*in = gt + 1;
	return 0;
}

/*
 * The text of the element name in s[0..end), without surrounding blanks,
 * into out[outsz]: non-empty, only characters of allowed.
 */
static int
element_text(const char *s, const char *end, const char *name,
    const char *allowed, char *out, size_t outsz)
{
	const char	*in, *inend;
	size_t		 n;

	if (element(s, end, name, &in, &inend) == -1)
		return -1;
	while (in < inend && is_space(*in))
		in++;
	while (inend > in && is_space(inend[-1]))
		inend--;
	n = (size_t)(inend - in);
	if (n == 0 || n >= outsz)
		return -1;
	memcpy(out, in, n);
	out[n] = '\0';
	return strspn(out, allowed) == n ? 0 : -1;
}

static int
element_code(const char *s, const char *end, const char *name, int *code)
{
	char	text[CODE_MAX];

	if (element_text(s, end, name, "0123456789", text, sizeof(text)) ==
	    -1)
		return -1;
	*code = atoi(text);
	return 0;
}

/*
 * Reads an OperationStateResponse document.  Returns 0, or -1 if it is
 * not one or lacks what its result code requires.
 */
int
opstate_parse(const char *doc, size_t n, struct opstate *st)
{
	static const char	 root[] = "OperationStateResponse";
	const char		*p = doc, *end = doc + n, *in, *inend;
	const char		*s, *send;

	st->result = st->state = -1;
	st->out_sum[0] = '\0';
	if (strlen(doc) != n)
		return -1;	/* a NUL inside */
	while (p < end && is_space(*p))
		p++;
	if (strncmp(p, "<?xml", 5) == 0 && (p = find(p, end, "?>")) != NULL)
		p += 2;
	while (p != NULL && p < end && is_space(*p))
		p++;
	while (end > doc && is_space(end[-1]))
		end--;
	/* Nothing before the root element, nothing after it. */
	if (p == NULL || *p != '<' ||
	    strncmp(p + 1, root, sizeof(root) - 1) != 0 ||
	    (size_t)(end - p) < sizeof(root) + 2 ||
	    strncmp(end - (sizeof(root) + 2), "</", 2) != 0 ||
	    strncmp(end - sizeof(root), root, sizeof(root) - 1) != 0 ||
	    end[-1] != '>')
		return -1;
	if (element(p, end, root, &in, &inend) == -1 ||
	    element(in, inend, "Result", &s, &send) == -1 ||
	    element_code(s, send, "Code", &st->result) == -1)
		return -1;
	if (st->result != RESULT_OK)
		return 0;
	if (element(in, inend, "State", &s, &send) == -1 ||
	    element_code(s, send, "Code", &st->state) == -1)
		return -1;
	if (st->state != STATE_PAID)
		return 0;
	if (element(in, inend, "Info", &s, &send) == -1 ||
	    element_text(s, send, "OutSum", "0123456789.", st->out_sum,
	    sizeof(st->out_sum)) == -1)
		return -1;
	return 0;
}
