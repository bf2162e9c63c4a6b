/*
 * vocab.h: the names the domain gives things, as the database stores
 * them.  The lists are the schema's (its CHECK lists), which is their
 * home; a test
 * against the database (tests/http/test_vocab.py) holds these copies
 * against them.
 *
 * Layer rules (lib/rules): may use lib/base and lib/crypto; never I/O,
 * the configuration, the database or the web.
 */
#ifndef VOCAB_H
#define VOCAB_H

/* The customer's status; the numbers are stored in v->num. */
enum user_status { STATUS_INDIVIDUAL = 1, STATUS_LEGAL_ENTITY = 2 };

/* "individual" or "legal_entity" for a status number. */
const char	*status_name(long long);

/*
 * The values of the schema's CHECK lists that the programs name, each
 * list indexed by its enum.  tests/http/test_vocab.py holds every list of
 * vocab_lists against the CHECK constraint of its column, both ways, so a
 * value added or renamed on one side only fails a test.
 */
struct vocab {
	const char		*column;	/* "orders.status" */
	const char *const	*names;		/* indexed by the enum */
	int			 n;
};

/* amobill.orders.status */
enum order_status { ORDER_UNPAID, ORDER_PAID, ORDER_REFUNDED, ORDER_NSTATUS };
extern const struct vocab vocab_order_status;

/* amobill.refunds.status */
enum refund_status {
	REFUND_PENDING, REFUND_APPROVED, REFUND_REJECTED, REFUND_PAID,
	REFUND_NSTATUS
};
extern const struct vocab vocab_refund_status;

/*
 * amobill.payment_events.outcome: what amobill.result_call and
 * amobill.reconcile_payment return, and the verdicts of a ResultURL call
 * that was not verified.
 */
enum pay_outcome {
	PAY_PAID, PAY_ALREADY_PAID, PAY_UNKNOWN_ORDER, PAY_AMOUNT_MISMATCH,
	PAY_BAD_SIGNATURE, PAY_MALFORMED, PAY_NOUTCOME
};
extern const struct vocab vocab_pay_outcome;

/* amobill.license_periods.kind */
enum period_kind { PERIOD_PAID, PERIOD_GRANT, PERIOD_TRIAL, PERIOD_NKIND };
extern const struct vocab vocab_period_kind;

/* amobill.users.status (indexed by enum user_status; 0 is no name) */
extern const struct vocab vocab_user_status;

/* Every list above; ends with NULL. */
extern const struct vocab *const vocab_lists[];

/* The name of value i of a list; "" out of range. */
const char	*vocab_name(const struct vocab *, int i);

/* The value a name stands for in a list; -1 for none. */
int		 vocab_find(const struct vocab *, const char *name);

#endif
