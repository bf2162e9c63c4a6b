/*
 * robokassa.c: signatures, receipts and callback parameters; see
 * robokassa.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "buf.h"
#include "hex.h"
#include "money.h"
#include "robokassa.h"

#define MAX_SIGNED	(32 * 1024)	/* longest string we ever sign */

const char *
rk_digest_name(int alg)
{
	switch (alg) {
	case RK_MD5: return "MD5";
	case RK_SHA1: return "SHA1";
	case RK_SHA256: return "SHA256";
	case RK_SHA384: return "SHA384";
	default: return "SHA512";
	}
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(((const struct rk_param *)a)->name,
	    ((const struct rk_param *)b)->name);
}

/* The raw digest of the signed string into md; its length, or 0. */
static unsigned int
digest(int alg, const char *const *fields, size_t nfields,
    const struct rk_param *shp, size_t nshp, unsigned char *md)
{
	struct rk_param	 sorted[RK_MAX_SHP];
	struct buf	 s;
	size_t		 i, len = 0;

	if (nshp > RK_MAX_SHP)
		return 0;
	if (nshp > 0) {
		memcpy(sorted, shp, nshp * sizeof(*shp));
		qsort(sorted, nshp, sizeof(*sorted), by_name);
	}
	buf_init(&s, MAX_SIGNED);
	for (i = 0; i < nfields; i++)
		buf_printf(&s, "%s%s", i ? ":" : "", fields[i]);
	for (i = 0; i < nshp; i++)
		buf_printf(&s, ":%s=%s", sorted[i].name, sorted[i].value);
	if (!s.failed && EVP_Q_digest(NULL, rk_digest_name(alg), NULL,
	    buf_str(&s), s.len, md, &len) != 1)
		len = 0;
	OPENSSL_cleanse(s.data, s.cap);
	buf_free(&s);
	return s.failed ? 0 : (unsigned int)len;
}

int
rk_sign(int alg, const char *const *fields, size_t nfields,
    const struct rk_param *shp, size_t nshp, char *hex)
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	n, i;

	if ((n = digest(alg, fields, nfields, shp, nshp, md)) == 0)
		return -1;
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

int
rk_check(int alg, const char *const *fields, size_t nfields,
    const struct rk_param *shp, size_t nshp, const char *sig)
{
	unsigned char	md[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	unsigned int	n, i;
	int		hi, lo;

	if ((n = digest(alg, fields, nfields, shp, nshp, md)) == 0 ||
	    strlen(sig) != 2 * n)
		return 0;
	for (i = 0; i < n; i++) {
		if ((hi = hex_value(sig[2 * i])) < 0 ||
		    (lo = hex_value(sig[2 * i + 1])) < 0)
			return 0;
		got[i] = (unsigned char)(hi << 4 | lo);
	}
	return CRYPTO_memcmp(md, got, n) == 0;
}

int
rk_urlencode(const char *s, char *out, size_t outsz)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 o = 0;
	unsigned char		 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (o + 4 > outsz)
			return -1;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')
			out[o++] = (char)c;
		else if (c == ' ')
			out[o++] = '+';
		else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

int
rk_receipt(const char *item, long long tiyn, const char *tax, char *out,
    size_t outsz)
{
	cJSON	*root, *items, *line;
	char	*json = NULL, sum[MONEY_TEXT];
	int	 rc = -1;

	if ((root = cJSON_CreateObject()) == NULL ||
	    (items = cJSON_AddArrayToObject(root, "items")) == NULL ||
	    (line = cJSON_CreateObject()) == NULL)
		goto out;
	cJSON_AddItemToArray(items, line);
	cJSON_AddStringToObject(line, "name", item);
	cJSON_AddNumberToObject(line, "quantity", 1);
	/* The sum in tenge: a whole number where it is one. */
	if (tiyn % 100 == 0)
		snprintf(sum, sizeof(sum), "%lld", tiyn / 100);
	else
		money_format(tiyn, sum);
	cJSON_AddRawToObject(line, "sum", sum);
	cJSON_AddStringToObject(line, "tax", tax);
	if ((json = cJSON_PrintUnformatted(root)) != NULL)
		rc = rk_urlencode(json, out, outsz);
out:
	cJSON_free(json);
	cJSON_Delete(root);
	return rc;
}

static int
hex_shape(const char *s)
{
	size_t	n = strlen(s);

	return (n == 32 || n == 40 || n == 64 || n == 96 || n == 128) &&
	    strspn(s, "0123456789abcdefABCDEF") == n;
}

int
rk_callback_parse(struct rk_callback *cb, const char *s, size_t n,
    int need_signature)
{
	struct form_pair	*p;
	long long		 tiyn, inv;
	size_t			 i;
	char			*end;

	memset(cb, 0, sizeof(*cb));
	if (form_pairs(&cb->pairs, s, n) == -1)
		return -1;
	for (i = 0; i < cb->pairs.n; i++) {
		p = &cb->pairs.p[i];
		if (strcmp(p->name, "OutSum") == 0)
			cb->out_sum = p->value;
		else if (strcmp(p->name, "InvId") == 0)
			cb->inv_id = p->value;
		else if (strcmp(p->name, "SignatureValue") == 0)
			cb->signature = p->value;
		else if (strncasecmp(p->name, "shp_", 4) == 0) {
			if (cb->nshp == RK_MAX_SHP || p->len > 256)
				return -1;
			cb->shp[cb->nshp].name = p->name;
			cb->shp[cb->nshp++].value = p->value;
		}
	}
	if (cb->out_sum == NULL || cb->inv_id == NULL ||
	    money_parse(cb->out_sum, strlen(cb->out_sum), &tiyn) ==
	    MONEY_MALFORMED)
		return -1;
	if (cb->inv_id[0] < '1' || cb->inv_id[0] > '9' ||
	    strlen(cb->inv_id) > 10 ||
	    strspn(cb->inv_id, "0123456789") != strlen(cb->inv_id))
		return -1;
	/* Set only once valid: a caller may pass cb->inv to the database. */
	if ((inv = strtoll(cb->inv_id, &end, 10)) > 2147483647LL)
		return -1;
	cb->inv = inv;
	if (need_signature && (cb->signature == NULL ||
	    !hex_shape(cb->signature)))
		return -1;
	return 0;
}

void
rk_callback_free(struct rk_callback *cb)
{
	form_pairs_free(&cb->pairs);
}
