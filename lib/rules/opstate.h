/*
 * opstate.h: Robokassa's OpStateExt web service, which reconciliation
 * (cmd/reconcile.c) asks about an order whose ResultURL never came.
 *
 * The answer is untrusted XML of a fixed shape:
 *
 *	<OperationStateResponse><Result><Code>0</Code></Result>
 *	  <State><Code>100</Code>...</State>
 *	  <Info>...<OutSum>60000.00</OutSum>...</Info>...</OperationStateResponse>
 *
 * The reader takes only what it needs, refuses anything around the root
 * element, a NUL byte, a code that is not a small number and an amount
 * that is not digits and a point; it never builds a tree.
 *
 * Layer rules (lib/rules): pure functions; no I/O.
 */
#ifndef OPSTATE_H
#define OPSTATE_H

#include <stddef.h>

#include "money.h"

/* OpStateExt's codes. */
enum { RESULT_OK = 0, RESULT_NO_OPERATION = 3 };
enum { STATE_PAID = 100 };

/* What OpStateExt said about one operation. */
struct opstate {
	int	result;			/* Result/Code */
	int	state;			/* State/Code, or -1 */
	char	out_sum[MONEY_TEXT];	/* Info/OutSum, or "" */
};

/*
 * The OpStateExt address: the payment page's URL (robokassa_url) with its
 * trailing "Index.aspx" replaced, into out[outsz].  Returns 0, or -1 if
 * the URL does not end so or out is too small.
 */
int	opstate_url(const char *page, char *out, size_t outsz);

/*
 * Reads the answer doc[0..n).  Returns 0 with st filled (state and
 * out_sum only as far as the result and state say), or -1 if the answer
 * is not of the expected shape.
 */
int	opstate_parse(const char *doc, size_t n, struct opstate *st);

#endif
