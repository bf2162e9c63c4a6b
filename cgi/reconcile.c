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
#include "config.h"
#include "db.h"
#include "fetch.h"
#include "log.h"
#include "money.h"
#include "robokassa.h"

#define MINUTES_DEFAULT	15
#define MINUTES_MAX	(30 * 24 * 60)
#define URL_MAX		2048
#define BODY_MAX	1024
#define ANSWER_MAX	(64 * 1024)
#define ANSWER_TIMEOUT	15000		/* ms for one OpStateExt call */
#define CODE_MAX	8		/* digits of a code, with the NUL */

static const char index_page[] = "Index.aspx";
static const char opstate_page[] = "WebService/Service.asmx/OpStateExt";

/* OpStateExt's codes. */
enum { RESULT_OK = 0, RESULT_NO_OPERATION = 3 };
enum { STATE_PAID = 100 };

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

/* What OpStateExt said about one operation. */
struct opstate {
	int	result;			/* Result/Code */
	int	state;			/* State/Code, or -1 */
	char	out_sum[MONEY_TEXT];	/* Info/OutSum, or "" */
};

struct tally {
	int	examined;
	int	paid;			/* paid by this run */
	int	failed;			/* no answer we could use */
};

/*
 * The OpStateExt address: robokassa_url with its trailing "Index.aspx"
 * replaced.  Returns 0, or -1 if the URL does not end so.
 */
static int
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
static int
parse_answer(const char *doc, size_t n, struct opstate *st)
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
	if (parse_answer(buf_str(&answer), answer.len, &st) == -1) {
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
		if (strcmp(outcome, "paid") == 0)
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

static void
usage(void)
{
	log_msg("usage: reconcile [-c config] [-a minutes]");
}

int
main(int argc, char **argv)
{
	struct config	 cfg;
	const char	*config_path = getenv("AMOBILL_CONFIG");
	char		 err[256], url[URL_MAX], *end;
	long		 minutes = MINUTES_DEFAULT;
	int		 ch, rc = 1;

	log_init("reconcile");
	while ((ch = getopt(argc, argv, "c:a:")) != -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 'a':
			errno = 0;
			minutes = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    minutes < 0 || minutes > MINUTES_MAX) {
				usage();
				return 2;
			}
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind != argc || config_path == NULL) {
		usage();
		return 2;
	}
	if (config_load(&cfg, config_path, err, sizeof(err)) == -1) {
		log_msg("%s", err);
		return 1;
	}
	if (opstate_url(cfg.robokassa_url, url, sizeof(url)) == -1) {
		log_msg("robokassa_url: does not end with %s", index_page);
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
