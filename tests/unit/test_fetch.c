/*
 * test_fetch.c: one HTTP request to another server (fetch.h), against a
 * server of the test's own on loopback: a child process that answers one
 * connection with what the case says and reports the request it read.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "fetch.h"

struct server {
	int	port;
	int	report[2];	/* the request the child read */
	pid_t	pid;
};

/* Serves one connection: reads the request, sends answer (NULL: silence). */
static int
serve(struct server *s, const char *answer)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	char			req[4096];
	ssize_t			n, got = 0;
	int			lfd, fd;

	if ((lfd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 1) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1 ||
	    pipe(s->report) == -1) {
		close(lfd);
		return -1;
	}
	s->port = ntohs(sin.sin_port);
	if ((s->pid = fork()) != 0) {
		close(lfd);
		close(s->report[1]);
		return s->pid == -1 ? -1 : 0;
	}
	close(s->report[0]);
	if ((fd = accept(lfd, NULL, NULL)) != -1) {
		/* The request: headers, and a body if it says so. */
		while (got < (ssize_t)sizeof(req) - 1 &&
		    (n = read(fd, req + got, sizeof(req) - 1 - (size_t)got)) > 0) {
			got += n;
			req[got] = '\0';
			if (strstr(req, "\r\n\r\n") != NULL &&
			    (strstr(req, "Content-Length") == NULL ||
			    strstr(req, "\r\n\r\n")[4] != '\0'))
				break;
		}
		if (write(s->report[1], req, (size_t)got) != got)
			_exit(1);
		close(s->report[1]);
		if (answer == NULL)
			sleep(1);
		else if (write(fd, answer, strlen(answer)) !=
		    (ssize_t)strlen(answer))
			_exit(1);
		close(fd);
	}
	_exit(0);
}

/* The request the server read, once it is done. */
static void
done(struct server *s, char *out, size_t outsz)
{
	ssize_t	n, got = 0;

	while (got < (ssize_t)outsz - 1 &&
	    (n = read(s->report[0], out + got, outsz - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(s->report[0]);
	waitpid(s->pid, NULL, 0);
}

static void
test_post_and_get(void)
{
	struct server	s;
	struct buf	resp;
	char		url[64], req[4096];

	buf_init(&resp, 1024);
	CHECK(serve(&s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
	    "Connection: close\r\n\r\nhello") == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/result", s.port);
	CHECK(fetch(url, "OutSum=1&InvId=2", &resp, 5000) == 200);
	CHECK_STR(buf_str(&resp), "hello");
	done(&s, req, sizeof(req));
	CHECK(strncmp(req, "POST /result HTTP/1.1\r\n", 23) == 0);
	CHECK(strstr(req, "\r\n\r\nOutSum=1&InvId=2") != NULL);
	CHECK(strstr(req, "application/x-www-form-urlencoded") != NULL);

	buf_reset(&resp);
	CHECK(serve(&s, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
	    "Connection: close\r\n\r\n") == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/q?x=1", s.port);
	CHECK(fetch(url, NULL, &resp, 5000) == 404);
	done(&s, req, sizeof(req));
	CHECK(strncmp(req, "GET /q?x=1 HTTP/1.1\r\n", 21) == 0);
	buf_free(&resp);
}

static void
test_limits(void)
{
	struct server	s;
	struct buf	resp;
	char		url[64], req[4096];
	time_t		t0;

	/* An answer larger than the buffer's max: no answer, not a cut one. */
	buf_init(&resp, 4);
	CHECK(serve(&s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
	    "Connection: close\r\n\r\n0123456789") == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s.port);
	CHECK(fetch(url, NULL, &resp, 5000) == -1);
	done(&s, req, sizeof(req));
	buf_free(&resp);

	/* A server that does not answer: -1 within the time given. */
	buf_init(&resp, 1024);
	CHECK(serve(&s, NULL) == 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s.port);
	t0 = time(NULL);
	CHECK(fetch(url, NULL, &resp, 500) == -1);
	CHECK(time(NULL) - t0 <= 1);
	done(&s, req, sizeof(req));

	/* Only http and https. */
	CHECK(fetch("file:///etc/passwd", NULL, &resp, 500) == -1);
	CHECK(resp.len == 0);
	CHECK(fetch("ftp://127.0.0.1/", NULL, &resp, 500) == -1);
	buf_free(&resp);
}

int
main(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return 1;
	test_post_and_get();
	test_limits();
	curl_global_cleanup();
	return check_done();
}
