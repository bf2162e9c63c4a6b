/*
 * test_log.c: the request lines' buffer (log.h).
 *
 * stderr goes to a file here, so what was written, and when, can be read
 * back: request lines wait in the buffer until it is full, log_flush, a
 * log_msg or exit(3), in order and whole; a warning is written at once.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

static char	path[] = "/tmp/test_log.XXXXXX";
static int	fd = -1;

static void	test_buffered(void);
static void	test_size_limit(void);
static void	test_msg_in_order(void);
static void	test_exit(void);
static void	test_long_line(void);
static off_t	written(void);
static void	restart(void);
static char	*contents(size_t *);

/* Bytes written to stderr so far. */
static off_t
written(void)
{
	struct stat	st;

	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

/* Empties the file behind stderr. */
static void
restart(void)
{
	log_flush();
	CHECK(ftruncate(fd, 0) == 0);
	CHECK(lseek(fd, 0, SEEK_SET) == 0);
}

static char *
contents(size_t *n)
{
	char	*s;
	off_t	 len = written();

	if (len < 0 || (s = malloc((size_t)len + 1)) == NULL)
		return NULL;
	if (pread(fd, s, (size_t)len, 0) != len) {
		free(s);
		return NULL;
	}
	s[len] = '\0';
	*n = (size_t)len;
	return s;
}

static void
test_buffered(void)
{
	char	*s;
	size_t	 n;

	restart();
	log_request("GET /a 200 %dus", 1);
	log_request("GET /b 404 %dus", 2);
	CHECK(written() == 0);
	CHECK(log_pending() > 0);
	log_flush();
	CHECK(log_pending() == 0);
	if ((s = contents(&n)) == NULL) {
		CHECK(0);
		return;
	}
	CHECK(strstr(s, "test[") == s);
	CHECK(strstr(s, "]: GET /a 200 1us\ntest[") != NULL);
	CHECK(strstr(s, "]: GET /b 404 2us\n") != NULL);
	CHECK(strstr(s, "/a") < strstr(s, "/b"));
	CHECK(n > 0 && s[n - 1] == '\n');
	free(s);
	/* Nothing waits: a second flush writes nothing. */
	log_flush();
	CHECK(written() == (off_t)n);
}

/* Lines up to past the size limit: every one, in order, whole. */
static void
test_size_limit(void)
{
	char	*s, *p, *nl, want[64];
	size_t	 n;
	int	 i, count = 0, bad = 0, lines = 3 * LOG_BUF / 30;
	off_t	 before, size;

	restart();
	before = 0;
	for (i = 0; i < lines; i++) {
		log_request("GET /n/%d 200 7us", i);
		size = written();
		/* Only ever whole lines reach the file, at most LOG_BUF. */
		if (size != before) {
			if (size - before > LOG_BUF)
				bad++;
			before = size;
		}
		if (i == 2)
			CHECK(written() == 0);
	}
	CHECK(bad == 0);
	CHECK(written() > 0);		/* the limit was reached */
	CHECK(log_pending() > 0 && log_pending() <= LOG_BUF);
	log_flush();
	if ((s = contents(&n)) == NULL) {
		CHECK(0);
		return;
	}
	for (p = s; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		(void)snprintf(want, sizeof(want), "]: GET /n/%d 200 7us",
		    count);
		if (strncmp(p, "test[", 5) != 0 || strstr(p, want) == NULL ||
		    strlen(strstr(p, want)) != strlen(want)) {
			CHECK_CASE("line %d", count);
			CHECK_STR(p, want);
			check_case_end();
			break;
		}
		count++;
	}
	CHECK(count == lines);
	CHECK(*p == '\0');
	free(s);
}

/* A warning after request lines: they come first, the warning at once. */
static void
test_msg_in_order(void)
{
	char	*s;
	size_t	 n;

	restart();
	log_request("GET /first 200 1us");
	log_msg("a warning");
	CHECK(log_pending() == 0);
	log_request("GET /after 200 1us");
	if ((s = contents(&n)) == NULL) {
		CHECK(0);
		return;
	}
	CHECK(strstr(s, "/first") != NULL && strstr(s, "a warning") != NULL &&
	    strstr(s, "/first") < strstr(s, "a warning"));
	CHECK(strstr(s, "/after") == NULL);
	free(s);
	log_flush();
	CHECK((s = contents(&n)) != NULL && strstr(s, "/after") != NULL);
	free(s);
}

/* exit(3) writes what waits; _exit (a crash) does not. */
static void
test_exit(void)
{
	char	*s, want[64];
	size_t	 n;
	pid_t	 pid, child;
	int	 st;

	restart();
	log_msg("the parent's pid, cached");
	restart();
	if ((pid = fork()) == 0) {
		log_request("GET /at-exit 200 1us");
		exit(0);
	}
	child = pid;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	if ((pid = fork()) == 0) {
		log_request("GET /crashed 200 1us");
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st));
	if ((s = contents(&n)) == NULL) {
		CHECK(0);
		return;
	}
	CHECK(strstr(s, "]: GET /at-exit 200 1us\n") != NULL);
	/* The child's own pid, not the one the parent had cached. */
	(void)snprintf(want, sizeof(want), "test[%d]: GET /at-exit ", (int)child);
	CHECK(strstr(s, want) != NULL);
	CHECK(strstr(s, "/crashed") == NULL);
	free(s);
}

/* A line longer than LOG_LINE_MAX is cut, still one line. */
static void
test_long_line(void)
{
	char	 big[3000], *s;
	size_t	 n;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	restart();
	log_request("GET /%s\n200", big);
	log_flush();
	if ((s = contents(&n)) == NULL) {
		CHECK(0);
		return;
	}
	CHECK(n == LOG_LINE_MAX - 1);
	CHECK(s[n - 1] == '\n' && strchr(s, '\n') == s + n - 1);
	free(s);
}

int
main(void)
{
	FILE	*err;
	int	 saved;

	/* The harness's messages keep the real stderr; fd 2 is the log's. */
	if ((fd = mkstemp(path)) == -1 || (saved = dup(STDERR_FILENO)) == -1 ||
	    (err = fdopen(saved, "w")) == NULL ||
	    dup2(fd, STDERR_FILENO) == -1) {
		perror("test_log");
		return 1;
	}
	setvbuf(err, NULL, _IONBF, 0);
	stderr = err;
	log_init("test");
	test_buffered();
	test_size_limit();
	test_msg_in_order();
	test_exit();
	test_long_line();
	restart();
	(void)unlink(path);
	return check_done();
}
