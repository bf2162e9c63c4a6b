/*
 * config.h: the site's configuration file (contract §2).
 *
 * "key = value" lines, "#" comment lines, blanks around keys and values
 * ignored.  The loader is strict: an unknown key, a repeated key, a
 * missing required key or a malformed value is an error whose one-line
 * message names the key, so no program ever starts half-configured.
 * Messages never contain a value, since values may be secrets.
 *
 * Layer rules (lib/conf): may use lib/rules, lib/crypto and lib/base;
 * never the database or the web.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#include "robokassa.h"

struct config {
	char		*base_url;		/* scheme://host[:port], no slash */
	int		 https;			/* base_url is https */
	char		*database;		/* libpq conninfo without user */
	char		*robokassa_merchant_login;
	char		*robokassa_password1;
	char		*robokassa_password2;
	int		 robokassa_hash;	/* enum rk_hash */
	int		 robokassa_test;
	char		*robokassa_url;
	int		 sandbox;
	int		 trial_days;		/* 1..14 */
	/*
	 * scrypt's log2 N for new password hashes: PASSWORD_COST (17) unless
	 * the file says otherwise; a test stack's is cheaper.
	 */
	int		 password_cost;
	char		*license_signing_key;	/* path of a PEM file */
	char		*merchant_name;
	char		*merchant_bin;
	char		*merchant_address;
	char		*support_email;
	char		*receipt_tax;
	char		*smtp_url;		/* mail settings (contract §6) */
	char		*smtp_user;
	char		*smtp_password;
	char		*mail_from;
	char		*admin_email;
	/*
	 * The folder where robokassa-result keeps the ResultURL calls it
	 * answered 503 while the database was down, to replay them (an
	 * absolute path; NULL: none kept).
	 */
	char		*journal_dir;
	char		*csrf_secret;		/* keys the CSRF tokens (csrf.h) */
};

/*
 * Loads the file at path into cfg (zeroed first).  Returns 0, or -1 with a
 * one-line message in err.  On error cfg holds nothing to free.
 */
int	config_load(struct config *cfg, const char *path, char *err,
	    size_t errsz);

/* Frees (and wipes) every value. */
void	config_free(struct config *);

#endif
