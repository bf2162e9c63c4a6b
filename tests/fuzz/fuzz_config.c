/*
 * fuzz_config.c: the configuration loader (config.h) over any file.
 * config_load() takes a path, so the input is written to an in-memory
 * file (memfd) and loaded through /proc/self/fd.  Its promises: one line
 * of error naming the key, a complete configuration or nothing; and, for a
 * program of a few groups (register's), nothing of another group's keys,
 * and never a refusal where the whole file's load succeeds.
 */
#define _GNU_SOURCE
#include <sys/mman.h>

#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static int	fd = -1;
static char	path[64];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	struct config	cfg;
	char		err[256];
	int		whole;

	if (fd == -1) {
		if ((fd = memfd_create("fuzz-config", 0)) == -1)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) == -1 ||
	    (n > 0 && pwrite(fd, data, n, 0) != (ssize_t)n))
		abort();
	err[0] = '\0';
	if ((whole = config_load(&cfg, path, CONF_ALL, err, sizeof(err))) ==
	    0) {
		FUZZ_ASSERT(cfg.base_url != NULL && cfg.database != NULL);
		FUZZ_ASSERT(cfg.robokassa_url != NULL &&
		    cfg.receipt_tax != NULL);
		FUZZ_ASSERT(cfg.trial_days >= 1 && cfg.trial_days <= 14);
		FUZZ_ASSERT(cfg.robokassa_hash >= RK_MD5 &&
		    cfg.robokassa_hash <= RK_SHA512);
		FUZZ_ASSERT(cfg.https == (strncmp(cfg.base_url, "https://",
		    8) == 0));
		config_free(&cfg);
	} else {
		FUZZ_ASSERT(err[0] != '\0' && strchr(err, '\n') == NULL);
		FUZZ_ASSERT(strncmp(err, "config", 6) == 0);
		/* Nothing to free: config_free() finds it all NULL. */
		FUZZ_ASSERT(cfg.base_url == NULL && cfg.database == NULL &&
		    cfg.robokassa_password2 == NULL);
	}
	err[0] = '\0';
	if (config_load(&cfg, path, CONF_SITE | CONF_FORMS | CONF_PASSWORDS,
	    err, sizeof(err)) == 0) {
		FUZZ_ASSERT(cfg.base_url != NULL && cfg.database != NULL);
		FUZZ_ASSERT(cfg.robokassa_password1 == NULL &&
		    cfg.robokassa_password2 == NULL &&
		    cfg.robokassa_merchant_login == NULL &&
		    cfg.license_signing_key == NULL &&
		    cfg.smtp_password == NULL && cfg.receipt_tax == NULL);
		config_free(&cfg);
	} else {
		FUZZ_ASSERT(whole == -1);
		FUZZ_ASSERT(err[0] != '\0' && strchr(err, '\n') == NULL);
		FUZZ_ASSERT(strncmp(err, "config", 6) == 0);
	}
	return 0;
}
