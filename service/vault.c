/*
 * Connection values in and out of the key ring: serialised, sealed under
 * the connection id, and the plaintext wiped; opened and parsed into an
 * object owned by the caller's arena, with a failure logged (never the
 * value) and reported as NULL.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../fcgi/log.h"
#include "../db/seal.h"
#include "service.h"

/*
 * Seals value under additional data aad (a connection id); out's fields
 * live in the core's arena (out->beside NULL: conn_value_seal() adds it).  The serialisation json-c keeps in value is
 * wiped.  Returns 0, or -1 (no key ring, or the seal failed).
 */
int
vault_seal(struct core *c, const char *aad, json_object *value,
    struct sealed_ref *out)
{
	struct sealed	 s;
	const char	*pt;
	size_t		 len;
	int		 rc;

	if (c->keys == NULL)
		return -1;
	pt = json_object_to_json_string_length(value, JSON_C_TO_STRING_PLAIN,
	    &len);
	if (pt == NULL)
		return -1;
	rc = seal(c->keys, aad, (const unsigned char *)pt, len, &s);
	OPENSSL_cleanse((char *)(uintptr_t)pt, len);
	if (rc == -1)
		return -1;
	out->kid = arena_strdup(c->arena, s.kid);
	out->iv = arena_strdup(c->arena, s.iv);
	out->tag = arena_strdup(c->arena, s.tag);
	out->ct = arena_strdup(c->arena, s.ct);
	out->beside = NULL;
	sealed_free(&s);
	return out->kid && out->iv && out->tag && out->ct ? 0 : -1;
}

/*
 * Opens a sealed JSON object under aad.  Returns it, owned by the core's
 * arena, or NULL when it does not open (wrong key, tampered, moved from
 * another row) or is not an object; the failure is logged without the
 * value.
 */
json_object *
vault_open(struct core *c, const char *aad, const char *kid, const char *iv,
    const char *ct, const char *tag)
{
	unsigned char	*pt;
	size_t		 len;
	json_object	*o;

	if (c->keys == NULL || unseal(c->keys, aad, kid, iv, ct, tag, &pt,
	    &len) == -1) {
		log_warnx("%s sealed value of %s cannot be opened (key %s)",
		    c->reqid, aad, kid ? kid : "-");
		return NULL;
	}
	o = secret_parse(c->arena, (const char *)pt, len);
	plain_free(pt, len);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		log_warnx("%s sealed value of %s is not an object", c->reqid,
		    aad);
		return NULL;
	}
	return o;
}

/* The value of connection id as read in row r (vault_open()). */
json_object *
vault_open_row(struct core *c, const char *id, const struct conn_row *r)
{
	return vault_open(c, id, r->kid, r->iv, r->ct, r->tag);
}

/*
 * Opens a sealed string (an OAuth app's client secret) under aad.
 * Returns it in the core's arena, which wipes it at the reset, or NULL
 * (logged) when it does not open.
 */
const char *
vault_open_string(struct core *c, const char *aad, const struct sealed_ref *s)
{
	unsigned char	*pt;
	size_t		 len;
	char		*out;

	if (c->keys == NULL || unseal(c->keys, aad, s->kid, s->iv, s->ct,
	    s->tag, &pt, &len) == -1) {
		log_warnx("%s sealed value of %s cannot be opened (key %s)",
		    c->reqid, aad, s->kid ? s->kid : "-");
		return NULL;
	}
	out = arena_strndup(c->arena, (const char *)pt, len);
	plain_free(pt, len);
	return out;
}
