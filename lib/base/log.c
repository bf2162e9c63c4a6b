/*
 * log.c: see log.h.  Every write(2) holds whole lines, so lines of
 * concurrent workers never mix.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char	*prefix = "amobill";
static char		 buf[LOG_BUF];
static int		 used;		/* bytes of buf waiting */
static int		 at_exit;	/* log_flush registered with atexit */
/* getpid(2) is a system call: asked once per process, again after fork. */
static pid_t		 pid;
static int		 watched;	/* forked() registered with atfork */

static void
forked(void)
{
	pid = 0;
}

void
log_init(const char *name)
{
	prefix = name;
	if (!watched && pthread_atfork(NULL, NULL, forked) == 0)
		watched = 1;
}

/* One line, newline-terminated, into line[LOG_LINE_MAX]; its length or -1. */
static int __attribute__((format(printf, 2, 0)))
format(char *line, const char *fmt, va_list ap)
{
	int	n, m;

	/* Without log_init's fork handler, ask every time. */
	if (pid == 0 || !watched)
		pid = getpid();
	n = snprintf(line, LOG_LINE_MAX, "%s[%d]: ", prefix, (int)pid);
	if (n < 0 || n >= LOG_LINE_MAX)
		return -1;
	m = vsnprintf(line + n, LOG_LINE_MAX - (size_t)n, fmt, ap);
	if (m < 0)
		return -1;
	n += m;
	if (n >= LOG_LINE_MAX - 1)
		n = LOG_LINE_MAX - 2;
	/* Multi-line messages (libpq's) become one line. */
	while (n > 0 && line[n - 1] == '\n')
		n--;
	for (m = 0; m < n; m++)
		if (line[m] == '\n' || line[m] == '\r')
			line[m] = ' ';
	line[n++] = '\n';
	return n;
}

static void
put(const char *p, int n)
{
	ssize_t	w;

	/* A log that cannot be written is not a reason to stop serving. */
	w = write(STDERR_FILENO, p, (size_t)n);
	(void)w;
}

void
log_flush(void)
{
	int	n = used;

	if (n == 0)
		return;
	used = 0;
	put(buf, n);
}

int
log_pending(void)
{
	return used;
}

void
log_msg(const char *fmt, ...)
{
	char	line[LOG_LINE_MAX];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = format(line, fmt, ap);
	va_end(ap);
	if (n == -1)
		return;
	log_flush();
	put(line, n);
}

void
log_request(const char *fmt, ...)
{
	char	line[LOG_LINE_MAX];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = format(line, fmt, ap);
	va_end(ap);
	if (n == -1)
		return;
	if (!at_exit) {
		at_exit = 1;
		if (atexit(log_flush) != 0) {
			/* Unbuffered, rather than lost at exit. */
			put(line, n);
			at_exit = 0;
			return;
		}
	}
	if (used + n > LOG_BUF)
		log_flush();
	memcpy(buf + used, line, (size_t)n);
	used += n;
}
