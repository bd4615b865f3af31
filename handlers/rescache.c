/*
 * The executor's resolutions a worker answered, so that the next one of
 * the same workflow, external id and node needs no read: only its audit
 * row is written.  An entry keeps what the resolution's statement found
 * (the owner, the connection's id, type, piece and sealed value, the key
 * names stored beside it and when an OAuth2 token is due), never a
 * plaintext.  Only resolutions that were granted are kept; refusals are
 * asked again.
 *
 * The database takes entries back as it takes list pages back: apconn_conn
 * carries the owner of every change to connections, to the references of
 * workflows and to who owns a workflow (migration 0021); rescache_find()
 * drains first and trusts an entry only while the connection it was read
 * on is the one listening and has heard every notification since.  An
 * OAuth2 entry whose token is due is not answered: the refresh goes the
 * full way.  Memory is bounded: RESCACHE_SLOTS entries, sealed values of
 * at most RESCACHE_SEALED_MAX bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers.h"

#define RESCACHE_SLOTS		256
#define RESCACHE_SEALED_MAX	(8 * 1024)

struct rescache_slot {
	char		*key;		/* NULL: empty; one allocation */
	unsigned long	 session;	/* db_session() it was read in */
	uint64_t	 epoch;		/* owner_epoch() before its query */
	long long	 due;		/* -1: never */
	struct resolved	 r;
};

static struct rescache_slot	slots[RESCACHE_SLOTS];

static struct rescache_slot *
slot_of(const char *key)
{
	return &slots[memo_hash(key, 0) % RESCACHE_SLOTS];
}

static void
slot_drop(struct rescache_slot *s)
{
	free(s->key);
	memset(s, 0, sizeof(*s));
}

/*
 * The key of a resolution: workflow, external id and node (NULL: any),
 * each with its length.  Arena text, or NULL when out of memory.
 */
char *
rescache_key(struct arena *a, const char *wf, const char *ext,
    const char *node)
{
	return arena_printf(a, "%zu:%s;%zu:%s;%s%zu:%s", strlen(wf), wf,
	    strlen(ext), ext, node ? "" : "-", node ? strlen(node) : 0,
	    node ? node : "");
}

/*
 * The resolution kept under key, or NULL when none may be trusted or its
 * OAuth2 token is due at now.  The strings stay the cache's until the
 * next rescache_put(), rescache_clear() or drain of notifications: copy
 * what must outlive those.
 */
const struct resolved *
rescache_find(struct db *db, const char *key, long long now)
{
	struct rescache_slot	*s;

	if (!db_drain(db))
		return NULL;
	s = slot_of(key);
	if (s->key == NULL || strcmp(s->key, key) != 0)
		return NULL;
	if (s->session != db_session(db) || s->epoch != owner_epoch(s->r.owner)) {
		slot_drop(s);
		return NULL;
	}
	if (s->due != -1 && now >= s->due)
		return NULL;
	return &s->r;
}

static char *
put_str(char **at, const char *s)
{
	char	*p = *at;

	*at = stpcpy(p, s) + 1;
	return p;
}

/*
 * Keeps the granted resolution r under key, when nothing was heard since
 * mark (db_heard_mark() before its statement) on the connection it was
 * read on; epoch is its owner's owner_epoch() before that statement.  due: the value's "due" as stored (NULL: never).  Nothing is
 * kept for a large value, or when out of memory.
 */
void
rescache_put(struct db *db, unsigned long mark, uint64_t epoch,
    const char *key, const struct resolved *r, const char *due)
{
	struct rescache_slot	*s = slot_of(key);
	const char		*f[10] = { key, r->owner, r->id, r->type,
	    r->piece_name, r->kid, r->iv, r->ct, r->tag, r->keys };
	size_t			 len = 0, i;
	char			*at;

	slot_drop(s);
	if (mark == 0 || db_heard_mark(db) != mark)
		return;
	for (i = 0; i < 10; i++) {
		if (f[i] == NULL)
			return;
		len += strlen(f[i]) + 1;
	}
	if (strlen(r->ct) > RESCACHE_SEALED_MAX || (at = malloc(len)) == NULL)
		return;
	s->key = put_str(&at, key);
	s->r.owner = put_str(&at, r->owner);
	s->r.id = put_str(&at, r->id);
	s->r.type = put_str(&at, r->type);
	s->r.piece_name = put_str(&at, r->piece_name);
	s->r.kid = put_str(&at, r->kid);
	s->r.iv = put_str(&at, r->iv);
	s->r.ct = put_str(&at, r->ct);
	s->r.tag = put_str(&at, r->tag);
	s->r.keys = put_str(&at, r->keys);
	s->due = due != NULL ? strtoll(due, NULL, 10) : -1;
	s->session = db_session(db);
	s->epoch = epoch;
}

/* Drops every entry (a lost connection; tests). */
void
rescache_clear(void)
{
	size_t	i;

	for (i = 0; i < RESCACHE_SLOTS; i++)
		slot_drop(&slots[i]);
}

/*
 * The apconn_conn channel's function, with listcache_notify(): payload an
 * owner whose connections, references or workflows changed, or "*";
 * channel NULL when notifications may have been missed.
 */
void
rescache_notify(void *arg, const char *channel, const char *payload)
{
	size_t	i;

	(void)arg;
	if (channel == NULL || payload == NULL || strcmp(payload, "*") == 0) {
		rescache_clear();
		return;
	}
	for (i = 0; i < RESCACHE_SLOTS; i++)
		if (slots[i].key != NULL &&
		    strcmp(slots[i].r.owner, payload) == 0)
			slot_drop(&slots[i]);
}
