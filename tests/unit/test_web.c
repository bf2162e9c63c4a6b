/*
 * test_web.c: the web layer through real FastCGI exchanges.
 *
 * The test listens on a unix socket with libfcgi, as a program does; for
 * each request a child process plays the web server and writes the
 * FastCGI records (BEGIN_REQUEST, PARAMS, STDIN), while the test accepts
 * with FCGX_Accept_r(), hands the request to a handler that calls the
 * layer, and then reads back the records the library wrote.  What is
 * checked is what a client would see: the bytes of the answer.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "config.h"
#include "crypto.h"
#include "csrf.h"
#include "form.h"
#include "http.h"
#include "page.h"
#include "reply.h"
#include "session.h"

#define NVARS(a)	(sizeof(a) / sizeof((a)[0]))

/* FastCGI record types (the FastCGI specification, §8). */
#define FCGI_BEGIN_REQUEST	1
#define FCGI_END_REQUEST	3
#define FCGI_PARAMS		4
#define FCGI_STDIN		5
#define FCGI_STDOUT		6
#define FCGI_RESPONDER		1

#define MAX_ANSWER	(1024 * 1024)

#define SUN_PATH_MAX	sizeof(((struct sockaddr_un *)NULL)->sun_path)

static char		 sock_dir[] = "/tmp/test_web.XXXXXX";
static char		 sock_path[SUN_PATH_MAX];
static int		 listen_fd = -1;
static FCGX_Request	 fr;
static struct config	 cfg_http, cfg_https;

typedef void handler_fn(struct request *, void *);

/* One FastCGI record of the web server's side. */
static void
record(struct buf *b, int type, const void *data, size_t n)
{
	unsigned char	h[8] = { 1, (unsigned char)type, 0, 1,
			    (unsigned char)(n >> 8), (unsigned char)(n & 0xff),
			    0, 0 };

	buf_add(b, h, sizeof(h));
	if (n > 0)
		buf_add(b, data, n);
}

static void
nv_len(struct buf *b, size_t n)
{
	unsigned char	l[4] = { (unsigned char)(n >> 24 | 0x80),
			    (unsigned char)(n >> 16), (unsigned char)(n >> 8),
			    (unsigned char)n };

	if (n < 128) {
		l[0] = (unsigned char)n;
		buf_add(b, l, 1);
	} else
		buf_add(b, l, 4);
}

/*
 * The records of one request: params are "NAME=value" strings (NULL
 * ends them), the body goes in STDIN records of at most chunk bytes.
 */
static void
request_records(struct buf *b, const char *const *params, const char *body,
    size_t n, size_t chunk)
{
	static const unsigned char	begin[8] = { 0, FCGI_RESPONDER };
	struct buf			p;
	const char			*eq;
	size_t				 off, k;

	record(b, FCGI_BEGIN_REQUEST, begin, sizeof(begin));
	buf_init(&p, 65535);
	for (; params != NULL && *params != NULL; params++) {
		eq = strchr(*params, '=');
		nv_len(&p, (size_t)(eq - *params));
		nv_len(&p, strlen(eq + 1));
		buf_add(&p, *params, (size_t)(eq - *params));
		buf_adds(&p, eq + 1);
	}
	if (p.len > 0)
		record(b, FCGI_PARAMS, buf_str(&p), p.len);
	record(b, FCGI_PARAMS, NULL, 0);
	buf_free(&p);
	for (off = 0; off < n; off += k) {
		k = n - off < chunk ? n - off : chunk;
		record(b, FCGI_STDIN, body + off, k);
	}
	record(b, FCGI_STDIN, NULL, 0);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Takes the STDOUT records out of what the library wrote.  Returns 0 if
 * the records are well formed and end with END_REQUEST (complete, status
 * 0), else -1.
 */
static int
parse_answer(const unsigned char *p, size_t n, struct buf *out)
{
	size_t	len, pad;
	int	ended = 0;

	while (n >= 8 && !ended) {
		if (p[0] != 1 || p[2] != 0 || p[3] != 1)
			return -1;
		len = (size_t)p[4] << 8 | p[5];
		pad = p[6];
		if (n < 8 + len + pad)
			return -1;
		if (p[1] == FCGI_STDOUT)
			buf_add(out, p + 8, len);
		else if (p[1] == FCGI_END_REQUEST)
			ended = len == 8 && p[8] == 0 && p[9] == 0 &&
			    p[10] == 0 && p[11] == 0 && p[12] == 0;
		p += 8 + len + pad;
		n -= 8 + len + pad;
	}
	return ended && n == 0 ? 0 : -1;
}

/*
 * One exchange: the child writes the request, the test accepts it with
 * libfcgi and runs h, then reads the whole answer.  out receives the
 * STDOUT bytes (the CGI answer).  Returns 0, or -1 if the exchange broke.
 */
static int
exchange_cfg(const struct config *cfg, const char *const *params,
    const char *body, size_t n, size_t chunk, handler_fn *h, void *arg,
    struct buf *out)
{
	struct sockaddr_un	 sa;
	struct request		 req;
	struct buf		 in, raw;
	char			 tmp[8192];
	ssize_t			 r;
	pid_t			 pid;
	int			 fd, status, rc = -1;

	buf_reset(out);
	buf_init(&in, 4 * MAX_ANSWER);
	buf_init(&raw, 2 * MAX_ANSWER);
	request_records(&in, params, body, n, chunk);
	if (in.failed)
		goto out;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		goto out;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		goto out;
	}
	if ((pid = fork()) == -1) {
		close(fd);
		goto out;
	}
	if (pid == 0) {
		/* The web server: the request, then end of our writing. */
		status = write_all(fd, buf_str(&in), in.len);
		shutdown(fd, SHUT_WR);
		_exit(status == 0 ? 0 : 1);
	}
	if (FCGX_Accept_r(&fr) == 0) {
		http_begin(&req, &fr, cfg);
		h(&req, arg);
		http_end(&req);
		FCGX_Finish_r(&fr);
		rc = 0;
	}
	while ((r = read(fd, tmp, sizeof(tmp))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != ECONNRESET)
				rc = -1;
			break;
		}
		buf_add(&raw, tmp, (size_t)r);
	}
	close(fd);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		rc = -1;
	if (rc == 0 && (raw.failed || parse_answer((unsigned char *)raw.data,
	    raw.len, out) == -1 || out->failed))
		rc = -1;
out:
	buf_free(&in);
	buf_free(&raw);
	return rc;
}

static int
exchange(const char *const *params, const char *body, size_t n,
    handler_fn *h, void *arg, struct buf *out)
{
	return exchange_cfg(&cfg_http, params, body, n, 65535, h, arg, out);
}

/* The answer's body: what follows the blank line. */
static const char *
answer_body(const struct buf *a)
{
	const char	*s = a->data != NULL ? strstr(a->data, "\r\n\r\n") :
			    NULL;

	return s != NULL ? s + 4 : "";
}

/* The value of a header line of the answer ("" if absent), in out. */
static const char *
answer_header(const struct buf *a, const char *name, char *out, size_t outsz)
{
	const char	*p = a->data, *end, *head_end;
	size_t		 nlen = strlen(name), vlen;

	out[0] = '\0';
	if (p == NULL || (head_end = strstr(p, "\r\n\r\n")) == NULL)
		return out;
	while (p < head_end) {
		end = strstr(p, "\r\n");
		if ((size_t)(end - p) > nlen + 2 &&
		    strncmp(p, name, nlen) == 0 && p[nlen] == ':' &&
		    p[nlen + 1] == ' ') {
			vlen = (size_t)(end - p) - nlen - 2;
			if (vlen >= outsz)
				vlen = outsz - 1;
			memcpy(out, p + nlen + 2, vlen);
			out[vlen] = '\0';
			return out;
		}
		p = end + 2;
	}
	return out;
}

/* True iff the answer starts with s. */
static int
starts(const struct buf *a, const char *s)
{
	return a->data != NULL && strncmp(a->data, s, strlen(s)) == 0;
}

/* True iff the answer says Content-Length: the body's real length. */
static int
length_ok(const struct buf *a)
{
	char	v[32];

	answer_header(a, "Content-Length", v, sizeof(v));
	return v[0] != '\0' &&
	    strtoul(v, NULL, 10) == strlen(answer_body(a));
}

/* ------------------------------------------------------------------ */
/* http_begin and http_param */

struct seen {
	char	method[16], path[64], query[64], remote[64], cookies[128];
	char	agent[64], origin[64], token[64];
	int	json, token_absent, nocookie, noagent, noorigin;
};

static void
copy(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s != NULL ? s : "(null)");
}

static void
h_begin(struct request *req, void *arg)
{
	struct seen	*s = arg;
	const char	*t = http_param(req, "HTTP_X_AUTH_TOKEN");

	copy(s->method, sizeof(s->method), req->method);
	copy(s->path, sizeof(s->path), req->path);
	copy(s->query, sizeof(s->query), req->query);
	copy(s->remote, sizeof(s->remote), req->remote_addr);
	copy(s->cookies, sizeof(s->cookies), req->cookies);
	copy(s->agent, sizeof(s->agent), req->user_agent);
	copy(s->origin, sizeof(s->origin), req->origin);
	copy(s->token, sizeof(s->token), t);
	s->json = req->json;
	s->token_absent = http_param(req, "HTTP_X_NOTHING") == NULL;
	s->nocookie = req->cookies == NULL;
	s->noagent = req->user_agent == NULL;
	s->noorigin = req->origin == NULL;
	http_send(req, 204, NULL, "", 0);
}

static void
test_begin(void)
{
	static const char *const	full[] = {
		"REQUEST_METHOD=POST", "DOCUMENT_URI=/api/licenses",
		"SCRIPT_NAME=/ignored", "QUERY_STRING=a=1&b=%20",
		"REMOTE_ADDR=192.0.2.7", "HTTP_COOKIE=a=1; b=2",
		"HTTP_USER_AGENT=curl/8", "HTTP_ORIGIN=https://x.amocrm.ru",
		"HTTP_X_AUTH_TOKEN=tok", NULL
	};
	static const char *const	none[] = { NULL };
	static const char *const	script[] = {
		"SCRIPT_NAME=/login", "HTTP_ACCEPT=text/html", NULL
	};
	static const char *const	accept[] = {
		"REQUEST_METHOD=GET", "DOCUMENT_URI=/login",
		"HTTP_ACCEPT=text/html, application/json;q=0.9", NULL
	};
	static const char *const	apiish[] = {
		"DOCUMENT_URI=/apix/licenses", NULL
	};
	struct seen	s;
	struct buf	a;

	buf_init(&a, MAX_ANSWER);
	memset(&s, 0, sizeof(s));
	CHECK(exchange(full, NULL, 0, h_begin, &s, &a) == 0);
	CHECK_STR(s.method, "POST");
	CHECK_STR(s.path, "/api/licenses");
	CHECK_STR(s.query, "a=1&b=%20");
	CHECK_STR(s.remote, "192.0.2.7");
	CHECK_STR(s.cookies, "a=1; b=2");
	CHECK_STR(s.agent, "curl/8");
	CHECK_STR(s.origin, "https://x.amocrm.ru");
	CHECK_STR(s.token, "tok");
	CHECK(s.token_absent);
	CHECK(s.json == 1);		/* /api/ means JSON */
	CHECK_STR(a.data, "Status: 204 No Content\r\nContent-Length: 0\r\n"
	    "Cache-Control: no-store\r\n\r\n");

	/* Nothing sent: the defaults. */
	memset(&s, 0, sizeof(s));
	CHECK(exchange(none, NULL, 0, h_begin, &s, &a) == 0);
	CHECK_STR(s.method, "GET");
	CHECK_STR(s.path, "/");
	CHECK_STR(s.query, "");
	CHECK_STR(s.remote, "");
	CHECK(s.nocookie && s.noagent && s.noorigin);
	CHECK(s.json == 0);

	/* Without DOCUMENT_URI the path is SCRIPT_NAME; HTML wanted. */
	memset(&s, 0, sizeof(s));
	CHECK(exchange(script, NULL, 0, h_begin, &s, &a) == 0);
	CHECK_STR(s.path, "/login");
	CHECK(s.json == 0);

	/* Accept naming application/json asks for JSON on any path. */
	memset(&s, 0, sizeof(s));
	CHECK(exchange(accept, NULL, 0, h_begin, &s, &a) == 0);
	CHECK(s.json == 1);

	/* Only the folder /api/ counts, not a path that starts alike. */
	memset(&s, 0, sizeof(s));
	CHECK(exchange(apiish, NULL, 0, h_begin, &s, &a) == 0);
	CHECK(s.json == 0);
	buf_free(&a);
}

/* ------------------------------------------------------------------ */
/* http_read_body */

struct body_seen {
	int	st, again;
	size_t	len;
	char	*copy;
};

static void
h_body(struct request *req, void *arg)
{
	struct body_seen	*b = arg;

	b->st = http_read_body(req);
	b->len = req->body_len;
	if (b->st == 0 && (b->copy = malloc(req->body_len + 1)) != NULL)
		memcpy(b->copy, req->body, req->body_len + 1);
	/* A second call keeps what the first one read. */
	b->again = http_read_body(req);
	http_send(req, b->st == 0 ? 200 : b->st, "text/plain", "", 0);
}

static void
test_body(void)
{
	static const char *const	post[] = {
		"REQUEST_METHOD=POST", "CONTENT_LENGTH=11", NULL
	};
	static const char *const	liar[] = {
		"REQUEST_METHOD=POST", "CONTENT_LENGTH=3", NULL
	};
	static const char	 bin[] = "hello\0world";
	struct body_seen	 b;
	struct buf		 a;
	char			*big;
	size_t			 i;

	buf_init(&a, MAX_ANSWER);
	/* The exact bytes, a NUL among them, across three STDIN records. */
	memset(&b, 0, sizeof(b));
	CHECK(exchange_cfg(&cfg_http, post, bin, 11, 4, h_body, &b, &a) == 0);
	CHECK(b.st == 0 && b.again == 0);
	CHECK(b.len == 11);
	CHECK(b.copy != NULL && memcmp(b.copy, bin, 11) == 0 &&
	    b.copy[11] == '\0');
	free(b.copy);

	/* No body at all. */
	memset(&b, 0, sizeof(b));
	CHECK(exchange(post, NULL, 0, h_body, &b, &a) == 0);
	CHECK(b.st == 0 && b.len == 0 && b.copy != NULL && b.copy[0] == '\0');
	free(b.copy);

	big = malloc(3 * HTTP_MAX_BODY);
	CHECK(big != NULL);
	if (big == NULL)
		goto out;
	for (i = 0; i < 3 * HTTP_MAX_BODY; i++)
		big[i] = (char)('a' + i % 26);

	/* CONTENT_LENGTH is not believed: the body is read to its end. */
	memset(&b, 0, sizeof(b));
	CHECK(exchange(liar, big, 1000, h_body, &b, &a) == 0);
	CHECK(b.st == 0 && b.len == 1000);
	CHECK(b.copy != NULL && memcmp(b.copy, big, 1000) == 0);
	free(b.copy);

	/* Exactly the limit is accepted. */
	memset(&b, 0, sizeof(b));
	CHECK(exchange(post, big, HTTP_MAX_BODY, h_body, &b, &a) == 0);
	CHECK(b.st == 0 && b.len == HTTP_MAX_BODY);
	CHECK(b.copy != NULL && memcmp(b.copy, big, HTTP_MAX_BODY) == 0);
	free(b.copy);

	/* One byte more is 413; so is much more. */
	memset(&b, 0, sizeof(b));
	CHECK(exchange(post, big, HTTP_MAX_BODY + 1, h_body, &b, &a) == 0);
	CHECK(b.st == 413);
	CHECK(b.len == HTTP_MAX_BODY);
	free(b.copy);
	CHECK(starts(&a, "Status: 413 Content Too Large\r\n"));
	memset(&b, 0, sizeof(b));
	CHECK(exchange(liar, big, 3 * HTTP_MAX_BODY, h_body, &b, &a) == 0);
	CHECK(b.st == 413);
	free(b.copy);
	free(big);
out:
	buf_free(&a);
}

/* ------------------------------------------------------------------ */
/* http_read_form */

static const char *
check_word(struct form_value *v)
{
	return strcmp(v->str, "bad") == 0 ? "Нельзя." : NULL;
}

enum { F_LOGIN, F_NOTE, F_NFIELDS };

static const struct form_field form_fields[F_NFIELDS] = {
	{ "login", check_word, 32, FIELD_REQUIRED, NULL },
	{ "note", NULL, 64, 0, NULL },
};

struct form_seen {
	int	st;
	char	login[40];
	int	login_absent;
};

static void
h_form(struct request *req, void *arg)
{
	struct form_seen	*s = arg;
	struct form		 f;
	const char		*v;

	s->st = http_read_form(req, &f, form_fields, F_NFIELDS);
	v = s->st == 0 ? form_str(&f, F_LOGIN) : NULL;
	s->login_absent = v == NULL;
	copy(s->login, sizeof(s->login), v);
	form_free(&f);
	http_send(req, 204, NULL, "", 0);
}

static int
form_status(const char *ctype, const char *body, size_t n,
    struct form_seen *s)
{
	const char	*params[] = { "REQUEST_METHOD=POST", ctype, NULL };
	struct buf	 a;
	int		 rc;

	buf_init(&a, MAX_ANSWER);
	memset(s, 0, sizeof(*s));
	rc = exchange(params, body, n, h_form, s, &a);
	buf_free(&a);
	return rc == 0 ? s->st : -1;
}

static void
test_form(void)
{
	static const char	 ok[] = "login=ann%40x&note=a+b&other=1";
	struct form_seen	 s;
	char			*big;

	CHECK(form_status("CONTENT_TYPE=application/x-www-form-urlencoded",
	    ok, strlen(ok), &s) == 0);
	CHECK_STR(s.login, "ann@x");
	CHECK(form_status("CONTENT_TYPE=application/x-www-form-urlencoded; "
	    "charset=UTF-8", ok, strlen(ok), &s) == 0);
	CHECK_STR(s.login, "ann@x");

	/* Not a form: 415. */
	CHECK(form_status("X=1", ok, strlen(ok), &s) == 415);
	CHECK(form_status("CONTENT_TYPE=text/plain", ok, strlen(ok), &s) ==
	    415);
	CHECK(form_status("CONTENT_TYPE=application/x-www-form-urlencodedx",
	    ok, strlen(ok), &s) == 415);
	CHECK(form_status("CONTENT_TYPE=multipart/form-data; boundary=x", ok,
	    strlen(ok), &s) == 415);

	/* A form, but a bad one: 422. */
	CHECK(form_status("CONTENT_TYPE=application/x-www-form-urlencoded",
	    "login=%zz", 9, &s) == 422);
	CHECK(form_status("CONTENT_TYPE=application/x-www-form-urlencoded",
	    "login=bad", 9, &s) == 422);
	CHECK(form_status("CONTENT_TYPE=application/x-www-form-urlencoded",
	    "note=x", 6, &s) == 422);		/* login is required */
	CHECK(form_status("CONTENT_TYPE=application/x-www-form-urlencoded",
	    "login=a&login=b", 15, &s) == 422);

	/* Too large comes before the content type. */
	if ((big = malloc(HTTP_MAX_BODY + 10)) != NULL) {
		memset(big, 'a', HTTP_MAX_BODY + 10);
		CHECK(form_status("CONTENT_TYPE=text/plain", big,
		    HTTP_MAX_BODY + 10, &s) == 413);
		free(big);
	}
}

/* ------------------------------------------------------------------ */
/* http_cookie_get */

struct cookie_seen {
	long	n[9];
	char	v[9][48];
};

static void
h_cookie_get(struct request *req, void *arg)
{
	struct cookie_seen	*c = arg;
	char			 small[4];

	c->n[0] = http_cookie_get(req, "csrf", c->v[0], sizeof(c->v[0]));
	c->n[1] = http_cookie_get(req, "session", c->v[1], sizeof(c->v[1]));
	c->n[2] = http_cookie_get(req, "absent", c->v[2], sizeof(c->v[2]));
	c->n[3] = http_cookie_get(req, "long", small, sizeof(small));
	c->n[4] = http_cookie_get(req, "long", c->v[4], sizeof(c->v[4]));
	c->n[5] = http_cookie_get(req, "empty", c->v[5], sizeof(c->v[5]));
	c->n[6] = http_cookie_get(req, "sess", c->v[6], sizeof(c->v[6]));
	c->n[7] = http_cookie_get(req, "fit", small, sizeof(small));
	copy(c->v[7], sizeof(c->v[7]), c->n[7] >= 0 ? small : NULL);
	c->n[8] = http_cookie_get(req, "four", small, sizeof(small));
	http_send(req, 204, NULL, "", 0);
}

static void
test_cookie_get(void)
{
	static const char *const	params[] = {
		"HTTP_COOKIE=xcsrf=no; csrf=first; session=s1;long=12345;"
		"  empty=; csrf=second; fit=123; four=1234", NULL
	};
	static const char *const	none[] = { NULL };
	static const char *const	twice[] = {
		"HTTP_COOKIE=csrf=attacker; csrf=real; session=s1; long=12345;"
		" session=s1", NULL
	};
	static const char *const	hosted[] = {
		"HTTP_COOKIE=csrf=plain; __Host-csrf=hosted; __Host-session=s2",
		NULL
	};
	struct cookie_seen		c;
	struct buf			a;

	buf_init(&a, MAX_ANSWER);
	memset(&c, 0, sizeof(c));
	CHECK(exchange(params, NULL, 0, h_cookie_get, &c, &a) == 0);
	CHECK(c.n[0] == -1);			/* sent twice: refused */
	CHECK(c.n[1] == 2);
	CHECK_STR(c.v[1], "s1");
	CHECK(c.n[2] == -1);			/* absent */
	CHECK(c.n[3] == -1);			/* longer than the room */
	CHECK(c.n[4] == 5);
	CHECK_STR(c.v[4], "12345");
	CHECK(c.n[5] == 0);
	CHECK_STR(c.v[5], "");
	CHECK(c.n[6] == -1);			/* a prefix is not a name */
	CHECK(c.n[7] == 3);			/* exactly fits with its NUL */
	CHECK_STR(c.v[7], "123");
	CHECK(c.n[8] == -1);			/* no room for its NUL */

	/* No Cookie header at all. */
	memset(&c, 0, sizeof(c));
	CHECK(exchange(none, NULL, 0, h_cookie_get, &c, &a) == 0);
	CHECK(c.n[0] == -1 && c.n[1] == -1 && c.n[5] == -1);

	/* Sent twice, whichever comes first, or with the same value. */
	memset(&c, 0, sizeof(c));
	CHECK(exchange(twice, NULL, 0, h_cookie_get, &c, &a) == 0);
	CHECK(c.n[0] == -1 && c.n[1] == -1);
	CHECK(c.n[4] == 5);			/* once: read */
	CHECK_STR(c.v[4], "12345");

	/* Over http "__Host-csrf" is another name; under https the only. */
	memset(&c, 0, sizeof(c));
	CHECK(exchange(hosted, NULL, 0, h_cookie_get, &c, &a) == 0);
	CHECK(c.n[0] == 5);
	CHECK_STR(c.v[0], "plain");
	CHECK(c.n[1] == -1);
	memset(&c, 0, sizeof(c));
	CHECK(exchange_cfg(&cfg_https, hosted, NULL, 0, 65535, h_cookie_get,
	    &c, &a) == 0);
	CHECK(c.n[0] == 6);
	CHECK_STR(c.v[0], "hosted");
	CHECK(c.n[1] == 2);
	CHECK_STR(c.v[1], "s2");
	buf_free(&a);
}

/* ------------------------------------------------------------------ */
/* http_cookie, http_header, http_send, http_send_json, http_redirect */

static void
h_cookies(struct request *req, void *arg)
{
	(void)arg;
	http_cookie(req, "session", "abc", 3600, COOKIE_HTTPONLY);
	http_cookie(req, "csrf", "tok", 0, COOKIE_HTTPONLY | COOKIE_STRICT);
	http_cookie(req, "old", "ignored", -1, 0);
	http_send(req, 204, NULL, "", 0);
}

static void
test_cookie(void)
{
	static const char *const	params[] = { NULL };
	struct buf			a;

	buf_init(&a, MAX_ANSWER);
	CHECK(exchange_cfg(&cfg_http, params, NULL, 0, 65535, h_cookies, NULL,
	    &a) == 0);
	CHECK_STR(a.data, "Status: 204 No Content\r\n"
	    "Content-Length: 0\r\n"
	    "Cache-Control: no-store\r\n"
	    "Set-Cookie: session=abc; Path=/; Max-Age=3600; HttpOnly; "
	    "SameSite=Lax\r\n"
	    "Set-Cookie: csrf=tok; Path=/; HttpOnly; SameSite=Strict\r\n"
	    "Set-Cookie: old=; Path=/; Max-Age=0; SameSite=Lax\r\n"
	    "\r\n");
	/* Secure and "__Host-" only when the site is served over https. */
	CHECK(exchange_cfg(&cfg_https, params, NULL, 0, 65535, h_cookies,
	    NULL, &a) == 0);
	CHECK_STR(a.data, "Status: 204 No Content\r\n"
	    "Content-Length: 0\r\n"
	    "Cache-Control: no-store\r\n"
	    "Set-Cookie: __Host-session=abc; Path=/; Max-Age=3600; Secure; "
	    "HttpOnly; SameSite=Lax\r\n"
	    "Set-Cookie: __Host-csrf=tok; Path=/; Secure; HttpOnly; "
	    "SameSite=Strict\r\n"
	    "Set-Cookie: __Host-old=; Path=/; Max-Age=0; Secure; "
	    "SameSite=Lax\r\n"
	    "\r\n");
	buf_free(&a);
}

static void
h_send(struct request *req, void *arg)
{
	char	longv[1100];

	(void)arg;
	memset(longv, 'v', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	http_header(req, "X-One: %d", 1);
	http_header(req, "X-Split: a\r\nSet-Cookie: evil=1");
	http_header(req, "X-Lf: a\nb");
	http_header(req, "X-Cr: a\rb");
	http_header(req, "X-Long: %s", longv);
	http_header(req, "X-Two: %s", "two");
	http_send(req, 201, "text/plain; charset=utf-8", "hello", 5);
	CHECK(req->status == 201);
}

static void
test_send(void)
{
	static const char *const	get[] = { "REQUEST_METHOD=GET", NULL };
	static const char *const	head[] = {
		"REQUEST_METHOD=HEAD", NULL
	};
	static const char		want_head[] = "Status: 201 Created\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 5\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-One: 1\r\n"
	    "X-Two: two\r\n"
	    "\r\n";
	struct buf			a;

	buf_init(&a, MAX_ANSWER);
	CHECK(exchange(get, NULL, 0, h_send, NULL, &a) == 0);
	CHECK(a.len == strlen(want_head) + 5);
	CHECK(a.data != NULL && strncmp(a.data, want_head,
	    strlen(want_head)) == 0 && strcmp(answer_body(&a), "hello") == 0);
	/* HEAD: the same head, Content-Length included, and no body. */
	CHECK(exchange(head, NULL, 0, h_send, NULL, &a) == 0);
	CHECK_STR(a.data, want_head);
	buf_free(&a);
}

static void
h_json(struct request *req, void *arg)
{
	cJSON	*o = NULL;

	if (arg != NULL) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "n", 7);
		cJSON_AddStringToObject(o, "s", "кз\"");
	}
	http_send_json(req, 200, o);
}

static void
h_redirect(struct request *req, void *arg)
{
	(void)arg;
	http_redirect(req, "/account?x=1");
}

static void
test_json_redirect(void)
{
	static const char *const	params[] = { NULL };
	static int			one = 1;
	struct buf			a;

	buf_init(&a, MAX_ANSWER);
	CHECK(exchange(params, NULL, 0, h_json, &one, &a) == 0);
	CHECK_STR(a.data, "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 20\r\n"
	    "Cache-Control: no-store\r\n\r\n"
	    "{\"n\":7,\"s\":\"кз\\\"\"}");
	/* No object (it could not be built): 500. */
	CHECK(exchange(params, NULL, 0, h_json, NULL, &a) == 0);
	CHECK_STR(a.data, "Status: 500 Internal Server Error\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 20\r\n"
	    "Cache-Control: no-store\r\n\r\n"
	    "{\"error\":\"internal\"}");

	CHECK(exchange(params, NULL, 0, h_redirect, NULL, &a) == 0);
	CHECK_STR(a.data, "Status: 303 See Other\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 0\r\n"
	    "Cache-Control: no-store\r\n"
	    "Location: http://localhost:8080/account?x=1\r\n\r\n");
	CHECK(exchange_cfg(&cfg_https, params, NULL, 0, 65535, h_redirect,
	    NULL, &a) == 0);
	CHECK_STR(a.data, "Status: 303 See Other\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 0\r\n"
	    "Cache-Control: no-store\r\n"
	    "Location: https://amobill.example/account?x=1\r\n\r\n");
	buf_free(&a);
}

/* ------------------------------------------------------------------ */
/* http_error */

struct error_case {
	int		 status;
	const char	*code;
	const char	*message;
	const char	*body;		/* a form to parse, or NULL */
	int		 form_error;	/* set a message about the whole form */
};

static void
h_error(struct request *req, void *arg)
{
	const struct error_case	*e = arg;
	struct form		 f;

	if (e->body == NULL) {
		http_error(req, e->status, e->code, NULL, e->message);
		return;
	}
	(void)form_parse(&f, form_fields, F_NFIELDS, e->body,
	    strlen(e->body));
	if (e->form_error)
		f.error = "Всё не так.";
	http_error(req, e->status, e->code, &f, e->message);
	form_free(&f);
}

static void
test_error(void)
{
	static const char *const	api[] = { "DOCUMENT_URI=/api/x", NULL };
	static const char *const	browser[] = {
		"DOCUMENT_URI=/login", "HTTP_ACCEPT=text/html", NULL
	};
	struct error_case		e;
	struct buf			a;
	const char			*b;
	char				v[128];

	buf_init(&a, MAX_ANSWER);
	/* JSON: the code, each field's message, the form's message. */
	e = (struct error_case){ 422, "invalid", "unused", "login=bad", 0 };
	CHECK(exchange(api, NULL, 0, h_error, &e, &a) == 0);
	CHECK(starts(&a, "Status: 422 Unprocessable Content\r\n"
	    "Content-Type: application/json\r\n"));
	CHECK_STR(answer_body(&a), "{\"error\":\"invalid\",\"fields\":"
	    "{\"login\":\"Нельзя.\"},\"message\":\"unused\"}");
	CHECK(length_ok(&a));

	e = (struct error_case){ 422, "invalid", NULL, "login=bad", 1 };
	CHECK(exchange(api, NULL, 0, h_error, &e, &a) == 0);
	CHECK_STR(answer_body(&a), "{\"error\":\"invalid\",\"fields\":"
	    "{\"login\":\"Нельзя.\"},\"message\":\"Всё не так.\"}");

	/* No form, no message: the status's text, and empty fields. */
	e = (struct error_case){ 404, "not_found", NULL, NULL, 0 };
	CHECK(exchange(api, NULL, 0, h_error, &e, &a) == 0);
	CHECK_STR(answer_body(&a), "{\"error\":\"not_found\",\"fields\":{},"
	    "\"message\":\"Такой страницы нет.\"}");
	CHECK(starts(&a, "Status: 404 Not Found\r\n"));

	/* A browser gets the page, with the message escaped. */
	e = (struct error_case){ 409, "conflict",
	    "Логин <b>занят</b> & \"взят\"", NULL, 0 };
	CHECK(exchange(browser, NULL, 0, h_error, &e, &a) == 0);
	CHECK(starts(&a, "Status: 409 Conflict\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"));
	CHECK(length_ok(&a));
	b = answer_body(&a);
	CHECK(strstr(b, "<p>Логин &lt;b&gt;занят&lt;/b&gt; &amp; "
	    "&quot;взят&quot;</p>") != NULL);
	CHECK(strstr(b, "<b>") == NULL);
	CHECK(strstr(b, "<title>Conflict — amobill</title>") != NULL);
	CHECK(strstr(b, "<h1>Conflict</h1>") != NULL);
	CHECK(strstr(b, "\"error\"") == NULL);
	CHECK_STR(answer_header(&a, "Content-Type", v, sizeof(v)),
	    "text/html; charset=utf-8");

	/* A browser's page without a message says what the status means. */
	e = (struct error_case){ 503, "unavailable", NULL, NULL, 0 };
	CHECK(exchange(browser, NULL, 0, h_error, &e, &a) == 0);
	CHECK(strstr(answer_body(&a), "Сервис временно недоступен.") != NULL);
	buf_free(&a);
}

/* ------------------------------------------------------------------ */
/* page_send, page_form, csrf_token */

struct page_case {
	const char		*name;
	const struct tmpl_var	*vars;
	size_t			 nvars;
	int			 logged_in;
};

static void
h_page(struct request *req, void *arg)
{
	const struct page_case	*p = arg;

	page_send(req, 200, "Заголовок <x>", p->name, p->vars, p->nvars,
	    p->logged_in);
}

static void
test_page(void)
{
	static const char *const	params[] = { NULL };
	static const struct tmpl_var	vars[] = {
		{ "title", "Привет" },
		{ "message", "a < b & c" },
	};
	struct page_case		p = { "message.html", vars, 2, 0 };
	struct buf			a;
	const char			*b;

	buf_init(&a, MAX_ANSWER);
	CHECK(exchange(params, NULL, 0, h_page, &p, &a) == 0);
	CHECK(starts(&a, "Status: 200 OK\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"));
	CHECK(length_ok(&a));
	b = answer_body(&a);
	CHECK(strncmp(b, "<!doctype html>", 15) == 0);
	CHECK(strstr(b, "<title>Заголовок &lt;x&gt; — amobill</title>") !=
	    NULL);
	CHECK(strstr(b, "<h1>Привет</h1>") != NULL);
	CHECK(strstr(b, "<p>a &lt; b &amp; c</p>") != NULL);
	/* The layout's footer: the seller's details from the config. */
	CHECK(strstr(b, "ТОО &quot;Амобилл&quot;, БИН/ИИН 940140000385, "
	    "г. Алматы, ул. Абая, 1.") != NULL);
	CHECK(strstr(b, "mailto:support@amobill.kz") != NULL);
	CHECK(strstr(b, "href=\"/login\"") != NULL);
	CHECK(strstr(b, "href=\"/account\"") == NULL);
	CHECK(strstr(b, "</html>") != NULL);

	/* A logged-in user's navigation. */
	p.logged_in = 1;
	CHECK(exchange(params, NULL, 0, h_page, &p, &a) == 0);
	b = answer_body(&a);
	CHECK(strstr(b, "href=\"/account\"") != NULL);
	CHECK(strstr(b, "href=\"/login\"") == NULL);

	/* A template that does not exist is a 500, not a blank page. */
	p.name = "no-such.html";
	CHECK(exchange(params, NULL, 0, h_page, &p, &a) == 0);
	CHECK_STR(a.data, "Status: 500 Internal Server Error\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 0\r\n"
	    "Cache-Control: no-store\r\n\r\n");
	buf_free(&a);
}

enum { G_LOGIN, G_PASSWORD, G_NFIELDS };

/* login.html shows {{login}}: made secret here, it must stay empty. */
static const struct form_field secret_fields[G_NFIELDS] = {
	{ "login", check_word, 32, FIELD_REQUIRED | FIELD_SECRET, NULL },
	{ "password", NULL, 32, FIELD_SECRET, NULL },
};

struct form_page {
	const struct form_field	*fields;
	const char		*body;		/* NULL: no form */
	const struct tmpl_var	*extra;
	size_t			 nextra;
};

static void
h_form_page(struct request *req, void *arg)
{
	const struct form_page	*p = arg;
	struct form		 f;

	if (p->body == NULL) {
		page_form(req, 200, "Вход", "login.html", NULL, p->extra,
		    p->nextra, 0);
		return;
	}
	(void)form_parse(&f, p->fields, G_NFIELDS, p->body, strlen(p->body));
	page_form(req, 422, "Вход", "login.html", &f, p->extra, p->nextra, 0);
	form_free(&f);
}

/* The token of the page's hidden csrf field, into out. */
static int
page_csrf(const char *b, char *out)
{
	static const char	 pre[] = "name=\"csrf\" value=\"";
	const char		*p = strstr(b, pre), *q;

	out[0] = '\0';
	if (p == NULL || (q = strchr(p += strlen(pre), '"')) == NULL ||
	    q - p != CRYPTO_TOKEN_LEN)
		return -1;
	memcpy(out, p, CRYPTO_TOKEN_LEN);
	out[CRYPTO_TOKEN_LEN] = '\0';
	return 0;
}

static void
test_page_form(void)
{
	static const char *const	params[] = { NULL };
	static const struct tmpl_var	extra[] = {
		{ "notice", "Пароль <изменён>." },
		{ "login", "from-extra" },
	};
	static const struct tmpl_var	many[PAGE_EXTRA_MAX + 1];
	struct form_page		p;
	struct buf			a;
	const char			*b;
	char				tok[CRYPTO_TOKEN_LEN + 1];
	char				want[128], v[160];

	buf_init(&a, MAX_ANSWER);
	/* An empty form: the csrf field and its cookie carry one token. */
	p = (struct form_page){ form_fields, NULL, extra, 2 };
	CHECK(exchange(params, NULL, 0, h_form_page, &p, &a) == 0);
	CHECK(starts(&a, "Status: 200 OK\r\n"));
	CHECK(length_ok(&a));
	b = answer_body(&a);
	CHECK(page_csrf(b, tok) == 0);
	CHECK(crypto_token_shape(tok, strlen(tok)));
	snprintf(want, sizeof(want), "csrf=%s; Path=/; HttpOnly; "
	    "SameSite=Strict", tok);
	CHECK_STR(answer_header(&a, "Set-Cookie", v, sizeof(v)), want);
	CHECK(strstr(b, "<title>Вход — amobill</title>") != NULL);
	CHECK(strstr(b, "Пароль &lt;изменён&gt;.") != NULL);
	/* An extra of a field's name fills it when nothing was submitted. */
	CHECK(strstr(b, "value=\"from-extra\"") != NULL);

	/* A submitted form: its values and errors; extras do not win. */
	p = (struct form_page){ form_fields, "login=bad&note=x", extra, 2 };
	CHECK(exchange(params, NULL, 0, h_form_page, &p, &a) == 0);
	CHECK(starts(&a, "Status: 422 Unprocessable Content\r\n"));
	b = answer_body(&a);
	CHECK(strstr(b, "name=\"login\" value=\"bad\"") != NULL);
	CHECK(strstr(b, "from-extra") == NULL);
	CHECK(strstr(b, "<span class=\"err\" id=\"login-err\">"
	    "Нельзя.</span>") != NULL);

	/* A secret field is never echoed, but its error is shown. */
	p = (struct form_page){ secret_fields,
	    "login=bad&password=hunter2secret", NULL, 0 };
	CHECK(exchange(params, NULL, 0, h_form_page, &p, &a) == 0);
	b = answer_body(&a);
	CHECK(strstr(a.data != NULL ? a.data : "", "hunter2secret") == NULL);
	CHECK(strstr(b, "name=\"login\" value=\"\"") != NULL);
	CHECK(strstr(b, "value=\"bad\"") == NULL);
	CHECK(strstr(b, "<span class=\"err\" id=\"login-err\">"
	    "Нельзя.</span>") != NULL);

	/* More extras than the page allows: 503, and no form. */
	p = (struct form_page){ form_fields, NULL, many, NVARS(many) };
	CHECK(exchange(params, NULL, 0, h_form_page, &p, &a) == 0);
	CHECK(starts(&a, "Status: 503 Service Unavailable\r\n"));
	CHECK(strstr(answer_body(&a), "name=\"csrf\"") == NULL);
	buf_free(&a);
}

struct csrf_seen {
	int	rc;
	char	tok[CRYPTO_TOKEN_LEN + 1];
	size_t	headers;
};

static void
h_csrf(struct request *req, void *arg)
{
	struct csrf_seen	*c = arg;

	c->rc = csrf_token(req, c->tok);
	c->headers = req->headers.len;
	http_send(req, 204, NULL, "", 0);
}

/* The token csrf_token() gives for the Cookie header (NULL: none). */
static int
csrf_for(const char *cookies, struct csrf_seen *c, struct buf *a)
{
	char		 h[256];
	const char	*params[] = { h, NULL };

	snprintf(h, sizeof(h), "HTTP_COOKIE=%s", cookies != NULL ? cookies :
	    "");
	if (cookies == NULL)
		params[0] = NULL;
	memset(c, 0, sizeof(*c));
	return exchange(params, NULL, 0, h_csrf, c, a) == 0 && c->rc == 0 &&
	    crypto_token_shape(c->tok, strlen(c->tok)) ? 0 : -1;
}

static void
test_csrf(void)
{
	char			 pre[CRYPTO_TOKEN_LEN + 1], planted[sizeof(pre)];
	char			 s1[sizeof(pre)], s2[sizeof(pre)];
	char			 bound[sizeof(pre)], cookie[256];
	char			 want[128], v[128];
	struct csrf_seen	 c;
	struct buf		 a;

	buf_init(&a, MAX_ANSWER);
	CHECK(crypto_token(planted) == 0 && crypto_token(s1) == 0 &&
	    crypto_token(s2) == 0);

	/* No cookie: a new pre-session token, set in the cookie. */
	CHECK(csrf_for(NULL, &c, &a) == 0);
	snprintf(want, sizeof(want), "csrf=%s; Path=/; HttpOnly; "
	    "SameSite=Strict", c.tok);
	CHECK_STR(answer_header(&a, "Set-Cookie", v, sizeof(v)), want);
	memcpy(pre, c.tok, sizeof(pre));

	/* The site's own token in the cookie is reused: no new cookie. */
	snprintf(cookie, sizeof(cookie), "a=b; csrf=%s", pre);
	CHECK(csrf_for(cookie, &c, &a) == 0);
	CHECK_STR(c.tok, pre);
	CHECK(c.headers == 0);
	CHECK(strstr(a.data != NULL ? a.data : "", "Set-Cookie") == NULL);

	/*
	 * A value of the right shape that the site did not sign (planted),
	 * a signature off by one character, a malformed one, the site's own
	 * sent twice: never reused, a new one is set.
	 */
	snprintf(cookie, sizeof(cookie), "csrf=%s", planted);
	CHECK(csrf_for(cookie, &c, &a) == 0);
	CHECK(strcmp(c.tok, planted) != 0 && c.headers > 0);
	snprintf(cookie, sizeof(cookie), "csrf=%.42s%c", pre,
	    pre[42] == 'A' ? 'Q' : 'A');
	CHECK(csrf_for(cookie, &c, &a) == 0);
	CHECK(strncmp(c.tok, pre, 42) != 0 && c.headers > 0);
	snprintf(cookie, sizeof(cookie), "csrf=%.42s*", pre);
	CHECK(csrf_for(cookie, &c, &a) == 0);
	CHECK(strcmp(c.tok, pre) != 0 && c.headers > 0);
	snprintf(cookie, sizeof(cookie), "csrf=%s; csrf=%s", pre, pre);
	CHECK(csrf_for(cookie, &c, &a) == 0);
	CHECK(strcmp(c.tok, pre) != 0 && c.headers > 0);

	/*
	 * With a session: the token is the session's, the same at every
	 * request, another for another session, whatever the csrf cookie
	 * holds; the cookie is set to it when it holds something else.
	 */
	snprintf(cookie, sizeof(cookie), "csrf=%s; session=%s", pre, s1);
	CHECK(csrf_for(cookie, &c, &a) == 0);
	CHECK(strcmp(c.tok, pre) != 0 && c.headers > 0);
	memcpy(bound, c.tok, sizeof(bound));
	snprintf(want, sizeof(want), "csrf=%s; Path=/; HttpOnly; "
	    "SameSite=Strict", bound);
	CHECK_STR(answer_header(&a, "Set-Cookie", v, sizeof(v)), want);
	snprintf(cookie, sizeof(cookie), "session=%s; csrf=%s", s1, bound);
	CHECK(csrf_for(cookie, &c, &a) == 0);
	CHECK_STR(c.tok, bound);
	CHECK(c.headers == 0);
	snprintf(cookie, sizeof(cookie), "session=%s; csrf=%s", s2, bound);
	CHECK(csrf_for(cookie, &c, &a) == 0);
	CHECK(strcmp(c.tok, bound) != 0 && c.headers > 0);
	snprintf(cookie, sizeof(cookie), "session=%s; csrf=%s", s1, planted);
	CHECK(csrf_for(cookie, &c, &a) == 0);
	CHECK_STR(c.tok, bound);

	/* Under https: "__Host-csrf" is set, and read back. */
	CHECK(exchange_cfg(&cfg_https, NULL, NULL, 0, 65535, h_csrf, &c,
	    &a) == 0 && c.rc == 0);
	snprintf(want, sizeof(want), "__Host-csrf=%s; Path=/; Secure; "
	    "HttpOnly; SameSite=Strict", c.tok);
	CHECK_STR(answer_header(&a, "Set-Cookie", v, sizeof(v)), want);
	buf_free(&a);
}

/* ------------------------------------------------------------------ */
/* session_form: the CSRF check of every form */

enum { S_CSRF, S_LOGIN, S_NFIELDS };

static const struct form_field session_fields[S_NFIELDS] = {
	{ "csrf", NULL, CRYPTO_TOKEN_LEN, 0, NULL },
	{ "login", check_word, 32, FIELD_REQUIRED, NULL },
};

struct sform_seen {
	int	st;
	int	answered;	/* session_form answered by itself */
};

static void
h_session_form(struct request *req, void *arg)
{
	struct sform_seen	*s = arg;
	struct form		 f;

	s->st = session_form(req, &f, session_fields, S_NFIELDS, S_CSRF);
	s->answered = req->status != 0;
	form_free(&f);
	if (!s->answered)
		http_send(req, s->st == 0 ? 200 : s->st, "text/plain",
		    "handler", 7);
}

static int
session_form_case(const char *path, const char *cookie, const char *ctype,
    const char *body, struct sform_seen *s, struct buf *a)
{
	const char	*params[] = {
		"REQUEST_METHOD=POST", path, ctype, cookie, NULL
	};

	memset(s, 0, sizeof(*s));
	return exchange(params, body, strlen(body), h_session_form, s, a);
}

/* The field csrf=tok: 0 (handler), or 403 answered. */
static int
form_with(const char *cookies, const char *tok, struct buf *a)
{
	static const char	 ct[] =
	    "CONTENT_TYPE=application/x-www-form-urlencoded";
	char			 cookie[256], body[128];
	struct sform_seen	 s;

	snprintf(cookie, sizeof(cookie), "HTTP_COOKIE=%s", cookies);
	snprintf(body, sizeof(body), "login=ann&csrf=%s", tok);
	if (session_form_case("DOCUMENT_URI=/login", cookie, ct, body, &s,
	    a) != 0)
		return -1;
	return s.st == 0 && !s.answered ? 0 : s.st == 403 && s.answered ?
	    403 : -1;
}

static void
test_session_form(void)
{
	static const char	 ct[] =
	    "CONTENT_TYPE=application/x-www-form-urlencoded";
	char			 tok[CRYPTO_TOKEN_LEN + 1], other[sizeof(tok)];
	char			 planted[sizeof(tok)], s1[sizeof(tok)];
	char			 s2[sizeof(tok)], bound[sizeof(tok)];
	char			 cookie[128], cookie2[128], body[128];
	char			 body_bad[128], jar[256];
	struct csrf_seen	 c;
	struct sform_seen	 s;
	struct buf		 a;
	const char		*b;

	buf_init(&a, MAX_ANSWER);
	/* Two tokens the site issued, one of the right shape it did not. */
	CHECK(csrf_for(NULL, &c, &a) == 0);
	memcpy(tok, c.tok, sizeof(tok));
	CHECK(csrf_for(NULL, &c, &a) == 0);
	memcpy(other, c.tok, sizeof(other));
	CHECK(crypto_token(planted) == 0 && crypto_token(s1) == 0 &&
	    crypto_token(s2) == 0);
	snprintf(cookie, sizeof(cookie), "HTTP_COOKIE=csrf=%s", tok);
	snprintf(cookie2, sizeof(cookie2), "HTTP_COOKIE=csrf=%s", other);
	snprintf(body, sizeof(body), "login=ann&csrf=%s", tok);
	snprintf(body_bad, sizeof(body_bad), "login=bad&csrf=%s", tok);

	/* The token matches: the handler goes on. */
	CHECK(session_form_case("DOCUMENT_URI=/login", cookie, ct, body, &s,
	    &a) == 0);
	CHECK(s.st == 0 && !s.answered);
	CHECK_STR(answer_body(&a), "handler");

	/* It matches, but a field is wrong: 422 for the caller to show. */
	CHECK(session_form_case("DOCUMENT_URI=/login", cookie, ct, body_bad,
	    &s, &a) == 0);
	CHECK(s.st == 422 && !s.answered);

	/* A planted cookie with its field: refused, signature unknown. */
	snprintf(jar, sizeof(jar), "csrf=%s", planted);
	CHECK(form_with(jar, planted, &a) == 403);

	/* The site's token sent twice, or next to another: refused. */
	snprintf(jar, sizeof(jar), "csrf=%s; csrf=%s", tok, tok);
	CHECK(form_with(jar, tok, &a) == 403);
	snprintf(jar, sizeof(jar), "csrf=%s; csrf=%s", tok, other);
	CHECK(form_with(jar, tok, &a) == 403);

	/*
	 * Logged in: only the session's own token passes; the pre-session
	 * token, another session's, a planted pair are refused.
	 */
	snprintf(jar, sizeof(jar), "session=%s", s1);
	CHECK(csrf_for(jar, &c, &a) == 0);
	memcpy(bound, c.tok, sizeof(bound));
	snprintf(jar, sizeof(jar), "session=%s", s1);
	CHECK(form_with(jar, bound, &a) == 0);
	snprintf(jar, sizeof(jar), "csrf=%s; session=%s", tok, s1);
	CHECK(form_with(jar, bound, &a) == 0);
	CHECK(form_with(jar, tok, &a) == 403);
	snprintf(jar, sizeof(jar), "csrf=%s; session=%s", bound, s2);
	CHECK(form_with(jar, bound, &a) == 403);
	snprintf(jar, sizeof(jar), "csrf=%s; session=%s", planted, s1);
	CHECK(form_with(jar, planted, &a) == 403);
	snprintf(jar, sizeof(jar), "session=%s; session=%s", s1, s1);
	CHECK(form_with(jar, bound, &a) == 403);

	/* Another token, no cookie, no field: 403, answered already. */
	CHECK(session_form_case("DOCUMENT_URI=/login", cookie2, ct, body, &s,
	    &a) == 0);
	CHECK(s.st == 403 && s.answered);
	CHECK(starts(&a, "Status: 403 Forbidden\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"));
	b = answer_body(&a);
	CHECK(strstr(b, "<p>Форма устарела: обновите страницу и отправьте её "
	    "ещё раз.</p>") != NULL);
	CHECK(length_ok(&a));

	CHECK(session_form_case("DOCUMENT_URI=/login", "HTTP_X=1", ct, body,
	    &s, &a) == 0);
	CHECK(s.st == 403 && s.answered);

	CHECK(session_form_case("DOCUMENT_URI=/login", cookie, ct, "login=ann",
	    &s, &a) == 0);
	CHECK(s.st == 403 && s.answered);

	/* A token that only starts like the cookie's is refused too. */
	snprintf(body, sizeof(body), "login=ann&csrf=%.42s", tok);
	CHECK(session_form_case("DOCUMENT_URI=/login", cookie, ct, body, &s,
	    &a) == 0);
	CHECK(s.st == 403 && s.answered);

	/* A JSON client is told so in JSON. */
	CHECK(session_form_case("DOCUMENT_URI=/api/form", cookie2, ct, body,
	    &s, &a) == 0);
	CHECK(s.st == 403 && s.answered);
	CHECK_STR(answer_body(&a), "{\"error\":\"csrf\",\"fields\":{},"
	    "\"message\":\"Форма устарела: обновите страницу и отправьте её "
	    "ещё раз.\"}");

	/* Not a form at all: answered with 415, before any token check. */
	snprintf(body, sizeof(body), "login=ann&csrf=%s", tok);
	CHECK(session_form_case("DOCUMENT_URI=/api/form", cookie,
	    "CONTENT_TYPE=text/plain", body, &s, &a) == 0);
	CHECK(s.st == 415 && s.answered);
	CHECK(starts(&a, "Status: 415 Unsupported Media Type\r\n"));
	CHECK(strstr(answer_body(&a), "\"error\":\"invalid\"") != NULL);
	buf_free(&a);
}

/* ------------------------------------------------------------------ */

/* Loads the fixture good.conf, with base_url replaced if url is set. */
static int
load_config(struct config *cfg, const char *url)
{
	static const char	 key[] = "base_url = http://localhost:8080\n";
	const char		*dir = getenv("FIXTURES");
	char			 path[512], tmp[] = "/tmp/test_web.conf.XXXXXX";
	char			 err[256], text[4096], *at;
	FILE			*f;
	size_t			 n;
	int			 fd, rc;

	snprintf(path, sizeof(path), "%s/good.conf",
	    dir != NULL ? dir : "tests/unit/config");
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	if (url == NULL)
		rc = config_load(cfg, path, CONF_ALL, err, sizeof(err));
	else {
		if ((at = strstr(text, key)) == NULL ||
		    (fd = mkstemp(tmp)) == -1)
			return -1;
		*at = '\0';
		if ((f = fdopen(fd, "w")) == NULL) {
			close(fd);
			unlink(tmp);
			return -1;
		}
		fprintf(f, "%sbase_url = %s\n%s", text, url, at + strlen(key));
		fclose(f);
		rc = config_load(cfg, tmp, CONF_ALL, err, sizeof(err));
		unlink(tmp);
	}
	if (rc == -1)
		fprintf(stderr, "config: %s\n", err);
	return rc;
}

/* The CSRF key comes from the configuration's csrf_secret (csrf.h). */
static int
csrf_secret(struct config *cfg)
{
	free(cfg->csrf_secret);
	cfg->csrf_secret = strdup("a test secret of at least 32 characters");
	return cfg->csrf_secret != NULL ? 0 : -1;
}

int
main(void)
{
	int	ready;

	signal(SIGPIPE, SIG_IGN);
	ready = load_config(&cfg_http, NULL) == 0 &&
	    load_config(&cfg_https, "https://amobill.example") == 0;
	CHECK(ready);
	CHECK(ready && !cfg_http.https && cfg_https.https);
	if (ready && mkdtemp(sock_dir) != NULL) {
		snprintf(sock_path, sizeof(sock_path), "%s/fcgi.sock",
		    sock_dir);
		if (csrf_secret(&cfg_http) == -1 ||
		    csrf_secret(&cfg_https) == -1)
			CHECK(!"no memory for the CSRF key");
		if (FCGX_Init() == 0 &&
		    (listen_fd = FCGX_OpenSocket(sock_path, 8)) >= 0 &&
		    FCGX_InitRequest(&fr, listen_fd, 0) == 0) {
			test_begin();
			test_body();
			test_form();
			test_cookie_get();
			test_cookie();
			test_send();
			test_json_redirect();
			test_error();
			test_page();
			test_page_form();
			test_csrf();
			test_session_form();
		} else
			CHECK(!"libfcgi could not listen");
		if (listen_fd >= 0)
			close(listen_fd);
		unlink(sock_path);
		rmdir(sock_dir);
	}
	config_free(&cfg_http);
	config_free(&cfg_https);
	return check_done();
}
