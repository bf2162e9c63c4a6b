/*
 * http.h: one FastCGI request and its answer.
 *
 * The runtime (server.h) fills a struct request from the FastCGI
 * parameters and hands it to a route's handler.  A handler answers exactly
 * once, through http_send() or one of the helpers built on it; headers
 * added before that (cookies, Location) go out with the answer.
 *
 * Conventions of the contract (§3) live here: a client that sends
 * "Accept: application/json" (or calls /api/...) gets JSON, a browser gets
 * HTML; errors are {"error": code, "fields": {...}} in JSON.
 *
 * Layer rules (lib/web): the transport sends bytes and knows no page: it
 * may use lib/conf, lib/rules (the form parser) and lib/base, libfcgi and
 * cJSON; never page.h, reply.h, session.h or the database.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>

#include <cjson/cJSON.h>
#include <fcgiapp.h>

#include "buf.h"
#include "config.h"

#define HTTP_MAX_BODY	(64 * 1024)	/* larger request bodies get 413 */

struct form;
struct form_field;

struct request {
	FCGX_Request		*fcgi;
	const struct config	*cfg;
	const char		*method;	/* "GET", "POST", ... */
	const char		*path;		/* decoded, without the query */
	const char		*query;		/* raw query string, maybe "" */
	const char		*remote_addr;	/* an IPv4 or IPv6 address, or "" */
	const char		*cookies;	/* the Cookie header, or NULL */
	const char		*user_agent;	/* or NULL */
	const char		*origin;	/* the Origin header, or NULL */
	int			 json;		/* the client wants JSON */
	char			*body;		/* after http_read_body() */
	size_t			 body_len;
	int			 status;	/* as answered, for the log */
	struct buf		 headers;	/* extra header lines */
};

/* Sets up req from the FastCGI request.  Cannot fail. */
void	http_begin(struct request *, FCGX_Request *, const struct config *);

/* A FastCGI parameter (e.g. "HTTP_X_AUTH_TOKEN"), or NULL. */
const char *http_param(const struct request *, const char *name);

/* Frees what the request allocated. */
void	http_end(struct request *);

/*
 * Reads the body to EOF, never more than HTTP_MAX_BODY bytes, whatever
 * CONTENT_LENGTH says.  Returns 0, or the status to answer: 413 if too
 * large, 400 if the stream broke.
 */
int	http_read_body(struct request *);

/*
 * Reads a urlencoded body and parses it into f against the table.
 * Returns 0 if the form is valid, 422 if a field (or the body) is not,
 * or another status (413, 415, 400) for a body that is not a form at
 * all.  The form must be released with form_free() in every case.
 */
int	http_read_form(struct request *, struct form *,
	    const struct form_field *, size_t nfields);

/* Adds a header line ("Name: value", no CR or LF) to the answer. */
void	http_header(struct request *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

enum {
	COOKIE_HTTPONLY	= 1 << 0,
	COOKIE_STRICT	= 1 << 1,	/* SameSite=Strict, else Lax */
};

/*
 * Under https every cookie's name carries this prefix: the browser then
 * takes it only with Secure, Path=/ and no Domain, so neither a sibling
 * subdomain nor a plain-http page can plant it.  Callers name cookies
 * without it.
 */
#define COOKIE_HOST_PREFIX	"__Host-"

/*
 * Sets a cookie for the whole site; Secure (and named with
 * COOKIE_HOST_PREFIX) when base_url is https.  max_age 0 makes a cookie
 * that ends with the browser session, -1 deletes.
 */
void	http_cookie(struct request *, const char *name, const char *value,
	    long max_age, unsigned flags);

/*
 * The cookie's value into out[outsz]; its length, or -1 if absent, sent
 * twice (a cookie name that comes twice is refused, never first-wins) or
 * longer than the room.
 */
long	http_cookie_get(const struct request *, const char *name, char *out,
	    size_t outsz);

/* Sends the answer. */
void	http_send(struct request *, int status, const char *content_type,
	    const char *body, size_t n);

/* Sends cJSON (and deletes it); a NULL item sends 500. */
void	http_send_json(struct request *, int status, cJSON *);

/* 303 See Other to base_url + path. */
void	http_redirect(struct request *, const char *path);

/* The reason phrase of a status code. */
const char *http_reason(int status);

#endif
