/*
 * db.h: the worker's one PostgreSQL connection.
 *
 * Each worker process opens its own connection after fork(), as its
 * program's role, and prepares the program's statements once.  Before
 * every statement the connection is checked without a round trip (a
 * server that went away has closed the socket); a dead one is reset and
 * the statements prepared again.  While the server is down, db_exec()
 * returns NULL at once and the caller answers 503; the first request
 * after the server is back succeeds.
 *
 * All SQL is in the statement tables, sent with parameters only.
 *
 * Layer rules (lib/db): may use lib/base and libpq; knows no table and no
 * rule (the SQL is the programs'), never the web.
 */
#ifndef DB_H
#define DB_H

#include <stddef.h>

#include <libpq-fe.h>

struct db_stmt {
	const char	*name;
	const char	*sql;
};

/*
 * Test hook, off unless set: with AMOBILL_TEST_TX_PAUSE_MS=<ms> (1 to
 * 60000) in the environment when db_open() runs, db_exec() waits that
 * long before every statement after the first of a transaction, so that
 * a test can end the backend while it is "idle in transaction"
 * (tests/http/test_transactions.py).  db_open() logs that it is on.
 * Never set it in production.
 *
 * Remembers how to connect (conninfo of the config's "database" plus the
 * role) and the statements: sets is a NULL-terminated list of tables, each
 * ending with an entry whose name is NULL.  Connects at once, but a
 * server that is down is not an error: the next db_exec() retries.
 * Returns -1 only if the parameters are unusable.
 */
int	db_open(const char *conninfo, const char *role, const char *app,
	    const struct db_stmt *const *sets);

/*
 * What the server allows and what is open, for the start-up check:
 * max_connections; those of them kept for superusers (with, from
 * PostgreSQL 16, reserved_connections); the client connections open now,
 * not counting the asking one nor those of app as role.
 */
struct db_room {
	long	max;
	long	reserved;
	long	open;
};

/*
 * Asks the server, on a connection of its own, made and closed here (not
 * the worker's).  Returns 0, or -1 with why (a line) if it cannot be
 * reached or refused.
 */
int	db_room(const char *conninfo, const char *role, const char *app,
	    struct db_room *room, char *why, size_t whysz);

/* Closes the connection. */
void	db_close(void);

/*
 * Runs a prepared statement with text parameters (NULL is SQL NULL).
 * Returns the result, which the caller PQclear()s, or NULL if the
 * database cannot be reached.  A result may still be an error: see
 * db_ok() and db_sqlstate().
 */
PGresult *db_exec(const char *name, int nparams, const char *const *params);

/*
 * Copies the value at (row, col) of res, "" for NULL, into out[outsz].
 * Returns 0, or -1 (out holding "") if it does not fit: a value is never
 * cut.
 */
int	db_text(const PGresult *res, int row, int col, char *out,
	    size_t outsz);

/* 1 iff res is a successful result. */
int	db_ok(const PGresult *res);

/* The SQLSTATE of a failed result ("" if none). */
const char *db_sqlstate(const PGresult *res);

/* The constraint a failed result names ("" if none). */
const char *db_constraint(const PGresult *res);

/*
 * Transactions: each returns 0, or -1 if the database cannot be reached
 * or refused.  A connection that dies between db_begin() and the end of
 * the transaction is not replaced: every db_exec() returns NULL and
 * db_commit() -1, so the caller answers 503 with nothing applied; the
 * next statement after db_rollback() connects again.  db_commit() is -1
 * too for a transaction the server rolled back (a statement in it
 * failed).  db_rollback() is safe to call in any state, and every
 * transaction ends with it or a successful db_commit().
 */
int	db_begin(void);
int	db_commit(void);
void	db_rollback(void);

/*
 * Listens on a channel (a plain identifier) on every connection, from
 * the next db_exec() or db_notified() on.
 */
void	db_listen(const char *channel);

/*
 * Takes the notifications that have arrived, without waiting.  Returns 1
 * if any came, or if the connection was (re)made since the last call (so
 * some may have been missed); 0 if none; -1 if the database is
 * unreachable.
 */
int	db_notified(void);

/*
 * Waits at most ms milliseconds for a notification, or a signal, for a
 * program that has nothing else to do (the mailer).  Returns 1 if one
 * came (or the connection was remade), 0 if not, -1 if the database is
 * unreachable (after the wait, so that a caller's loop cannot spin).
 */
int	db_wait(int ms);

#endif
