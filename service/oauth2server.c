/*
 * The end of apconn's server-held OAuth2 flow: the callback's code,
 * exchanged with what was sealed with the state, becomes a connection.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "../fcgi/log.h"
#include "../db/token.h"
#include "service.h"

/*
 * Finishes the server-held flow of state hash with the provider's code:
 * consumes the state, exchanges the code with the sealed verifier and
 * client secret, and stores the connection as the state's user (the
 * core's owner is set to it).  Returns 0 with *external_id (arena), or -1
 * with f filled; f->code is then what the browser is told
 * (invalid_state, oauth2_exchange_failed, invalid_value, internal, or a
 * database failure).
 */
int
oauth2_finish_server(struct core *c, struct fail *f, const char *hash,
    const char *code, const char **external_id)
{
	struct oauth2_taken	 t;
	struct conn_write	 w;
	json_object		*blob, *value, *got, *props;
	unsigned char		 rnd[8];
	char			 aad[100], *json, *found, ext[64];
	size_t			 i;
	enum db_rc		 rc;
	int			 legacy;

	*external_id = NULL;
	rc = db_oauth2_state_take(c->db, c->arena, hash, &t);
	if (rc == DB_NOTFOUND || (rc == DB_OK && c->owner != NULL &&
	    strcmp(c->owner, t.user_id) != 0))
		return fail_set(f, 400, "invalid_state", NULL, "The "
		    "authorization state is unknown, expired or already used");
	if (rc != DB_OK)
		return fail_db(f, rc);
	snprintf(aad, sizeof(aad), "oauth2_state:%s", hash);
	if ((blob = vault_open(c, aad, t.sealed.kid, t.sealed.iv,
	    t.sealed.ct, t.sealed.tag)) == NULL ||
	    (value = secret_new_object(c->arena)) == NULL)
		return fail_internal(f);
	json_object_object_add(value, "type", json_object_new_string("OAUTH2"));
	json_object_object_add(value, "code", json_object_new_string(code));
	if (t.pkce)
		value_copy_member(value, "code_challenge", blob, "verifier");
	json_object_object_add(value, "client_id",
	    json_object_new_string(t.client_id));
	value_copy_member(value, "client_secret", blob, "client_secret");
	json_object_object_add(value, "redirect_url",
	    json_object_new_string(t.redirect_url));
	if (t.props != NULL && (props = json_tokener_parse(t.props)) != NULL)
		json_object_object_add(value, "props", props);

	c->owner = t.user_id;		/* the state says whose it is */
	if (oauth2_exchange(c, f, t.piece_name, t.piece_version, value,
	    &got) == -1) {
		log_warnx("%s server-held exchange for %s failed: %s",
		    c->reqid, t.piece_name, f->msg);
		if (f->status == 400)
			f->code = "oauth2_exchange_failed";
		return -1;
	}
	if (conn_check_value(c, f, t.piece_name, NULL, "OAUTH2", got,
	    &legacy, &found) == -1) {
		if (f->status == 400)
			f->code = "invalid_value";
		return -1;
	}
	if (t.external_id == NULL) {
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return fail_internal(f);
		i = (size_t)snprintf(ext, sizeof(ext), "%.40s-", t.piece_name);
		hex_encode(rnd, 4, ext + i);
		if ((t.external_id = arena_strdup(c->arena, ext)) == NULL)
			return fail_internal(f);
	}
	memset(&w, 0, sizeof(w));
	w.owner = t.user_id;
	w.external_id = t.external_id;
	w.display_name = t.display_name ? t.display_name : t.piece_name;
	w.piece_name = t.piece_name;
	w.piece_version = t.piece_version ? t.piece_version : found ? found :
	    "0.0.0";
	w.type = "OAUTH2";
	w.status = "ACTIVE";
	if (conn_store(c, f, &w, got, 0, &json) == -1)
		return -1;
	*external_id = t.external_id;
	return 0;
}
