/*
 * robokassa-result: Robokassa's server-to-server ResultURL call, the only
 * thing that makes an order paid.
 *
 *	GET or POST /robokassa/result
 *
 * A call is accepted only if its signature (OutSum:InvId:Password2:Shp_...
 * over OutSum exactly as received) matches, the InvId is a known order and
 * OutSum equals its amount; then the payment is applied and the call
 * recorded in one transaction (amobill.result_call), at most once per
 * order whatever repeats or races, and the answer is "OK<InvId>", again
 * for a repeat.  Every call is recorded, whatever its outcome.  While the
 * database is unavailable the answer is 503, never OK, so Robokassa tries
 * again later.
 *
 * The journal: a call answered 503 because the database could not be
 * reached is first written, one line, to <journal_dir>/robokassa-result.journal
 * and fsync'd, so that the call is recorded all the same.  Each worker
 * looks at the file every second (a thread of its own, with a connection
 * of its own only while it replays) and, once the database answers,
 * replays its lines through the same path as a live call, so a replayed
 * call has the outcome the database gives it: a correctly signed one pays
 * its order.  Each line has an id that the event keeps (a unique key of
 * amobill.payment_events, sql/011_journal.sql): a line replayed twice is
 * recorded once.  An exclusive flock(2) on the file keeps two replays
 * apart and new lines out while a replay reads; a replay that recorded
 * every line empties the file.  A line holds the call's id, the time it
 * came, its method, the client's address and its parameters exactly as
 * they came (bytes outside printable ASCII as \xHH): nothing but what
 * Robokassa sent.  The file is mode 0600.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "crypto.h"
#include "log.h"
#include "money.h"
#include "robokassa.h"
#include "server.h"
#include "vocab.h"

#define JOURNAL_FILE	"robokassa-result.journal"
#define JOURNAL_LINE_MAX (4 * 65536 + 256)	/* a 64 KiB body, escaped */
#define JOURNAL_ID_BYTES 16
#define ROLE		"amobill_payment"

static const struct db_stmt statements[] = {
	{ "result_call",
	  "SELECT amobill.result_call($1::inet, $2, $3::jsonb, $4::integer,"
	  "    $5::bigint, $6)" },
	{ NULL, NULL }
};

static const struct db_stmt *const statement_sets[] = { statements, NULL };

/* A replayed call: result_call with the line's id and time. */
static const char replay_sql[] =
    "SELECT amobill.result_call_journaled($1, to_timestamp($2::double precision),"
    "    $3::inet, $4, $5::jsonb, $6::integer, $7::bigint, $8)";

/* What a call says, as amobill.result_call takes it. */
struct verdict {
	struct rk_callback	 cb;
	char			 inv[16];
	char			 tiyn[24];
	char			*json;
	const char		*outcome;	/* "ok" or why not */
};

/* Every decoded parameter, as the JSON object the call is recorded with. */
static char *
params_json(const struct form_pairs *fp)
{
	cJSON	*o;
	char	*s;
	size_t	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	for (i = 0; i < fp->n; i++)
		if (fp->p[i].value != NULL)
			cJSON_AddStringToObject(o, fp->p[i].name,
			    fp->p[i].value);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/*
 * Judges the parameters src[0..n) of a call: the live path and the
 * replay alike.  Release with verdict_free().
 */
static void
judge(struct verdict *v, const struct config *cfg, const char *src, size_t n)
{
	long long	tiyn = -1;

	memset(v, 0, sizeof(*v));
	v->outcome = "ok";
	if (rk_callback_parse(&v->cb, src, n, 1) == -1)
		v->outcome = vocab_name(&vocab_pay_outcome, PAY_MALFORMED);
	else {
		const char *fields[3] = { v->cb.out_sum, v->cb.inv_id,
		    cfg->robokassa_password2 };

		if (!rk_check(cfg->robokassa_hash, fields, 3, v->cb.shp,
		    v->cb.nshp, v->cb.signature))
			v->outcome = vocab_name(&vocab_pay_outcome,
			    PAY_BAD_SIGNATURE);
		/* An amount below a tiyn can never match an order. */
		else if (money_parse(v->cb.out_sum, strlen(v->cb.out_sum),
		    &tiyn) != MONEY_EXACT)
			tiyn = -1;
	}
	v->json = params_json(&v->cb.pairs);
	snprintf(v->inv, sizeof(v->inv), "%lld", v->cb.inv);
	snprintf(v->tiyn, sizeof(v->tiyn), "%lld", tiyn);
}

static void
verdict_free(struct verdict *v)
{
	cJSON_free(v->json);
	rk_callback_free(&v->cb);
}

/* ---- the journal ---- */

static char	journal_path[PATH_MAX];	/* "" if none is kept */
static char	journal_dir[PATH_MAX];

/* Appends s[0..n) with the bytes a line may not hold as \xHH. */
static int
escape(struct buf *b, const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > 0x20 && c < 0x7f && c != '\\')
			buf_add(b, &s[i], 1);
		else
			buf_printf(b, "\\x%02x", c);
	}
	return b->failed ? -1 : 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The inverse of escape(), in place.  Returns the length, or -1. */
static long
unescape(char *s)
{
	char	*r = s, *w = s;
	int	 hi, lo;

	while (*r != '\0') {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		if (r[1] != 'x' || (hi = hexval(r[2])) == -1 ||
		    (lo = hexval(r[3])) == -1)
			return -1;
		*w++ = (char)(hi << 4 | lo);
		r += 4;
	}
	*w = '\0';
	return (long)(w - s);
}

/*
 * Keeps a call that the database could not record: one line, written and
 * fsync'd (the folder too, when the file is new) before the caller
 * answers.  Returns 0, or -1 (logged).
 */
static int
journal_add(const char *method, const char *remote, const char *src,
    size_t n)
{
	unsigned char	 rnd[JOURNAL_ID_BYTES];
	struct buf	 line;
	struct timespec	 now;
	struct stat	 st;
	size_t		 i, off;
	ssize_t		 w;
	int		 fd = -1, dfd, rc = -1;

	if (journal_path[0] == '\0')
		return -1;
	buf_init(&line, JOURNAL_LINE_MAX);
	if (crypto_random(rnd, sizeof(rnd)) == -1)
		goto out;
	for (i = 0; i < sizeof(rnd); i++)
		buf_printf(&line, "%02x", rnd[i]);
	clock_gettime(CLOCK_REALTIME, &now);
	buf_printf(&line, "\t%lld.%06ld\t%s\t%s\t", (long long)now.tv_sec,
	    now.tv_nsec / 1000, method, remote[0] != '\0' ? remote : "-");
	if (escape(&line, src, n) == -1 || buf_add(&line, "\n", 1) == -1)
		goto out;
	if ((fd = open(journal_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0600)) == -1 || flock(fd, LOCK_EX) == -1 || fstat(fd, &st) == -1)
		goto out;
	for (off = 0; off < line.len; off += (size_t)w)
		if ((w = write(fd, line.data + off, line.len - off)) == -1) {
			if (errno == EINTR) {
				w = 0;
				continue;
			}
			/* A line cut short is refused by the replay. */
			goto out;
		}
	if (fsync(fd) == -1)
		goto out;
	if (st.st_size == 0 &&
	    (dfd = open(journal_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (rc == -1)
		log_msg("journal %s: cannot keep the call: %s", journal_path,
		    strerror(errno));
	if (fd != -1)
		close(fd);
	buf_free(&line);
	return rc;
}

struct line {
	char	*id, *at, *method, *remote, *params;
	long	 len;
};

/* Splits a journal line (its newline taken off) in place.  0 or -1. */
static int
line_parse(char *s, struct line *l)
{
	char	*f[5];
	int	 i;

	for (i = 0; i < 5; i++) {
		f[i] = s;
		if (i < 4) {
			if ((s = strchr(s, '\t')) == NULL)
				return -1;
			*s++ = '\0';
		}
	}
	l->id = f[0], l->at = f[1], l->method = f[2], l->remote = f[3];
	l->params = f[4];
	if (strlen(l->id) != 2 * JOURNAL_ID_BYTES ||
	    strspn(l->id, "0123456789abcdef") != strlen(l->id) ||
	    strspn(l->at, "0123456789.") != strlen(l->at) || *l->at == '\0' ||
	    (strcmp(l->method, "GET") != 0 && strcmp(l->method, "POST") != 0))
		return -1;
	if (strcmp(l->remote, "-") == 0)
		l->remote = NULL;
	return (l->len = unescape(l->params)) == -1 ? -1 : 0;
}

/*
 * Records one line as the call it was.  Returns 0 if the database
 * recorded it (now or before), -1 if not.
 */
static int
replay_line(PGconn *conn, const struct config *cfg, const struct line *l)
{
	struct verdict	 v;
	const char	*p[8];
	PGresult	*res;
	int		 rc;

	judge(&v, cfg, l->params, (size_t)l->len);
	p[0] = l->id;
	p[1] = l->at;
	p[2] = l->remote;
	p[3] = l->method;
	p[4] = v.json;
	p[5] = v.cb.inv > 0 ? v.inv : NULL;
	p[6] = v.tiyn;
	p[7] = v.outcome;
	res = PQexecParams(conn, replay_sql, 8, NULL, p, NULL, NULL, 0);
	rc = PQresultStatus(res) == PGRES_TUPLES_OK ? 0 : -1;
	PQclear(res);
	verdict_free(&v);
	return rc;
}

/*
 * Replays the journal if the database answers and no other worker is at
 * it.  A line that is not one (cut short by a crash) is dropped, logged.
 * The file is emptied only if every line was recorded; otherwise the
 * next try replays them all again, the recorded ones to no effect.
 */
static void
journal_replay(const struct config *cfg)
{
	const char	*keys[] = { "dbname", "user", "application_name",
	    "connect_timeout", NULL };
	const char	*vals[] = { cfg->database, ROLE,
	    "robokassa-result journal", "2", NULL };
	struct line	 l;
	PGconn		*conn = NULL;
	FILE		*f = NULL;
	char		*s = NULL;
	size_t		 cap = 0;
	ssize_t		 len;
	static int	 last_failed;
	int		 fd, done = 0, failed = 0, bad = 0;

	if ((fd = open(journal_path, O_RDWR | O_CLOEXEC)) == -1)
		return;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 || (f = fdopen(fd, "r")) ==
	    NULL) {
		close(fd);
		return;
	}
	conn = PQconnectdbParams(keys, vals, 1);
	if (PQstatus(conn) != CONNECTION_OK)
		goto out;	/* still down: quietly, the next second */
	while ((len = getline(&s, &cap, f)) != -1) {
		if (len == 0 || s[len - 1] != '\n' || len > JOURNAL_LINE_MAX) {
			bad++;
			continue;
		}
		s[len - 1] = '\0';
		if (line_parse(s, &l) == -1)
			bad++;
		else if (replay_line(conn, cfg, &l) == 0)
			done++;
		else {
			failed++;
			if (PQstatus(conn) != CONNECTION_OK)
				break;
		}
	}
	if (failed == 0 && ftruncate(fd, 0) == 0)
		(void)fsync(fd);
	/* A failure is told once, not every second. */
	if (done > 0 || bad > 0 || (failed > 0 && failed != last_failed))
		log_msg("journal: %d calls of an outage recorded (or found "
		    "recorded), %d not yet, %d lines not calls%s", done,
		    failed, bad, failed ?
		    "; trying again" : "");
	last_failed = failed;
out:
	PQfinish(conn);
	free(s);
	fclose(f);	/* and the lock */
}

static pthread_t		replayer;
static int			replaying;
static atomic_int		replay_stop;
static const struct config	*replay_cfg;

/* The worker's replay thread: a look at the file each second. */
static void *
replay_loop(void *arg)
{
	const struct timespec	 tenth = { 0, 100 * 1000 * 1000 };
	struct stat		 st;
	int			 i;

	(void)arg;
	while (!replay_stop) {
		for (i = 0; i < 10 && !replay_stop; i++)
			nanosleep(&tenth, NULL);
		if (!replay_stop && stat(journal_path, &st) == 0 &&
		    st.st_size > 0)
			journal_replay(replay_cfg);
	}
	return NULL;
}

/* In each worker: the journal's path, and its replay thread. */
static int
start_journal(const struct config *cfg)
{
	if (cfg->journal_dir == NULL) {
		log_msg("no journal_dir: calls during a database outage are "
		    "answered 503 and not kept");
		return 0;
	}
	if (snprintf(journal_dir, sizeof(journal_dir), "%s",
	    cfg->journal_dir) >= (int)sizeof(journal_dir) ||
	    snprintf(journal_path, sizeof(journal_path), "%s/%s",
	    cfg->journal_dir, JOURNAL_FILE) >= (int)sizeof(journal_path)) {
		log_msg("config: journal_dir is too long");
		return -1;
	}
	if (access(journal_dir, W_OK | X_OK) == -1) {
		log_msg("config: journal_dir %s: %s", journal_dir,
		    strerror(errno));
		return -1;
	}
	replay_cfg = cfg;
	if (pthread_create(&replayer, NULL, replay_loop, NULL) != 0) {
		log_msg("journal: cannot start the replay");
		return -1;
	}
	replaying = 1;
	return 0;
}

static void
stop_journal(void)
{
	if (!replaying)
		return;
	replay_stop = 1;
	pthread_join(replayer, NULL);
	replaying = 0;
}

/* ---- the call ---- */

static void
answer(struct request *req, int status, const char *text)
{
	http_send(req, status, "text/plain; charset=utf-8", text,
	    strlen(text));
}

static void
result(struct request *req)
{
	struct verdict	 v;
	const char	*src, *method;
	const char	*p[6];
	char		 ok[24];
	size_t		 n;
	PGresult	*res = NULL;
	int		 st;

	method = strcmp(req->method, "POST") == 0 ? "POST" : "GET";
	if (strcmp(method, "POST") == 0) {
		if ((st = http_read_body(req)) != 0) {
			answer(req, st == 413 ? 413 : 400, "bad request\n");
			return;
		}
		src = req->body;
		n = req->body_len;
	} else {
		src = req->query;
		n = strlen(src);
	}
	judge(&v, req->cfg, src, n);
	p[0] = req->remote_addr[0] ? req->remote_addr : NULL;
	p[1] = method;
	p[2] = v.json;
	p[3] = v.cb.inv > 0 ? v.inv : NULL;
	p[4] = v.tiyn;
	p[5] = v.outcome;
	if ((res = db_exec("result_call", 6, p)) == NULL) {
		/* Not recorded: kept to be, and never OK. */
		(void)journal_add(method, req->remote_addr, src, n);
		answer(req, 503, "temporarily unavailable\n");
		goto out;
	}
	if (!db_ok(res)) {
		/*
		 * The database refused the call itself (a fault of ours, logged
		 * by its SQLSTATE): it would refuse a replay too, so it is not
		 * kept; never OK.
		 */
		answer(req, 503, "temporarily unavailable\n");
		goto out;
	}
	switch (vocab_find(&vocab_pay_outcome, PQgetvalue(res, 0, 0))) {
	case PAY_PAID:
	case PAY_ALREADY_PAID:
		snprintf(ok, sizeof(ok), "OK%lld", v.cb.inv);
		answer(req, 200, ok);
		break;
	case PAY_UNKNOWN_ORDER:
		answer(req, 404, "unknown InvId\n");
		break;
	case PAY_AMOUNT_MISMATCH:
		answer(req, 409, "OutSum does not match the order\n");
		break;
	case PAY_BAD_SIGNATURE:
		answer(req, 400, "bad signature\n");
		break;
	default:
		answer(req, 400, "bad request\n");
		break;
	}
out:
	PQclear(res);
	verdict_free(&v);
}

/* A GET here is a payment: a HEAD (a link checker, a proxy) gets 405. */
SERVER_PROGRAM(.name = "robokassa-result", .role = ROLE,
    .config = CONF_SITE | CONF_PAYMENT_CHECK | CONF_JOURNAL,
    .statements = statement_sets, .init = start_journal, .fini = stop_journal,
    .refuse_head = 1,
    ROUTES({ "/robokassa/result", result, result, NULL }));
