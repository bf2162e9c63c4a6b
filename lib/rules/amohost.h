/*
 * amohost.h: which hosts are amoCRM and Kommo accounts.  An account lives
 * at <name>.amocrm.ru, <name>.kommo.com or <name>.amocrm.com, where name is
 * a DNS label of a-z, 0-9 and inner hyphens.  Used by checkout's form, the
 * token verifier's issuer check and license-check's CORS origins alike.
 *
 * Layer rules (lib/rules): pure functions; no I/O.
 */
#ifndef AMOHOST_H
#define AMOHOST_H

#define AMO_HOST_MAX	96

/*
 * The host of a valid amo_domain value ("mycompany" becomes
 * "mycompany.amocrm.ru") into out[AMO_HOST_MAX].  Returns 0, or -1 if the
 * text is not an amoCRM or Kommo account's address.
 */
int		 amo_host(const char *domain, char *out);

#endif
