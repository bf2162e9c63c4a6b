/*
 * config.c: the strict configuration loader; see config.h.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "config.h"
#include "crypto.h"
#include "form.h"
#include "kzid.h"
#include "valid.h"

#define LINE_MAX_BYTES	4096

enum kind {
	STRING, ORIGIN, PAGE, SMTP, FLAG, TRIAL_DAYS, HASH_NAME, BIN, EMAIL, TAX,
	FOLDER, SECRET, PASSWORD_COST_EXP, IBAN, BIC_CODE, KBE, KNP, PAY_DAYS,
	PERCENT
};

struct key {
	const char	*name;
	enum kind	 kind;
	size_t		 offset;
	int		 required;	/* by a program of its groups */
	unsigned	 groups;	/* enum config_group */
};

#define STR(f)	offsetof(struct config, f)
#define SITE	CONF_SITE
#define START	CONF_PAYMENT_START
#define CHECK	CONF_PAYMENT_CHECK
#define SANDBOX	CONF_SANDBOX
static const struct key keys[] = {
	{ "base_url",			ORIGIN,	    STR(base_url), 1, SITE },
	{ "database",			STRING,	    STR(database), 1, SITE },
	{ "robokassa_merchant_login",	STRING,	    STR(robokassa_merchant_login), 1,
	    START | CHECK | SANDBOX },
	{ "robokassa_password1",	STRING,	    STR(robokassa_password1), 1,
	    START | SANDBOX },
	{ "robokassa_password2",	STRING,	    STR(robokassa_password2), 1,
	    CHECK | SANDBOX },
	{ "robokassa_hash",		HASH_NAME,  STR(robokassa_hash), 1,
	    START | CHECK | SANDBOX },
	{ "robokassa_test",		FLAG,	    STR(robokassa_test), 0, START },
	{ "robokassa_url",		PAGE,	    STR(robokassa_url), 1,
	    START | CONF_OPSTATE },
	{ "sandbox",			FLAG,	    STR(sandbox), 0, SANDBOX },
	{ "trial_days",			TRIAL_DAYS, STR(trial_days), 1,
	    CONF_LICENSE },
	{ "password_cost",		PASSWORD_COST_EXP, STR(password_cost), 0,
	    CONF_PASSWORDS },
	{ "license_signing_key",	STRING,	    STR(license_signing_key), 1,
	    CONF_LICENSE },
	{ "merchant_name",		STRING,	    STR(merchant_name), 1, SITE },
	{ "merchant_bin",		BIN,	    STR(merchant_bin), 1, SITE },
	{ "merchant_address",		STRING,	    STR(merchant_address), 1, SITE },
	{ "support_email",		EMAIL,	    STR(support_email), 1, SITE },
	{ "receipt_tax",		TAX,	    STR(receipt_tax), 0, START },
	{ "smtp_url",			SMTP,	    STR(smtp_url), 0, CONF_MAIL },
	{ "smtp_user",			STRING,	    STR(smtp_user), 0, CONF_MAIL },
	{ "smtp_password",		STRING,	    STR(smtp_password), 0, CONF_MAIL },
	{ "mail_from",			EMAIL,	    STR(mail_from), 0, CONF_MAIL },
	{ "admin_email",		EMAIL,	    STR(admin_email), 0, CONF_MAIL },
	{ "journal_dir",		FOLDER,	    STR(journal_dir), 0, CONF_JOURNAL },
	{ "csrf_secret",		SECRET,	    STR(csrf_secret), 0, CONF_FORMS },
	{ "merchant_iik",		IBAN,	    STR(merchant_iik), 0, CONF_INVOICE },
	{ "merchant_bank",		STRING,	    STR(merchant_bank), 0, CONF_INVOICE },
	{ "merchant_bic",		BIC_CODE,   STR(merchant_bic), 0, CONF_INVOICE },
	{ "merchant_kbe",		KBE,	    STR(merchant_kbe), 0, CONF_INVOICE },
	{ "invoice_knp",		KNP,	    STR(invoice_knp), 0, CONF_INVOICE },
	{ "invoice_days",		PAY_DAYS,   STR(invoice_days), 0, CONF_INVOICE },
	{ "vat_rate",			PERCENT,    STR(vat_rate), 0, CONF_INVOICE },
};
#undef SANDBOX
#undef CHECK
#undef START
#undef SITE
#undef STR

static const char *const hash_names[] = {
	[RK_MD5] = "md5", [RK_SHA1] = "sha1", [RK_SHA256] = "sha256",
	[RK_SHA384] = "sha384", [RK_SHA512] = "sha512",
};

/* Tax codes of a receipt item (Robokassa's "tax" field). */
static const char *const tax_codes[] = {
	"none", "vat0", "vat5", "vat10", "vat12", "vat16", "vat105",
	"vat110", "vat112", "vat116",
};

static int
one_of(const char *v, const char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (list[i] != NULL && strcmp(v, list[i]) == 0)
			return (int)i;
	return -1;
}

/* The bytes a key name is made of. */
static const char key_chars[] = "abcdefghijklmnopqrstuvwxyz0123456789_";

static const char host_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]";

/*
 * scheme://host[:port] for one of the schemes, followed by a path only if
 * path is set.
 */
static int
url_ok(const char *v, const char *const *schemes, int path)
{
	const char	*host = NULL, *slash;
	size_t		 i, n;

	for (i = 0; schemes[i] != NULL; i++) {
		n = strlen(schemes[i]);
		if (strncmp(v, schemes[i], n) == 0 && strncmp(v + n, "://",
		    3) == 0) {
			host = v + n + 3;
			break;
		}
	}
	if (host == NULL)
		return 0;
	if ((slash = strchr(host, '/')) == NULL)
		slash = host + strlen(host);
	n = (size_t)(slash - host);
	if (n == 0 || strspn(host, host_chars) != n)
		return 0;
	if (*slash == '\0')
		return 1;
	return path && strspn(slash, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~/-") == strlen(slash);
}

static const char *const web[] = { "http", "https", NULL };
static const char *const smtp[] = { "smtp", "smtps", NULL };

static const char *
set_value(struct config *cfg, const struct key *k, const char *v)
{
	char			*field = (char *)cfg + k->offset;
	struct form_value	 fv;
	char			 tmp[256];
	int			 n;

	switch (k->kind) {
	case FLAG:
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return "must be 0 or 1";
		*(int *)(void *)field = v[0] == '1';
		return NULL;
	case TRIAL_DAYS:
		if (strlen(v) > 2 || strspn(v, "0123456789") != strlen(v) ||
		    (n = atoi(v)) < 1 || n > 14)
			return "must be a whole number of days from 1 to 14";
		*(int *)(void *)field = n;
		return NULL;
	case PASSWORD_COST_EXP:
		if (strlen(v) != 2 || strspn(v, "0123456789") != 2 ||
		    (n = atoi(v)) < PASSWORD_COST_MIN || n > PASSWORD_COST_MAX)
			return "must be a whole number from 14 to 20 (scrypt's "
			    "log2 N)";
		*(int *)(void *)field = n;
		return NULL;
	case PAY_DAYS:
	case PERCENT:
		/* Two digits at most: atoi never overflows. */
		if (*v == '\0' || strlen(v) > 2 || strspn(v, "0123456789") !=
		    strlen(v) || (n = atoi(v)) < (k->kind == PAY_DAYS) ||
		    n > (k->kind == PAY_DAYS ? 60 : 99))
			return k->kind == PAY_DAYS ? "must be a whole number of "
			    "days from 1 to 60" : "must be a whole percent from "
			    "0 to 99";
		*(int *)(void *)field = n;
		return NULL;
	case HASH_NAME:
		if ((n = one_of(v, hash_names, sizeof(hash_names) /
		    sizeof(hash_names[0]))) < 0)
			return "must be md5, sha1, sha256, sha384 or sha512";
		*(int *)(void *)field = n;
		return NULL;
	case ORIGIN:
		if (!url_ok(v, web, 0))
			return "must be scheme://host[:port], like "
			    "https://example.kz";
		break;
	case PAGE:
		if (!url_ok(v, web, 1))
			return "must be an http or https URL";
		break;
	case SMTP:
		if (!url_ok(v, smtp, 0))
			return "must be smtp://host:port or smtps://host:port";
		break;
	case BIN:
		if (!kzid_valid(v, strlen(v)))
			return "must be a valid 12-digit BIN or IIN";
		break;
	case EMAIL:
		if ((fv.len = strlen(v)) >= sizeof(tmp))
			return "must be an e-mail address";
		memcpy(tmp, v, fv.len + 1);
		fv.str = tmp;
		if (valid_email(&fv) != NULL)
			return "must be an e-mail address";
		break;
	case TAX:
		if (one_of(v, tax_codes, sizeof(tax_codes) /
		    sizeof(tax_codes[0])) < 0)
			return "must be a receipt tax code such as none or vat16";
		break;
	case STRING:
		if (*v == '\0')
			return "must not be empty";
		break;
	case IBAN:
		if (!kz_iban_valid(v, strlen(v)))
			return "must be a Kazakh IBAN (KZ and 18 characters)";
		break;
	case BIC_CODE:
		if (!kz_bic_valid(v, strlen(v)))
			return "must be a bank's BIC (8 or 11 characters)";
		break;
	case KBE:
	case KNP:
		if (strlen(v) != (k->kind == KBE ? 2u : 3u) ||
		    strspn(v, "0123456789") != strlen(v))
			return k->kind == KBE ? "must be two digits" :
			    "must be three digits";
		break;
	case FOLDER:
		if (*v != '/' || strlen(v) > 200)
			return "must be an absolute path";
		break;
	case SECRET:
		if (strlen(v) < 32)
			return "must be at least 32 characters";
		break;
	}
	if ((*(char **)(void *)field = strdup(v)) == NULL)
		return "out of memory";
	return NULL;
}

static void
strip(char **s, char *end)
{
	while (**s == ' ' || **s == '\t')
		(*s)++;
	while (end > *s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
}

int
config_load(struct config *cfg, const char *path, unsigned groups, char *err,
    size_t errsz)
{
	FILE		*f;
	char		 line[LINE_MAX_BYTES], *key, *val, *eq;
	char		 iobuf[BUFSIZ];
	unsigned char	 seen[sizeof(keys) / sizeof(keys[0])] = { 0 };
	const char	*why;
	size_t		 i, lineno = 0;
	int		 rc = -1;

	memset(cfg, 0, sizeof(*cfg));
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "config %s: %s", path, strerror(errno));
		return -1;
	}
	/*
	 * stdio's own buffer would be a copy of the file, other programs'
	 * keys and all, left in freed memory: this one is cleansed.
	 */
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf));
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errsz, "config line %zu: too long",
			    lineno);
			goto out;
		}
		key = line;
		strip(&key, key + strlen(key));
		if (*key == '\0' || *key == '#')
			continue;
		if ((eq = strchr(key, '=')) == NULL) {
			snprintf(err, errsz, "config line %zu: expected "
			    "key = value", lineno);
			goto out;
		}
		*eq = '\0';
		val = eq + 1;
		strip(&key, eq);
		strip(&val, val + strlen(val));
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strcmp(keys[i].name, key) == 0)
				break;
		if (i == sizeof(keys) / sizeof(keys[0])) {
			/*
			 * Name the key only if it could be one: with the
			 * '=' forgotten, "csrf_secret c2VjcmV0==" splits
			 * at the secret's own '=', and the "key" holds it.
			 */
			if (*key != '\0' && strspn(key, key_chars) ==
			    strlen(key))
				snprintf(err, errsz, "config: unknown key "
				    "%.64s", key);
			else
				snprintf(err, errsz, "config line %zu: "
				    "expected key = value", lineno);
			goto out;
		}
		if (seen[i]++) {
			snprintf(err, errsz, "config: key %s given twice",
			    keys[i].name);
			goto out;
		}
		/*
		 * Another program's key: its value is not this program's to
		 * hold, nor to judge.  The line is cleansed with the rest.
		 */
		if ((keys[i].groups & groups) == 0)
			continue;
		if ((why = set_value(cfg, &keys[i], val)) != NULL) {
			snprintf(err, errsz, "config: %s %s", keys[i].name,
			    why);
			goto out;
		}
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (keys[i].required && (keys[i].groups & groups) != 0 &&
		    !seen[i]) {
			snprintf(err, errsz, "config: missing key %s",
			    keys[i].name);
			goto out;
		}
	cfg->https = cfg->base_url != NULL &&
	    strncmp(cfg->base_url, "https://", 8) == 0;
	if (cfg->invoice_days == 0)
		cfg->invoice_days = INVOICE_DAYS;
	if (cfg->password_cost == 0)
		cfg->password_cost = PASSWORD_COST;
	if ((groups & CONF_PAYMENT_START) != 0 && cfg->receipt_tax == NULL &&
	    (cfg->receipt_tax = strdup("none")) == NULL) {
		snprintf(err, errsz, "config: out of memory");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(line, sizeof(line));
	fclose(f);
	OPENSSL_cleanse(iobuf, sizeof(iobuf));
	if (rc == -1)
		config_free(cfg);
	return rc;
}

int
config_print_keys(FILE *f, unsigned groups)
{
	size_t	i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((keys[i].groups & groups) != 0)
			fprintf(f, "%s\n", keys[i].name);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

void
config_free(struct config *cfg)
{
	size_t	 i;
	char	**p;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (keys[i].kind == FLAG || keys[i].kind == TRIAL_DAYS ||
		    keys[i].kind == HASH_NAME ||
		    keys[i].kind == PASSWORD_COST_EXP || keys[i].kind == PAY_DAYS ||
		    keys[i].kind == PERCENT)
			continue;
		p = (char **)(void *)((char *)cfg + keys[i].offset);
		if (*p != NULL) {
			OPENSSL_cleanse(*p, strlen(*p));
			free(*p);
			*p = NULL;
		}
	}
}
