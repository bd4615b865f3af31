/* The catalogue's auth definitions, as the services read them. */
#include "config.h"

#include "service.h"

static void
release(void *o)
{
	json_object_put(o);
}

/*
 * Looks up the auth definition of piece (short name) at version (NULL for
 * the newest).  Returns 1 with *auth (owned by the arena; NULL when the
 * piece has no auth) and *ver (arena) when the piece is known, 0 when it
 * is not, or -1 with f filled.
 */
int
piece_auth_lookup(struct core *c, struct fail *f, const char *piece,
    const char *version, json_object **auth, char **ver)
{
	char		*text;
	enum db_rc	 rc;

	*auth = NULL;
	*ver = NULL;
	rc = db_piece_auth(c->db, c->arena, piece, version, ver, &text);
	if (rc == DB_NOTFOUND)
		return 0;
	if (rc != DB_OK)
		return fail_db(f, rc);
	if (text == NULL)
		return 1;
	if ((*auth = json_tokener_parse(text)) == NULL)
		return fail_internal(f);
	if (arena_defer(c->arena, release, *auth) == -1) {
		json_object_put(*auth);
		*auth = NULL;
		return fail_internal(f);
	}
	return 1;
}
