/*
 * The list pages a worker answered recently, so that asking again for
 * the same page costs no query at all.
 *
 * A page is kept under its request: the owner it lists and every list
 * parameter, with the connection it was read on.  The database takes
 * pages back: the statement that changes an owner's connections notifies
 * apconn_conn with the owner (migration 0021) in its own transaction, and
 * every worker's connection listens.  listcache_find() drains the
 * notifications that arrived first, and answers from a page only while
 * the connection it was read on is still the one listening and has heard
 * every notification since (db_drain()); a lost or replaced connection
 * empties the cache.  Pages hold no secret (lists never carry values).
 * Memory is bounded: LISTCACHE_SLOTS pages of at most LISTCACHE_PAGE_MAX
 * bytes, one slot per key hash, a newer page replacing an older one.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../fcgi/metrics.h"
#include "handlers.h"

#define LISTCACHE_SLOTS		32
#define LISTCACHE_PAGE_MAX	(16 * 1024)

struct listcache_slot {
	char		*key;		/* NULL: empty */
	char		*owner;
	unsigned long	 session;	/* db_session() it was read in */
	uint64_t	 epoch;		/* owner_epoch() before its query */
	char		*page;
};

static struct listcache_slot	slots[LISTCACHE_SLOTS];

static struct listcache_slot *
slot_of(const char *key)
{
	return &slots[memo_hash(key, 0) % LISTCACHE_SLOTS];
}

static void
slot_drop(struct listcache_slot *s)
{
	free(s->key);
	memset(s, 0, sizeof(*s));
}

/*
 * The page kept under key, or NULL.  The page stays the cache's and valid
 * until the next listcache_put(), listcache_clear() or drain of
 * notifications: a worker may answer with the page itself, since it does
 * none of those before the answer is written.
 */
const char *
listcache_find(struct db *db, const char *key)
{
	struct listcache_slot	*s;

	if (!db_drain(db))
		return NULL;
	s = slot_of(key);
	if (s->key == NULL || strcmp(s->key, key) != 0)
		return NULL;
	if (s->session != db_session(db) || s->epoch != owner_epoch(s->owner)) {
		slot_drop(s);
		return NULL;
	}
	return s->page;
}

/*
 * Keeps page under key for owner, replacing what its slot held, when
 * nothing was heard since mark (db_heard_mark() before the page's query)
 * on the connection it was read on, which hears every notification;
 * epoch is the owner's owner_epoch() before that query.  A
 * page over
 * LISTCACHE_PAGE_MAX, or one that cannot be copied, is not kept (and the
 * slot's entry for key, if any, is dropped).
 */
void
listcache_put(struct db *db, unsigned long mark, uint64_t epoch,
    const char *key, const char *owner, const char *page)
{
	struct listcache_slot	*s = slot_of(key);
	size_t			 klen, olen, plen;
	char			*mem;

	slot_drop(s);
	if (mark == 0 || db_heard_mark(db) != mark)
		return;
	klen = strlen(key) + 1;
	olen = strlen(owner) + 1;
	plen = strlen(page) + 1;
	if (plen > LISTCACHE_PAGE_MAX ||
	    (mem = malloc(klen + olen + plen)) == NULL)
		return;
	s->key = memcpy(mem, key, klen);
	s->owner = memcpy(mem + klen, owner, olen);
	s->page = memcpy(mem + klen + olen, page, plen);
	s->session = db_session(db);
	s->epoch = epoch;
}

/* Drops every page (a lost connection; tests). */
void
listcache_clear(void)
{
	size_t	i;

	for (i = 0; i < LISTCACHE_SLOTS; i++)
		slot_drop(&slots[i]);
}

/*
 * The apconn_conn channel's function (db_listen()): payload an owner
 * whose connections changed, or "*"; channel NULL when notifications may
 * have been missed.
 */
void
listcache_notify(void *arg, const char *channel, const char *payload)
{
	size_t	i;

	(void)arg;
	if (channel == NULL || payload == NULL || strcmp(payload, "*") == 0) {
		listcache_clear();
		return;
	}
	for (i = 0; i < LISTCACHE_SLOTS; i++)
		if (slots[i].key != NULL && strcmp(slots[i].owner, payload) == 0) {
			slot_drop(&slots[i]);
			metrics_count(metric_listcache, LISTCACHE_DROPPED, 1);
		}
}
