/*
 * The list pages a worker answered recently, so that asking again for
 * the same page costs one small query (the caller's authentication and
 * its owner's change counter, apconn.conn_gen) instead of the page's.
 *
 * A page is kept under its request: the credential that asked (kind and
 * id, never the token) and every list parameter.  It is answered again
 * only to a caller who authenticates now as the same owner, whose
 * counter is the one read in the page's own snapshot: the counter rises
 * in the same transaction as any change of that owner's connections, so
 * an equal counter means an equal page.  Pages hold no secret (lists
 * never carry values).  Memory is bounded: LISTCACHE_SLOTS pages of at
 * most LISTCACHE_PAGE_MAX bytes, one slot per key hash, a newer page
 * replacing an older one in its slot.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define LISTCACHE_SLOTS		64
#define LISTCACHE_PAGE_MAX	(16 * 1024)

struct listcache_slot {
	char		*key;		/* NULL: empty */
	char		*owner;
	long long	 gen;
	char		*page;
};

static struct listcache_slot	slots[LISTCACHE_SLOTS];

static uint64_t
key_hash(const char *key)
{
	uint64_t	h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ULL;
	}
	return h;
}

static struct listcache_slot *
slot_of(const char *key)
{
	return &slots[key_hash(key) % LISTCACHE_SLOTS];
}

/*
 * The page kept under key, with the owner and counter it was read with,
 * or NULL.  The strings stay the cache's and valid until the next
 * listcache_put() or listcache_clear(): a worker may answer with the
 * page itself, since it puts nothing before the answer is written.
 */
const char *
listcache_find(const char *key, const char **owner, long long *gen)
{
	struct listcache_slot	*s = slot_of(key);

	if (s->key == NULL || strcmp(s->key, key) != 0)
		return NULL;
	*owner = s->owner;
	*gen = s->gen;
	return s->page;
}

/*
 * Keeps page under key for owner at counter gen, replacing what its slot
 * held.  A page over LISTCACHE_PAGE_MAX, or one that cannot be copied,
 * is not kept (and the slot's entry for key, if any, is dropped).
 */
void
listcache_put(const char *key, const char *owner, long long gen,
    const char *page)
{
	struct listcache_slot	*s = slot_of(key);
	size_t			 klen, olen, plen;
	char			*mem;

	free(s->key);
	memset(s, 0, sizeof(*s));
	klen = strlen(key) + 1;
	olen = strlen(owner) + 1;
	plen = strlen(page) + 1;
	if (plen > LISTCACHE_PAGE_MAX ||
	    (mem = malloc(klen + olen + plen)) == NULL)
		return;
	s->key = memcpy(mem, key, klen);
	s->owner = memcpy(mem + klen, owner, olen);
	s->page = memcpy(mem + klen + olen, page, plen);
	s->gen = gen;
}

/* Drops every page (tests; a worker never needs to). */
void
listcache_clear(void)
{
	size_t	i;

	for (i = 0; i < LISTCACHE_SLOTS; i++) {
		free(slots[i].key);
		memset(&slots[i], 0, sizeof(slots[i]));
	}
}
