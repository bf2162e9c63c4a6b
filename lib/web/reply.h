/*
 * reply.h: the error answer of the contract (§3), above the transport and
 * the pages: a JSON client gets {"error": code, "fields": {...},
 * "message": ...}, a browser the site's page with the message.
 *
 * Layer rules (lib/web): may use http.h and page.h; pages never use it.
 */
#ifndef REPLY_H
#define REPLY_H

#include "form.h"
#include "http.h"

/*
 * The error answer: JSON {"error": code, "fields": {...}} with the form's
 * messages if f is not NULL, or an HTML page with message.
 */
void	http_error(struct request *, int status, const char *code,
	    const struct form *f, const char *message);

/* A JSON answer of one flag, {"name": true} ({"logged_out": true}). */
void	http_send_true(struct request *, int status, const char *name);

#endif
