/*
 * form.c: urlencoded parsing and table-driven validation; see form.h.
 */
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "utf8.h"

static const char msg_required[] = "Заполните это поле.";
static const char msg_too_long[] = "Слишком длинное значение.";
static const char msg_encoding[] = "Недопустимые символы или кодировка.";
static const char msg_repeated[] = "Поле передано несколько раз.";
static const char msg_malformed[] = "Запрос повреждён: неверный формат формы.";
static const char msg_too_many[] = "Запрос повреждён: слишком много полей.";

static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

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
			if ((hi = hexval((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexval((unsigned char)s[i + 2])) < 0)
				return (size_t)-1;
			dst[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			dst[o++] = s[i];
	}
	dst[o] = '\0';
	return utf8_valid(dst, o) ? o : (size_t)-1;
}

static long
find_field(const struct form *f, const char *name)
{
	size_t	i;

	for (i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return (long)i;
	return -1;
}

static void
set_error(struct form *f, size_t i, const char *msg)
{
	if (f->v[i].error == NULL)
		f->nerrors++;
	f->v[i].error = msg;
}

static void
body_error(struct form *f, const char *msg)
{
	if (f->error == NULL)
		f->nerrors++;
	f->error = msg;
}

/* Decodes and files one name=value pair. */
static void
take_pair(struct form *f, char **mem, const char *p, size_t n)
{
	const char		*eq;
	size_t			 klen, vlen;
	char			*key, *val;
	long			 i;
	struct form_value	*v;

	if ((eq = memchr(p, '=', n)) == NULL)
		eq = p + n;
	klen = (size_t)(eq - p);
	key = *mem;
	if (klen == 0 || form_decode(key, p, klen) == (size_t)-1) {
		body_error(f, msg_malformed);
		return;
	}
	*mem += klen + 1;
	if ((i = find_field(f, key)) < 0)
		return;		/* unknown fields are ignored */
	v = &f->v[i];
	if (v->str != NULL || v->error != NULL) {
		set_error(f, (size_t)i, msg_repeated);
		return;
	}
	vlen = eq < p + n ? n - klen - 1 : 0;
	if (vlen > f->fields[i].max * 3) {
		/* Even fully %-encoded it is too long: do not decode. */
		set_error(f, (size_t)i, msg_too_long);
		return;
	}
	val = *mem;
	if ((vlen = form_decode(val, eq + 1, vlen)) == (size_t)-1) {
		set_error(f, (size_t)i, msg_encoding);
		return;
	}
	*mem += vlen + 1;
	if (vlen > f->fields[i].max) {
		set_error(f, (size_t)i, msg_too_long);
		return;
	}
	v->str = val;
	v->len = vlen;
}

int
form_parse(struct form *f, const struct form_field *fields, size_t nfields,
    const char *body, size_t n)
{
	const char	*p, *end, *amp;
	char		*mem;
	size_t		 i, pairs = 0;
	const char	*msg;

	memset(f, 0, sizeof(*f));
	f->fields = fields;
	f->nfields = nfields < FORM_MAX_FIELDS ? nfields : FORM_MAX_FIELDS;
	/* Decoding never grows a value; one NUL per name and value. */
	if ((f->mem = mem = malloc(n + 2 * FORM_MAX_PAIRS + 2)) == NULL) {
		body_error(f, msg_malformed);
		return -1;
	}
	for (p = body, end = body + n; f->error == NULL && p < end;
	    p = amp + 1) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (++pairs > FORM_MAX_PAIRS)
			body_error(f, msg_too_many);
		else if (amp == p)
			body_error(f, msg_malformed);
		else
			take_pair(f, &mem, p, (size_t)(amp - p));
	}
	/* A trailing '&' ends an empty pair, as "&&" holds one. */
	if (f->error == NULL && n > 0 && body[n - 1] == '&')
		body_error(f, msg_malformed);
	for (i = 0; i < f->nfields; i++) {
		struct form_value *v = &f->v[i];

		if (v->error != NULL)
			continue;
		if (v->str == NULL || v->len == 0) {
			if (fields[i].flags & FIELD_REQUIRED)
				set_error(f, i, msg_required);
			v->str = NULL;
			continue;
		}
		if (fields[i].check != NULL &&
		    (msg = fields[i].check(v)) != NULL)
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
