/*
 * json.h: what every strict reader of JSON checks beyond cJSON.
 *
 * Layer rules (lib/rules): pure functions over untrusted bytes; may use
 * lib/crypto, lib/base and cJSON.
 */
#ifndef JSON_H
#define JSON_H

#include <cjson/cJSON.h>

/*
 * Whether an object names a member twice: cJSON keeps both and finds the
 * first, where another reader may take the last ({"alg":"HS256",
 * "alg":"none"}), so such an object is refused rather than read one way.
 */
int	json_duplicate_keys(const cJSON *);

#endif
