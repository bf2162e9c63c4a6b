/*
 * base64.h: base64 (RFC 4648 §4) and base64url without padding (§5).
 *
 * Encoders write a NUL-terminated string and return its length, or
 * (size_t)-1 if dst is too small; B64_LEN(n) is enough for n input bytes.
 * Decoders take a pointer and a length, reject any byte outside the
 * alphabet (and, for base64, misplaced padding), and return the decoded
 * length or (size_t)-1.
 *
 * Layer rules (lib/base): the C library only; never another layer.
 */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>

#define B64_LEN(n)	(((n) + 2) / 3 * 4 + 1)

size_t	b64_encode(char *dst, size_t dstsz, const void *src, size_t n);
size_t	b64url_encode(char *dst, size_t dstsz, const void *src, size_t n);
size_t	b64url_decode(void *dst, size_t dstsz, const char *src, size_t n);

#endif
