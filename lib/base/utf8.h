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

/*
 * Copies untrusted text s[0..n) into dst[dstsz] as valid UTF-8 that can
 * be stored and shown: every byte that does not start a valid sequence,
 * and every control character, becomes the four characters "\xNN".  Stops
 * before a character that would not fit, so dst is never cut inside one.
 * Returns the length written; dstsz must be at least 1.
 */
size_t	utf8_escape(char *dst, size_t dstsz, const char *s, size_t n);

#endif
