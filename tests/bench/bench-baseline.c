/*
 * bench-baseline: the yardstick of scripts/bench, built for the benchmark
 * only.  On the same runtime as the real programs it answers a fixed JSON
 * body, signed with Ed25519 per request: the work every license answer
 * must do anyway, so that license-check can be measured by what it adds
 * (token, lookup, JSON) rather than in absolute numbers.
 *
 *	GET /bench/baseline
 */
#include <string.h>

#include "server.h"
#include "sign.h"

static struct signer	*signer;

static const char body[] =
    "{\"valid\":true,\"code\":\"VALID\",\"detail\":\"paid subscription\","
    "\"ts\":\"2026-11-26T10:00:00Z\",\"account_id\":31234567,\"subdomain\":"
    "\"mycompany\",\"widget\":\"leadscore\",\"status\":\"active\","
    "\"expires_at\":\"2027-05-26T10:00:00Z\",\"trial\":false}";

static void
baseline(struct request *req)
{
	char	sig[SIGN_B64_LEN];

	if (signer_sign(signer, body, sizeof(body) - 1, sig) == -1) {
		http_error(req, 503, "unavailable", NULL, NULL);
		return;
	}
	http_header(req, "X-Signature: ed25519=%s", sig);
	http_send(req, 200, "application/json", body, sizeof(body) - 1);
}

static int
setup(const struct config *cfg)
{
	return (signer = signer_open(cfg->license_signing_key)) == NULL ?
	    -1 : 0;
}

static void
fini(void)
{
	signer_close(signer);
}

SERVER_PROGRAM(.name = "bench-baseline", .setup = setup, .fini = fini,
    ROUTES({ "/bench/baseline", baseline, NULL, NULL }));
