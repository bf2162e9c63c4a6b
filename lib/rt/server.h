/*
 * server.h: the FastCGI runtime every program runs on.
 *
 * A program is a table: its name, its database role and statements, and
 * its routes.  server_main() does the rest:
 *
 *	prog [-c config] [-w workers] [--routes] [socket-path]
 *	prog --config-keys | -c config --check-config	(command.h)
 *
 * loads the keys of the program's groups (.config) from the configuration
 * (or AMOBILL_CONFIG), listens on the unix socket
 * (mode 0666: access is governed by its directory), or on the socket
 * inherited as fd 0 (systemd socket activation) when no path is given,
 * and pre-forks the workers.  The parent replaces a worker that dies and,
 * on SIGTERM or SIGINT, lets each worker finish the request in hand and
 * waits for all of them.  Each worker is single-threaded: it opens its
 * own database connection after fork() and serves one request at a time,
 * writing one log line per request (program, method, path, status,
 * microseconds).
 *
 * server_main() returns the process's exit status, in the parent and in
 * each worker alike; main() returns it.  The library never calls exit().
 * --routes prints the program's routes and exits: nginx/routes.conf is
 * checked against them (tests/http/test_routes.py).
 *
 * Layer rules (lib/rt): may use every lower layer; nothing in lib/ uses
 * it.  A program is cgi/<name>.c: its statements, handlers, routes and
 * one SERVER_PROGRAM() at the end.
 */
#ifndef SERVER_H
#define SERVER_H

#include "db.h"
#include "http.h"
#include "reply.h"

/*
 * A path and its handlers by method; NULL: that method gets 405.  A path
 * ending in '/' is a prefix (GET /documents/ takes /documents/act/7.pdf),
 * and its handler reads and checks the rest of req->path; nginx hands over
 * the path normalised (decoded, no "..", no "//").
 */
typedef void	(*handler)(struct request *);

struct route {
	const char	*path;		/* exact match, or a prefix */
	handler		 get;		/* also HEAD (but refuse_head) */
	handler		 post;
	handler		 options;
};

struct program {
	const char			*name;
	const char			*role;	/* NULL: no database */
	/*
	 * The groups of keys it reads (config.h), e.g. CONF_SITE |
	 * CONF_FORMS: the keys of other groups never reach its memory.
	 */
	unsigned			 config;
	const struct db_stmt *const	*statements;
	const struct route		*routes;
	size_t				 nroutes;
	/*
	 * HEAD is answered by a route's GET handler, unless the program
	 * refuses it (405 on every route): where a GET changes state (the
	 * ResultURL applies a payment), a link checker's or proxy's HEAD
	 * must not.
	 */
	int				 refuse_head;
	/*
	 * Optional hooks: setup runs once in the parent before the workers
	 * are forked (what it loads, they inherit; its failure stops the
	 * program at start), init in each worker after its database is
	 * opened, fini in every process as it exits.
	 */
	int				(*setup)(const struct config *);
	int				(*init)(const struct config *);
	void				(*fini)(void);
	/*
	 * Optional: runs in each worker after every request, whenever it
	 * has been idle for a quarter of a second, and once more with last
	 * set as it stops, its database still open: where a program writes
	 * what it gathers in batches.
	 */
	void				(*tick)(int last);
};

int	server_main(const struct program *, int argc, char **argv);

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * The program's table and its main(), from designated initialisers, the
 * routes a line a path:
 *	SERVER_PROGRAM(.name = "register", .role = "amobill_register",
 *	    .config = CONF_SITE | CONF_FORMS | CONF_PASSWORDS,
 *	    .statements = statement_sets,
 *	    ROUTES({ "/register", get_register, post_register, NULL }));
 */
#define ROUTES(...)							\
	.routes = (const struct route[]){ __VA_ARGS__ },		\
	.nroutes = sizeof((const struct route[]){ __VA_ARGS__ }) /	\
	    sizeof(struct route)
#define SERVER_PROGRAM(...)						\
	static const struct program program = { __VA_ARGS__ };		\
	int main(int argc, char **argv)					\
	{								\
		return server_main(&program, argc, argv);		\
	}

#endif
