/*
 * The credentials this worker has checked, so that a request needs no
 * query to authenticate.  An entry keeps what authentication read for a
 * session or API key (its SHA-256, user, name, email, scopes) and how
 * long it has before it expires, counted on the monotonic clock from the
 * database's own now(), so that no two hosts' clocks are compared.
 *
 * The database takes entries back: migration 0021's triggers notify
 * apconn_cred in the transaction that revokes, deletes, re-scopes or
 * changes the expiry of a credential, or changes or deletes its user, and
 * every worker's connection listens.  credmemo_find() drains the
 * notifications that arrived before it answers; an entry is trusted only
 * while the connection it was read on is still the one listening and has
 * heard every notification since (db_drain()); a lost or replaced
 * connection empties the memo, and the request asks the database.
 *
 * Uses are recorded in batches: an entry used when its last recorded use
 * is a minute old is marked, and credmemo_flush(), after the answer, writes
 * every mark in one statement, at most once a second.
 *
 * Memory is bounded: MEMO_SLOTS entries in sets of two per (kind, id)
 * hash, a newer entry replacing the one of its set used least recently.
 * Entries hold no secret: a token's hash does not give the token back.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "../db/token.h"
#include "../fcgi/log.h"
#include "handlers.h"

#define MEMO_SLOTS		2048	/* in sets of 2 */
#define MEMO_USE_EVERY_S	60	/* a use is recorded once a minute */
#define MEMO_FLUSH_EVERY_MS	1000

struct memo {
	char		 kind;		/* 't' session, 'f' API key; 0: empty */
	char		 expires;
	char		 marked;	/* a use to write */
	char		 anonymous;
	char		 id[ID_LEN + 1];
	char		 key_id[ID_LEN + 1];	/* a key's session's key */
	char		 hashhex[64];	/* not NUL-terminated */
	unsigned long	 session;	/* db_session() it was read in */
	long long	 expires_ms;	/* monotonic */
	long long	 recorded_ms;	/* monotonic: last use written, or
					   known fresh */
	long long	 used_ms;	/* monotonic: last found */
	unsigned int	 scopes;	/* as authenticate() granted them */
	char		*user_id;	/* one allocation: user_id, then */
	char		*name;		/* name and email (NULL when none) */
	char		*email;
};

static struct memo	memo[MEMO_SLOTS];
static size_t		nmarked;
static long long	flushed_ms;

static long long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The entry kept for (kind, id), or NULL. */
static struct memo *
slot_find(char kind, const char *id)
{
	struct memo	*m = &memo[memo_hash(id, kind) % (MEMO_SLOTS / 2) * 2];

	if (m[0].kind == kind && strcmp(m[0].id, id) == 0)
		return &m[0];
	if (m[1].kind == kind && strcmp(m[1].id, id) == 0)
		return &m[1];
	return NULL;
}

/* Where to keep (kind, id): its entry, an empty one, or the older. */
static struct memo *
slot_for(char kind, const char *id)
{
	struct memo	*m = &memo[memo_hash(id, kind) % (MEMO_SLOTS / 2) * 2];
	struct memo	*f;

	if ((f = slot_find(kind, id)) != NULL)
		return f;
	if (m[0].kind == 0)
		return &m[0];
	if (m[1].kind == 0)
		return &m[1];
	return m[0].used_ms <= m[1].used_ms ? &m[0] : &m[1];
}

static void
drop(struct memo *m)
{
	if (m->kind == 0)
		return;
	if (m->marked)
		nmarked--;
	free(m->user_id);
	memset(m, 0, sizeof(*m));
}

/* Empties the memo (tests; a lost connection). */
void
credmemo_clear(void)
{
	size_t	i;

	for (i = 0; i < MEMO_SLOTS; i++)
		drop(&memo[i]);
	nmarked = 0;
}

/*
 * The apconn_cred channel's function (db_listen()): payload "f:" key id,
 * "t:" session id, "u:" user id or "*"; channel NULL when notifications
 * may have been missed.
 */
void
credmemo_notify(void *arg, const char *channel, const char *payload)
{
	struct memo	*m;
	size_t		 i;

	(void)arg;
	if (channel == NULL || payload == NULL || strlen(payload) < 3 ||
	    payload[1] != ':') {
		credmemo_clear();
		return;
	}
	switch (payload[0]) {
	case 't':
		if ((m = slot_find('t', payload + 2)) != NULL)
			drop(m);
		break;
	case 'f':
		if ((m = slot_find('f', payload + 2)) != NULL)
			drop(m);
		/* The sessions made from the key go with it. */
		for (i = 0; i < MEMO_SLOTS; i++)
			if (memo[i].kind == 't' &&
			    strcmp(memo[i].key_id, payload + 2) == 0)
				drop(&memo[i]);
		break;
	case 'u':
		for (i = 0; i < MEMO_SLOTS; i++)
			if (memo[i].kind != 0 &&
			    strcmp(memo[i].user_id, payload + 2) == 0)
				drop(&memo[i]);
		break;
	default:
		credmemo_clear();
		break;
	}
}

/*
 * Fills r->who (strings copied to r's arena) from the entry kept for the
 * credential r presented (r->cred) when there is one the database has not
 * taken back, with the same hash, not expired.  Returns 1 when it did,
 * 0 when the database must be asked.
 */
int
credmemo_find(struct req *r)
{
	const struct presented	*p = &r->cred;
	struct memo		*m;
	long long		 now;
	char			 kind = p->session ? 't' : 'f';

	if (!db_drain(r->db))
		return 0;
	if ((m = slot_find(kind, p->id)) == NULL)
		return 0;
	if (m->session != db_session(r->db)) {
		drop(m);
		return 0;
	}
	if (CRYPTO_memcmp(m->hashhex, p->hashhex, sizeof(m->hashhex)) != 0)
		return 0;	/* answered by the database: 401 */
	now = now_ms();
	if (m->expires && now >= m->expires_ms) {
		drop(m);	/* the database says how: 401 expired */
		return 0;
	}
	m->used_ms = now;
	memset(&r->who, 0, sizeof(r->who));
	if ((r->who.user_id = arena_strdup(r->arena, m->user_id)) == NULL ||
	    (r->who.credential_id = arena_strdup(r->arena, m->id)) == NULL)
		return 0;
	if (m->name != NULL &&
	    (r->who.name = arena_strdup(r->arena, m->name)) == NULL)
		return 0;
	if (m->email != NULL &&
	    (r->who.email = arena_strdup(r->arena, m->email)) == NULL)
		return 0;
	r->who.anonymous = m->anonymous;
	r->who.scopes = m->scopes;
	r->who.via_cookie = p->cookie;
	r->who.is_session = p->session;
	if (!m->marked && now - m->recorded_ms >= MEMO_USE_EVERY_S * 1000) {
		m->marked = 1;
		nmarked++;
	}
	return 1;
}

static char *
dup_or_null(char **at, const char *s)
{
	char	*p = *at;

	if (s == NULL)
		return NULL;
	*at = stpcpy(p, s) + 1;
	return p;
}

/*
 * Before the query whose answer credmemo_keep() is given: when it was
 * sent, and what had been heard (db_heard_mark()).
 */
void
credmemo_ask(struct db *db, struct credmemo_asked *at)
{
	at->ms = now_ms();
	at->mark = db_heard_mark(db);
}

/*
 * Keeps what the database answered for the credential r presented (valid:
 * neither revoked nor expired) to the query asked at, with the scopes
 * authenticate() granted from it (r->who.scopes), when nothing was heard
 * since on the connection it was read on, which hears every
 * notification.  Nothing is kept otherwise, or when out of memory.
 */
void
credmemo_keep(struct req *r, const struct cred *c,
    const struct credmemo_asked *at)
{
	const struct presented	*p = &r->cred;
	struct memo		*m;
	size_t			 len;
	char			*mem, kind = p->session ? 't' : 'f';
	long long		 now = now_ms();

	if (at->mark == 0 || db_heard_mark(r->db) != at->mark ||
	    c->user_id == NULL || c->hashhex == NULL ||
	    strlen(c->hashhex) != sizeof(m->hashhex) ||
	    strlen(p->id) >= sizeof(m->id) ||
	    (c->key_id != NULL && strlen(c->key_id) >= sizeof(m->key_id)))
		return;
	m = slot_for(kind, p->id);
	drop(m);
	len = strlen(c->user_id) + 1 + (c->name ? strlen(c->name) + 1 : 0) +
	    (c->email ? strlen(c->email) + 1 : 0);
	if ((mem = malloc(len)) == NULL)
		return;
	m->user_id = dup_or_null(&mem, c->user_id);
	m->name = dup_or_null(&mem, c->name);
	m->email = dup_or_null(&mem, c->email);
	m->scopes = r->who.scopes;
	m->kind = kind;
	snprintf(m->id, sizeof(m->id), "%s", p->id);
	memcpy(m->hashhex, c->hashhex, sizeof(m->hashhex));
	snprintf(m->key_id, sizeof(m->key_id), "%s",
	    c->key_id ? c->key_id : "");
	m->session = db_session(r->db);
	m->expires = c->expires != 0;
	m->used_ms = now;
	m->expires_ms = at->ms + (c->expires ? c->expires_ms : 0);
	m->anonymous = c->anonymous;
	/* A stale last use is written by the next flush. */
	m->recorded_ms = now;
	if (c->stale) {
		m->marked = 1;
		nmarked++;
	}
}

/*
 * The ids of the marked entries of kind as a text array literal, in a
 * (ids are of token.c's alphabet: nothing to quote).  NULL when out of
 * memory.
 */
static char *
marked_ids(struct arena *a, char kind)
{
	char	*s, *p;
	size_t	 i;

	if ((s = arena_alloc(a, nmarked * (sizeof(memo[0].id) + 3) + 3)) ==
	    NULL)
		return NULL;
	p = s;
	*p++ = '{';
	for (i = 0; i < MEMO_SLOTS; i++)
		if (memo[i].kind == kind && memo[i].marked) {
			if (p > s + 1)
				*p++ = ',';
			*p++ = '"';
			p = stpcpy(p, memo[i].id);
			*p++ = '"';
		}
	*p++ = '}';
	*p = '\0';
	return s;
}

/*
 * Writes the uses marked since the last flush in one statement, at most
 * once every MEMO_FLUSH_EVERY_MS; on failure they stay marked for the
 * next.  Runs after a request was answered, with an arena of its own.
 */
void
credmemo_flush(struct db *db, struct arena *a)
{
	const char	*keys, *sessions;
	long long	 now;
	size_t		 i;

	if (nmarked == 0 || (now = now_ms()) - flushed_ms < MEMO_FLUSH_EVERY_MS)
		return;
	flushed_ms = now;
	if ((keys = marked_ids(a, 'f')) == NULL ||
	    (sessions = marked_ids(a, 't')) == NULL)
		return;
	if (db_cred_touch(db, keys, sessions) != DB_OK)
		return;
	for (i = 0; i < MEMO_SLOTS; i++)
		if (memo[i].marked) {
			memo[i].marked = 0;
			memo[i].recorded_ms = now;
		}
	nmarked = 0;
}
