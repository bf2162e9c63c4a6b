/*
 * buf.h: a growable byte buffer with a hard maximum.
 *
 * Modelled on git's strbuf and curl's dynbuf.  Invariants:
 *  - data is NULL until the first byte is added, then always NUL-terminated;
 *  - len never exceeds max, the maximum fixed at buf_init();
 *  - the first failed append (over max, or out of memory) sets failed, and
 *    every later append is a no-op returning -1, so a caller that builds a
 *    page out of many pieces checks once, at the end.
 *
 * Layer rules (lib/base): the C library only; never another layer.
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char	*data;		/* NUL-terminated contents, or NULL */
	size_t	 len;		/* bytes in data, not counting the NUL */
	size_t	 cap;		/* bytes allocated (private) */
	size_t	 max;		/* the most len may ever be */
	int	 failed;	/* an append did not fit */
};

/* Starts an empty buffer that will hold at most max bytes.  Cannot fail. */
void	buf_init(struct buf *, size_t max);

/* Frees the memory; the buffer may be used again after buf_init(). */
void	buf_free(struct buf *);

/* Empties the buffer and clears failed, keeping the memory. */
void	buf_reset(struct buf *);

/* Appends n bytes.  Returns 0, or -1 (and sets failed) if they do not fit. */
int	buf_add(struct buf *, const void *, size_t n);

/* Appends a NUL-terminated string. */
int	buf_adds(struct buf *, const char *);

/* Appends formatted text. */
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* The contents as a string: "" for an empty buffer, never NULL. */
const char *buf_str(const struct buf *);

#endif
