/*
 * config.h: the site's configuration file (contract §2).
 *
 * "key = value" lines, "#" comment lines, blanks around keys and values
 * ignored.  The loader is strict: an unknown key, a repeated key, a
 * missing required key or a malformed value is an error whose one-line
 * message names the key, so no program ever starts half-configured.
 * Messages never contain a value, since values may be secrets.
 *
 * Each program reads only the keys it needs (contract §2): every key
 * belongs to one or more groups, a program names its groups (server.h,
 * command.h), and the loader copies only the values of those groups' keys.
 * A known key of another group is skipped unseen (its value is neither
 * stored nor checked: it is another program's), a key of another group is
 * never required, and an unknown key is still an error.  How each program
 * gets a file of only its own keys: docs/operations.md, scripts/config-split.
 *
 * Layer rules (lib/conf): may use lib/rules, lib/crypto and lib/base;
 * never the database or the web.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "robokassa.h"

/* The groups of keys; a program's set is a mask of them. */
enum config_group {
	/* base_url, database, the seller's details: every program, footers */
	CONF_SITE		= 1 << 0,
	CONF_FORMS		= 1 << 1,	/* csrf_secret: pages with forms */
	CONF_PASSWORDS		= 1 << 2,	/* password_cost: new hashes */
	/* starting a payment: login, password #1, hash, test, URL, tax */
	CONF_PAYMENT_START	= 1 << 3,
	/* checking Robokassa's calls and asking OpState: login, #2, hash */
	CONF_PAYMENT_CHECK	= 1 << 4,
	CONF_JOURNAL		= 1 << 5,	/* journal_dir: robokassa-result */
	CONF_OPSTATE		= 1 << 6,	/* robokassa_url: OpState's host */
	CONF_LICENSE		= 1 << 7,	/* trial_days, license_signing_key */
	CONF_MAIL		= 1 << 8,	/* smtp_*, mail_from, admin_email */
	/* the sandbox: its switch and both passwords, hash and login */
	CONF_SANDBOX		= 1 << 9,
	/*
	 * what invoices and acts print (contract §7): the seller's bank
	 * account, bank, BIC, Kbe, the payment purpose code, the days an
	 * invoice stays payable, the VAT rate
	 */
	CONF_INVOICE		= 1 << 10,
	CONF_ALL		= (1 << 11) - 1
};

#define INVOICE_DAYS	5	/* an invoice's days to pay, unless set */

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
	char		*merchant_iik;		/* a KZ IBAN, electronic form */
	char		*merchant_bank;
	char		*merchant_bic;
	char		*merchant_kbe;		/* two digits */
	char		*invoice_knp;		/* three digits */
	int		 invoice_days;		/* 1..60; INVOICE_DAYS unless set */
	int		 vat_rate;		/* percent, 0..99; 0: no VAT */
};

/*
 * Loads the keys of groups (a mask of enum config_group; CONF_ALL: every
 * key, the check of the operator's whole file) from the file at path into
 * cfg (zeroed first); the fields of other groups' keys stay NULL or 0.
 * Returns 0, or -1 with a one-line message in err.  On error cfg holds
 * nothing to free.
 */
int	config_load(struct config *cfg, const char *path, unsigned groups,
	    char *err, size_t errsz);

/* Prints the names of the keys of groups, one a line; 0 or -1. */
int	config_print_keys(FILE *, unsigned groups);

/* Frees (and wipes) every value. */
void	config_free(struct config *);

/*
 * The seller's details as the documents print them, a JSON object
 * {"name", "bin", "address", "iik", "bank", "bic", "kbe", "knp"} (the
 * shape lib/doc reads) of the keys that are set (CONF_SITE and
 * CONF_INVOICE hold them: an act needs the first three, an invoice all),
 * malloc'd for the caller to free(); NULL if name, bin or address is not
 * set or memory ran out.
 */
char	*config_seller_json(const struct config *);

#endif
