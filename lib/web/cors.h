/*
 * cors.h: cross-origin reads for the widgets, which run in the customer's
 * amoCRM or Kommo pages (contract §3): Access-Control-Allow-Origin echoes
 * an origin https://<account>.amocrm.ru, .kommo.com or .amocrm.com and
 * nothing else, always with Vary: Origin.
 *
 * Layer rules (lib/web): may use http.h and lib/rules.
 */
#ifndef CORS_H
#define CORS_H

#include "http.h"

/* Adds the CORS headers the request's origin deserves to the answer. */
void	cors_amocrm(struct request *);

#endif
