/*
 * vocab.c: the domain's names; see vocab.h.
 */
#include <string.h>

#include "vocab.h"

#define NELEM(a)	((int)(sizeof(a) / sizeof((a)[0])))

static const char *const status_names[] = {
	[STATUS_INDIVIDUAL] = "individual",
	[STATUS_LEGAL_ENTITY] = "legal_entity",
};
const struct vocab vocab_user_status = {
	"users.status", status_names, NELEM(status_names)
};

static const char *const order_status_names[ORDER_NSTATUS] = {
	[ORDER_UNPAID] = "unpaid", [ORDER_PAID] = "paid",
	[ORDER_REFUNDED] = "refunded",
};
const struct vocab vocab_order_status = {
	"orders.status", order_status_names, ORDER_NSTATUS
};

static const char *const refund_status_names[REFUND_NSTATUS] = {
	[REFUND_PENDING] = "pending", [REFUND_APPROVED] = "approved",
	[REFUND_REJECTED] = "rejected", [REFUND_PAID] = "paid",
};
const struct vocab vocab_refund_status = {
	"refunds.status", refund_status_names, REFUND_NSTATUS
};

static const char *const pay_outcome_names[PAY_NOUTCOME] = {
	[PAY_PAID] = "paid", [PAY_ALREADY_PAID] = "already_paid",
	[PAY_UNKNOWN_ORDER] = "unknown_order",
	[PAY_AMOUNT_MISMATCH] = "amount_mismatch",
	[PAY_BAD_SIGNATURE] = "bad_signature",
	[PAY_MALFORMED] = "malformed",
};
const struct vocab vocab_pay_outcome = {
	"payment_events.outcome", pay_outcome_names, PAY_NOUTCOME
};

static const char *const period_kind_names[PERIOD_NKIND] = {
	[PERIOD_PAID] = "paid", [PERIOD_GRANT] = "grant",
	[PERIOD_TRIAL] = "trial",
};
const struct vocab vocab_period_kind = {
	"license_periods.kind", period_kind_names, PERIOD_NKIND
};

const struct vocab *const vocab_lists[] = {
	&vocab_user_status, &vocab_order_status, &vocab_refund_status,
	&vocab_pay_outcome, &vocab_period_kind, NULL
};

const char *
vocab_name(const struct vocab *v, int i)
{
	if (i < 0 || i >= v->n || v->names[i] == NULL)
		return "";
	return v->names[i];
}

int
vocab_find(const struct vocab *v, const char *name)
{
	int	i;

	for (i = 0; i < v->n; i++)
		if (v->names[i] != NULL && strcmp(v->names[i], name) == 0)
			return i;
	return -1;
}

const char *
status_name(long long s)
{
	if (s == STATUS_INDIVIDUAL || s == STATUS_LEGAL_ENTITY)
		return status_names[s];
	return "";
}
