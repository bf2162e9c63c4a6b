/*
 * robokassa.h: Robokassa's merchant protocol: signatures, the receipt, and
 * the parameters of its callbacks.
 *
 * Every signature is a hex digest (in the shop's algorithm) of fields
 * joined with ':', followed by the Shp_ parameters as "name=value",
 * sorted by name:
 *
 *	payment start	MerchantLogin:OutSum:InvId[:Receipt]:Password1[:Shp_...]
 *	ResultURL	OutSum:InvId:Password2[:Shp_...]
 *	SuccessURL	OutSum:InvId:Password1[:Shp_...]
 *	OpStateExt	MerchantLogin:InvoiceID:Password2
 *
 * Callbacks are checked over the OutSum string exactly as received, the
 * received hex in either case, compared in constant time.
 *
 * Layer rules (lib/rules): may use lib/base and lib/crypto (and cJSON);
 * pure functions over untrusted bytes: no I/O, no configuration, no
 * database, no web.
 */
#ifndef ROBOKASSA_H
#define ROBOKASSA_H

#include <stddef.h>

#include "form.h"

/* The hash algorithms a shop may choose (its technical settings). */
enum rk_hash { RK_MD5, RK_SHA1, RK_SHA256, RK_SHA384, RK_SHA512 };

#define RK_HEX_MAX	(2 * 64 + 1)	/* sha512 in hex, with the NUL */
#define RK_MAX_SHP	8

struct rk_param {
	const char	*name;
	const char	*value;
};

/*
 * The digest of the fields and the Shp_ parameters (in any order; they are
 * sorted here) as lower-case hex into hex[RK_HEX_MAX].  Returns 0 or -1.
 */
int	rk_sign(int alg, const char *const *fields, size_t nfields,
	    const struct rk_param *shp, size_t nshp, char *hex);

/* 1 iff sig (hex, either case) is the signature of the same input. */
int	rk_check(int alg, const char *const *fields, size_t nfields,
	    const struct rk_param *shp, size_t nshp, const char *sig);

/*
 * The receipt of one service line, as the value of the Receipt field: the
 * compact JSON {"items":[{"name":...,"quantity":1,"sum":...,"tax":...}]}
 * URL-encoded once (it is signed in that form and sent in that form; the
 * browser's form encoding adds the second layer).  Returns 0 or -1.
 */
int	rk_receipt(const char *item, long long tiyn, const char *tax,
	    char *out, size_t outsz);

/* Percent-encodes s like PHP's urlencode(): [A-Za-z0-9_.-] kept, ' ' is '+'. */
int	rk_urlencode(const char *s, char *out, size_t outsz);

/*
 * A callback's parameters (ResultURL, SuccessURL, FailURL), from a body or
 * a query string, checked for shape: OutSum a decimal, InvId 1..2^31-1,
 * SignatureValue hex; Shp_ parameters collected (any case of "shp_").
 */
struct rk_callback {
	struct form_pairs	 pairs;
	const char		*out_sum;	/* exactly as received */
	const char		*inv_id;
	long long		 inv;
	const char		*signature;	/* NULL if absent */
	struct rk_param		 shp[RK_MAX_SHP];
	size_t			 nshp;
};

/*
 * Parses and checks a callback.  Returns 0, or -1 (malformed, missing or
 * repeated parameters, a signature required but absent).  Release with
 * rk_callback_free() in every case.
 */
int	rk_callback_parse(struct rk_callback *, const char *s, size_t n,
	    int need_signature);

void	rk_callback_free(struct rk_callback *);

/* The name of a config's hash algorithm, for OpenSSL ("MD5", "SHA256"...). */
const char *rk_digest_name(int alg);

#endif
