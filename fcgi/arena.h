/*
 * Per-request memory: chained blocks, reset (and wiped) after every request.
 * Allocation never aborts: it returns NULL when the arena's limit would be
 * passed, and the caller answers 413 or 500.  Includes nothing of ours.
 *
 * The arena is also the owner of what a request (or a job step) opens
 * outside it: arena_defer() registers a release function, and
 * arena_reset() runs every registered one exactly once, newest first,
 * before it wipes the blocks.  What is registered belongs to the arena;
 * nobody else releases it.
 */
#ifndef APCONN_ARENA_H
#define APCONN_ARENA_H

#include <stddef.h>

struct arena_blk;
struct arena_cleanup;

struct arena {
	struct arena_blk	*head;		/* newest block first */
	size_t			 total;		/* bytes handed out */
	size_t			 limit;		/* upper bound on total */
	struct arena_cleanup	*cleanups;	/* newest first */
};

void	 arena_init(struct arena *, size_t);
void	*arena_alloc(struct arena *, size_t);
char	*arena_strdup(struct arena *, const char *);
char	*arena_concat(struct arena *, ...) __attribute__((sentinel));
char	*arena_strndup(struct arena *, const char *, size_t);
char	*arena_printf(struct arena *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 arena_defer(struct arena *, void (*)(void *), void *);
void	 arena_reset(struct arena *);
void	 arena_free(struct arena *);

#endif
