/*
 * amotoken.c: verification of amoCRM's disposable tokens; see amotoken.h.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "amotoken.h"
#include "base64.h"
#include "crypto.h"
#include "json.h"

#define PART_MAX	2048	/* decoded header or payload */

/* HMAC-SHA256 of s[0..n) with key; compared with sig[0..32). */
static int
hmac_matches(const char *key, const char *s, size_t n,
    const unsigned char *sig)
{
	unsigned char	mac[CRYPTO_SHA256_LEN];

	if (key == NULL || crypto_hmac_sha256(key, strlen(key), s, n,
	    mac) == -1)
		return 0;
	return crypto_equal(mac, sig, sizeof(mac));
}

/* Decodes a base64url part and parses it as a JSON object. */
static cJSON *
json_part(const char *s, size_t n)
{
	char	buf[PART_MAX];
	size_t	len;
	cJSON	*o;

	if ((len = b64url_decode(buf, sizeof(buf), s, n)) == (size_t)-1 ||
	    len == 0)
		return NULL;
	o = cJSON_ParseWithLength(buf, len);
	if (o != NULL && (!cJSON_IsObject(o) || json_duplicate_keys(o))) {
		cJSON_Delete(o);
		o = NULL;
	}
	return o;
}

static const char *
string_claim(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A whole number of seconds, or -1. */
static long long
time_claim(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 1e11 || floor(v->valuedouble) != v->valuedouble)
		return -1;
	return (long long)v->valuedouble;
}

/*
 * account_id, user_id: a positive integer, as a number or a numeric
 * string (which one amoCRM sends is not known).  -1 if not.
 */
static long long
id_claim(const cJSON *o, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, name);
	long long	 id = 0;
	size_t		 i, n;

	if (cJSON_IsNumber(v)) {
		if (v->valuedouble < 1 || v->valuedouble > 9007199254740991.0 ||
		    floor(v->valuedouble) != v->valuedouble)
			return -1;
		return (long long)v->valuedouble;
	}
	if (!cJSON_IsString(v) || (n = strlen(v->valuestring)) == 0 ||
	    n > 15 || strspn(v->valuestring, "0123456789") != n)
		return -1;
	for (i = 0; i < n; i++)
		id = id * 10 + (v->valuestring[i] - '0');
	return id > 0 ? id : -1;
}

/* aud is a string, or an array of strings, that holds the audience. */
static int
audience_ok(const cJSON *o, const char *want)
{
	const cJSON	*aud = cJSON_GetObjectItemCaseSensitive(o, "aud");
	const cJSON	*e;

	if (cJSON_IsString(aud))
		return strcmp(aud->valuestring, want) == 0;
	if (cJSON_IsArray(aud))
		cJSON_ArrayForEach(e, aud)
			if (cJSON_IsString(e) &&
			    strcmp(e->valuestring, want) == 0)
				return 1;
	return 0;
}

/* iss is https://<subdomain>.<amoCRM or Kommo zone>, matching subdomain. */
static int
issuer_ok(const char *iss, const char *sub, char *host)
{
	const char	*dot;

	if (iss == NULL || sub == NULL || strncmp(iss, "https://", 8) != 0 ||
	    strchr(iss + 8, '.') == NULL || strlen(iss + 8) >= AMO_HOST_MAX)
		return 0;
	dot = strchr(iss + 8, '.');
	if ((size_t)(dot - (iss + 8)) != strlen(sub) ||
	    strncmp(iss + 8, sub, strlen(sub)) != 0)
		return 0;
	return amo_host(iss + 8, host) == 0 && strcmp(host, iss + 8) == 0;
}

/*
 * The two dots of header.payload.signature, if tok[0..n) is that shape
 * within the size limit.  0 or -1.
 */
static int
split(const char *tok, size_t n, const char **dot1, const char **dot2)
{
	if (n == 0 || n > AMOTOKEN_MAX ||
	    (*dot1 = memchr(tok, '.', n)) == NULL ||
	    (*dot2 = memchr(*dot1 + 1, '.', n - (size_t)(*dot1 + 1 - tok))) ==
	    NULL || memchr(*dot2 + 1, '.', n - (size_t)(*dot2 + 1 - tok)))
		return -1;
	return 0;
}

/* 8-4-4-4-12 lower-case hex digits. */
static int
canonical_uuid(const char *s)
{
	size_t	i;

	if (strlen(s) != AMOTOKEN_UUID_MAX - 1)
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return 1;
}

int
amotoken_open(struct amotoken_parts *p, const char *tok, size_t n)
{
	memset(p, 0, sizeof(*p));
	if (split(tok, n, &p->dot1, &p->dot2) == -1)
		return -1;
	p->tok = tok;
	p->n = n;
	p->head = json_part(tok, (size_t)(p->dot1 - tok));
	p->body = json_part(p->dot1 + 1, (size_t)(p->dot2 - p->dot1 - 1));
	return 0;
}

void
amotoken_close(struct amotoken_parts *p)
{
	cJSON_Delete(p->head);
	cJSON_Delete(p->body);
	memset(p, 0, sizeof(*p));
}

int
amotoken_claimed_uuid(const struct amotoken_parts *p,
    char uuid[AMOTOKEN_UUID_MAX])
{
	const char	*v;

	uuid[0] = '\0';
	if (p->body == NULL || (v = string_claim(p->body, "client_uuid")) ==
	    NULL || !canonical_uuid(v))
		return -1;
	memcpy(uuid, v, AMOTOKEN_UUID_MAX);
	return 0;
}

int
amotoken_client_uuid(const char *tok, size_t n, char uuid[AMOTOKEN_UUID_MAX])
{
	struct amotoken_parts	p;
	int			rc = -1;

	uuid[0] = '\0';
	if (amotoken_open(&p, tok, n) == 0)
		rc = amotoken_claimed_uuid(&p, uuid);
	amotoken_close(&p);
	return rc;
}

enum amotoken_result
amotoken_verify(const char *tok, size_t n, const struct amotoken_keys *k,
    time_t now, struct amotoken *t, const char **why)
{
	struct amotoken_parts	p;
	enum amotoken_result	rc;

	if (amotoken_open(&p, tok, n) == -1) {
		memset(t, 0, sizeof(*t));
		*why = "malformed token";
		return AMOTOKEN_INVALID;
	}
	rc = amotoken_check(&p, k, now, t, why);
	amotoken_close(&p);
	return rc;
}

enum amotoken_result
amotoken_check(const struct amotoken_parts *p, const struct amotoken_keys *k,
    time_t now, struct amotoken *t, const char **why)
{
	const char	*sub;
	unsigned char	 sig[64];
	size_t		 signed_len;
	long long	 iat, nbf, exp;

	memset(t, 0, sizeof(*t));
	/* Each check sets *why before it may fail: nothing else to undo. */
	*why = "malformed token";
	if (p->tok == NULL || p->head == NULL)
		return AMOTOKEN_INVALID;
	signed_len = (size_t)(p->dot2 - p->tok);
	/* The algorithm is ours to choose, never the token's. */
	*why = "algorithm is not HS256";
	if (string_claim(p->head, "alg") == NULL ||
	    strcmp(string_claim(p->head, "alg"), "HS256") != 0)
		return AMOTOKEN_INVALID;
	*why = "malformed signature";
	if (b64url_decode(sig, sizeof(sig), p->dot2 + 1,
	    p->n - signed_len - 1) != 32)
		return AMOTOKEN_INVALID;
	*why = "bad signature";
	if (!hmac_matches(k->secret, p->tok, signed_len, sig) &&
	    !hmac_matches(k->previous, p->tok, signed_len, sig))
		return AMOTOKEN_INVALID;
	*why = "malformed claims";
	if (p->body == NULL)
		return AMOTOKEN_INVALID;
	*why = "wrong audience";
	if (!audience_ok(p->body, k->audience))
		return AMOTOKEN_INVALID;
	*why = "wrong client_uuid";
	if (string_claim(p->body, "client_uuid") == NULL ||
	    strcmp(string_claim(p->body, "client_uuid"), k->client_uuid) != 0)
		return AMOTOKEN_INVALID;
	iat = time_claim(p->body, "iat");
	nbf = time_claim(p->body, "nbf");
	exp = time_claim(p->body, "exp");
	*why = "missing or malformed times";
	if (iat < 0 || nbf < 0 || exp < 0)
		return AMOTOKEN_INVALID;
	*why = "not valid yet";
	if (iat > now + AMOTOKEN_SKEW || nbf > now + AMOTOKEN_SKEW)
		return AMOTOKEN_INVALID;
	*why = "missing or malformed account_id";
	if ((t->account_id = id_claim(p->body, "account_id")) < 0)
		return AMOTOKEN_INVALID;
	*why = "issuer and subdomain do not name one account";
	sub = string_claim(p->body, "subdomain");
	if (sub == NULL || strlen(sub) >= sizeof(t->subdomain) ||
	    !issuer_ok(string_claim(p->body, "iss"), sub, t->host))
		return AMOTOKEN_INVALID;
	snprintf(t->subdomain, sizeof(t->subdomain), "%s", sub);
	/* Only counted (whose checks), never trusted for more: optional. */
	if ((t->user_id = id_claim(p->body, "user_id")) < 0)
		t->user_id = 0;
	t->exp = exp;
	*why = "token expired";
	if (exp + AMOTOKEN_SKEW <= now)
		return AMOTOKEN_EXPIRED;
	*why = NULL;
	return AMOTOKEN_OK;
}
