/*
 * log.h: lines on stderr, prefixed with the program's name and pid.
 * Callers never pass secrets or personal data: requests are logged by
 * method, path (without the query), status and time only.
 *
 * Two kinds of line:
 * - log_msg: warnings, errors and program events (start, stop, a worker
 *   replaced).  Written at once, one write(2) a line; whatever request
 *   lines are waiting are written first, so the order holds.
 * - log_request: the line of a served request.  It goes into a bounded
 *   buffer of the process (LOG_BUF bytes, at most PIPE_BUF, so one write
 *   of it is still atomic on a pipe and the lines of concurrent workers
 *   never mix); the buffer is written with one write(2) when the next
 *   line would not fit, by log_flush, and at exit(3).  The caller that
 *   logs requests (lib/rt/server.c) makes sure log_flush runs within
 *   about a second of a line, busy or idle.  A process that dies without
 *   exit(3) (SIGKILL, a crash, _exit) loses the lines not yet written:
 *   at most that second's.
 *
 * log_flush uses only write(2) and is async-signal-safe, provided the
 * signal that calls it cannot interrupt log_request or log_msg (the
 * server lets it in only while it waits in accept).  A process forks with
 * an empty buffer (log_flush first), or both would write the same lines.
 *
 * Layer rules (lib/base): the C library only; never another layer.
 */
#ifndef LOG_H
#define LOG_H

#define LOG_BUF		4096	/* PIPE_BUF on Linux */
#define LOG_LINE_MAX	1024	/* longer lines are cut */

/* Sets the prefix (the program's name). */
void	log_init(const char *name);

void	log_msg(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_request(const char *, ...) __attribute__((format(printf, 1, 2)));

/* Writes the buffered request lines, if any. */
void	log_flush(void);

/* Bytes of request lines waiting in the buffer. */
int	log_pending(void);

#endif
