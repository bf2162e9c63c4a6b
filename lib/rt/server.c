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
 *
 * A supervisor that dies without stopping its workers (SIGKILL, a crash)
 * takes them with it: each worker asks the kernel for SIGTERM when its
 * parent dies (PR_SET_PDEATHSIG), and a worker whose supervisor is gone
 * leaves as soon as the signal gets in, that is when it has no request in
 * hand, since no one would repeat it.  Only the supervisor holds the
 * socket's lock, so a new instance can start at once.
 *
 * Request lines are buffered (log.h) and written within about a second,
 * without a timer or a thread: a busy worker writes them after a request
 * once the oldest is FLUSH_MS old (the clock is read anyway, and costs no
 * system call); an idle one when accept gives up waiting, after IDLE_MS
 * (SO_RCVTIMEO on the listening socket; on Linux an AF_UNIX connection
 * does not inherit it, so reads of a request are not cut short).  A line
 * waits at most FLUSH_MS + IDLE_MS.  A signal would not do: libfcgi's
 * accept, for a Unix socket, waits in select() for the first bytes and
 * drops the connection if a signal interrupts it.  The timeout also
 * bounds the window in which a stop signal could be missed before accept.
 */
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
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
/* Connections kept free for administrators (docs/operations.md). */
#define ADMIN_RESERVE	5
/* Request lines: written when the oldest is this old, or when idle. */
#define FLUSH_MS	1000
#define IDLE_MS		250

static volatile sig_atomic_t	stopping;
static volatile sig_atomic_t	tick;
static pid_t			supervisor;	/* the parent's pid */
static int			lock_fd = -1;	/* the socket's lock */

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

/*
 * A worker's: the same, but an orphan (its supervisor killed) exits at
 * once.  The signal is blocked while a request is in hand, so none is
 * cut short; and it may have landed just before accept(), where waiting
 * for a repeat would wait forever.
 */
static void
on_worker_stop(int sig)
{
	if (getppid() != supervisor) {
		log_flush();
		_exit(0);
	}
	on_stop(sig);
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

/* The pid a lock file names, or 0. */
static pid_t
lock_owner(int fd)
{
	char	 b[24];
	ssize_t	 n;
	long	 pid;
	char	*end;

	if ((n = pread(fd, b, sizeof(b) - 1, 0)) <= 0)
		return 0;
	b[n] = '\0';
	pid = strtol(b, &end, 10);
	return end != b && (*end == '\n' || *end == '\0') && pid > 0 ?
	    (pid_t)pid : 0;
}

/*
 * Takes the lock file that keeps a second instance from stealing the
 * socket, and writes our pid into it.  A lock held although the pid it
 * names is gone is held by the orphaned workers of a supervisor that was
 * killed (before they died with it, or from a build that did not make
 * them): they serve a socket that is about to be replaced, so the file
 * is replaced too, and with it the lock.  A file without a pid (its
 * owner is just starting) is a live one.  Returns the fd, or -1.
 */
static int
take_lock(const char *lockpath)
{
	struct stat	 a, b;
	char		 pid[24];
	pid_t		 owner;
	int		 fd, try, len;

	for (try = 0; try < 2; try++) {
		if ((fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC,
		    0600)) == -1) {
			log_msg("%s: %s", lockpath, strerror(errno));
			return -1;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
			if (ftruncate(fd, 0) == -1 ||
			    pwrite(fd, pid, (size_t)len, 0) != len) {
				log_msg("%s: %s", lockpath, strerror(errno));
				close(fd);
				return -1;
			}
			return fd;
		}
		if (errno != EWOULDBLOCK) {
			log_msg("%s: %s", lockpath, strerror(errno));
			close(fd);
			return -1;
		}
		owner = lock_owner(fd);
		if (owner == 0 || kill(owner, 0) == 0 || errno != ESRCH) {
			log_msg("%s: another instance is running%s", lockpath,
			    owner != 0 ? "" : " (or starting)");
			close(fd);
			return -1;
		}
		/* Only the file we looked at: another start may have won. */
		if (fstat(fd, &a) == 0 && stat(lockpath, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
			log_msg("%s: held by the workers of pid %d, which is "
			    "gone; taking it over", lockpath, (int)owner);
			(void)unlink(lockpath);
		}
		close(fd);
	}
	log_msg("%s: another instance is running", lockpath);
	return -1;
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
	snprintf(lockpath, sizeof(lockpath), "%s.lock", path);
	if ((lock = take_lock(lockpath)) == -1)
		goto fail;
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0666) == -1 || listen(fd, BACKLOG) == -1) {
		log_msg("listen on %s: %s", path, strerror(errno));
		goto fail;
	}
	/* The lock stays held (and open) for the life of the supervisor. */
	lock_fd = lock;
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
micros_between(const struct timespec *t0, const struct timespec *t1)
{
	return (long long)(t1->tv_sec - t0->tv_sec) * 1000000 +
	    (t1->tv_nsec - t0->tv_nsec) / 1000;
}

/*
 * Whether an idle worker can count on accept returning within IDLE_MS:
 * sets the timeout on an AF_UNIX listening socket (a TCP connection
 * would inherit it).  Without it, request lines are written at once.
 */
static int
idle_timeout(int sock)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);
	struct timeval		tv = { 0, IDLE_MS * 1000 };

	if (getsockname(sock, (struct sockaddr *)&ss, &len) == -1 ||
	    ss.ss_family != AF_UNIX ||
	    setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1)
		return 0;
	return 1;
}

/* A route's path is the request's, or a prefix of it if it ends in '/'. */
static int
route_matches(const struct route *r, const char *path)
{
	size_t	n = strlen(r->path);

	if (n > 0 && r->path[n - 1] == '/')
		return strncmp(r->path, path, n) == 0;
	return strcmp(r->path, path) == 0;
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
		if (!route_matches(r, req->path))
			continue;
		if (strcmp(m, "GET") == 0)
			h = r->get;
		else if (strcmp(m, "HEAD") == 0)
			h = prog->refuse_head ? NULL : r->get;
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
	struct timespec		t0, t1, oldest;
	sigset_t		stopset;
	int			rc = 1, buffered, r;

	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	sigprocmask(SIG_BLOCK, &stopset, NULL);
	handle_signal(SIGTERM, on_worker_stop);
	handle_signal(SIGINT, on_worker_stop);
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
	buffered = idle_timeout(sock);
	memset(&oldest, 0, sizeof(oldest));
	for (;;) {
		sigprocmask(SIG_UNBLOCK, &stopset, NULL);
		r = stopping ? -1 : FCGX_Accept_r(&fr);
		sigprocmask(SIG_BLOCK, &stopset, NULL);
		if (r == -EAGAIN && !stopping) {
			/* Idle for IDLE_MS: what waits is written. */
			log_flush();
			if (prog->tick != NULL)
				prog->tick(0);
			continue;
		}
		if (r < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		http_begin(&req, &fr, cfg);
		dispatch(prog, &req);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (log_pending() == 0)
			oldest = t1;
		/* The path is logged without its query, which may hold tokens. */
		log_request("%s %.200s %d %lldus", req.method, req.path,
		    req.status, micros_between(&t0, &t1));
		if (!buffered || micros_between(&oldest, &t1) >=
		    FLUSH_MS * 1000LL)
			log_flush();
		http_end(&req);
		FCGX_Finish_r(&fr);
		if (prog->tick != NULL)
			prog->tick(0);
	}
	if (prog->tick != NULL)
		prog->tick(1);
	rc = 0;
out:
	FCGX_Finish_r(&fr);
	db_close();
	log_flush();
	return rc;
}

struct pool {
	pid_t	pid[MAX_WORKERS];
	time_t	started[MAX_WORKERS];
	int	n;
};

/*
 * Forks worker slot i.  Returns 1 in the child, 0 in the parent, -1 on
 * failure, 2 in a child whose parent died before it could ask to die
 * with it.
 */
static int
spawn(struct pool *p, int i)
{
	pid_t	pid;

	log_flush();	/* nothing for the child to write twice */
	if ((pid = fork()) == -1) {
		log_msg("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		/* The parent may have died before the prctl: look after it. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1)
			log_msg("prctl: %s", strerror(errno));
		if (getppid() != supervisor)
			return 2;
		/* The lock is the supervisor's: it is free when it dies. */
		if (lock_fd != -1) {
			close(lock_fd);
			lock_fd = -1;
		}
		return 1;
	}
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
			return r == 1 ? worker(prog, cfg, sock) :
			    r == 2 ? 0 : 1;
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
			return r == 1 ? worker(prog, cfg, sock) :
			    r == 2 ? 0 : 1;
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

/*
 * Every worker holds a connection: refuses a worker count that, with the
 * connections already open, would leave less than ADMIN_RESERVE of what
 * the server lets roles without superuser use (docs/operations.md, the
 * sizing).  A server that cannot be asked is not a reason not to start:
 * the workers wait for it like any other.  Returns 0, or -1 to stop.
 */
static int
check_budget(const struct program *prog, const struct config *cfg,
    long nworkers)
{
	struct db_room	r;
	char		why[256];
	long		allowed;

	if (db_room(cfg->database, prog->role, prog->name, &r, why,
	    sizeof(why)) == -1) {
		log_msg("could not check the connection budget (%s); "
		    "starting anyway", why);
		return 0;
	}
	allowed = r.max - r.reserved - ADMIN_RESERVE;
	if (r.open + nworkers > allowed) {
		log_msg("-w %ld: %ld connections, with the %ld already open, "
		    "make %ld; the cluster allows %ld (max_connections %ld, "
		    "less %ld reserved for superusers and %d for "
		    "administrators): lower -w or raise max_connections",
		    nworkers, nworkers, r.open, r.open + nworkers, allowed,
		    r.max, r.reserved, ADMIN_RESERVE);
		return -1;
	}
	log_msg("connections: %ld for the workers, %ld open, of the %ld the "
	    "cluster allows", nworkers, r.open, allowed);
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
		"[-w workers] [--routes] [socket-path]", opts, 2, 1,
		prog->config };
	struct config			 cfg;
	char				*path;
	int				 sock, rc;
	pid_t				 parent = getpid();

	supervisor = parent;
	if ((rc = command_start(&cmd, argc, argv, &cfg, &path)) != 0)
		return rc == COMMAND_DONE ? 0 : rc;
	if (routes) {
		rc = print_routes(prog);
		goto out;
	}
	if (prog->setup != NULL && prog->setup(&cfg) == -1) {
		rc = 1;
		goto out;
	}
	sock = path != NULL ? open_socket(path) : inherited_socket();
	if (sock == -1)
		rc = 1;
	else if (prog->role != NULL && check_budget(prog, &cfg, nworkers) ==
	    -1)
		rc = 1;
	else
		rc = supervise(prog, &cfg, sock, (int)nworkers);
	/* The parent, done, takes away the socket it made. */
	if (path != NULL && sock != -1 && getpid() == parent)
		unlink(path);
	if (prog->fini != NULL)
		prog->fini();
out:
	config_free(&cfg);
	return rc;
}
