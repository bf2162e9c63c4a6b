/*
 * test_command.c: every program's start-up (command.h): options from the
 * table, the configuration from -c or AMOBILL_CONFIG, the exit statuses
 * of a wrong command line (2) and a wrong configuration (1), and the
 * signals that stop a command.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "command.h"

static char	good[512], bad[512];

static long	seconds, once;

static const struct command_opt opts[] = {
	{ 'i', NULL, 1, 3600, &seconds },
	{ 0, "once", 0, 0, &once },
};
static const struct command cmd = { "test", "[-i seconds] [--once]", opts,
	2, 1, CONF_ALL };

/* command_start() on the words of a command line; cfg freed if loaded. */
static int
start(char **operand, const char *w0, ...)
{
	struct config	 cfg;
	char		*argv[8];
	int		 argc = 0, rc;
	va_list		 ap;
	const char	*w;

	seconds = 30;
	once = 0;
	argv[argc++] = (char *)"test";
	va_start(ap, w0);
	for (w = w0; w != NULL && argc < 7; w = va_arg(ap, const char *))
		argv[argc++] = (char *)w;
	va_end(ap);
	argv[argc] = NULL;
	rc = command_start(&cmd, argc, argv, &cfg, operand);
	if (rc == 0)
		config_free(&cfg);
	return rc;
}

static void
test_options(void)
{
	char	*operand = NULL;

	unsetenv("AMOBILL_CONFIG");
	CHECK(start(&operand, "-c", good, NULL) == 0);
	CHECK(operand == NULL && seconds == 30 && once == 0);
	CHECK(start(&operand, "-c", good, "-i", "5", "--once", "sock", NULL) ==
	    0);
	CHECK(seconds == 5 && once == 1);
	CHECK_STR(operand, "sock");

	/* Numbers only, within their bounds; no unknown option. */
	CHECK(start(&operand, "-c", good, "-i", "0", NULL) == 2);
	CHECK(start(&operand, "-c", good, "-i", "3601", NULL) == 2);
	CHECK(start(&operand, "-c", good, "-i", "5x", NULL) == 2);
	CHECK(start(&operand, "-c", good, "-i", "", NULL) == 2);
	CHECK(start(&operand, "-c", good, "-i", "99999999999999999999",
	    NULL) == 2);
	CHECK(start(&operand, "-c", good, "-x", NULL) == 2);
	CHECK(start(&operand, "-c", good, "--twice", NULL) == 2);
	/* One operand at most. */
	CHECK(start(&operand, "-c", good, "a", "b", NULL) == 2);

	/* The configuration: -c, else AMOBILL_CONFIG, else a usage error. */
	CHECK(start(&operand, NULL) == 2);
	setenv("AMOBILL_CONFIG", good, 1);
	CHECK(start(&operand, NULL) == 0);
	CHECK(start(&operand, "-c", bad, NULL) == 1);
	unsetenv("AMOBILL_CONFIG");
	CHECK(start(&operand, "-c", "/nonexistent/amobill.conf", NULL) == 1);
}

static void
test_signals(void)
{
	char	*operand;

	command_stopping = 0;
	CHECK(start(&operand, "-c", good, NULL) == 0);
	CHECK(raise(SIGPIPE) == 0);	/* ignored: still here */
	CHECK(command_stopping == 0);
	CHECK(raise(SIGTERM) == 0);
	CHECK(command_stopping == 1);
	command_stopping = 0;
	CHECK(raise(SIGINT) == 0);
	CHECK(command_stopping == 1);
}

int
main(void)
{
	const char	*dir = getenv("FIXTURES");

	if (dir == NULL) {
		fprintf(stderr, "FIXTURES is not set\n");
		return 1;
	}
	snprintf(good, sizeof(good), "%s/good.conf", dir);
	snprintf(bad, sizeof(bad), "%s/bad-unknown_key.conf", dir);
	test_options();
	test_signals();
	return check_done();
}
