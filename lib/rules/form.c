/*
 * form.c: urlencoded parsing and table-driven validation; see form.h.
 */
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "hex.h"
#include "utf8.h"

static const char msg_required[] = "Заполните это поле.";
static const char msg_too_long[] = "Слишком длинное значение.";
static const char msg_encoding[] = "Недопустимые символы или кодировка.";
static const char msg_repeated[] = "Поле передано несколько раз.";
static const char msg_malformed[] = "Запрос повреждён: неверный формат формы.";
static const char msg_too_many[] = "Запрос повреждён: слишком много полей.";

size_t
form_decode(char *dst, const char *s, size_t n)
{
	size_t	i, o = 0;
	int	hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			dst[o++] = ' ';
		else if (s[i] == '%') {
			if (n - i < 3)
				return (size_t)-1;
			if ((hi = hex_value((unsigned char)s[i + 1])) < 0 ||
			    (lo = hex_value((unsigned char)s[i + 2])) < 0)
				return (size_t)-1;
			dst[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			dst[o++] = s[i];
	}
	dst[o] = '\0';
	return utf8_valid(dst, o) ? o : (size_t)-1;
}

/*
 * Splits body[0..n) into decoded pairs, in order, into the form's pair
 * list.  A malformed body (an empty pair, a name that does not decode, too
 * many pairs) is an error about the body; a value that does not decode is
 * an error of its pair only, so the rest of the form is still read.
 */
static int
split(struct form_pairs *fp, const char *body, size_t n)
{
	const char		*p, *end, *amp, *eq;
	char			*mem;
	size_t			 klen, vlen;
	struct form_pair	*pair;

	memset(fp, 0, sizeof(*fp));
	/* Decoding never grows a text; one NUL per name and value. */
	if ((fp->mem = mem = malloc(n + 2 * FORM_MAX_PAIRS + 2)) == NULL)
		return -1;
	/* A trailing '&' ends an empty pair, as "&&" holds one. */
	if (n > 0 && body[n - 1] == '&')
		return -1;
	for (p = body, end = body + n; p < end; p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp == p || fp->n == FORM_MAX_PAIRS) {
			fp->error = amp == p ? msg_malformed : msg_too_many;
			return -1;
		}
		if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
			eq = amp;
		pair = &fp->p[fp->n];
		klen = (size_t)(eq - p);
		pair->name = mem;
		if (klen == 0 || form_decode(mem, p, klen) == (size_t)-1)
			return -1;
		fp->n++;
		mem += klen + 1;
		vlen = eq < amp ? (size_t)(amp - eq - 1) : 0;
		pair->value = mem;
		if ((pair->len = form_decode(mem, eq + 1, vlen)) ==
		    (size_t)-1) {
			pair->value = NULL;
			pair->len = 0;
			pair->error = msg_encoding;
			continue;
		}
		mem += pair->len + 1;
	}
	return 0;
}

int
form_pairs(struct form_pairs *fp, const char *body, size_t n)
{
	size_t	i, j;

	if (split(fp, body, n) == -1) {
		if (fp->error == NULL)
			fp->error = msg_malformed;
		return -1;
	}
	for (i = 0; i < fp->n; i++) {
		if (fp->p[i].error != NULL)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(fp->p[i].name, fp->p[j].name) == 0) {
				fp->p[i].error = msg_repeated;
				return -1;
			}
	}
	return 0;
}

void
form_pairs_free(struct form_pairs *fp)
{
	free(fp->mem);
	fp->mem = NULL;
}

static void
set_error(struct form *f, size_t i, const char *msg)
{
	if (f->v[i].error == NULL)
		f->nerrors++;
	f->v[i].error = msg;
}

int
form_parse(struct form *f, const struct form_field *fields, size_t nfields,
    const char *body, size_t n)
{
	struct form_pairs	 fp;
	struct form_value	*v;
	const char		*msg;
	size_t			 i, k;

	memset(f, 0, sizeof(*f));
	f->fields = fields;
	f->nfields = nfields < FORM_MAX_FIELDS ? nfields : FORM_MAX_FIELDS;
	if (split(&fp, body, n) == -1) {
		f->error = fp.error != NULL ? fp.error : msg_malformed;
		f->nerrors++;
	}
	f->mem = fp.mem;
	/* Pairs before a malformed one still count: its CSRF token too. */
	for (k = 0; k < fp.n; k++) {
		for (i = 0; i < f->nfields; i++)
			if (strcmp(fields[i].name, fp.p[k].name) == 0)
				break;
		if (i == f->nfields)
			continue;	/* unknown fields are ignored */
		v = &f->v[i];
		if (v->str != NULL || v->error != NULL)
			set_error(f, i, msg_repeated);
		else if (fp.p[k].error != NULL)
			set_error(f, i, fp.p[k].error);
		else if (fp.p[k].len > fields[i].max)
			set_error(f, i, msg_too_long);
		else {
			v->str = fp.p[k].value;
			v->len = fp.p[k].len;
		}
	}
	for (i = 0; i < f->nfields; i++) {
		v = &f->v[i];
		if (v->error != NULL)
			continue;
		if (v->str == NULL || v->len == 0) {
			if (fields[i].flags & FIELD_REQUIRED)
				set_error(f, i, fields[i].missing != NULL ?
				    fields[i].missing : msg_required);
			v->str = NULL;
			continue;
		}
		if (fields[i].check != NULL && (msg = fields[i].check(v)) != NULL)
			set_error(f, i, msg);
	}
	return f->nerrors == 0 ? 0 : -1;
}

void
form_free(struct form *f)
{
	free(f->mem);
	f->mem = NULL;
}

const char *
form_str(const struct form *f, size_t i)
{
	return f->v[i].error == NULL ? f->v[i].str : NULL;
}

void
form_reject(struct form *f, size_t i, const char *msg)
{
	set_error(f, i, msg);
}

size_t
form_query(const char *q, const char *name, char *dst, size_t dstsz)
{
	const char	*p, *amp, *eq;
	size_t		 nlen = strlen(name), vlen, found = (size_t)-1;
	char		*tmp;

	if (q == NULL)
		return (size_t)-1;
	for (p = q; *p != '\0'; p = *amp ? amp + 1 : amp) {
		if ((amp = strchr(p, '&')) == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL || (size_t)(eq - p) != nlen ||
		    memcmp(p, name, nlen) != 0)
			continue;
		if (found != (size_t)-1)
			return (size_t)-1;	/* repeated */
		vlen = (size_t)(amp - eq - 1);
		if (vlen >= dstsz * 3 || (tmp = malloc(vlen + 1)) == NULL)
			return (size_t)-1;
		found = form_decode(tmp, eq + 1, vlen);
		if (found != (size_t)-1 && found < dstsz)
			memcpy(dst, tmp, found + 1);
		else
			found = (size_t)-1;
		free(tmp);
		if (found == (size_t)-1)
			return (size_t)-1;
	}
	return found;
}
