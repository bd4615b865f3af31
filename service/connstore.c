/*
 * The connection store: values checked against their piece, sealed under
 * the id they live under, stored, opened and redacted, always as the
 * core's owner.  Every value opened here belongs to the core's arena.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "../fcgi/http.h"
#include "../db/token.h"
#include "service.h"

#define EXTERNAL_ID_MAX	255
#define NAME_MAX_LEN	255

/*
 * Stores (creates or replaces) the connection w->external_id of w->owner
 * with value: the id of an existing connection is kept, so the value is
 * sealed against the id it will live under; an insert that loses a race
 * becomes an update.  A placeholder never replaces a real credential.
 * Returns 0 with *out the connection JSON (arena), or -1 with f filled.
 */
int
conn_store(struct core *c, struct fail *f, struct conn_write *w,
    json_object *value, int placeholder, char **out)
{
	char		*id, *status, newid[ID_LEN + 1], *json = NULL;
	struct sealed_ref s;
	enum db_rc	 rc;
	int		 attempt, exists;

	for (attempt = 0; attempt < 3; attempt++) {
		rc = db_conn_find(c->db, c->arena, w->owner, w->external_id,
		    &id, &status);
		if (rc != DB_OK && rc != DB_NOTFOUND)
			return fail_db(f, rc);
		exists = rc == DB_OK;
		if (exists && placeholder && strcmp(status, "MISSING") != 0) {
			rc = db_conn_rename(c->db, c->arena, id, w->owner,
			    NULL, NULL, &json);
			if (rc == DB_NOTFOUND)
				continue;
			if (rc != DB_OK)
				return fail_db(f, rc);
			*out = json;
			return 0;
		}
		if (!exists) {
			if (id_new(newid) == -1)
				return fail_internal(f);
			id = arena_strdup(c->arena, newid);
		}
		w->id = id;
		if (id == NULL || conn_value_seal(c, id, value, &s) == -1)
			return fail_internal(f);
		w->value = s;
		rc = exists ? db_conn_update(c->db, c->arena, w, &json) :
		    db_conn_insert(c->db, c->arena, w, &json);
		if (rc == DB_OK) {
			*out = json;
			return 0;
		}
		if (rc != DB_NOTFOUND)
			return fail_db(f, rc);
	}
	return fail_set(f, 409, "conflict", NULL, "The connection changed "
	    "while it was being saved; try again");
}

/*
 * Validates a connection value for piece/type and sets *legacy (a
 * CUSTOM_AUTH credential of a piece that does not define one).  Returns
 * 0 with *found_version (the piece's version found, arena, or NULL), or
 * -1 with f filled (400 for the value, else the database's failure).
 */
int
conn_check_value(struct core *c, struct fail *f, const char *piece,
    const char *version, const char *type, json_object *value, int *legacy,
    char **found_version)
{
	json_object	*auth, *def = NULL;
	const char	*field;
	char		 msg[200];
	int		 known, offers = 0;

	*legacy = 0;
	known = piece_auth_lookup(c, f, piece, version, &auth, found_version);
	if (known < 0)
		return -1;
	if (!known && version != NULL) {
		known = piece_auth_lookup(c, f, piece, NULL, &auth,
		    found_version);
		if (known < 0)
			return -1;
		if (known)
			return fail_set(f, 400, "unknown_version",
			    "pieceVersion", "Unknown piece version");
	}
	if (known)
		def = piece_auth_find(auth, type, &offers);
	if (strcmp(type, "CUSTOM_AUTH") != 0) {
		if (!known)
			return fail_set(f, 400, "unknown_piece", "pieceName",
			    "Piece not found");
		if (!offers)
			return fail_set(f, 400, "auth_type_not_offered",
			    "type", "The piece does not offer this "
			    "connection type");
	}
	if (conn_value_validate(type, value, offers ? def : NULL, legacy,
	    &field, msg, sizeof(msg)) == -1)
		return fail_set(f, 400, "invalid_value", field, "%s", msg);
	return 0;
}

/* A metadata field: absent or null -> *out NULL; else an object (0). */
static int
metadata_of(json_object *body, json_object **out)
{
	json_object	*m;

	*out = NULL;
	if (!json_object_object_get_ex(body, "metadata", &m) || m == NULL)
		return 0;
	if (!json_object_is_type(m, json_type_object))
		return -1;
	*out = m;
	return 0;
}

/* The metadata to store (JSON text, arena), or NULL for none. */
static const char *
metadata_text(struct core *c, json_object *m, int legacy)
{
	json_object	*copy = NULL;
	const char	*s;

	if (m == NULL && !legacy)
		return NULL;
	if (m != NULL && json_object_deep_copy(m, &copy, NULL) != 0)
		return NULL;
	if (copy == NULL)
		copy = json_object_new_object();
	if (legacy)
		json_object_object_add(copy, "validated",
		    json_object_new_boolean(0));
	s = arena_strdup(c->arena, json_object_to_json_string_ext(copy,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(copy);
	return s;
}

static int
bad_body(struct fail *f, const char *field)
{
	return fail_set(f, 400, "invalid_request", field,
	    "Invalid request body");
}

/*
 * Creates or replaces a connection of the core's owner from an upsert
 * body b (the API's, or one the legacy integrations API built).  An
 * OAUTH2 value carrying a code (or a client_credentials grant without a
 * token) is exchanged first.  b is left as it is.  Returns 0 with *out
 * the connection JSON (arena), or -1 with f filled.
 */
int
conn_upsert(struct core *c, struct fail *f, json_object *b, char **out)
{
	const char	*ext, *name, *piece, *type, *version, *vtype;
	json_object	*value, *meta, *stored;
	struct conn_write w;
	char		*found = NULL;
	int		 legacy = 0, placeholder = 0;

	ext = json_str(b, "externalId");
	name = json_str(b, "displayName");
	piece = json_str(b, "pieceName");
	type = json_str(b, "type");
	version = json_str(b, "pieceVersion");
	if (ext == NULL || *ext == '\0')
		return bad_body(f, "externalId");
	if (strlen(ext) > EXTERNAL_ID_MAX)
		return fail_set(f, 400, "invalid_request", "externalId",
		    "externalId is longer than 255 characters");
	if (name == NULL || *name == '\0')
		return bad_body(f, "displayName");
	if (strlen(name) > NAME_MAX_LEN)
		return fail_set(f, 400, "invalid_request", "displayName",
		    "displayName is longer than 255 characters");
	if (piece == NULL || *piece == '\0')
		return bad_body(f, "pieceName");
	if (type == NULL || *type == '\0')
		return bad_body(f, "type");
	if (version != NULL && *version == '\0')
		version = NULL;
	if (!json_object_object_get_ex(b, "value", &value) ||
	    !json_object_is_type(value, json_type_object))
		return bad_body(f, "value");
	if (metadata_of(b, &meta) == -1)
		return fail_set(f, 400, "invalid_request", "metadata",
		    "metadata must be an object");
	if (!json_size_ok(meta, CONN_METADATA_MAX))
		return fail_set(f, 400, "invalid_request", "metadata",
		    "metadata is larger than %d bytes of JSON",
		    CONN_METADATA_MAX);
	if (!json_size_ok(value, CONN_VALUE_MAX))
		return fail_set(f, 400, "invalid_value", "value",
		    "value is larger than %d bytes of JSON", CONN_VALUE_MAX);
	piece = piece_short_name(piece);

	if (strcmp(type, "PLACEHOLDER") == 0) {
		placeholder = 1;
		type = "NO_AUTH";
		if ((stored = secret_new_object(c->arena)) == NULL)
			return fail_internal(f);
		json_object_object_add(stored, "type",
		    json_object_new_string("NO_AUTH"));
	} else {
		if (!conn_type_valid(type))
			return fail_set(f, 400, "invalid_request", "type",
			    "Unknown connection type");
		if (strcmp(type, "CLOUD_OAUTH2") == 0 ||
		    strcmp(type, "PLATFORM_OAUTH2") == 0)
			return fail_set(f, 400, "unsupported_connection_type",
			    "type", "Only direct OAuth2 app credentials are "
			    "supported in this deployment");
		vtype = json_str(value, "type");
		if (vtype != NULL && strcmp(vtype, type) != 0)
			return fail_set(f, 400, "invalid_value", "value.type",
			    "value.type must equal type");
		if (strcmp(type, "OAUTH2") == 0 &&
		    (json_object_object_get_ex(value, "code", NULL) ||
		    (json_str(value, "grant_type") != NULL &&
		    strcmp(json_str(value, "grant_type"),
		    "client_credentials") == 0 &&
		    json_str(value, "access_token") == NULL))) {
			/* The original's client-held flow: exchange first. */
			if (oauth2_exchange(c, f, piece, version, value,
			    &stored) == -1)
				return -1;
		} else if ((stored = secret_copy(c->arena, value)) == NULL)
			return fail_internal(f);
		if (conn_check_value(c, f, piece, version, type, stored,
		    &legacy, &found) == -1)
			return -1;
		json_object_object_add(stored, "type",
		    json_object_new_string(type));
	}

	memset(&w, 0, sizeof(w));
	w.owner = c->owner;
	w.external_id = ext;
	w.display_name = name;
	w.piece_name = piece;
	w.piece_version = version ? version : found ? found : "0.0.0";
	w.type = type;
	w.status = placeholder ? "MISSING" : "ACTIVE";
	w.metadata = metadata_text(c, meta, legacy);
	return conn_store(c, f, &w, stored, placeholder, out);
}

/*
 * Reads and opens the owner's connection id.  Returns 0 with *row and
 * *value (owned by the arena; NULL for a value that does not open), or
 * -1 with f filled (404 "Connection not found").
 */
int
conn_open(struct core *c, struct fail *f, const char *id,
    struct conn_row *row, json_object **value)
{
	enum db_rc	rc;

	*value = NULL;
	rc = db_conn_get(c->db, c->arena, id, c->owner, row);
	if (rc != DB_OK)
		return fail_conn_db(f, rc);
	*value = vault_open_row(c, id, row);
	return 0;
}

/*
 * The secret-free view of the value of connection row (a new object,
 * owned by the caller; see conn_value_public()) in *out.  Returns 0, or
 * -1 with f filled.
 */
int
conn_redact(struct core *c, struct fail *f, const struct conn_row *row,
    json_object *value, json_object **out)
{
	json_object	*auth = NULL, *def = NULL;
	char		*ver;
	int		 known, offers = 0;

	*out = NULL;
	if (strcmp(row->type, "CUSTOM_AUTH") == 0) {
		known = piece_auth_lookup(c, f, row->piece_name,
		    row->piece_version, &auth, &ver);
		if (known < 0)
			return -1;
		if (known)
			def = piece_auth_find(auth, "CUSTOM_AUTH", &offers);
	}
	if ((*out = conn_value_public(value, offers ? def : NULL)) == NULL)
		return fail_internal(f);
	return 0;
}

/*
 * Applies a flat config to the owner's connection id and stores the
 * result, re-validated and re-sealed, as ACTIVE; name NULL keeps the
 * name.  Returns 0 with *out the connection JSON (arena), or -1 with f
 * filled.
 */
int
conn_apply_config(struct core *c, struct fail *f, const char *id,
    const char *name, json_object *config, char **out)
{
	struct conn_row	 row;
	struct sealed_ref s;
	json_object	*value, *next;
	char		*json, *found;
	int		 legacy = 0;
	enum db_rc	 rc;

	if (conn_open(c, f, id, &row, &value) == -1)
		return -1;
	if (value == NULL)
		return fail_set(f, 500, "value_unreadable", NULL,
		    "The connection's value cannot be read");
	next = secret_own(c->arena, conn_value_with_config(value, row.type,
	    config));
	if (next == NULL)
		return fail_set(f, 400, "invalid_request", "config",
		    "config must be an object of plain values");
	if (!json_size_ok(next, CONN_VALUE_MAX))
		return fail_set(f, 400, "invalid_request", "config",
		    "the value with this config is larger than %d bytes of "
		    "JSON", CONN_VALUE_MAX);
	if (strcmp(row.type, "NO_AUTH") != 0 && conn_check_value(c, f,
	    row.piece_name, NULL, row.type, next, &legacy, &found) == -1)
		return -1;
	if (conn_value_seal(c, id, next, &s) == -1)
		return fail_internal(f);
	rc = db_conn_set_value(c->db, c->arena, id, c->owner, name, &s,
	    legacy ? "{\"validated\":false}" : NULL, &json);
	if (rc != DB_OK)
		return fail_conn_db(f, rc);
	*out = json;
	return 0;
}
