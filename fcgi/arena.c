/*
 * Arena allocator (git's mem_pool shape, Kore's limit check).  The first
 * block is kept across resets so a steady request load allocates nothing
 * from the C library; every block is wiped on reset because requests carry
 * credentials.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "arena.h"

#define ARENA_BLKMIN	(16 * 1024)
#define ARENA_ALIGN	_Alignof(max_align_t)

struct arena_cleanup {
	struct arena_cleanup	*next;
	void			(*fn)(void *);
	void			*arg;
};

struct arena_blk {
	struct arena_blk	*next;
	size_t			 size;
	size_t			 used;
	_Alignas(max_align_t) unsigned char data[];
};

void
arena_init(struct arena *a, size_t limit)
{
	a->head = NULL;
	a->total = 0;
	a->limit = limit;
	a->cleanups = NULL;
}

/*
 * Returns sz bytes aligned for any type, or NULL when the arena's limit
 * would be passed or memory is exhausted.  The memory lives until reset.
 */
void *
arena_alloc(struct arena *a, size_t sz)
{
	struct arena_blk	*b;
	size_t			 need, bsz;
	void			*p;

	if (sz == 0)
		sz = 1;
	if (sz > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	need = (sz + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	if (need > a->limit - a->total)
		return NULL;
	b = a->head;
	if (b == NULL || b->size - b->used < need) {
		bsz = need > ARENA_BLKMIN ? need : ARENA_BLKMIN;
		if ((b = malloc(sizeof(*b) + bsz)) == NULL)
			return NULL;
		b->size = bsz;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += need;
	a->total += need;
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	char	*p;

	if (len == SIZE_MAX || (p = arena_alloc(a, len + 1)) == NULL)
		return NULL;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (p = arena_alloc(a, (size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

/*
 * The concatenation of its arguments, a NULL-terminated list of strings,
 * in the arena: a copy of large strings without printf's costs.  Returns
 * NULL when the arena is exhausted.
 */
char *
arena_concat(struct arena *a, ...)
{
	va_list		 ap;
	const char	*s;
	char		*p, *q;
	size_t		 n = 1;

	va_start(ap, a);
	while ((s = va_arg(ap, const char *)) != NULL)
		n += strlen(s);
	va_end(ap);
	if ((p = arena_alloc(a, n)) == NULL)
		return NULL;
	q = p;
	va_start(ap, a);
	while ((s = va_arg(ap, const char *)) != NULL)
		q = stpcpy(q, s);
	va_end(ap);
	return p;
}

/*
 * Makes the arena the owner of arg: fn(arg) runs once, at the next reset.
 * Returns 0, or -1 when the arena is exhausted; then nothing is
 * registered and arg stays the caller's to release.
 */
int
arena_defer(struct arena *a, void (*fn)(void *), void *arg)
{
	struct arena_cleanup	*c;

	if ((c = arena_alloc(a, sizeof(*c))) == NULL)
		return -1;
	c->fn = fn;
	c->arg = arg;
	c->next = a->cleanups;
	a->cleanups = c;
	return 0;
}

/*
 * Runs the registered cleanups, newest first (one may register another:
 * it runs too), then wipes everything handed out and keeps the oldest
 * block for the next request.
 */
void
arena_reset(struct arena *a)
{
	struct arena_blk	*b, *next;
	struct arena_cleanup	*c;

	while ((c = a->cleanups) != NULL) {
		a->cleanups = c->next;
		c->fn(c->arg);
	}

	for (b = a->head; b != NULL; b = next) {
		next = b->next;
		OPENSSL_cleanse(b->data, b->used);
		b->used = 0;
		if (next != NULL)
			free(b);
		else
			a->head = b;
	}
	a->total = 0;
}

void
arena_free(struct arena *a)
{
	arena_reset(a);
	free(a->head);
	a->head = NULL;
}
