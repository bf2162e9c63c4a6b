/*
 * fuzz_form.c: the urlencoded parser (form.h) over a body of any bytes:
 * form_parse() against a table that holds every validator, form_pairs(),
 * form_query() and form_decode().
 */
#include "form.h"
#include "fuzz.h"
#include "utf8.h"
#include "valid.h"

static const struct form_field fields[] = {
	{ "login", valid_login, 64, FIELD_REQUIRED, NULL },
	{ "email", valid_email, 254, 0, NULL },
	{ "who", valid_login_or_email, 254, 0, NULL },
	{ "password", valid_password, 512, FIELD_SECRET, NULL },
	{ "name", valid_full_name, 800, 0, NULL },
	{ "address", valid_address, 1200, 0, NULL },
	{ "status", valid_status, 32, 0, NULL },
	{ "iin_bin", valid_iin_bin, 32, 0, NULL },
	{ "agree", valid_yes, 8, FIELD_REQUIRED, "tick it" },
	{ "csrf", valid_token, 64, 0, NULL },
	{ "reason", valid_reason, 8000, 0, NULL },
	{ "iban", valid_iban, 64, 0, NULL },
	{ "bic", valid_bic, 32, 0, NULL },
	{ "InvId", valid_inv_id, 16, 0, NULL },
	{ "domain", valid_amo_domain, 300, 0, NULL },
	{ "free", NULL, 2, 0, NULL },
};

static void
check_form(const struct form *f, int rc)
{
	size_t	i;
	int	errors = f->error != NULL;

	FUZZ_ASSERT(f->nfields == sizeof(fields) / sizeof(fields[0]));
	for (i = 0; i < f->nfields; i++) {
		if (f->v[i].error != NULL) {
			errors++;
			FUZZ_ASSERT(form_str(f, i) == NULL);
			continue;
		}
		if (f->v[i].str == NULL)
			continue;
		/* A validated value is a string of its length, never longer. */
		FUZZ_ASSERT(strlen(f->v[i].str) == f->v[i].len);
		FUZZ_ASSERT(f->v[i].len <= fields[i].max);
		FUZZ_ASSERT(utf8_valid(f->v[i].str, f->v[i].len));
		FUZZ_ASSERT(form_str(f, i) == f->v[i].str);
	}
	FUZZ_ASSERT(errors == f->nerrors);
	FUZZ_ASSERT((rc == 0) == (f->nerrors == 0));
}

static void
check_pairs(const struct form_pairs *fp, int rc)
{
	size_t	i;

	FUZZ_ASSERT(fp->n <= FORM_MAX_PAIRS);
	if (rc != 0)
		return;
	FUZZ_ASSERT(fp->error == NULL);
	for (i = 0; i < fp->n; i++) {
		FUZZ_ASSERT(fp->p[i].error == NULL && fp->p[i].value != NULL);
		FUZZ_ASSERT(*fp->p[i].name != '\0');
		FUZZ_ASSERT(strlen(fp->p[i].value) == fp->p[i].len);
		FUZZ_ASSERT(utf8_valid(fp->p[i].name, strlen(fp->p[i].name)));
		FUZZ_ASSERT(utf8_valid(fp->p[i].value, fp->p[i].len));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static const char *const names[] = { "token", "InvId", "a", "" };
	struct form		 f;
	struct form_pairs	 fp;
	char			*s, *dst, small[8], big[256];
	size_t			 i, len;
	int			 rc;

	/* The body is not NUL-terminated: ASan sees a read past it. */
	s = malloc(n > 0 ? n : 1);
	if (s == NULL)
		abort();
	memcpy(s, data, n);
	rc = form_parse(&f, fields, sizeof(fields) / sizeof(fields[0]), s, n);
	check_form(&f, rc);
	form_free(&f);
	rc = form_pairs(&fp, s, n);
	check_pairs(&fp, rc);
	form_pairs_free(&fp);

	if ((dst = malloc(n + 1)) == NULL)
		abort();
	if ((len = form_decode(dst, s, n)) != (size_t)-1) {
		FUZZ_ASSERT(len <= n && dst[len] == '\0');
		FUZZ_ASSERT(utf8_valid(dst, len));
	}
	free(dst);
	free(s);

	/* A query string is NUL-terminated. */
	s = fuzz_strndup(data, n);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((len = form_query(s, names[i], small, sizeof(small))) !=
		    (size_t)-1)
			FUZZ_ASSERT(len < sizeof(small) &&
			    strlen(small) == len);
		if ((len = form_query(s, names[i], big, sizeof(big))) !=
		    (size_t)-1)
			FUZZ_ASSERT(len < sizeof(big) && strlen(big) == len);
	}
	free(s);
	return 0;
}
