/*
 * test_db.c: the database layer against the test cluster of scripts/test
 * (PGHOST in the environment, database amobill, trust authentication).
 *
 * The test connects as postgres and works in a schema of its own, made
 * and dropped through a second, plain libpq connection; that connection
 * also plays "another program": it sends NOTIFY and terminates the
 * layer's backend to show that the next statement reconnects.
 * Without PGHOST there is no cluster: the test exits with 77 (skipped).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "check.h"
#include "db.h"

#define SKIP		77
#define SCHEMA		"test_db_scratch"
#define CHANNEL		"test_db_chan"

static const struct db_stmt stmts[] = {
	{ "t_echo",
	  "SELECT $1::text IS NULL, $1::text, $2::int + 1" },
	{ "t_insert",
	  "INSERT INTO " SCHEMA ".items (id, name) VALUES ($1, $2)" },
	{ "t_count",
	  "SELECT count(*) FROM " SCHEMA ".items" },
	{ "t_div",
	  "SELECT 10 / $1::int" },
	{ NULL, NULL }
};

static const struct db_stmt more_stmts[] = {
	{ "t_pid",
	  "SELECT pg_backend_pid()" },
	{ "t_prepared",
	  "SELECT count(*) FROM pg_prepared_statements"
	  " WHERE name LIKE 't\\_%'" },
	{ "t_listening",
	  "SELECT count(*) FROM pg_listening_channels() c"
	  " WHERE c = '" CHANNEL "'" },
	{ NULL, NULL }
};

#define NSTMTS	7

static const struct db_stmt *const sets[] = { stmts, more_stmts, NULL };

/* The other connection: setup, NOTIFY, pg_terminate_backend. */
static PGconn	*other;

static int
other_exec(const char *sql)
{
	PGresult	*res = PQexec(other, sql);
	int		 ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
			    PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "%s: %s", sql, PQerrorMessage(other));
	PQclear(res);
	return ok ? 0 : -1;
}

/* The first column of the first row of a statement without parameters. */
static long long
one_number(const char *name)
{
	PGresult	*res = db_exec(name, 0, NULL);
	long long	 n = -1;

	if (res != NULL && db_ok(res) && PQntuples(res) == 1)
		n = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return n;
}

static long long
count_items(void)
{
	return one_number("t_count");
}

/* Inserts (id, name); returns the result for the caller to inspect. */
static PGresult *
insert(const char *id, const char *name)
{
	const char	*p[2] = { id, name };

	return db_exec("t_insert", 2, p);
}

static int
insert_ok(const char *id, const char *name)
{
	PGresult	*res = insert(id, name);
	int		 ok = res != NULL && db_ok(res);

	PQclear(res);
	return ok;
}

/*
 * res is a failure with SQLSTATE state, naming the constraint it broke
 * (constraint "" for none, NULL for not looked at); res is freed.  line is
 * the caller's, for the message.
 */
static void
failed(int line, PGresult *res, const char *state, const char *constraint)
{
	CHECK_CASE("the statement at line %d", line);
	CHECK(res != NULL && !db_ok(res));
	CHECK_STR(db_sqlstate(res), state);
	if (constraint != NULL)
		CHECK_STR(db_constraint(res), constraint);
	check_case_end();
	PQclear(res);
}
#define FAILED(res, state, constraint)					\
	failed(__LINE__, (res), (state), (constraint))

static long long
ms_since(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000LL +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Polls db_notified() for up to ms; its first non-zero answer, or 0. */
static int
notified_within(int ms)
{
	struct timespec	t0;
	int		got;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((got = db_notified()) == 0 && ms_since(&t0) < ms)
		(void)poll(NULL, 0, 10);
	return got;
}

static void
test_statements(void)
{
	const char	*p[2];
	PGresult	*res;

	/* Parameters are text; NULL is SQL NULL. */
	p[0] = "it's; DROP TABLE x", p[1] = "41";
	res = db_exec("t_echo", 2, p);
	CHECK(res != NULL && db_ok(res));
	if (res != NULL && db_ok(res) && PQntuples(res) == 1) {
		CHECK_STR(PQgetvalue(res, 0, 0), "f");
		CHECK_STR(PQgetvalue(res, 0, 1), "it's; DROP TABLE x");
		CHECK_STR(PQgetvalue(res, 0, 2), "42");
	}
	CHECK_STR(db_sqlstate(res), "");
	CHECK_STR(db_constraint(res), "");
	PQclear(res);

	p[0] = NULL, p[1] = NULL;
	res = db_exec("t_echo", 2, p);
	CHECK(res != NULL && db_ok(res));
	if (res != NULL && db_ok(res) && PQntuples(res) == 1) {
		CHECK_STR(PQgetvalue(res, 0, 0), "t");
		CHECK(PQgetisnull(res, 0, 1));
		CHECK(PQgetisnull(res, 0, 2));
	}
	PQclear(res);

	/* An INSERT is a successful result too (COMMAND_OK). */
	CHECK(count_items() == 0);
	CHECK(insert_ok("1", "one"));
	CHECK(count_items() == 1);

	/* Failures: a result that is not ok, with its SQLSTATE. */
	p[0] = "0";
	/* division_by_zero */
	FAILED(db_exec("t_div", 1, p), "22012", "");

	p[0] = "x";
	/* invalid_text_representation */
	FAILED(db_exec("t_div", 1, p), "22P02", NULL);

	/* ... and the constraint it broke, by name. */
	FAILED(insert("1", "again"), "23505", "items_pkey");
	FAILED(insert("2", ""), "23514", "items_name_ok");

	/* A NOT NULL violation names no constraint. */
	FAILED(insert("2", NULL), "23502", "");

	/* A statement that was never prepared. */
	FAILED(db_exec("t_nothing", 0, NULL), "26000", NULL);

	/* A failure outside a transaction leaves the connection usable. */
	CHECK(count_items() == 1);
	CHECK(one_number("t_prepared") == NSTMTS);
}

static void
test_transactions(void)
{
	long long	before = count_items();

	/* Rolled back: nothing of it stays. */
	CHECK(db_begin() == 0);
	CHECK(insert_ok("10", "ten"));
	CHECK(insert_ok("11", "eleven"));
	CHECK(count_items() == before + 2);
	db_rollback();
	CHECK(count_items() == before);

	/* Committed: it stays. */
	CHECK(db_begin() == 0);
	CHECK(insert_ok("10", "ten"));
	CHECK(db_commit() == 0);
	CHECK(count_items() == before + 1);

	/* A failed statement inside: the rollback undoes the rest too. */
	CHECK(db_begin() == 0);
	CHECK(insert_ok("12", "twelve"));
	FAILED(insert("10", "dup"), "23505", NULL);
	/* The transaction is aborted: later statements fail (25P02). */
	FAILED(db_exec("t_count", 0, NULL), "25P02", NULL);
	db_rollback();
	CHECK(count_items() == before + 1);

	/* db_rollback() is harmless outside a transaction. */
	db_rollback();
	CHECK(count_items() == before + 1);

	/*
	 * A failed statement, then db_commit(): the server answers
	 * "ROLLBACK", which is no success.  Nothing stays.
	 */
	CHECK(db_begin() == 0);
	CHECK(insert_ok("13", "thirteen"));
	FAILED(insert("10", "dup"), "23505", NULL);
	CHECK(db_commit() == -1);
	db_rollback();
	CHECK(count_items() == before + 1);
	/* ... and the connection serves the next transaction. */
	CHECK(db_begin() == 0);
	CHECK(insert_ok("13", "thirteen"));
	CHECK(db_commit() == 0);
	CHECK(count_items() == before + 2);
}

static void
test_text(void)
{
	const char	*p[2] = { "abcd", "1" };
	PGresult	*res;
	char		 out[8];

	res = db_exec("t_echo", 2, p);
	CHECK(res != NULL && db_ok(res) && PQntuples(res) == 1);
	if (res == NULL || !db_ok(res) || PQntuples(res) != 1) {
		PQclear(res);
		return;
	}
	/* It fits, with room to spare or exactly (4 bytes and the NUL). */
	CHECK(db_text(res, 0, 1, out, sizeof(out)) == 0);
	CHECK_STR(out, "abcd");
	memset(out, 'x', sizeof(out));
	CHECK(db_text(res, 0, 1, out, 5) == 0);
	CHECK_STR(out, "abcd");
	/* One byte short: refused, never cut, and out holds "". */
	memset(out, 'x', sizeof(out));
	CHECK(db_text(res, 0, 1, out, 4) == -1);
	CHECK_STR(out, "");
	memset(out, 'x', sizeof(out));
	CHECK(db_text(res, 0, 1, out, 1) == -1);
	CHECK_STR(out, "");
	/* No room at all: refused, out untouched. */
	out[0] = 'x';
	CHECK(db_text(res, 0, 1, out, 0) == -1);
	CHECK(out[0] == 'x');
	CHECK(db_text(res, 0, 0, out, sizeof(out)) == 0);
	CHECK_STR(out, "f");
	PQclear(res);

	/* SQL NULL is "". */
	p[0] = NULL;
	res = db_exec("t_echo", 2, p);
	CHECK(res != NULL && db_ok(res) && PQntuples(res) == 1);
	if (res != NULL && db_ok(res) && PQntuples(res) == 1) {
		memset(out, 'x', sizeof(out));
		CHECK(db_text(res, 0, 1, out, sizeof(out)) == 0);
		CHECK_STR(out, "");
		CHECK(db_text(res, 0, 1, out, 1) == 0);
		CHECK_STR(out, "");
	}
	PQclear(res);
}

static int
terminate(long long pid)
{
	char		 spid[32];
	const char	*p[1] = { spid };
	PGresult	*res;
	int		 ok;

	snprintf(spid, sizeof(spid), "%lld", pid);
	/* With a timeout, it returns once the backend has really gone. */
	res = PQexecParams(other, "SELECT pg_terminate_backend($1::int, 5000)",
	    1, NULL, p, NULL, NULL, 0);
	ok = PQresultStatus(res) == PGRES_TUPLES_OK &&
	    strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	if (!ok)
		fprintf(stderr, "pg_terminate_backend: %s",
		    PQerrorMessage(other));
	PQclear(res);
	return ok ? 0 : -1;
}

static void
test_reconnect(void)
{
	long long	pid1, pid2, pid3, n = count_items();
	const char	*p[2] = { "x", "1" };
	PGresult	*res;

	pid1 = one_number("t_pid");
	CHECK(pid1 > 0);
	CHECK(terminate(pid1) == 0);

	/* The next statement finds the connection dead and makes a new one. */
	res = db_exec("t_echo", 2, p);
	CHECK(res != NULL && db_ok(res));
	if (res != NULL && db_ok(res) && PQntuples(res) == 1)
		CHECK_STR(PQgetvalue(res, 0, 2), "2");
	PQclear(res);
	pid2 = one_number("t_pid");
	CHECK(pid2 > 0 && pid2 != pid1);
	/* Every statement of every set was prepared again. */
	CHECK(one_number("t_prepared") == NSTMTS);
	CHECK(count_items() == n);
	CHECK(insert_ok("20", "twenty"));
	CHECK(count_items() == n + 1);

	/* Twice in a row, and with db_begin() as the first call after. */
	CHECK(terminate(pid2) == 0);
	CHECK(db_begin() == 0);
	CHECK(insert_ok("21", "twenty-one"));
	CHECK(db_commit() == 0);
	pid3 = one_number("t_pid");
	CHECK(pid3 > 0 && pid3 != pid2);
	CHECK(count_items() == n + 2);
	CHECK(one_number("t_prepared") == NSTMTS);
}

/*
 * A backend ended inside a transaction: the transaction is lost, and the
 * layer never goes on with the rest of it on a new connection (where each
 * statement would commit by itself).  Every db_exec() is NULL, db_commit()
 * -1, nothing of it is applied; after db_rollback() the next statement
 * connects again.
 */
static void
test_lost_transaction(void)
{
	long long	pid, pid2, n = count_items();

	CHECK(db_begin() == 0);
	CHECK(insert_ok("30", "thirty"));
	pid = one_number("t_pid");
	CHECK(pid > 0);
	CHECK(terminate(pid) == 0);
	CHECK(insert("31", "thirty-one") == NULL);
	CHECK(db_exec("t_count", 0, NULL) == NULL);
	CHECK(db_commit() == -1);
	/* Nothing reconnects before the rollback, not even db_begin(). */
	CHECK(db_exec("t_pid", 0, NULL) == NULL);
	CHECK(db_begin() == -1);
	db_rollback();
	pid2 = one_number("t_pid");
	CHECK(pid2 > 0 && pid2 != pid);
	CHECK(count_items() == n);
	CHECK(one_number("t_prepared") == NSTMTS);

	/* Ended just before the COMMIT: -1, nothing applied. */
	CHECK(db_begin() == 0);
	CHECK(insert_ok("32", "thirty-two"));
	CHECK(terminate(pid2) == 0);
	CHECK(db_commit() == -1);
	db_rollback();
	CHECK(count_items() == n);

	/* The next transaction, on the new connection, works. */
	CHECK(db_begin() == 0);
	CHECK(insert_ok("33", "thirty-three"));
	CHECK(db_commit() == 0);
	CHECK(count_items() == n + 1);
	CHECK(one_number("t_pid") != pid2);
}

static void
test_notify(void)
{
	struct timespec	t0;
	long long	pid;
	long long	waited;

	db_listen(CHANNEL);
	CHECK(one_number("t_listening") == 1);
	/* The first call after db_listen() says "maybe missed some". */
	CHECK(db_notified() == 1);
	CHECK(db_notified() == 0);

	/* One NOTIFY from another connection. */
	CHECK(other_exec("NOTIFY " CHANNEL ", 'payload'") == 0);
	CHECK(notified_within(5000) == 1);
	CHECK(db_notified() == 0);

	/* Several are taken at once. */
	CHECK(other_exec("NOTIFY " CHANNEL) == 0);
	CHECK(other_exec("NOTIFY " CHANNEL ", 'b'") == 0);
	CHECK(other_exec("NOTIFY " CHANNEL ", 'c'") == 0);
	(void)poll(NULL, 0, 100);
	CHECK(notified_within(5000) == 1);
	CHECK(db_notified() == 0);

	/* Another channel is not ours; a rolled-back NOTIFY never comes. */
	CHECK(other_exec("NOTIFY test_db_other") == 0);
	CHECK(other_exec("BEGIN") == 0);
	CHECK(other_exec("NOTIFY " CHANNEL) == 0);
	CHECK(other_exec("ROLLBACK") == 0);
	(void)poll(NULL, 0, 200);
	CHECK(db_notified() == 0);

	/* db_wait: nothing comes, so it waits its time and says 0. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(db_wait(300) == 0);
	waited = ms_since(&t0);
	CHECK(waited >= 250 && waited < 3000);

	/* One is waiting already: db_wait returns 1 without the timeout. */
	CHECK(other_exec("NOTIFY " CHANNEL) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(db_wait(10000) == 1);
	CHECK(ms_since(&t0) < 5000);
	CHECK(db_notified() == 0);

	/* One that db_exec() reads in along with a result is kept too. */
	CHECK(other_exec("NOTIFY " CHANNEL) == 0);
	(void)poll(NULL, 0, 100);
	CHECK(count_items() >= 0);
	CHECK(notified_within(5000) == 1);

	/*
	 * After a reconnection the channel is listened to again, and the
	 * first call says 1: notifications may have been missed meanwhile.
	 */
	pid = one_number("t_pid");
	CHECK(db_notified() == 0);
	CHECK(terminate(pid) == 0);
	CHECK(db_notified() == 1);
	CHECK(one_number("t_pid") != pid);
	CHECK(one_number("t_listening") == 1);
	CHECK(db_notified() == 0);
	CHECK(other_exec("NOTIFY " CHANNEL) == 0);
	CHECK(db_wait(10000) == 1);
	CHECK(db_notified() == 0);
}

/* A server that cannot be reached: NULL and -1 at once, never a hang. */
static void
test_unreachable(void)
{
	struct timespec	t0;

	CHECK(db_open(NULL, "postgres", "test_db", sets) == -1);
	CHECK(db_open("dbname=amobill", NULL, "test_db", sets) == -1);

	/* A server that is down at start is not an error. */
	CHECK(db_open("dbname=amobill host=/nonexistent/test_db",
	    "postgres", "test_db", sets) == 0);
	CHECK(db_exec("t_count", 0, NULL) == NULL);
	CHECK(db_begin() == -1);
	CHECK(db_commit() == -1);
	db_rollback();
	CHECK(db_notified() == -1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(db_wait(200) == -1);		/* after the wait */
	CHECK(ms_since(&t0) >= 150);
	db_close();
}

int
main(void)
{
	const char	*host = getenv("PGHOST");

	if (host == NULL || *host == '\0') {
		printf("skipped: PGHOST is not set (scripts/test sets it)\n");
		return SKIP;
	}
	other = PQconnectdb("dbname=amobill user=postgres "
	    "application_name=test_db_other");
	if (PQstatus(other) != CONNECTION_OK) {
		fprintf(stderr, "cannot connect: %s", PQerrorMessage(other));
		PQfinish(other);
		return 1;
	}
	CHECK(other_exec("SET client_min_messages = warning") == 0);
	CHECK(other_exec("DROP SCHEMA IF EXISTS " SCHEMA " CASCADE") == 0);
	CHECK(other_exec("CREATE SCHEMA " SCHEMA) == 0);
	CHECK(other_exec("CREATE TABLE " SCHEMA ".items ("
	    " id int CONSTRAINT items_pkey PRIMARY KEY,"
	    " name text NOT NULL CONSTRAINT items_name_ok CHECK (name <> ''))")
	    == 0);

	CHECK(db_open("dbname=amobill", "postgres", "test_db", sets) == 0);
	test_statements();
	test_transactions();
	test_text();
	test_reconnect();
	test_lost_transaction();
	test_notify();
	db_close();
	test_unreachable();

	CHECK(other_exec("DROP SCHEMA " SCHEMA " CASCADE") == 0);
	PQfinish(other);
	return check_done();
}
