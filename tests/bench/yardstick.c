/*
 * yardstick: the two programs scripts/bench measures license-check
 * against, built for the bench only (never installed).  Each is the least
 * a FastCGI program behind nginx can do to answer a license request: a
 * bare libfcgi responder, without the project's runtime, library or
 * logging, that answers every request with one fixed JSON body like a
 * license answer.
 *
 *	bench-signed -k key.pem [-w workers] socket-path
 *	    signs the body per request with OpenSSL's Ed25519 (EVP_DigestSign,
 *	    the key from license-check's PEM file) and sends X-Signature:
 *	    the least a signing program can do.
 *	bench-unsigned [-w workers] socket-path
 *	    the same without the signature (YARDSTICK_UNSIGNED): the ceiling
 *	    of the architecture (nginx, FastCGI, a process answering).
 *
 * The workers share the listening socket as license-check's do
 * (lib/rt/server.c): the socket is opened once, then that many processes
 * are forked, each with its own FCGX_InitRequest on it, accepting in
 * turn.  SIGTERM to the parent stops them all (SIGKILL: a bench has
 * nothing to finish).
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>
#ifndef YARDSTICK_UNSIGNED
#include <openssl/evp.h>
#include <openssl/pem.h>
#endif

#define MAX_WORKERS	64
#define BACKLOG		128	/* lib/rt/server.c's */

static const char body[] =
    "{\"valid\":true,\"code\":\"VALID\",\"detail\":\"paid subscription\","
    "\"ts\":\"2026-11-26T10:00:00Z\",\"account_id\":31234567,\"subdomain\":"
    "\"mycompany\",\"widget\":\"leadscore\",\"status\":\"active\","
    "\"expires_at\":\"2027-05-26T10:00:00Z\",\"trial\":false}";

/* The headers license-check sends with every answer, but CORS. */
#define HEAD	"Status: 200 OK\r\n" \
		"Content-Type: application/json\r\n" \
		"Cache-Control: no-store\r\n"

static volatile sig_atomic_t	stopping;

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

#ifdef YARDSTICK_UNSIGNED
static int
answer(FCGX_Request *r, void *key)
{
	static char	head[256];
	static int	hlen;

	(void)key;
	if (hlen == 0)
		hlen = snprintf(head, sizeof(head), HEAD
		    "Content-Length: %zu\r\n\r\n", sizeof(body) - 1);
	if (FCGX_PutStr(head, hlen, r->out) != hlen ||
	    FCGX_PutStr(body, (int)sizeof(body) - 1, r->out) !=
	    (int)sizeof(body) - 1)
		return -1;
	return 0;
}
#else
static int
answer(FCGX_Request *r, void *key)
{
	static EVP_MD_CTX	*ctx;
	unsigned char		 sig[64];
	char			 head[384];
	size_t			 len = sizeof(sig);
	int			 n;

	if (ctx == NULL && (ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	/* Ed25519 signs the message itself: no digest, one shot. */
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &len, (const unsigned char *)body,
	    sizeof(body) - 1) != 1 || len != sizeof(sig))
		return -1;
	n = snprintf(head, sizeof(head), HEAD "Content-Length: %zu\r\n"
	    "X-Signature: ed25519=", sizeof(body) - 1);
	/* 64 bytes are 88 characters of base64, and a NUL. */
	n += EVP_EncodeBlock((unsigned char *)head + n, sig, (int)len);
	memcpy(head + n, "\r\n\r\n", 4);
	n += 4;
	if (FCGX_PutStr(head, n, r->out) != n ||
	    FCGX_PutStr(body, (int)sizeof(body) - 1, r->out) !=
	    (int)sizeof(body) - 1)
		return -1;
	return 0;
}
#endif

static pid_t	parent;

static int
worker(int sock, void *key, const sigset_t *mask)
{
	FCGX_Request	r;

	/*
	 * Nothing to finish: the supervisor stops a worker with SIGKILL, and
	 * one killed outright takes its workers with it.
	 */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		return 1;
	if (FCGX_InitRequest(&r, sock, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0)
		if (answer(&r, key) == -1)
			fprintf(stderr, "yardstick: answer failed\n");
	FCGX_Finish_r(&r);
	return 0;
}

static void
usage(void)
{
#ifdef YARDSTICK_UNSIGNED
	fprintf(stderr, "usage: bench-unsigned [-w workers] socket-path\n");
#else
	fprintf(stderr, "usage: bench-signed -k key.pem [-w workers] "
	    "socket-path\n");
#endif
	exit(2);
}

#ifdef YARDSTICK_UNSIGNED
#define load_key(path)	(path == NULL ? (void *)&parent : NULL)
#define free_key(key)	(void)(key)
#else
static void *
load_key(const char *path)
{
	EVP_PKEY	*key = NULL;
	FILE		*f;

	if (path == NULL)
		usage();
	if ((f = fopen(path, "r")) == NULL ||
	    (key = PEM_read_PrivateKey(f, NULL, NULL, NULL)) == NULL ||
	    EVP_PKEY_get_id(key) != EVP_PKEY_ED25519) {
		fprintf(stderr, "yardstick: no Ed25519 private key in %s\n",
		    path);
		EVP_PKEY_free(key);
		key = NULL;
	}
	if (f != NULL)
		fclose(f);
	return key;
}

#define free_key(key)	EVP_PKEY_free(key)
#endif

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	sigset_t		 stopset, mask;
	pid_t			 pid[MAX_WORKERS];
	const char		*keypath = NULL, *path;
	void			*key = NULL;
	char			*end;
	long			 nworkers = 2;
	int			 c, i, sock, rc = 1;

	while ((c = getopt(argc, argv, "k:w:")) != -1) {
		switch (c) {
		case 'k':
			keypath = optarg;
			break;
		case 'w':
			nworkers = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || nworkers < 1 ||
			    nworkers > MAX_WORKERS)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	path = argv[optind];
	/* The unsigned one takes no key: a dummy that is not NULL. */
	if ((key = load_key(keypath)) == NULL)
		usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Blocked but in sigsuspend(), so that none is missed. */
	sigemptyset(&stopset);
	sigaddset(&stopset, SIGTERM);
	sigaddset(&stopset, SIGINT);
	sigprocmask(SIG_BLOCK, &stopset, &mask);
	parent = getpid();
	(void)unlink(path);
	if (FCGX_Init() != 0 || (sock = FCGX_OpenSocket(path, BACKLOG)) == -1) {
		fprintf(stderr, "yardstick: cannot listen on %s\n", path);
		goto out;
	}
	/* nginx's workers may run as another user (nobody, as root). */
	if (chmod(path, 0666) == -1) {
		fprintf(stderr, "yardstick: chmod %s: %s\n", path,
		    strerror(errno));
		goto out;
	}
	for (i = 0; i < nworkers; i++) {
		if ((pid[i] = fork()) == -1) {
			fprintf(stderr, "yardstick: fork: %s\n",
			    strerror(errno));
			nworkers = i;
			stopping = 1;
			break;
		}
		if (pid[i] == 0) {
			rc = worker(sock, key, &mask);
			free_key(key);
			_exit(rc);
		}
	}
	rc = stopping;
	while (!stopping)
		sigsuspend(&mask);
	for (i = 0; i < nworkers; i++)
		kill(pid[i], SIGKILL);
	for (i = 0; i < nworkers; i++)
		while (waitpid(pid[i], NULL, 0) == -1 && errno == EINTR)
			continue;
	(void)unlink(path);
out:
	free_key(key);
	return rc;
}
