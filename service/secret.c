/*
 * Secrets owned by an arena (service.h): each object registered here is
 * wiped (json_wipe()) and released once, when its arena is reset.  An
 * object shared by reference with another registered one is wiped twice
 * and released by whichever put comes last: both happen at the reset,
 * after every use.
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../fcgi/http.h"
#include "service.h"

/*
 * Hands o to arena a.  Returns o, or NULL when o is NULL or the arena is
 * exhausted (o is then wiped and released at once).
 */
json_object *
secret_own(struct arena *a, json_object *o)
{
	if (o == NULL)
		return NULL;
	if (arena_defer(a, json_release_wiped, o) == -1) {
		json_release_wiped(o);
		return NULL;
	}
	return o;
}

/*
 * Parses len bytes of JSON text into an object owned by a (NULL when it
 * is not one whole JSON text), and wipes the parser's scratch buffer,
 * which held every string it read.
 */
json_object *
secret_parse(struct arena *a, const char *text, size_t len)
{
	struct json_tokener	*tok;
	json_object		*o;

	if (text == NULL || len > INT_MAX || (tok = json_tokener_new()) ==
	    NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		if (o != NULL)
			json_release_wiped(o);
		o = NULL;
	}
	if (tok->pb != NULL && tok->pb->buf != NULL && tok->pb->size > 0)
		OPENSSL_cleanse(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
	return secret_own(a, o);
}

/* A deep copy of o owned by a; NULL for NULL or on failure. */
json_object *
secret_copy(struct arena *a, json_object *o)
{
	json_object	*c = NULL;

	if (o == NULL || json_object_deep_copy(o, &c, NULL) != 0)
		return NULL;
	return secret_own(a, c);
}

/* A new empty object owned by a, to build a secret in. */
json_object *
secret_new_object(struct arena *a)
{
	return secret_own(a, json_object_new_object());
}
