/*
 * A small per-worker cache of catalogue answers (GET /api/pieces and
 * /api/pieces/{name}): body and ETag by request key, valid for one
 * catalogue generation, which every notification on apconn_pieces (the
 * trigger of migration 0011) and every loss of the connection raises, so
 * a change made anywhere (the sync job, apconn-sync-pieces, another host)
 * empties it before the next catalogue request is answered.  Bounded in entries and in bytes;
 * the least recently used entry goes first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "handlers.h"

#define PC_SLOTS	32
#define PC_BYTES	(2 * 1024 * 1024)	/* every body together */
#define PC_ENTRY_MAX	(512 * 1024)

struct pc_entry {
	char		*key;		/* NULL for a free slot */
	char		*body;
	char		*etag;
	size_t		 len;
	unsigned long	 used;
};

static struct pc_entry	pc[PC_SLOTS];
static size_t		pc_bytes;
static unsigned long	pc_gen, pc_clock;
static unsigned long	catalogue_gen;	/* raised by piececache_notify() */
static int		pc_valid;

static void
pc_drop(struct pc_entry *e)
{
	if (e->key == NULL)
		return;
	pc_bytes -= e->len;
	free(e->key);
	free(e->body);
	free(e->etag);
	memset(e, 0, sizeof(*e));
}

/* Empties the cache. */
void
piececache_clear(void)
{
	size_t	i;

	for (i = 0; i < PC_SLOTS; i++)
		pc_drop(&pc[i]);
	pc_valid = 0;
}

/*
 * Looks key up, first emptying the cache if the catalogue changed.
 * Returns 1 with *body and *etag (valid until the next put or clear), or
 * 0 when it is not cached.
 */
int
piececache_get(struct db *db, const char *key, const char **body,
    const char **etag)
{
	unsigned long	gen;
	size_t		i;

	if (!db_drain(db))
		catalogue_gen++;	/* unheard: nothing kept holds */
	gen = catalogue_gen;
	if (!pc_valid || gen != pc_gen) {
		piececache_clear();
		pc_gen = gen;
		pc_valid = 1;
		return 0;
	}
	for (i = 0; i < PC_SLOTS; i++)
		if (pc[i].key != NULL && strcmp(pc[i].key, key) == 0) {
			pc[i].used = ++pc_clock;
			*body = pc[i].body;
			*etag = pc[i].etag;
			return 1;
		}
	return 0;
}

/*
 * The apconn_pieces channel's function (db_listen()): the catalogue
 * changed, or (channel NULL) changes may have been missed.
 */
void
piececache_notify(void *arg, const char *channel, const char *payload)
{
	(void)arg;
	(void)channel;
	(void)payload;
	catalogue_gen++;
}

/* Keeps a copy of body and etag under key; silently does not on failure. */
void
piececache_put(const char *key, const char *body, const char *etag)
{
	struct pc_entry	*e, *old;
	size_t		 i, len = strlen(body);

	if (!pc_valid || pc_gen != catalogue_gen || len > PC_ENTRY_MAX)
		return;		/* the catalogue changed since the get */
	for (;;) {
		e = old = NULL;
		for (i = 0; i < PC_SLOTS; i++) {
			if (pc[i].key != NULL && strcmp(pc[i].key, key) == 0)
				pc_drop(&pc[i]);
			if (pc[i].key == NULL && e == NULL)
				e = &pc[i];
			if (pc[i].key != NULL && (old == NULL ||
			    pc[i].used < old->used))
				old = &pc[i];
		}
		if (e != NULL && pc_bytes + len <= PC_BYTES)
			break;
		if (old == NULL)
			return;
		pc_drop(old);
	}
	e->key = strdup(key);
	e->body = malloc(len + 1);
	e->etag = strdup(etag);
	if (e->key == NULL || e->body == NULL || e->etag == NULL) {
		free(e->key);
		free(e->body);
		free(e->etag);
		memset(e, 0, sizeof(*e));
		return;
	}
	memcpy(e->body, body, len + 1);
	e->len = len;
	e->used = ++pc_clock;
	pc_bytes += len;
}
