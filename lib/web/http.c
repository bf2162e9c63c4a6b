/*
 * http.c: requests and answers over FastCGI; see http.h.
 */
#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "http.h"

#define MAX_HEADERS	4096

static const char *
param(FCGX_Request *r, const char *name)
{
	return FCGX_GetParam(name, r->envp);
}

static const char *
param_or(FCGX_Request *r, const char *name, const char *dflt)
{
	const char	*v = param(r, name);

	return v != NULL ? v : dflt;
}

/*
 * The client's address as nginx gives it, if it is one: handlers pass it
 * to the database as inet, and a value of any other shape (a program
 * reached without nginx) is no address, "".
 */
static const char *
remote_addr(FCGX_Request *fr)
{
	const char	*v = param_or(fr, "REMOTE_ADDR", "");
	unsigned char	 a[sizeof(struct in6_addr)];

	if (strchr(v, ':') != NULL ? inet_pton(AF_INET6, v, a) == 1 :
	    inet_pton(AF_INET, v, a) == 1)
		return v;
	return "";
}

void
http_begin(struct request *req, FCGX_Request *fr, const struct config *cfg)
{
	const char	*accept;

	memset(req, 0, sizeof(*req));
	req->fcgi = fr;
	req->cfg = cfg;
	req->method = param_or(fr, "REQUEST_METHOD", "GET");
	req->path = param_or(fr, "DOCUMENT_URI", param_or(fr, "SCRIPT_NAME",
	    "/"));
	req->query = param_or(fr, "QUERY_STRING", "");
	req->remote_addr = remote_addr(fr);
	req->cookies = param(fr, "HTTP_COOKIE");
	req->user_agent = param(fr, "HTTP_USER_AGENT");
	req->origin = param(fr, "HTTP_ORIGIN");
	accept = param(fr, "HTTP_ACCEPT");
	req->json = strncmp(req->path, "/api/", 5) == 0 ||
	    (accept != NULL && strstr(accept, "application/json") != NULL);
	buf_init(&req->headers, MAX_HEADERS);
}

const char *
http_param(const struct request *req, const char *name)
{
	return FCGX_GetParam(name, req->fcgi->envp);
}

void
http_end(struct request *req)
{
	free(req->body);
	req->body = NULL;
	buf_free(&req->headers);
}

int
http_read_body(struct request *req)
{
	FCGX_Stream	*in = req->fcgi->in;
	size_t		 n = 0;
	int		 r;

	if (req->body != NULL)
		return 0;
	if ((req->body = malloc(HTTP_MAX_BODY + 1)) == NULL)
		return 503;
	while (n < HTTP_MAX_BODY && (r = FCGX_GetStr(req->body + n,
	    (int)(HTTP_MAX_BODY - n), in)) > 0)
		n += (size_t)r;
	req->body[n] = '\0';
	req->body_len = n;
	if (n == HTTP_MAX_BODY && FCGX_GetChar(in) != EOF)
		return 413;
	if (FCGX_GetError(in) != 0)
		return 400;
	return 0;
}

int
http_read_form(struct request *req, struct form *f,
    const struct form_field *fields, size_t nfields)
{
	const char	*ct = param(req->fcgi, "CONTENT_TYPE");
	int		 st;

	/* Parse nothing first, so that form_free() is always safe. */
	form_parse(f, fields, 0, "", 0);
	if ((st = http_read_body(req)) != 0)
		return st;
	if (ct == NULL || strncmp(ct, "application/x-www-form-urlencoded",
	    33) != 0 || (ct[33] != '\0' && ct[33] != ';'))
		return 415;
	form_free(f);
	return form_parse(f, fields, nfields, req->body, req->body_len) == 0 ?
	    0 : 422;
}

void
http_header(struct request *req, const char *fmt, ...)
{
	va_list	ap;
	char	line[1024];
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* A header that was cut or carries a line break is never sent. */
	if (n < 0 || (size_t)n >= sizeof(line) || strpbrk(line, "\r\n"))
		return;
	buf_add(&req->headers, line, (size_t)n);
	buf_adds(&req->headers, "\r\n");
}

void
http_cookie(struct request *req, const char *name, const char *value,
    long max_age, unsigned flags)
{
	char	age[32] = "";

	if (max_age > 0)
		snprintf(age, sizeof(age), "; Max-Age=%ld", max_age);
	else if (max_age < 0)
		snprintf(age, sizeof(age), "; Max-Age=0");
	http_header(req, "Set-Cookie: %s%s=%s; Path=/%s%s%s; SameSite=%s",
	    req->cfg->https ? COOKIE_HOST_PREFIX : "", name,
	    max_age < 0 ? "" : value, age,
	    req->cfg->https ? "; Secure" : "",
	    flags & COOKIE_HTTPONLY ? "; HttpOnly" : "",
	    flags & COOKIE_STRICT ? "Strict" : "Lax");
}

long
http_cookie_get(const struct request *req, const char *name, char *out,
    size_t outsz)
{
	const char	*p = req->cookies, *end, *eq, *found = NULL;
	const char	*prefix = req->cfg != NULL && req->cfg->https ?
			    COOKIE_HOST_PREFIX : "";
	size_t		 plen = strlen(prefix), nlen = strlen(name), vlen = 0;

	while (p != NULL && *p != '\0') {
		while (*p == ' ')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == plen + nlen &&
		    memcmp(p, prefix, plen) == 0 &&
		    memcmp(p + plen, name, nlen) == 0) {
			/*
			 * A name sent twice is refused: the browser cannot
			 * say which is whose, and a planted cookie (another
			 * path or domain) must not win by its place.
			 */
			if (found != NULL)
				return -1;
			found = eq + 1;
			vlen = (size_t)(end - found);
		}
		p = *end ? end + 1 : end;
	}
	if (found == NULL || vlen >= outsz)
		return -1;
	memcpy(out, found, vlen);
	out[vlen] = '\0';
	return (long)vlen;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 303: return "See Other";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

void
http_send(struct request *req, int status, const char *content_type,
    const char *body, size_t n)
{
	struct buf	head;

	buf_init(&head, MAX_HEADERS * 2);
	buf_printf(&head, "Status: %d %s\r\n", status, http_reason(status));
	if (content_type != NULL)
		buf_printf(&head, "Content-Type: %s\r\n", content_type);
	buf_printf(&head, "Content-Length: %zu\r\n", n);
	buf_adds(&head, "Cache-Control: no-store\r\n");

	buf_add(&head, buf_str(&req->headers), req->headers.len);
	buf_adds(&head, "\r\n");
	FCGX_PutStr(buf_str(&head), (int)head.len, req->fcgi->out);
	if (n > 0 && strcmp(req->method, "HEAD") != 0)
		FCGX_PutStr(body, (int)n, req->fcgi->out);
	buf_free(&head);
	req->status = status;
}

void
http_send_json(struct request *req, int status, cJSON *root)
{
	char	*s;

	if (root == NULL || (s = cJSON_PrintUnformatted(root)) == NULL) {
		cJSON_Delete(root);
		http_send(req, 500, "application/json",
		    "{\"error\":\"internal\"}", 20);
		return;
	}
	http_send(req, status, "application/json", s, strlen(s));
	cJSON_free(s);
	cJSON_Delete(root);
}

void
http_redirect(struct request *req, const char *path)
{
	http_header(req, "Location: %s%s", req->cfg->base_url, path);
	http_send(req, 303, "text/plain; charset=utf-8", "", 0);
}
