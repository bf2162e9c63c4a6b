/*
 * log.h: lines on stderr, one write each, prefixed with the program's
 * name.  Callers never pass secrets or personal data: requests are logged
 * by method, path (without the query), status and time only.
 *
 * Layer rules (lib/base): the C library only; never another layer.
 */
#ifndef LOG_H
#define LOG_H

/* Sets the prefix (the program's name). */
void	log_init(const char *name);

void	log_msg(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
