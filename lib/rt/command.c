/*
 * command.c: options, configuration and signals at start-up; see
 * command.h.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "log.h"

#define MAX_OPTS	8
#define OPT_CONFIG_KEYS	512	/* getopt values of the built-in options */
#define OPT_CHECK	513
#define OPT_VERSION	514

#ifndef AMOBILL_VERSION
#error "AMOBILL_VERSION comes from VERSION (CMakeLists.txt)"
#endif

volatile sig_atomic_t	command_stopping;

static void
on_stop(int sig)
{
	(void)sig;
	command_stopping = 1;
}

static void
usage(const struct command *cmd)
{
	log_msg("usage: %s [-c config]%s%s", cmd->name,
	    cmd->usage[0] != '\0' ? " " : "", cmd->usage);
}

/* Sets the option's value from optarg; -1 if it is not acceptable. */
static int
set_option(const struct command_opt *o, const char *arg)
{
	char	*end;
	long	 n;

	if (o->min == 0 && o->max == 0) {
		*o->value = 1;
		return 0;
	}
	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || n < o->min ||
	    n > o->max)
		return -1;
	*o->value = n;
	return 0;
}

int
command_start(const struct command *cmd, int argc, char **argv,
    struct config *cfg, char **operand)
{
	struct option		 longopts[MAX_OPTS + 4];
	struct sigaction	 sa;
	const char		*config_path = getenv("AMOBILL_CONFIG");
	char			 shortopts[2 * MAX_OPTS + 3] = "c:", err[256];
	size_t			 i, n = 2, nlong = 0;
	int			 ch, idx, keys = 0, check = 0, version = 0;

	log_init(cmd->name);
	if (cmd->nopts > MAX_OPTS)
		return 2;
	for (i = 0; i < cmd->nopts; i++) {
		const struct command_opt *o = &cmd->opts[i];
		int	 arg = o->min != 0 || o->max != 0;

		if (o->letter != 0) {
			shortopts[n++] = (char)o->letter;
			if (arg)
				shortopts[n++] = ':';
		}
		if (o->name != NULL)
			longopts[nlong++] = (struct option){ o->name,
			    arg ? required_argument : no_argument, NULL,
			    o->letter != 0 ? o->letter : 256 + (int)i };
	}
	shortopts[n] = '\0';
	longopts[nlong++] = (struct option){ "config-keys", no_argument, NULL,
	    OPT_CONFIG_KEYS };
	longopts[nlong++] = (struct option){ "check-config", no_argument,
	    NULL, OPT_CHECK };
	longopts[nlong++] = (struct option){ "version", no_argument, NULL,
	    OPT_VERSION };
	memset(&longopts[nlong], 0, sizeof(longopts[nlong]));
	optind = 1;
	while ((ch = getopt_long(argc, argv, shortopts, longopts, &idx)) !=
	    -1) {
		const struct command_opt *o = NULL;

		if (ch == 'c') {
			config_path = optarg;
			continue;
		}
		if (ch == OPT_CONFIG_KEYS || ch == OPT_CHECK) {
			*(ch == OPT_CHECK ? &check : &keys) = 1;
			continue;
		}
		if (ch == OPT_VERSION) {
			version = 1;
			continue;
		}
		for (i = 0; i < cmd->nopts; i++)
			if (cmd->opts[i].letter == ch ||
			    (cmd->opts[i].letter == 0 && ch == 256 + (int)i))
				o = &cmd->opts[i];
		if (o == NULL || set_option(o, optarg) == -1) {
			usage(cmd);
			return 2;
		}
	}
	if (version)
		return printf("%s (amobill) %s\n", cmd->name,
		    AMOBILL_VERSION) > 0 && fflush(stdout) == 0 ?
		    COMMAND_DONE : 1;
	if (keys)
		return config_print_keys(stdout, cmd->config) == 0 ?
		    COMMAND_DONE : 1;
	if (argc - optind > cmd->max_operands || config_path == NULL) {
		usage(cmd);
		return 2;
	}
	*operand = optind < argc ? argv[optind] : NULL;
	if (config_load(cfg, config_path, check ? CONF_ALL : cmd->config, err,
	    sizeof(err)) == -1) {
		log_msg("%s", err);
		return 1;
	}
	if (check) {
		config_free(cfg);
		return COMMAND_DONE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	return 0;
}
