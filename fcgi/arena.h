/*
 * Per-request memory: chained blocks, reset (and wiped) after every request.
 * Allocation never aborts: it returns NULL when the arena's limit would be
 * passed, and the caller answers 413 or 500.  Includes nothing of ours.
 */
#ifndef APCONN_ARENA_H
#define APCONN_ARENA_H

#include <stddef.h>

struct arena_blk;

struct arena {
	struct arena_blk	*head;		/* newest block first */
	size_t			 total;		/* bytes handed out */
	size_t			 limit;		/* upper bound on total */
};

void	 arena_init(struct arena *, size_t);
void	*arena_alloc(struct arena *, size_t);
char	*arena_strdup(struct arena *, const char *);
char	*arena_strndup(struct arena *, const char *, size_t);
char	*arena_printf(struct arena *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	 arena_reset(struct arena *);
void	 arena_free(struct arena *);

#endif
