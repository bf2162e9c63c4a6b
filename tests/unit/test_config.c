/*
 * test_config.c: the strict configuration loader.
 *
 * The fixtures are in tests/unit/config (the FIXTURES variable points
 * there): good.conf has every required key and no optional one, full.conf
 * every key, and each bad-*.conf is good.conf with one thing broken.  The
 * files too long to keep in the tree are written here into temporary
 * files.  Every password in them starts with "s3cret", which no error
 * message may ever show: they end up in logs.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "crypto.h"

static const char	*fixtures;

static int	load(struct config *, const char *, char *, size_t);
static char	*slurp(const char *);
static int	write_temp(char *, size_t, const char *, size_t);
static size_t	compose(char *, const char *, const char *, int, size_t,
		    const char *);
static void	test_good(void);
static void	test_bad(void);
static void	test_missing_file(void);
static void	test_small_err(void);
static void	test_long_lines(void);
static void	test_crlf(void);
static void	test_groups(void);
static void	test_invoice_keys(void);

/* Loads the fixture called name. */
static int
load(struct config *cfg, const char *name, char *err, size_t errsz)
{
	char	path[4096];

	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	return config_load(cfg, path, CONF_ALL, err, errsz);
}

/* Loads the fixture called name with the keys of groups only. */
static int
load_groups(struct config *cfg, const char *name, unsigned groups,
    char *err, size_t errsz)
{
	char	path[4096];

	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	return config_load(cfg, path, groups, err, errsz);
}

/* text: good without the lines that start with key; its length. */
static size_t
drop_line(char *text, const char *good, const char *key)
{
	const char	*p = good, *nl;
	size_t		 n = 0, len;

	while (*p != '\0') {
		len = (nl = strchr(p, '\n')) != NULL ? (size_t)(nl - p) + 1 :
		    strlen(p);
		if (strncmp(p, key, strlen(key)) != 0) {
			memcpy(text + n, p, len);
			n += len;
		}
		p += len;
	}
	text[n] = '\0';
	return n;
}

/* 1 if config_print_keys(groups) names key on a line of its own. */
static int
print_keys(unsigned groups, const char *key)
{
	char	 buf[2048], line[80];
	FILE	*f;
	size_t	 n;
	int	 found = 0;

	if ((f = fmemopen(buf, sizeof(buf), "w")) == NULL)
		return -1;
	if (config_print_keys(f, groups) == -1)
		found = -1;
	n = (size_t)ftell(f);
	fclose(f);
	buf[n < sizeof(buf) ? n : sizeof(buf) - 1] = '\0';
	snprintf(line, sizeof(line), "%s\n", key);
	if (found == 0 && (strncmp(buf, line, strlen(line)) == 0 ||
	    (strstr(buf, line) != NULL && strstr(buf, line)[-1] == '\n')))
		found = 1;
	return found;
}

/* The contents of a fixture, NUL-terminated, or NULL. */
static char *
slurp(const char *name)
{
	char	 path[4096], *p;
	FILE	*f;
	long	 n;

	snprintf(path, sizeof(path), "%s/%s", fixtures, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1 ||
	    (p = malloc((size_t)n + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		fclose(f);
		return NULL;
	}
	p[n] = '\0';
	fclose(f);
	return p;
}

/* Writes n bytes into a fresh temporary file; its name into path. */
static int
write_temp(char *path, size_t pathsz, const char *data, size_t n)
{
	const char	*dir = getenv("TMPDIR");
	int		 fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	snprintf(path, pathsz, "%s/amobill-config-XXXXXX", dir);
	if ((fd = mkstemp(path)) == -1)
		return -1;
	if (write(fd, data, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* A string field of struct config: its name and where it is. */
#define FIELD(f)	#f, offsetof(struct config, f)

/*
 * What good.conf (every required key, the optional ones at their
 * defaults) and full.conf (every key) load as, string field by string
 * field.  good NULL: the field is NULL (absent optional strings are NULL,
 * not ""); full NULL: not looked at.
 */
static const struct {
	const char	*name;
	size_t		 off;
	const char	*good, *full;
} strings[] = {
	{ FIELD(base_url), "http://localhost:8080", "https://amobill.kz" },
	/* Only the first '=' splits: a conninfo has its own. */
	{ FIELD(database), "host=/tmp dbname=amobill", NULL },
	{ FIELD(robokassa_merchant_login), "amobill-test", NULL },
	{ FIELD(robokassa_password1), "s3cret-value-1", NULL },
	/* Tabs around '=' are blanks too. */
	{ FIELD(robokassa_password2), "s3cret-value-2", NULL },
	{ FIELD(robokassa_url), "https://auth.robokassa.kz/Merchant/Index.aspx",
	  NULL },
	{ FIELD(license_signing_key), "/etc/amobill/license.pem", NULL },
	{ FIELD(merchant_name), "ТОО \"Амобилл\"", NULL },
	{ FIELD(merchant_bin), "940140000385", NULL },
	{ FIELD(merchant_address), "г. Алматы, ул. Абая, 1", NULL },
	{ FIELD(support_email), "support@amobill.kz", NULL },
	/* receipt_tax defaults to "none"; the mail settings to NULL. */
	{ FIELD(receipt_tax), "none", "vat12" },
	{ FIELD(smtp_url), NULL, "smtps://smtp.example.kz:465" },
	{ FIELD(smtp_user), NULL, "mailer" },
	{ FIELD(smtp_password), NULL, "s3cret-smtp" },
	{ FIELD(mail_from), NULL, "noreply@amobill.kz" },
	{ FIELD(admin_email), NULL, "admin@amobill.kz" },
};

/* cfg's string fields are those of column full (or good) of strings[]. */
static void
check_strings(const char *file, const struct config *cfg, int full)
{
	const char	*got, *want;
	size_t		 i;

	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		if (full && strings[i].full == NULL)
			continue;
		want = full ? strings[i].full : strings[i].good;
		got = *(char *const *)(const void *)((const char *)cfg +
		    strings[i].off);
		CHECK_CASE("%s: %s", file, strings[i].name);
		if (want == NULL)
			CHECK(got == NULL);
		else
			CHECK_STR(got, want);
	}
	check_case_end();
}

/* Loads the fixture file, which must load, saying why if it does not. */
static int
load_ok(struct config *cfg, const char *file)
{
	char	err[256] = "";
	int	rc;

	rc = load(cfg, file, err, sizeof(err));
	CHECK(rc == 0);
	if (*err != '\0')
		fprintf(stderr, "%s: %s\n", file, err);
	return rc;
}

/*
 * good.conf and full.conf load, with their strings as in strings[] and
 * these numbers ("   trial_days=7   " in good.conf: no blanks needed, any
 * blanks allowed); config_free() leaves nothing behind.
 */
static void
test_good(void)
{
	static const struct {
		const char	*file;
		int		 full, https, hash, test, sandbox, trial_days;
		int		 password_cost;
	} loads[] = {
		{ "good.conf", 0, 0, RK_MD5, 0, 0, 7, PASSWORD_COST },
		{ "full.conf", 1, 1, RK_SHA256, 1, 1, 14, 15 },
	};
	struct config	cfg;
	size_t		i;

	for (i = 0; i < sizeof(loads) / sizeof(loads[0]); i++) {
		if (load_ok(&cfg, loads[i].file) == -1)
			continue;
		check_strings(loads[i].file, &cfg, loads[i].full);
		CHECK_CASE("%s", loads[i].file);
		CHECK(cfg.https == loads[i].https);
		CHECK((int)cfg.robokassa_hash == loads[i].hash);
		CHECK(cfg.robokassa_test == loads[i].test);
		CHECK(cfg.sandbox == loads[i].sandbox);
		CHECK(cfg.trial_days == loads[i].trial_days);
		CHECK(cfg.password_cost == loads[i].password_cost);

		config_free(&cfg);
		CHECK(cfg.base_url == NULL);
		CHECK(cfg.robokassa_password1 == NULL);
		CHECK(cfg.receipt_tax == NULL);
		check_case_end();
		/* A second config_free() finds nothing to free. */
		config_free(&cfg);
	}
}

/*
 * Each broken file fails, with a message that names the key (or the
 * line, when there is no key to name) and shows no value.
 */
static void
test_bad(void)
{
	static const struct {
		const char	*file;
		const char	*names;		/* in the message */
		const char	*value;		/* not in it, or "" */
	} bad[] = {
		{ "bad-unknown_key.conf", "colour", "blue" },
		{ "bad-repeated_key.conf", "trial_days", "" },
		{ "bad-missing_database.conf", "database", "" },
		{ "bad-missing_support_email.conf", "support_email", "" },
		{ "bad-trial_days_0.conf", "trial_days", "" },
		{ "bad-trial_days_15.conf", "trial_days", "15" },
		{ "bad-trial_days_7x.conf", "trial_days", "7x" },
		{ "bad-trial_days_empty.conf", "trial_days", "" },
		{ "bad-trial_days_negative.conf", "trial_days", "-7" },
		{ "bad-password_cost_13.conf", "password_cost", "13" },
		{ "bad-password_cost_21.conf", "password_cost", "21" },
		{ "bad-password_cost_1x.conf", "password_cost", "1x" },
		{ "bad-robokassa_hash_md4.conf", "robokassa_hash", "md4" },
		{ "bad-robokassa_hash_upper.conf", "robokassa_hash", "MD5" },
		{ "bad-sandbox_yes.conf", "sandbox", "yes" },
		{ "bad-robokassa_test_2.conf", "robokassa_test", "" },
		{ "bad-base_url_path.conf", "base_url", "amobill.kz" },
		{ "bad-base_url_slash.conf", "base_url", "amobill.kz" },
		{ "bad-base_url_ftp.conf", "base_url", "ftp" },
		{ "bad-base_url_no_host.conf", "base_url", "" },
		{ "bad-base_url_userinfo.conf", "base_url", "user@" },
		{ "bad-robokassa_url_ftp.conf", "robokassa_url", "ftp" },
		{ "bad-robokassa_url_query.conf", "robokassa_url", "a=1" },
		{ "bad-merchant_bin_control.conf", "merchant_bin",
		    "940140000386" },
		{ "bad-merchant_bin_short.conf", "merchant_bin",
		    "94014000038" },
		{ "bad-support_email_invalid.conf", "support_email",
		    "support at" },
		{ "bad-support_email_no_dot.conf", "support_email",
		    "support@amobill" },
		{ "bad-receipt_tax.conf", "receipt_tax", "vat99" },
		{ "bad-smtp_url_http.conf", "smtp_url", "smtp.example.kz" },
		{ "bad-mail_from.conf", "mail_from", "noreply" },
		{ "bad-database_empty.conf", "database", "" },
		/* The line after robokassa_password1 = s3cret-value-1. */
		{ "bad-no_equals.conf", "line 11", "continued" },
		/*
		 * "robokassa_password2 s3cretAbC0==": with '=' forgotten the
		 * line splits inside the secret; the "key" must not be shown.
		 */
		{ "bad-no_equals_secret.conf", "line 11", "AbC0" },
		{ "bad-no_equals_key.conf", "line 17", "Амобилл" },
		{ "bad-empty_key.conf", "line 7", "" },
	};
	struct config	cfg;
	char		err[512];
	size_t		i;
	int		rc;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(err, 0, sizeof(err));
		rc = load(&cfg, bad[i].file, err, sizeof(err));
		CHECK(rc == -1);
		if (rc != -1) {
			fprintf(stderr, "%s: loaded\n", bad[i].file);
			config_free(&cfg);
			continue;
		}
		if (strstr(err, bad[i].names) == NULL ||
		    strstr(err, "s3cret") != NULL ||
		    (*bad[i].value != '\0' && strstr(err, bad[i].value) != NULL))
			fprintf(stderr, "%s: \"%s\"\n", bad[i].file, err);
		CHECK(strstr(err, bad[i].names) != NULL);
		CHECK(strstr(err, "s3cret") == NULL);
		CHECK(*bad[i].value == '\0' ||
		    strstr(err, bad[i].value) == NULL);
		/* One line, which a log keeps whole. */
		CHECK(*err != '\0' && strchr(err, '\n') == NULL);
		/* A failed load leaves nothing to free. */
		CHECK(cfg.base_url == NULL && cfg.database == NULL &&
		    cfg.robokassa_password1 == NULL &&
		    cfg.receipt_tax == NULL);
	}
}

static void
test_missing_file(void)
{
	struct config	cfg;
	char		err[512] = "";

	CHECK(load(&cfg, "nosuch.conf", err, sizeof(err)) == -1);
	CHECK(strstr(err, "nosuch.conf") != NULL);
	CHECK(cfg.base_url == NULL);
}

/* A short err buffer gets a truncated, terminated message. */
static void
test_small_err(void)
{
	struct config	cfg;
	char		err[16];

	memset(err, 'x', sizeof(err));
	CHECK(load(&cfg, "bad-unknown_key.conf", err, sizeof(err)) == -1);
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	CHECK(strlen(err) == sizeof(err) - 1);
}

/*
 * Writes into text: good (unless NULL), head, c k times, tail; returns the
 * length, for a file with one line too long to keep as a fixture.
 */
static size_t
compose(char *text, const char *good, const char *head, int c, size_t k,
    const char *tail)
{
	size_t	n = 0;

	if (good != NULL) {
		memcpy(text, good, strlen(good));
		n = strlen(good);
	}
	memcpy(text + n, head, strlen(head));
	n += strlen(head);
	memset(text + n, c, k);
	n += k;
	memcpy(text + n, tail, strlen(tail));
	return n + strlen(tail);
}

/*
 * A line up to 4095 bytes with its newline is read whole; a longer one is
 * refused, not split into two lines whose second half would be read as a
 * "key = value" of its own.
 */
static void
test_long_lines(void)
{
	struct config	 cfg;
	char		 err[512], path[4096], *good, *text;
	size_t		 n, glen;

	if ((good = slurp("good.conf")) == NULL) {
		CHECK(!"good.conf unreadable");
		return;
	}
	glen = strlen(good);
	if ((text = malloc(glen + 20000)) == NULL) {
		free(good);
		return;
	}

	/* "smtp_user = " and 4000 bytes: long, but it fits. */
	n = compose(text, good, "smtp_user = ", 'u', 4000, "\n");
	CHECK(write_temp(path, sizeof(path), text, n) == 0);
	err[0] = '\0';
	CHECK(config_load(&cfg, path, CONF_ALL, err, sizeof(err)) == 0);
	CHECK(cfg.smtp_user != NULL && strlen(cfg.smtp_user) == 4000);
	config_free(&cfg);
	unlink(path);

	/*
	 * A secret 5000 bytes long, on line 21: refused and not shown.  What
	 * would be left of it is a valid line, had it been split.
	 */
	n = compose(text, good, "smtp_password = s3cret", 'p', 5000,
	    "\nsmtp_user = x\n");
	CHECK(write_temp(path, sizeof(path), text, n) == 0);
	err[0] = '\0';
	CHECK(config_load(&cfg, path, CONF_ALL, err, sizeof(err)) == -1);
	CHECK(strstr(err, "line 21") != NULL);
	CHECK(strstr(err, "long") != NULL);
	CHECK(strstr(err, "s3cret") == NULL);
	CHECK(strstr(err, "ppp") == NULL);
	CHECK(cfg.base_url == NULL);
	unlink(path);

	/* The same on the first line, and with no newline at the end. */
	n = compose(text, NULL, "# ", '#', 8000, "");
	CHECK(write_temp(path, sizeof(path), text, n) == 0);
	err[0] = '\0';
	CHECK(config_load(&cfg, path, CONF_ALL, err, sizeof(err)) == -1);
	CHECK(strstr(err, "line 1") != NULL);
	unlink(path);

	/* A last line without a newline is read like any other. */
	n = compose(text, good, "smtp_user = last", 0, 0, "");
	CHECK(write_temp(path, sizeof(path), text, n) == 0);
	CHECK(config_load(&cfg, path, CONF_ALL, err, sizeof(err)) == 0);
	CHECK_STR(cfg.smtp_user, "last");
	config_free(&cfg);
	unlink(path);

	free(text);
	free(good);
}

/* A file saved with CRLF line ends loads the same, without the CRs. */
static void
test_crlf(void)
{
	struct config	 cfg;
	char		 err[512] = "", path[4096], *good, *text;
	size_t		 i, n;

	if ((good = slurp("good.conf")) == NULL)
		return;
	if ((text = malloc(2 * strlen(good) + 1)) == NULL) {
		free(good);
		return;
	}
	for (i = n = 0; good[i] != '\0'; i++) {
		if (good[i] == '\n')
			text[n++] = '\r';
		text[n++] = good[i];
	}
	CHECK(write_temp(path, sizeof(path), text, n) == 0);
	CHECK(config_load(&cfg, path, CONF_ALL, err, sizeof(err)) == 0);
	if (*err != '\0')
		fprintf(stderr, "crlf: %s\n", err);
	CHECK_STR(cfg.support_email, "support@amobill.kz");
	CHECK_STR(cfg.merchant_address, "г. Алматы, ул. Абая, 1");
	CHECK(cfg.trial_days == 7);
	config_free(&cfg);
	unlink(path);
	free(text);
	free(good);
}

/*
 * A program of a few groups (register's) loads its own keys only: another
 * group's key is skipped unstored and unjudged, a missing one is no error,
 * a missing one of its own is, and an unknown key is still refused.
 */
static void
test_groups(void)
{
	const unsigned	 reg = CONF_SITE | CONF_FORMS | CONF_PASSWORDS;
	struct config	 cfg;
	char		 err[512], path[4096], *good, *text;
	size_t		 n;

	err[0] = '\0';
	CHECK(load(&cfg, "full.conf", err, sizeof(err)) == 0);
	config_free(&cfg);
	CHECK(config_load(&cfg, "/nonexistent", reg, err, sizeof(err)) == -1);
	snprintf(path, sizeof(path), "%s/full.conf", fixtures);
	CHECK(config_load(&cfg, path, reg, err, sizeof(err)) == 0);
	CHECK_STR(cfg.base_url, "https://amobill.kz");
	CHECK(cfg.https == 1);
	CHECK(cfg.password_cost == 15);
	/* Not register's: left NULL, as if the file did not hold them. */
	CHECK(cfg.robokassa_merchant_login == NULL);
	CHECK(cfg.robokassa_password1 == NULL);
	CHECK(cfg.robokassa_password2 == NULL);
	CHECK(cfg.robokassa_url == NULL);
	CHECK(cfg.license_signing_key == NULL);
	CHECK(cfg.smtp_password == NULL && cfg.smtp_user == NULL &&
	    cfg.smtp_url == NULL);
	CHECK(cfg.journal_dir == NULL && cfg.receipt_tax == NULL);
	CHECK(cfg.trial_days == 0 && cfg.robokassa_test == 0 &&
	    cfg.sandbox == 0);
	config_free(&cfg);

	/* license-check's: the signing key, never a Robokassa password. */
	CHECK(config_load(&cfg, path, CONF_SITE | CONF_LICENSE, err,
	    sizeof(err)) == 0);
	CHECK(cfg.license_signing_key != NULL && cfg.trial_days >= 1);
	CHECK(cfg.robokassa_password1 == NULL &&
	    cfg.robokassa_password2 == NULL && cfg.csrf_secret == NULL);
	config_free(&cfg);

	/* Another group's key malformed, or missing: not this program's. */
	CHECK(load_groups(&cfg, "bad-trial_days_15.conf", reg, err,
	    sizeof(err)) == 0);
	config_free(&cfg);
	CHECK(load_groups(&cfg, "bad-robokassa_hash_md4.conf", reg, err,
	    sizeof(err)) == 0);
	config_free(&cfg);
	if ((good = slurp("good.conf")) == NULL) {
		CHECK(!"good.conf unreadable");
		return;
	}
	if ((text = malloc(strlen(good) + 64)) == NULL) {
		free(good);
		return;
	}
	n = drop_line(text, good, "robokassa_password1");
	CHECK(write_temp(path, sizeof(path), text, n) == 0);
	CHECK(config_load(&cfg, path, reg, err, sizeof(err)) == 0);
	config_free(&cfg);
	/* ...but checkout's own. */
	err[0] = '\0';
	CHECK(config_load(&cfg, path, CONF_SITE | CONF_PAYMENT_START, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "missing key robokassa_password1") != NULL);
	CHECK(cfg.base_url == NULL);
	unlink(path);

	/* A missing key of its own is an error. */
	err[0] = '\0';
	CHECK(load_groups(&cfg, "bad-missing_database.conf", reg, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "database") != NULL);
	/* An unknown key is refused by every program. */
	err[0] = '\0';
	CHECK(load_groups(&cfg, "bad-unknown_key.conf", reg, err,
	    sizeof(err)) == -1);
	CHECK(strstr(err, "unknown key") != NULL);
	/* Twice is twice, whoever's key it is. */
	n = drop_line(text, good, "no such line");
	n += (size_t)snprintf(text + n, 64, "robokassa_password1 = "
	    "s3cret-again\n");
	CHECK(write_temp(path, sizeof(path), text, n) == 0);
	err[0] = '\0';
	CHECK(config_load(&cfg, path, reg, err, sizeof(err)) == -1);
	CHECK(strstr(err, "robokassa_password1 given twice") != NULL);
	CHECK(strstr(err, "s3cret") == NULL);
	unlink(path);
	free(text);
	free(good);

	/* --config-keys: register names none of the payment's secrets. */
	CHECK(print_keys(reg, "robokassa_password1") == 0);
	CHECK(print_keys(reg, "license_signing_key") == 0);
	CHECK(print_keys(reg, "password_cost") == 1);
	CHECK(print_keys(CONF_SITE | CONF_LICENSE, "robokassa_password2") ==
	    0);
	CHECK(print_keys(CONF_ALL, "csrf_secret") == 1);
}

/*
 * The invoice keys (contract §2): good values stored for a program of
 * CONF_INVOICE, defaults when left out, each malformed one refused by
 * name, and none held by a program of other groups.
 */
static void
test_invoice_keys(void)
{
	static const char good[] =
	    "merchant_iik = KZ86125KZT5004100100\n"
	    "merchant_bank = АО «Банк Образец»\n"
	    "merchant_bic = CASPKZKA\n"
	    "merchant_kbe = 19\n"
	    "invoice_knp = 859\n"
	    "invoice_days = 5\n"
	    "vat_rate = 16\n";
	static const struct {
		const char	*line, *key;
	} bad[] = {
		{ "merchant_iik = KZ87125KZT5004100100", "merchant_iik" },
		{ "merchant_iik = DE89370400440532013000", "merchant_iik" },
		{ "merchant_bic = CASPKZ", "merchant_bic" },
		{ "merchant_kbe = 1", "merchant_kbe" },
		{ "merchant_kbe = 1x", "merchant_kbe" },
		{ "invoice_knp = 85", "invoice_knp" },
		{ "invoice_knp = 8590", "invoice_knp" },
		{ "invoice_days = 0", "invoice_days" },
		{ "invoice_days = 61", "invoice_days" },
		{ "invoice_days = -5", "invoice_days" },
		{ "vat_rate = 100", "vat_rate" },
		{ "vat_rate = 12.5", "vat_rate" },
		{ "vat_rate = ", "vat_rate" },
	};
	struct config	 cfg;
	char		*base, text[8192], path[4096], err[512];
	size_t		 i;
	int		 n;

	if ((base = slurp("good.conf")) == NULL) {
		CHECK(!"good.conf readable");
		return;
	}
	n = snprintf(text, sizeof(text), "%s%s", base, good);
	CHECK(write_temp(path, sizeof(path), text, (size_t)n) == 0);
	CHECK(config_load(&cfg, path, CONF_SITE | CONF_INVOICE, err,
	    sizeof(err)) == 0);
	CHECK_STR(cfg.merchant_iik, "KZ86125KZT5004100100");
	CHECK_STR(cfg.merchant_bank, "АО «Банк Образец»");
	CHECK_STR(cfg.merchant_bic, "CASPKZKA");
	CHECK_STR(cfg.merchant_kbe, "19");
	CHECK_STR(cfg.invoice_knp, "859");
	CHECK(cfg.invoice_days == 5 && cfg.vat_rate == 16);
	config_free(&cfg);
	/* Another program's: not held. */
	CHECK(config_load(&cfg, path, CONF_SITE | CONF_FORMS, err,
	    sizeof(err)) == 0);
	CHECK(cfg.merchant_iik == NULL && cfg.invoice_knp == NULL &&
	    cfg.vat_rate == 0);
	config_free(&cfg);
	unlink(path);
	/* Left out: the defaults. */
	n = snprintf(text, sizeof(text), "%s", base);
	CHECK(write_temp(path, sizeof(path), text, (size_t)n) == 0);
	CHECK(config_load(&cfg, path, CONF_SITE | CONF_INVOICE, err,
	    sizeof(err)) == 0);
	CHECK(cfg.invoice_days == INVOICE_DAYS && cfg.vat_rate == 0 &&
	    cfg.merchant_iik == NULL);
	config_free(&cfg);
	unlink(path);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_CASE("%s", bad[i].line);
		n = snprintf(text, sizeof(text), "%s%s\n", base, bad[i].line);
		CHECK(write_temp(path, sizeof(path), text, (size_t)n) == 0);
		err[0] = '\0';
		CHECK(config_load(&cfg, path, CONF_ALL, err, sizeof(err)) == -1);
		CHECK(strstr(err, bad[i].key) != NULL);
		unlink(path);
		check_case_end();
	}
	free(base);
}

int
main(void)
{
	if ((fixtures = getenv("FIXTURES")) == NULL) {
		fprintf(stderr, "FIXTURES is not set\n");
		return 1;
	}
	test_good();
	test_bad();
	test_missing_file();
	test_small_err();
	test_long_lines();
	test_crlf();
	test_groups();
	test_invoice_keys();
	return check_done();
}
