/*
 * Connection values in and out of the key ring: serialised, sealed under
 * the connection id, and the plaintext wiped; opened and parsed, with a
 * failure logged (never the value) and reported as NULL.
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../fcgi/log.h"
#include "../db/seal.h"
#include "handlers.h"

/*
 * Seals value for connection id; out's fields live in the arena.
 * Returns 0, or -1 (no key ring, or the seal failed).
 */
int
vault_seal(struct req *r, const char *id, json_object *value,
    struct sealed_ref *out)
{
	struct sealed	 s;
	const char	*pt;
	size_t		 len;
	int		 rc;

	if (r->keys == NULL)
		return -1;
	/* The serialisation is cached in value: wiped below. */
	pt = json_object_to_json_string_length(value, JSON_C_TO_STRING_PLAIN,
	    &len);
	if (pt == NULL)
		return -1;
	rc = seal(r->keys, id, (const unsigned char *)pt, len, &s);
	OPENSSL_cleanse((char *)(uintptr_t)pt, len);
	if (rc == -1)
		return -1;
	out->kid = arena_strdup(r->arena, s.kid);
	out->iv = arena_strdup(r->arena, s.iv);
	out->tag = arena_strdup(r->arena, s.tag);
	out->ct = arena_strdup(r->arena, s.ct);
	sealed_free(&s);
	return out->kid && out->iv && out->tag && out->ct ? 0 : -1;
}

/*
 * Parses len bytes of JSON text into a new object (NULL when it is not
 * one whole JSON text), then wipes the tokener's scratch buffer, which
 * held every string it read.
 */
static json_object *
parse_wiped(const char *text, size_t len)
{
	struct json_tokener	*tok;
	json_object		*o;

	if (len > INT_MAX || (tok = json_tokener_new()) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		if (o != NULL)
			vault_discard(o);
		o = NULL;
	}
	if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0)
		OPENSSL_cleanse(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
	return o;
}

/*
 * Opens the value of connection id (row c).  Returns a new object (the
 * caller releases it with vault_discard), or NULL when it does not open:
 * wrong key, tampered, or moved from another row.
 */
json_object *
vault_open(struct req *r, const char *id, const struct conn_row *c)
{
	unsigned char	*pt;
	size_t		 len;
	json_object	*o;

	if (r->keys == NULL || unseal(r->keys, id, c->kid, c->iv, c->ct,
	    c->tag, &pt, &len) == -1) {
		log_warnx("%s value of connection %s cannot be opened "
		    "(key %s)", r->id, id, c->kid ? c->kid : "-");
		return NULL;
	}
	o = parse_wiped((const char *)pt, len);
	plain_free(pt, len);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		vault_discard(o);
		o = NULL;
	}
	if (o == NULL)
		log_warnx("%s value of connection %s is not an object", r->id,
		    id);
	return o;
}

/* Wipes the strings of an opened value and releases it. */
void
vault_discard(json_object *o)
{
	if (o == NULL)
		return;
	json_wipe(o);
	json_object_put(o);
}
