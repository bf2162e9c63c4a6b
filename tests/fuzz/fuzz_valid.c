/*
 * fuzz_valid.c: every field validator of valid.h on one value, as
 * form_parse() hands it over (valid UTF-8 without NUL; see form.h), and
 * the rule across fields.  A validator may rewrite its value, never
 * longer, and must leave str a string of len bytes.
 */
#include "fuzz.h"
#include "kzid.h"
#include "utf8.h"
#include "valid.h"

static form_check const checks[] = {
	valid_login, valid_login_or_email, valid_email, valid_password,
	valid_full_name, valid_address, valid_status, valid_iin_bin, valid_yes,
	valid_token, valid_reason, valid_iban, valid_bic, valid_inv_id,
	valid_amo_domain,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct form_value	 v;
	const char		*msg;
	size_t			 i;

	/* Empty values never reach a validator (form.c drops them). */
	if (n == 0 || !utf8_valid((const char *)data, n))
		return 0;
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		memset(&v, 0, sizeof(v));
		v.str = fuzz_strndup(data, n);
		v.len = n;
		msg = checks[i](&v);
		FUZZ_ASSERT(v.len <= n);
		FUZZ_ASSERT(strlen(v.str) == v.len);
		FUZZ_ASSERT(utf8_valid(v.str, v.len) || v.len == 0);
		if (msg != NULL)
			FUZZ_ASSERT(utf8_valid(msg, strlen(msg)));
		if (msg == NULL && checks[i] == valid_iin_bin) {
			FUZZ_ASSERT(kzid_classify(v.str, v.len) !=
			    KZID_INVALID);
			(void)valid_iin_bin_for(v.str, STATUS_INDIVIDUAL);
			(void)valid_iin_bin_for(v.str, STATUS_LEGAL_ENTITY);
		}
		if (msg == NULL && checks[i] == valid_inv_id)
			FUZZ_ASSERT(v.num >= 1 && v.num <= 2147483647LL);
		free(v.str);
	}
	/* The rule across fields takes whatever the form kept. */
	v.str = fuzz_strndup(data, n);
	(void)valid_iin_bin_for(v.str, STATUS_INDIVIDUAL);
	(void)valid_iin_bin_for(v.str, STATUS_LEGAL_ENTITY);
	free(v.str);
	return 0;
}
