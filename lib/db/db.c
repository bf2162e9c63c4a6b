/*
 * db.c: the worker's PostgreSQL connection; see db.h.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"

static PGconn			*conn;
static int			 prepared;
static const char		*keys[6];
static const char		*vals[6];
static const struct db_stmt *const *stmt_sets;
static const char		*channel;	/* LISTEN on each connection */
static int			 fresh;		/* connected since db_notified() */
static int			 in_tx;		/* between db_begin and its end */
static int			 tx_stmts;	/* db_exec calls in this one */
static int			 tx_pause_ms;	/* test hook; see db.h */

static int
prepare_all(void)
{
	const struct db_stmt *const	*set;
	const struct db_stmt		*s;
	PGresult			*res;
	int				 ok;

	for (set = stmt_sets; *set != NULL; set++)
		for (s = *set; s->name != NULL; s++) {
			res = PQprepare(conn, s->name, s->sql, 0, NULL);
			ok = PQresultStatus(res) == PGRES_COMMAND_OK;
			if (!ok)
				log_msg("prepare %s: %s", s->name,
				    PQresultErrorMessage(res));
			PQclear(res);
			if (!ok)
				return -1;
		}
	return 0;
}

/* Server notices go to our log, as one line. */
static void
notice(void *arg, const char *message)
{
	(void)arg;
	log_msg("database: %s", message);
}

static int
listen_now(void)
{
	char		 sql[80];
	PGresult	*res;
	int		 ok;

	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	res = PQexec(conn, sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	return ok ? 0 : -1;
}

/* Makes sure conn is usable: connected, alive, statements prepared. */
static int
db_ready(void)
{
	struct pollfd	pfd;
	int		i;

	if (conn == NULL) {
		conn = PQconnectdbParams(keys, vals, 1);
		prepared = 0;
		if (conn != NULL)
			PQsetNoticeProcessor(conn, notice, NULL);
	} else {
		/*
		 * An idle connection has nothing to read unless the server
		 * spoke (a notification) or left: a server that shuts down
		 * sends an error, then closes.  Reading until the socket is
		 * quiet lets libpq see the close before we send anything.
		 */
		for (i = 0; i < 8 && PQstatus(conn) == CONNECTION_OK; i++) {
			pfd.fd = PQsocket(conn);
			pfd.events = POLLIN;
			if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0 ||
			    !PQconsumeInput(conn))
				break;
			(void)PQisBusy(conn);
		}
	}
	if (conn == NULL)
		return -1;
	/*
	 * A connection lost inside a transaction lost the transaction: a new
	 * one would run the rest of it in autocommit.  It is reset only once
	 * the caller has ended the transaction (db_rollback).
	 */
	if (PQstatus(conn) != CONNECTION_OK && in_tx)
		return -1;
	if (PQstatus(conn) != CONNECTION_OK) {
		PQreset(conn);
		prepared = 0;
		if (PQstatus(conn) != CONNECTION_OK)
			return -1;
		log_msg("database connection restored");
	}
	if (!prepared) {
		if (prepare_all() == -1 || (channel != NULL &&
		    listen_now() == -1))
			return -1;
		prepared = 1;
		fresh = 1;
	}
	return 0;
}

/* AMOBILL_TEST_TX_PAUSE_MS, 0 unless set to a number of 1 to 60000. */
static int
test_pause(void)
{
	const char	*v = getenv("AMOBILL_TEST_TX_PAUSE_MS");
	char		*end;
	long		 ms;

	if (v == NULL || *v == '\0')
		return 0;
	ms = strtol(v, &end, 10);
	if (*end != '\0' || ms < 1 || ms > 60000)
		return 0;
	log_msg("test hook: pausing %ld ms inside transactions", ms);
	return (int)ms;
}

int
db_open(const char *conninfo, const char *role, const char *app,
    const struct db_stmt *const *sets)
{
	/* Later keywords override what the expanded conninfo says. */
	keys[0] = "dbname", vals[0] = conninfo;
	keys[1] = "user", vals[1] = role;
	keys[2] = "application_name", vals[2] = app;
	keys[3] = "connect_timeout", vals[3] = "2";
	keys[4] = NULL, vals[4] = NULL;
	stmt_sets = sets;
	if (conninfo == NULL || role == NULL)
		return -1;
	tx_pause_ms = test_pause();
	if (db_ready() == -1)
		log_msg("database unavailable at start: %s",
		    conn ? PQerrorMessage(conn) : "no memory");
	return 0;
}

int
db_room(const char *conninfo, const char *role, const char *app,
    struct db_room *room, char *why, size_t whysz)
{
	const char	*k[] = { "dbname", "user", "application_name",
			    "connect_timeout", NULL };
	const char	*v[] = { conninfo, role, app, "2", NULL };
	const char	*p[2] = { app, role };
	PGconn		*c;
	PGresult	*res = NULL;
	int		 rc = -1;

	snprintf(why, whysz, "no memory");
	if ((c = PQconnectdbParams(k, v, 1)) == NULL)
		return -1;
	if (PQstatus(c) != CONNECTION_OK)
		goto out;
	/*
	 * Every client backend counts against max_connections; the ones of
	 * this program as this role are an instance we replace (it stopped,
	 * or its orphans are dying): they are not counted.  A role sees the
	 * backend_type of its own sessions only; for the others, a backend
	 * with a user is taken for a client (the server's own processes have
	 * none).
	 */
	res = PQexecParams(c,
	    "SELECT current_setting('max_connections')::int,"
	    "   current_setting('superuser_reserved_connections')::int +"
	    "   coalesce(current_setting('reserved_connections', true)::int,"
	    "     0),"
	    "   (SELECT count(*) FROM pg_stat_activity"
	    "     WHERE coalesce(backend_type = 'client backend',"
	    "           usesysid IS NOT NULL)"
	    "       AND pid <> pg_backend_pid()"
	    "       AND (application_name, usename) IS DISTINCT FROM"
	    "           ($1::text, $2::name))",
	    2, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		goto out;
	room->max = strtol(PQgetvalue(res, 0, 0), NULL, 10);
	room->reserved = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	room->open = strtol(PQgetvalue(res, 0, 2), NULL, 10);
	rc = 0;
out:
	if (rc == -1) {
		snprintf(why, whysz, "%s", res != NULL ?
		    PQresultErrorMessage(res) : PQerrorMessage(c));
		/* libpq's messages end with a newline, some have two lines. */
		why[strcspn(why, "\n")] = '\0';
		if (why[0] == '\0')
			snprintf(why, whysz, "no answer");
	}
	PQclear(res);
	PQfinish(c);
	return rc;
}

void
db_close(void)
{
	PQfinish(conn);
	conn = NULL;
}

PGresult *
db_exec(const char *name, int nparams, const char *const *params)
{
	PGresult	*res;

	/* Before the check, so that a backend ended meanwhile is seen. */
	if (in_tx && tx_stmts++ > 0 && tx_pause_ms > 0)
		(void)poll(NULL, 0, tx_pause_ms);
	if (db_ready() == -1)
		return NULL;
	res = PQexecPrepared(conn, name, nparams, params, NULL, NULL, 0);
	if (PQstatus(conn) != CONNECTION_OK) {
		PQclear(res);
		return NULL;
	}
	if (!db_ok(res) && strcmp(db_sqlstate(res), "23505") != 0 &&
	    strcmp(db_sqlstate(res), "23514") != 0)
		/* SQLSTATE and constraint only: a message may quote values. */
		log_msg("%s failed: SQLSTATE %s %s", name, db_sqlstate(res),
		    db_constraint(res));
	return res;
}

int
db_text(const PGresult *res, int row, int col, char *out, size_t outsz)
{
	size_t	n = (size_t)PQgetlength(res, row, col);

	if (outsz == 0)
		return -1;
	if (n >= outsz) {
		out[0] = '\0';
		return -1;
	}
	memcpy(out, PQgetvalue(res, row, col), n);
	out[n] = '\0';
	return 0;
}

int
db_ok(const PGresult *res)
{
	ExecStatusType	st = PQresultStatus(res);

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

const char *
db_sqlstate(const PGresult *res)
{
	const char	*s = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return s != NULL ? s : "";
}

const char *
db_constraint(const PGresult *res)
{
	const char	*s = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);

	return s != NULL ? s : "";
}

static int
simple(const char *sql)
{
	PGresult	*res;
	int		 ok;

	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
		return -1;
	res = PQexec(conn, sql);
	ok = db_ok(res);
	PQclear(res);
	return ok ? 0 : -1;
}

int
db_begin(void)
{
	if (db_ready() == -1)
		return -1;
	/* Nothing has happened yet, so a lost connection is retried once. */
	if (simple("BEGIN") != 0 &&
	    (PQstatus(conn) == CONNECTION_OK || db_ready() == -1 ||
	    simple("BEGIN") != 0))
		return -1;
	in_tx = 1;
	tx_stmts = 0;
	return 0;
}

int
db_commit(void)
{
	PGresult	*res;
	int		 ok;

	/*
	 * Not in a transaction block: the one db_begin() opened was lost,
	 * and a COMMIT here would only be warned about, and succeed.
	 */
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK ||
	    PQtransactionStatus(conn) == PQTRANS_IDLE)
		return -1;
	/* A transaction that failed is answered "ROLLBACK", not an error. */
	res = PQexec(conn, "COMMIT");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK &&
	    strcmp(PQcmdStatus(res), "COMMIT") == 0;
	PQclear(res);
	if (ok)
		in_tx = 0;
	return ok ? 0 : -1;
}

void
db_rollback(void)
{
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK &&
	    PQtransactionStatus(conn) != PQTRANS_IDLE)
		(void)simple("ROLLBACK");
	in_tx = 0;
}

void
db_listen(const char *name)
{
	channel = name;
	/* Already connected: listen now, or the next connection will. */
	if (conn != NULL && prepared && listen_now() == -1)
		prepared = 0;
	fresh = 1;
}

int
db_notified(void)
{
	PGnotify	*n;
	int		 got;

	if (db_ready() == -1)
		return -1;
	got = fresh;
	fresh = 0;
	while ((n = PQnotifies(conn)) != NULL) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}

int
db_wait(int ms)
{
	struct pollfd	pfd;
	int		got;

	if ((got = db_notified()) == -1) {
		(void)poll(NULL, 0, ms);
		return -1;
	}
	if (got == 1)
		return 1;
	pfd.fd = PQsocket(conn);
	pfd.events = POLLIN;
	if (pfd.fd < 0 || poll(&pfd, 1, ms) <= 0)
		return 0;
	/* Something to read: a notification, or a server going away. */
	return db_notified() == 1 ? 1 : 0;
}
