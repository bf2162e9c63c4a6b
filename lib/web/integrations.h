/*
 * integrations.h: the amoCRM integrations in force (sql/016), as each
 * license-check worker keeps them: a bounded table loaded through
 * amobill.license_integrations() (the only way to the secrets, which
 * only amobill_license may run), looked up by client_uuid, and wiped from
 * memory when forgotten (after a notification, and at exit).
 *
 * Layer rules (lib/web): may use the database, lib/crypto, lib/rules and
 * lib/base.
 */
#ifndef INTEGRATIONS_H
#define INTEGRATIONS_H

#include "amotoken.h"
#include "db.h"

#define INTEGRATIONS_MAX	256
#define INTEGRATION_CODE	33	/* a widget code and its NUL */
#define INTEGRATION_SECRET	257	/* the table's limit, 256, and NUL */
#define INTEGRATION_AUDIENCE	272	/* https://, 253, :65535 and NUL */

/* An integration in force, as amobill.license_integrations() gives it. */
struct integration {
	char		client_uuid[AMOTOKEN_UUID_MAX];
	char		widget[INTEGRATION_CODE];
	char		secret[INTEGRATION_SECRET];
	char		previous[INTEGRATION_SECRET];	/* "" if none */
	char		audience[INTEGRATION_AUDIENCE];
};

/* The statements this module runs; its program lists them. */
extern const struct db_stmt integration_statements[];

/*
 * Loads the table afresh.  0, or -1 (the database): then nothing is
 * loaded.  A row that does not fit (the table's checks keep that from
 * happening) is left out and named by its client_uuid, so its tokens are
 * refused, loudly.
 */
int	integrations_load(void);

/* Whether the table is loaded (since the last integrations_forget). */
int	integrations_loaded(void);

/* The integration in force with this client_uuid, or NULL. */
const struct integration *integrations_find(const char *client_uuid);

/* Forgets the table, its secrets wiped. */
void	integrations_forget(void);

#endif
