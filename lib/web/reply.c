/*
 * reply.c: error answers in the client's form; see reply.h.
 */
#include "page.h"
#include "reply.h"

void
http_error(struct request *req, int status, const char *code,
    const struct form *f, const char *message)
{
	cJSON	*root, *fields;
	size_t	 i;

	if (message == NULL)
		message = page_status_text(status);
	if (!req->json) {
		page_message(req, status, http_reason(status), message);
		return;
	}
	if ((root = cJSON_CreateObject()) == NULL)
		goto fail;
	cJSON_AddStringToObject(root, "error", code);
	if ((fields = cJSON_AddObjectToObject(root, "fields")) == NULL)
		goto fail;
	for (i = 0; f != NULL && i < f->nfields; i++)
		if (f->v[i].error != NULL)
			cJSON_AddStringToObject(fields, f->fields[i].name,
			    f->v[i].error);
	if (f != NULL && f->error != NULL)
		cJSON_AddStringToObject(root, "message", f->error);
	else
		cJSON_AddStringToObject(root, "message", message);
	http_send_json(req, status, root);
	return;
fail:
	cJSON_Delete(root);
	http_send_json(req, status, NULL);
}

void
http_send_true(struct request *req, int status, const char *name)
{
	cJSON	*root;

	if ((root = cJSON_CreateObject()) != NULL)
		cJSON_AddTrueToObject(root, name);
	http_send_json(req, status, root);
}
