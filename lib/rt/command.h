/*
 * command.h: how every program of the project starts: the FastCGI
 * programs (server.h) and the commands of cmd/ alike.
 *
 *	prog [-c config] [options of its own] [operands]
 *	prog --config-keys
 *	prog -c config --check-config
 *	prog --version
 *
 * command_start() parses the options from the program's table (numbers
 * within their bounds, flags), loads the keys of the program's groups
 * (config.h) from -c or AMOBILL_CONFIG, and installs the signal handling: SIGTERM and SIGINT
 * set command_stopping (without SA_RESTART, so they cut a wait short),
 * SIGPIPE is ignored.  A bad option prints the usage line; a bad
 * configuration prints the loader's one line naming the key.
 *
 * Two answers for scripts/config-split, which writes each program the file
 * of its own keys (docs/operations.md): --config-keys prints the names of
 * the keys the program reads, one a line, and loads no configuration;
 * --check-config loads the file as a reader of every key would (the check
 * of the operator's whole file) and keeps nothing.  Either way
 * command_start() returns COMMAND_DONE: the program exits 0.  So does
 * --version, which prints "<name> (amobill) <version>", the version of
 * the file VERSION (the Debian package's too), and loads nothing.
 *
 * Layer rules (lib/rt): may use every lower layer; nothing in lib/ uses
 * it.
 */
#ifndef COMMAND_H
#define COMMAND_H

#include <signal.h>

#include "config.h"

struct command_opt {
	int		 letter;	/* getopt letter, or 0 for --long only */
	const char	*name;		/* long name ("once"), or NULL */
	long		 min, max;	/* a number in [min, max]; both 0: a flag */
	long		*value;		/* where it goes (a flag becomes 1) */
};

struct command {
	const char			*name;
	const char			*usage;	/* what follows "-c config" */
	const struct command_opt	*opts;
	size_t				 nopts;
	int				 max_operands;	/* 0 or 1 */
	unsigned			 config;	/* enum config_group mask */
};

/* command_start() answered --config-keys, --check-config or --version:
 * exit 0. */
#define COMMAND_DONE	(-1)

/* Set by SIGTERM or SIGINT once command_start() has run. */
extern volatile sig_atomic_t	command_stopping;

/*
 * Starts the command: options into their values, the configuration into
 * cfg, the signals.  Returns 0 with *operand set (NULL if none) and cfg to
 * be freed with config_free(); or the exit status (2 bad usage, 1 bad
 * configuration), or COMMAND_DONE, with nothing to free.
 */
int	command_start(const struct command *, int argc, char **argv,
	    struct config *cfg, char **operand);

#endif
