/*
 * fetch.h: an HTTP(S) request from a program to another server (libcurl):
 * the sandbox's ResultURL calls and reconciliation's OpStateExt calls.
 *
 * Layer rules (lib/net): may use lib/base and libcurl; never the
 * database or the web.
 */
#ifndef FETCH_H
#define FETCH_H

#include "buf.h"

/*
 * POSTs the urlencoded body to url (or GETs it if body is NULL), waiting
 * at most timeout_ms in all, and puts the answer's body (at most its
 * max) into resp.  Returns the HTTP status, or -1 if no answer came.
 */
long	fetch(const char *url, const char *body, struct buf *resp,
	    long timeout_ms);

#endif
