/*
 * log.c: one line per write(2), so lines of concurrent workers never mix.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static const char	*prefix = "amobill";

void
log_init(const char *name)
{
	prefix = name;
}

void
log_msg(const char *fmt, ...)
{
	char	line[1024];
	va_list	ap;
	int	n, m;
	ssize_t	w;

	n = snprintf(line, sizeof(line), "%s[%d]: ", prefix, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
	/* Multi-line messages (libpq's) become one line. */
	while (n > 0 && line[n - 1] == '\n')
		n--;
	for (m = 0; m < n; m++)
		if (line[m] == '\n' || line[m] == '\r')
			line[m] = ' ';
	line[n++] = '\n';
	w = write(STDERR_FILENO, line, (size_t)n);
	(void)w;
}
