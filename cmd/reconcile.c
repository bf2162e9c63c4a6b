/*
 * reconcile: asks Robokassa about the orders still unpaid and applies the
 * payments it reports.  A command run by a timer or cron, not by nginx:
 *
 *	reconcile [-c config] [-a minutes]
 *
 * A payment normally arrives by ResultURL.  When that call never comes
 * (our site was down, the network lost it, the sandbox was told not to
 * send it) the money is taken but the order stays unpaid.  Each run takes
 * the orders unpaid for more than the given minutes (default 15) and less
 * than 30 days, and asks OpStateExt about each; a state of 100 goes
 * through amobill.reconcile_payment(), which records the event and applies
 * the payment once, by the same path as ResultURL.
 *
 * The log has one line per order (InvId, state, outcome: no personal
 * data) and a summary.  Exit status: 0 if every question got an answer we
 * understood, 1 otherwise (no answer, an answer we could not read or that
 * refused us, a database failure), 2 for a wrong command line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "buf.h"
#include "command.h"
#include "db.h"
#include "fetch.h"
#include "log.h"
#include "money.h"
#include "opstate.h"
#include "robokassa.h"
#include "vocab.h"

#define MINUTES_DEFAULT	15
#define MINUTES_MAX	(30 * 24 * 60)
#define URL_MAX		2048
#define BODY_MAX	1024
#define ANSWER_MAX	(64 * 1024)
#define ANSWER_TIMEOUT	15000		/* ms for one OpStateExt call */

static const struct db_stmt statements[] = {
	/* The orders whose ResultURL may have been lost, oldest first. */
	{ "unpaid_orders",
	  "SELECT inv_id FROM amobill.orders"
	  " WHERE status = 'unpaid'"
	  "   AND created_at < now() - make_interval(mins => $1::integer)"
	  "   AND created_at > now() - interval '30 days'"
	  " ORDER BY created_at" },
	{ "reconcile_payment",
	  "SELECT amobill.reconcile_payment($1::integer, $2::bigint,"
	  "    $3::jsonb)" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = { statements, NULL };

struct tally {
	int	examined;
	int	paid;			/* paid by this run */
	int	failed;			/* no answer we could use */
};

/* ---- one order ---- */

/* Asks OpStateExt about inv_id.  Returns the HTTP status, or -1. */
static long
ask(const struct config *cfg, const char *url, const char *inv_id,
    struct buf *answer)
{
	const char	*fields[3] = { cfg->robokassa_merchant_login, inv_id,
			    cfg->robokassa_password2 };
	struct rk_param	 no_shp[1];
	char		 sig[RK_HEX_MAX], login[BODY_MAX / 2];
	char		 body[BODY_MAX];
	int		 w;

	/* Not NULL: the library copies the (empty) list with memcpy(). */
	if (rk_sign(cfg->robokassa_hash, fields, 3, no_shp, 0, sig) == -1 ||
	    rk_urlencode(cfg->robokassa_merchant_login, login,
	    sizeof(login)) == -1)
		return -1;
	w = snprintf(body, sizeof(body), "MerchantLogin=%s&InvoiceID=%s"
	    "&Signature=%s", login, inv_id, sig);
	if (w < 0 || (size_t)w >= sizeof(body))
		return -1;
	return fetch(url, body, answer, ANSWER_TIMEOUT);
}

/* Applies a payment OpStateExt reported.  The outcome, or NULL. */
static char *
apply(const char *inv_id, long long tiyn, const struct opstate *st)
{
	const char	*p[3];
	char		 tiyn_text[24], *params = NULL, *outcome = NULL;
	cJSON		*root;
	PGresult	*res = NULL;

	if ((root = cJSON_CreateObject()) == NULL ||
	    cJSON_AddNumberToObject(root, "state", st->state) == NULL ||
	    cJSON_AddStringToObject(root, "out_sum", st->out_sum) == NULL ||
	    (params = cJSON_PrintUnformatted(root)) == NULL)
		goto out;
	snprintf(tiyn_text, sizeof(tiyn_text), "%lld", tiyn);
	p[0] = inv_id;
	p[1] = tiyn_text;
	p[2] = params;
	if ((res = db_exec("reconcile_payment", 3, p)) != NULL &&
	    db_ok(res) && PQntuples(res) == 1)
		outcome = strdup(PQgetvalue(res, 0, 0));
out:
	PQclear(res);
	cJSON_free(params);
	cJSON_Delete(root);
	return outcome;
}

/*
 * Asks about one order and applies what the answer says, with one log
 * line.  Returns 0 if the answer was understood (and, for a payment,
 * recorded), -1 if not.
 */
static int
examine(const struct config *cfg, const char *url, const char *inv_id,
    struct tally *t)
{
	struct buf	 answer;
	struct opstate	 st;
	long long	 tiyn;
	long		 status;
	char		*outcome = NULL;
	int		 rc = -1;

	t->examined++;
	buf_init(&answer, ANSWER_MAX);
	status = ask(cfg, url, inv_id, &answer);
	if (status != 200 || answer.failed) {
		log_msg("inv_id=%s state=unknown outcome=no_answer http=%ld",
		    inv_id, status);
		goto out;
	}
	if (opstate_parse(buf_str(&answer), answer.len, &st) == -1) {
		log_msg("inv_id=%s state=unknown outcome=unreadable_answer",
		    inv_id);
		goto out;
	}
	if (st.result == RESULT_NO_OPERATION) {
		/* The customer never reached the payment page. */
		log_msg("inv_id=%s state=none outcome=not_found", inv_id);
		rc = 0;
	} else if (st.result != RESULT_OK)
		log_msg("inv_id=%s state=unknown outcome=refused result=%d",
		    inv_id, st.result);
	else if (st.state != STATE_PAID) {
		log_msg("inv_id=%s state=%d outcome=not_paid", inv_id,
		    st.state);
		rc = 0;
	} else if (money_parse(st.out_sum, strlen(st.out_sum), &tiyn) !=
	    MONEY_EXACT)
		log_msg("inv_id=%s state=%d outcome=unreadable_sum", inv_id,
		    st.state);
	else if ((outcome = apply(inv_id, tiyn, &st)) == NULL)
		log_msg("inv_id=%s state=%d outcome=database_error", inv_id,
		    st.state);
	else {
		log_msg("inv_id=%s state=%d outcome=%s", inv_id, st.state,
		    outcome);
		if (vocab_find(&vocab_pay_outcome, outcome) == PAY_PAID)
			t->paid++;
		rc = 0;
	}
out:
	if (rc == -1)
		t->failed++;
	free(outcome);
	buf_free(&answer);
	return rc;
}

static int
run(const struct config *cfg, const char *url, long minutes)
{
	struct tally	 t = { 0, 0, 0 };
	char		 mins[24];
	const char	*p[1] = { mins };
	PGresult	*res;
	int		 i;

	snprintf(mins, sizeof(mins), "%ld", minutes);
	if ((res = db_exec("unpaid_orders", 1, p)) == NULL || !db_ok(res)) {
		log_msg("cannot read the unpaid orders: database unavailable");
		PQclear(res);
		return 1;
	}
	for (i = 0; i < PQntuples(res); i++)
		examine(cfg, url, PQgetvalue(res, i, 0), &t);
	PQclear(res);
	log_msg("examined %d unpaid orders: %d paid now, %d without a usable "
	    "answer", t.examined, t.paid, t.failed);
	return t.failed == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	long				 minutes = MINUTES_DEFAULT;
	const struct command_opt	 opts[] = {
		{ 'a', NULL, 0, MINUTES_MAX, &minutes },
	};
	const struct command		 cmd = { "reconcile", "[-a minutes]",
		opts, 1, 0, CONF_SITE | CONF_PAYMENT_CHECK | CONF_OPSTATE };
	struct config			 cfg;
	char				 url[URL_MAX], *operand;
	int				 rc;

	if ((rc = command_start(&cmd, argc, argv, &cfg, &operand)) != 0)
		return rc == COMMAND_DONE ? 0 : rc;
	rc = 1;
	if (opstate_url(cfg.robokassa_url, url, sizeof(url)) == -1) {
		log_msg("robokassa_url: does not end with Index.aspx");
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_msg("libcurl failed to start");
		goto out;
	}
	if (db_open(cfg.database, "amobill_payment", "reconcile",
	    statement_sets) == 0)
		rc = run(&cfg, url, minutes);
	db_close();
	curl_global_cleanup();
out:
	config_free(&cfg);
	return rc;
}
