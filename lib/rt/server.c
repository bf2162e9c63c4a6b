/*
 * server.c: socket, pre-forked workers, supervision and the request loop;
 * see server.h.
 *
 * Signals: workers keep SIGTERM and SIGINT blocked while they handle a
 * request, so a request in hand always completes; the signals are let in
 * only around accept.  Our handler is installed before FCGX_Init() and
 * without SA_RESTART, so it interrupts accept() and tells libfcgi to stop.
 * A signal that lands between the unblocking and accept() would be missed,
 * so the parent repeats SIGTERM every second until its workers are gone.
 */
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "command.h"
#include "log.h"
#include "reply.h"
#include "server.h"

#define MAX_WORKERS	64
#define BACKLOG		128

static volatile sig_atomic_t	stopping;
static volatile sig_atomic_t	tick;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

static void
on_alarm(int sig)
{
	(void)sig;
	tick = 1;
}

static void
handle_signal(int sig, void (*fn)(int))
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: accept() must see EINTR */
	sigaction(sig, &sa, NULL);
}

static int
open_socket(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd = -1, lock = -1;
	char			 lockpath[sizeof(sun.sun_path) + 8];

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_msg("socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* The lock keeps a second instance from stealing the socket. */
	snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	if ((lock = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) ==
	    -1 || flock(lock, LOCK_EX | LOCK_NB) == -1) {
		log_msg("%s: %s", lockpath, errno == EWOULDBLOCK ?
		    "another instance is running" : strerror(errno));
		goto fail;
	}
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0666) == -1 || listen(fd, BACKLOG) == -1) {
		log_msg("listen on %s: %s", path, strerror(errno));
		goto fail;
	}
	/* The lock stays held (and open) for the life of the process. */
	return fd;
fail:
	if (fd != -1)
		close(fd);
	if (lock != -1)
		close(lock);
	return -1;
}

/* fd 0 is ours if it is a listening socket (systemd's StandardInput=socket). */
static int
inherited_socket(void)
{
	int		on = 0;
	socklen_t	len = sizeof(on);

	if (getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) == -1 || !on) {
		log_msg("no socket path given and fd 0 is not a listening "
		    "socket");
		return -1;
	}
	return 0;
}

static long long
micros_since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long long)(t1.tv_sec - t0->tv_sec) * 1000000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000;
}

static void
dispatch(const struct program *prog, struct request *req)
{
	const struct route	*r;
	handler			 h = NULL;
	const char		*m = req->method;
	size_t			 i;

	for (i = 0; i < prog->nroutes; i++) {
		r = &prog->routes[i];
		if (strcmp(r->path, req->path) != 0)
			continue;
		if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
			h = r->get;
		else if (strcmp(m, "POST") == 0)
			h = r->post;
		else if (strcmp(m, "OPTIONS") == 0)
			h = r->options;
		if (h != NULL)
			h(req);
		else
			http_error(req, 405, "method_not_allowed", NULL, NULL);
		return;
	}
	http_error(req, 404, "not_found", NULL, NULL);
}

static int
worker(const struct program *prog, const struct config *cfg, int sock)
{
	FCGX_Request		fr;
	struct request		req;
	struct timespec		t0;
	sigset_t		stopset;
	int			rc = 1;

	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	sigprocmask(SIG_BLOCK, &stopset, NULL);
	handle_signal(SIGTERM, on_stop);
	handle_signal(SIGINT, on_stop);
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, sock, 0) != 0) {
		log_msg("libfcgi failed to start");
		return 1;
	}
	if (prog->role != NULL && db_open(cfg->database, prog->role,
	    prog->name, prog->statements) == -1)
		goto out;
	if (prog->init != NULL && prog->init(cfg) == -1)
		goto out;
	for (;;) {
		sigprocmask(SIG_UNBLOCK, &stopset, NULL);
		if (stopping || FCGX_Accept_r(&fr) < 0) {
			sigprocmask(SIG_BLOCK, &stopset, NULL);
			break;
		}
		sigprocmask(SIG_BLOCK, &stopset, NULL);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		http_begin(&req, &fr, cfg);
		dispatch(prog, &req);
		/* The path is logged without its query, which may hold tokens. */
		log_msg("%s %.200s %d %lldus", req.method, req.path,
		    req.status, micros_since(&t0));
		http_end(&req);
		FCGX_Finish_r(&fr);
	}
	rc = 0;
out:
	FCGX_Finish_r(&fr);
	db_close();
	return rc;
}

struct pool {
	pid_t	pid[MAX_WORKERS];
	time_t	started[MAX_WORKERS];
	int	n;
};

/* Forks worker slot i.  Returns 1 in the child, 0 in the parent, -1. */
static int
spawn(struct pool *p, int i)
{
	pid_t	pid;

	if ((pid = fork()) == -1) {
		log_msg("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		return 1;
	p->pid[i] = pid;
	p->started[i] = time(NULL);
	return 0;
}

/* Clears the slot of a reaped worker; returns the slot, or -1. */
static int
forget(struct pool *p, pid_t pid)
{
	int	i;

	for (i = 0; i < p->n; i++)
		if (p->pid[i] == pid) {
			p->pid[i] = 0;
			return i;
		}
	return -1;
}

static int
supervise(const struct program *prog, const struct config *cfg, int sock,
    int nworkers)
{
	struct pool	 p;
	pid_t		 pid;
	int		 i, st, alive, r;

	memset(&p, 0, sizeof(p));
	p.n = nworkers;
	handle_signal(SIGTERM, on_stop);
	handle_signal(SIGINT, on_stop);
	handle_signal(SIGALRM, on_alarm);
	for (i = 0; i < p.n; i++)
		if ((r = spawn(&p, i)) != 0)
			return r == 1 ? worker(prog, cfg, sock) : 1;
	log_msg("listening with %d workers", p.n);
	while (!stopping) {
		if ((pid = waitpid(-1, &st, 0)) == -1 ||
		    (i = forget(&p, pid)) < 0 || stopping)
			continue;	/* EINTR: a signal to look at */
		if (WIFSIGNALED(st))
			log_msg("worker %d killed by signal %d; replacing it",
			    (int)pid, WTERMSIG(st));
		else
			log_msg("worker %d exited with %d; replacing it",
			    (int)pid, WEXITSTATUS(st));
		/* A worker that dies at once would otherwise spin. */
		if (time(NULL) - p.started[i] < 1)
			sleep(1);
		if (!stopping && (r = spawn(&p, i)) != 0)
			return r == 1 ? worker(prog, cfg, sock) : 1;
	}
	log_msg("stopping: letting workers finish their requests");
	for (;;) {
		alive = 0;
		for (i = 0; i < p.n; i++)
			if (p.pid[i] > 0) {
				kill(p.pid[i], SIGTERM);
				alive++;
			}
		if (alive == 0)
			break;
		tick = 0;
		alarm(1);
		while (!tick) {
			if ((pid = waitpid(-1, &st, 0)) > 0)
				forget(&p, pid);
			else if (errno == ECHILD) {
				memset(p.pid, 0, sizeof(p.pid));
				break;
			}
		}
	}
	alarm(0);
	log_msg("stopped");
	return 0;
}

/* Prints the routes, "METHOD PATH" a line, for tests/http/test_routes.py. */
static int
print_routes(const struct program *prog)
{
	const struct route	*r;
	size_t			 i;

	for (i = 0; i < prog->nroutes; i++) {
		r = &prog->routes[i];
		if (r->get != NULL)
			printf("GET %s\n", r->path);
		if (r->post != NULL)
			printf("POST %s\n", r->path);
		if (r->options != NULL)
			printf("OPTIONS %s\n", r->path);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}

int
server_main(const struct program *prog, int argc, char **argv)
{
	long				 nworkers = 2, routes = 0;
	const struct command_opt	 opts[] = {
		{ 'w', "workers", 1, MAX_WORKERS, &nworkers },
		{ 0, "routes", 0, 0, &routes },
	};
	const struct command		 cmd = { prog->name,
		"[-w workers] [--routes] [socket-path]", opts, 2, 1 };
	struct config			 cfg;
	char				*path;
	int				 sock, rc;
	pid_t				 parent = getpid();

	if ((rc = command_start(&cmd, argc, argv, &cfg, &path)) != 0)
		return rc;
	if (routes) {
		rc = print_routes(prog);
		goto out;
	}
	if (prog->setup != NULL && prog->setup(&cfg) == -1) {
		rc = 1;
		goto out;
	}
	sock = path != NULL ? open_socket(path) : inherited_socket();
	rc = sock == -1 ? 1 : supervise(prog, &cfg, sock, (int)nworkers);
	/* The parent, done, takes away the socket it made. */
	if (path != NULL && sock != -1 && getpid() == parent)
		unlink(path);
	if (prog->fini != NULL)
		prog->fini();
out:
	config_free(&cfg);
	return rc;
}
