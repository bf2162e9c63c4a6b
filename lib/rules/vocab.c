/*
 * vocab.c: the domain's names; see vocab.h.
 */
#include <string.h>

#include "vocab.h"

static const char *const status_names[] = {
	[STATUS_INDIVIDUAL] = "individual",
	[STATUS_LEGAL_ENTITY] = "legal_entity",
};

const char *
status_name(long long s)
{
	if (s == STATUS_INDIVIDUAL || s == STATUS_LEGAL_ENTITY)
		return status_names[s];
	return "";
}

const char *
block_reason_text(const char *reason)
{
	/* The codes are those of amobill.block_reasons (tests/unit/test_vocab.c). */
	static const struct { const char *code, *text; } reasons[] = {
		{ "government_order", "по распоряжению государственного органа" },
		{ "copyright", "из-за нарушения авторских и смежных прав" },
		{ "third_party_complaint",
		  "по мотивированному обращению третьего лица" },
		{ "prohibited_content",
		  "из-за размещения запрещённой законом информации" },
		{ "terms_violation", "из-за нарушения условий договора" },
	};
	size_t	i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(reasons[i].code, reason) == 0)
			return reasons[i].text;
	return "";
}
