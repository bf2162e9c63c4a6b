/*
 * cors.c: CORS for the accounts' own pages; see cors.h.
 */
#include <string.h>

#include "amohost.h"
#include "cors.h"

void
cors_amocrm(struct request *req)
{
	char	host[AMO_HOST_MAX];

	if (req->origin == NULL || strncmp(req->origin, "https://", 8) != 0 ||
	    strlen(req->origin + 8) >= sizeof(host) ||
	    strchr(req->origin + 8, '.') == NULL ||
	    amo_host(req->origin + 8, host) == -1 ||
	    strcmp(host, req->origin + 8) != 0) {
		http_header(req, "Vary: Origin");
		return;
	}
	http_header(req, "Access-Control-Allow-Origin: %s", req->origin);
	http_header(req, "Vary: Origin");
	http_header(req, "Access-Control-Expose-Headers: X-Signature");
}
