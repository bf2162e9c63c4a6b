/*
 * utf8.h: strict UTF-8 (RFC 3629): no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequences.
 *
 * Layer rules (lib/base): the C library only; never another layer.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the code point at s[0..n) into *cp.  Returns the bytes it takes
 * (1 to 4), or 0 if s does not start with a valid sequence (or n is 0).
 */
size_t	utf8_decode(const char *s, size_t n, uint32_t *cp);

/* 1 iff s[0..n) is valid UTF-8 without NUL bytes. */
int	utf8_valid(const char *s, size_t n);

/* Code points in valid UTF-8 s[0..n). */
size_t	utf8_length(const char *s, size_t n);

#endif
