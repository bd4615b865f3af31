/*
 * Connection values, without I/O: validation against a piece's auth
 * definition, the secret-free view, and the flat-config update of the
 * original workflow builder.  All functions work on json-c objects owned
 * by the caller and never change them; what they build is new.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "../fcgi/http.h"
#include "../db/token.h"
#include "../fcgi/egress.h"
#include "service.h"

/* Value fields that are secrets whatever the type. */
static const char *const secret_fields[] = {
	"secret_text", "password", "client_secret", "access_token",
	"refresh_token", "code", "code_challenge", "code_verifier",
	"id_token", "data", NULL
};

static const char *const conn_types[] = {
	"SECRET_TEXT", "BASIC_AUTH", "CUSTOM_AUTH", "OAUTH2", "CLOUD_OAUTH2",
	"PLATFORM_OAUTH2", "NO_AUTH", NULL
};

/* Returns 1 if t is a connection type apconn stores. */
int
conn_type_valid(const char *t)
{
	size_t	i;

	for (i = 0; conn_types[i] != NULL; i++)
		if (strcmp(conn_types[i], t) == 0)
			return 1;
	return 0;
}

/*
 * Returns the short name of a piece: "@activepieces/piece-slack" ->
 * "slack"; other scopes are kept whole.  The result points into name.
 */
const char *
piece_short_name(const char *name)
{
	static const char	prefix[] = "@activepieces/piece-";

	if (strncmp(name, prefix, sizeof(prefix) - 1) == 0 &&
	    name[sizeof(prefix) - 1] != '\0')
		return name + sizeof(prefix) - 1;
	return name;
}

/*
 * Finds the auth method of type in a piece's auth definition (an object,
 * an array of them, or NULL for a piece without auth).  Returns the entry
 * (borrowed from auth) or NULL.  NO_AUTH matches a piece without auth.
 */
json_object *
piece_auth_find(json_object *auth, const char *type, int *offers)
{
	const char	*t;
	size_t		 i, n;
	json_object	*e;

	*offers = 0;
	if (auth == NULL || json_object_is_type(auth, json_type_null)) {
		*offers = strcmp(type, "NO_AUTH") == 0;
		return NULL;
	}
	if (json_object_is_type(auth, json_type_object)) {
		t = json_str(auth, "type");
		*offers = t != NULL && strcmp(t, type) == 0;
		return *offers ? auth : NULL;
	}
	if (!json_object_is_type(auth, json_type_array))
		return NULL;
	n = json_object_array_length(auth);
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(auth, i);
		t = json_str(e, "type");
		if (t != NULL && strcmp(t, type) == 0) {
			*offers = 1;
			return e;
		}
	}
	return NULL;
}

static int
nonempty_string(json_object *o, const char *k)
{
	const char	*s = json_str(o, k);

	return s != NULL && *s != '\0';
}

static int
is_blank(json_object *v)
{
	return v == NULL || json_object_is_type(v, json_type_null) ||
	    (json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) == 0);
}

static int
looks_numeric(const char *s)
{
	char	*end;

	if (*s == '\0')
		return 0;
	errno = 0;
	(void)strtod(s, &end);
	return *end == '\0' && errno == 0;
}

static int
option_allowed(json_object *prop, json_object *v)
{
	json_object	*opts, *list, *o, *ov;
	size_t		 i, n;

	if (!json_object_object_get_ex(prop, "options", &opts) ||
	    !json_object_object_get_ex(opts, "options", &list) ||
	    !json_object_is_type(list, json_type_array))
		return 1;	/* no static list to check against */
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		o = json_object_array_get_idx(list, i);
		if (json_object_object_get_ex(o, "value", &ov) &&
		    json_object_equal(ov, v))
			return 1;
	}
	return 0;
}

/* Checks one CUSTOM_AUTH prop value against its definition. */
static int
prop_valid(json_object *def, json_object *v, char *msg, size_t msgsz,
    const char *name)
{
	const char	*pt = json_str(def, "type");
	json_object	*req;
	size_t		 i, n;
	int		 required;

	required = json_object_object_get_ex(def, "required", &req) &&
	    json_object_get_boolean(req);
	if (is_blank(v)) {
		if (required) {
			snprintf(msg, msgsz, "%s is required", name);
			return 0;
		}
		return 1;
	}
	if (pt == NULL)
		return 1;
	if (strcmp(pt, "SHORT_TEXT") == 0 || strcmp(pt, "LONG_TEXT") == 0 ||
	    strcmp(pt, "SECRET_TEXT") == 0 || strcmp(pt, "PASSWORD") == 0 ||
	    strcmp(pt, "MARKDOWN") == 0 || strcmp(pt, "DATE_TIME") == 0) {
		if (!json_object_is_type(v, json_type_string)) {
			snprintf(msg, msgsz, "%s must be a string", name);
			return 0;
		}
	} else if (strcmp(pt, "NUMBER") == 0) {
		if (!json_object_is_type(v, json_type_int) &&
		    !json_object_is_type(v, json_type_double) &&
		    !(json_object_is_type(v, json_type_string) &&
		    looks_numeric(json_object_get_string(v)))) {
			snprintf(msg, msgsz, "%s must be a number", name);
			return 0;
		}
	} else if (strcmp(pt, "CHECKBOX") == 0) {
		if (!json_object_is_type(v, json_type_boolean)) {
			snprintf(msg, msgsz, "%s must be true or false", name);
			return 0;
		}
	} else if (strcmp(pt, "STATIC_DROPDOWN") == 0) {
		if (!option_allowed(def, v)) {
			snprintf(msg, msgsz, "%s is not one of its options",
			    name);
			return 0;
		}
	} else if (strcmp(pt, "STATIC_MULTI_SELECT_DROPDOWN") == 0) {
		if (!json_object_is_type(v, json_type_array)) {
			snprintf(msg, msgsz, "%s must be a list", name);
			return 0;
		}
		n = json_object_array_length(v);
		for (i = 0; i < n; i++)
			if (!option_allowed(def, json_object_array_get_idx(v,
			    i))) {
				snprintf(msg, msgsz, "%s holds a value that is "
				    "not one of its options", name);
				return 0;
			}
	}
	return 1;
}

static int
flat_scalars(json_object *props)
{
	json_object_object_foreach(props, k, v) {
		(void)k;
		if (v != NULL && (json_object_is_type(v, json_type_object) ||
		    json_object_is_type(v, json_type_array)))
			return 0;
	}
	return 1;
}

/*
 * Validates value (an object whose "type" is type) against def, the
 * piece's auth entry for that type (NULL when the piece is unknown or
 * does not offer the type; only CUSTOM_AUTH accepts that, as a legacy
 * credential: *legacy is set).  Returns 0, or -1 with *field naming the
 * offending field ("value.<name>") and a message in msg.
 */
int
conn_value_validate(const char *type, json_object *value, json_object *def,
    int *legacy, const char **field, char *msg, size_t msgsz)
{
	json_object	*props;

	*legacy = 0;
	*field = "value";
	msg[0] = '\0';
	if (strcmp(type, "SECRET_TEXT") == 0) {
		*field = "value.secret_text";
		if (!nonempty_string(value, "secret_text")) {
			snprintf(msg, msgsz, "secret_text must be a non-empty "
			    "string");
			return -1;
		}
		return 0;
	}
	if (strcmp(type, "BASIC_AUTH") == 0) {
		*field = "value.username";
		if (!nonempty_string(value, "username")) {
			snprintf(msg, msgsz, "username must be a non-empty "
			    "string");
			return -1;
		}
		*field = "value.password";
		if (!nonempty_string(value, "password")) {
			snprintf(msg, msgsz, "password must be a non-empty "
			    "string");
			return -1;
		}
		return 0;
	}
	if (strcmp(type, "NO_AUTH") == 0)
		return 0;
	if (strcmp(type, "OAUTH2") == 0) {
		*field = "value.access_token";
		if (!nonempty_string(value, "access_token")) {
			snprintf(msg, msgsz, "access_token must be a "
			    "non-empty string");
			return -1;
		}
		return conn_value_props_check(value, def, field, msg, msgsz);
	}
	if (strcmp(type, "CUSTOM_AUTH") != 0) {
		snprintf(msg, msgsz, "unsupported connection type");
		*field = "type";
		return -1;
	}
	*field = "value.props";
	if (!json_object_object_get_ex(value, "props", &props) ||
	    !json_object_is_type(props, json_type_object)) {
		snprintf(msg, msgsz, "props must be an object");
		return -1;
	}
	if (def == NULL) {
		/* The original's integration credentials: flat config keys. */
		if (!flat_scalars(props)) {
			snprintf(msg, msgsz, "props must hold plain values");
			return -1;
		}
		*legacy = 1;
		return 0;
	}
	return conn_props_check(props, def, field, msg, msgsz);
}

/*
 * Checks props (an object, the caller's) against the props that def (a
 * piece's auth entry) declares: required, type, the options of a
 * dropdown.  A missing or blank prop that declares a defaultValue first
 * gets a deep copy of it in props, as the original's form would have sent
 * it.  Returns 0, or -1 with *field ("value.props.<name>") and msg.
 */
int
conn_props_check(json_object *props, json_object *def, const char **field,
    char *msg, size_t msgsz)
{
	json_object	*pdefs, *v, *dv, *c;

	if (def == NULL || !json_object_object_get_ex(def, "props", &pdefs) ||
	    !json_object_is_type(pdefs, json_type_object))
		return 0;
	json_object_object_foreach(pdefs, name, pdef) {
		v = NULL;
		json_object_object_get_ex(props, name, &v);
		if (is_blank(v) && json_object_object_get_ex(pdef,
		    "defaultValue", &dv) && !is_blank(dv)) {
			c = NULL;
			if (json_object_deep_copy(dv, &c, NULL) != 0) {
				snprintf(msg, msgsz, "out of memory");
				*field = "value.props";
				return -1;
			}
			json_object_object_add(props, name, c);
			v = c;
		}
		if (!prop_valid(pdef, v, msg, msgsz, name)) {
			conn_value_field(name, field);
			return -1;
		}
	}
	return 0;
}

/*
 * conn_props_check() on the props of a value (the caller's, about to be
 * sent or stored; "props" is added to it only when a default fills it).
 * Returns 0, or -1 with *field and msg.
 */
int
conn_value_props_check(json_object *value, json_object *def,
    const char **field, char *msg, size_t msgsz)
{
	json_object	*props;

	if (json_object_object_get_ex(value, "props", &props) &&
	    props != NULL) {
		if (!json_object_is_type(props, json_type_object)) {
			*field = "value.props";
			snprintf(msg, msgsz, "props must be an object");
			return -1;
		}
		return conn_props_check(props, def, field, msg, msgsz);
	}
	if ((props = json_object_new_object()) == NULL) {
		*field = "value.props";
		snprintf(msg, msgsz, "out of memory");
		return -1;
	}
	if (conn_props_check(props, def, field, msg, msgsz) == -1) {
		json_object_put(props);
		return -1;
	}
	if (json_object_object_length(props) > 0)
		json_object_object_add(value, "props", props);
	else
		json_object_put(props);
	return 0;
}

/* Sets *field to "value.props.<name>" (static storage, one at a time). */
void
conn_value_field(const char *name, const char **field)
{
	static char	buf[160];

	snprintf(buf, sizeof(buf), "value.props.%s", name);
	*field = buf;
}

/*
 * 1 when def declares CUSTOM_AUTH prop name with a type that is not a
 * secret; anything undeclared, or any prop of an unknown piece, is not.
 */
static int
prop_is_public(json_object *def, const char *name)
{
	json_object	*pdefs, *p;
	const char	*t;

	if (def == NULL || !json_object_object_get_ex(def, "props", &pdefs) ||
	    !json_object_object_get_ex(pdefs, name, &p))
		return 0;
	t = json_str(p, "type");
	return t != NULL && strcmp(t, "SECRET_TEXT") != 0 &&
	    strcmp(t, "PASSWORD") != 0;
}

/* A deep copy of o (json-c's own), or NULL. */
static json_object *
copy_of(json_object *o)
{
	json_object	*c = NULL;

	if (o == NULL || json_object_deep_copy(o, &c, NULL) != 0)
		return NULL;
	return c;
}

static int
is_secret_field(const char *k)
{
	size_t	i;

	for (i = 0; secret_fields[i] != NULL; i++)
		if (strcmp(k, secret_fields[i]) == 0)
			return 1;
	return 0;
}

/*
 * The secret-free view of value: a new object (the caller's) holding
 * copies of what is not a secret: not the fixed secret fields and, for a
 * CUSTOM_AUTH value, only the props that def declares with a non-secret
 * type (fail closed: undeclared props, and all props of an unknown piece,
 * are left out).  No secret is ever copied.  NULL when out of memory.
 */
json_object *
conn_value_public(json_object *value, json_object *def)
{
	json_object	*o, *props;
	const char	*t = json_str(value, "type");
	int		 custom = t != NULL && strcmp(t, "CUSTOM_AUTH") == 0;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_foreach(value, k, v) {
		if (is_secret_field(k))
			continue;
		if (custom && strcmp(k, "props") == 0 &&
		    json_object_is_type(v, json_type_object)) {
			/* OAUTH2 props are configuration: copied whole. */
			props = json_object_new_object();
			json_object_object_foreach(v, pk, pv) {
				if (prop_is_public(def, pk))
					json_object_object_add(props, pk,
					    copy_of(pv));
			}
			json_object_object_add(o, k, props);
			continue;
		}
		if (custom && strcmp(k, "props") == 0)
			continue;
		json_object_object_add(o, k, copy_of(v));
	}
	return o;
}

/* 1 when o written as compact JSON takes at most max bytes, else 0. */
int
json_size_ok(json_object *o, size_t max)
{
	size_t	len = 0;

	if (o == NULL)
		return 1;
	if (json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN,
	    &len) == NULL)
		return 0;
	return len <= max;
}

/* Adds a deep copy of src[sk] to dst as k, when src has it. */
void
value_copy_member(json_object *dst, const char *k, json_object *src,
    const char *sk)
{
	json_object	*v, *c;

	if (json_object_object_get_ex(src, sk, &v) && v != NULL &&
	    (c = copy_of(v)) != NULL)
		json_object_object_add(dst, k, c);
}

/* Member k of o as an integer (strings coerced), 0 when absent. */
static long long
int_member(json_object *o, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return 0;
	return json_object_get_int64(v);
}

/*
 * When the access token of OAuth2 value v becomes due for refresh: its
 * expiry less min(15 minutes, expires_in / 2), in seconds since the
 * epoch; -1 for a value that says nothing of its expiry, or whose due
 * time lies past what a long long holds (never due).
 */
long long
conn_value_due_at(json_object *v)
{
	long long	exp = int_member(v, "expires_in"),
			claimed = int_member(v, "claimed_at");
	long long	margin;

	if (exp <= 0 || claimed <= 0)
		return -1;
	margin = exp / 2 < 900 ? exp / 2 : 900;
	/* Both from the stored value: claimed + exp may not fit. */
	if (exp - margin > LLONG_MAX - claimed)
		return -1;
	return claimed + (exp - margin);
}

/* Value keys that stay on the server: what renews or re-creates a token. */
const char *const conn_value_server_only[] = {
	"refresh_token", "client_secret", "code", "code_verifier",
	"code_challenge", NULL
};

/*
 * A new JSON array (the caller's) of the names of value's keys that a
 * resolution hands out: all but conn_value_server_only.  NULL when out of
 * memory.
 */
json_object *
conn_value_key_names(json_object *value)
{
	json_object	*keys;
	size_t		 i;

	if ((keys = json_object_new_array()) == NULL)
		return NULL;
	json_object_object_foreach(value, k, v) {
		(void)v;
		for (i = 0; conn_value_server_only[i] != NULL; i++)
			if (strcmp(k, conn_value_server_only[i]) == 0)
				break;
		if (conn_value_server_only[i] == NULL)
			json_object_array_add(keys, json_object_new_string(k));
	}
	return keys;
}

/*
 * What is stored in the clear beside value's seal, so that a resolution
 * can be decided and audited without opening it: {"keys": the names of
 * the keys a resolution hands out, "due": when an OAuth2 token becomes
 * due for refresh (conn_value_due_at(); absent when never)}.  Returns arena
 * text, or NULL when out of memory (the value is then stored without it
 * and resolutions open it first).
 */
const char *
conn_value_beside(struct arena *a, json_object *value)
{
	json_object	*o, *keys;
	const char	*s;
	long long	 due;

	if ((keys = conn_value_key_names(value)) == NULL)
		return NULL;
	if ((o = json_object_new_object()) == NULL) {
		json_object_put(keys);
		return NULL;
	}
	json_object_object_add(o, "keys", keys);
	if ((due = conn_value_due_at(value)) != -1)
		json_object_object_add(o, "due", json_object_new_int64(due));
	s = arena_strdup(a, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/*
 * Seals connection value under its id (vault_seal()) with what is stored
 * beside it (conn_value_beside()).  Returns 0, or -1 (nothing usable).
 */
int
conn_value_seal(struct core *c, const char *id, json_object *value,
    struct sealed_ref *out)
{
	if (vault_seal(c, id, value, out) == -1)
		return -1;
	out->beside = conn_value_beside(c->arena, value);
	return 0;
}

/*
 * A new object (the caller's) holding deep copies of the members of value
 * whose keys are not in drop (a NULL-terminated list); value is left as
 * it is.  NULL when out of memory.
 */
json_object *
conn_value_without(json_object *value, const char *const drop[])
{
	json_object	*o, *c;
	size_t		 i;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_foreach(value, k, v) {
		for (i = 0; drop[i] != NULL; i++)
			if (strcmp(k, drop[i]) == 0)
				break;
		if (drop[i] != NULL)
			continue;
		if (v != NULL && (c = copy_of(v)) == NULL) {
			json_release_wiped(o);
			return NULL;
		}
		json_object_object_add(o, k, v != NULL ? c : NULL);
	}
	return o;
}

/* What the flat config puts in key k of a stored value of type, or NULL. */
static json_object *
replacement(const char *type, json_object *config, const char *k)
{
	json_object	*v;
	static const char *const oauth2[] = { "client_id", "client_secret",
	    "redirect_url", "scope", NULL };
	size_t		 i;

	if (strcmp(type, "BASIC_AUTH") == 0) {
		if ((strcmp(k, "username") == 0 || strcmp(k, "password") == 0) &&
		    json_object_object_get_ex(config, k, &v) && !is_blank(v))
			return v;
	} else if (strcmp(type, "OAUTH2") == 0) {
		for (i = 0; oauth2[i] != NULL; i++)
			if (strcmp(k, oauth2[i]) == 0 &&
			    json_object_object_get_ex(config, k, &v) &&
			    !is_blank(v))
				return v;
	} else if (strcmp(type, "SECRET_TEXT") == 0 &&
	    strcmp(k, "secret_text") == 0) {
		if (nonempty_string(config, "secret_text")) {
			json_object_object_get_ex(config, k, &v);
			return v;
		}
		/* Else the first non-empty string of the config. */
		json_object_object_foreach(config, ck, cv) {
			(void)ck;
			if (!is_blank(cv) && json_object_is_type(cv,
			    json_type_string))
				return cv;
		}
	}
	return NULL;
}

/*
 * A stored value of type with a flat config applied (the original's edit
 * screen sends only the fields the user typed: a missing or empty field
 * keeps the stored one; CUSTOM_AUTH props merge over the stored ones).
 * Returns a new object built from copies (the caller's: it holds
 * secrets), or NULL when config is not an object of plain values.  value
 * and config are left as they are.
 */
json_object *
conn_value_with_config(json_object *value, const char *type,
    json_object *config)
{
	json_object	*o, *props, *r;
	static const char *const added[] = { "username", "password",
	    "client_id", "client_secret", "redirect_url", "scope",
	    "secret_text", NULL };
	int		 custom = strcmp(type, "CUSTOM_AUTH") == 0;
	size_t		 i;

	if (!json_object_is_type(config, json_type_object) ||
	    !flat_scalars(config) || (o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_foreach(value, k, v) {
		if (custom && strcmp(k, "props") == 0 &&
		    json_object_is_type(v, json_type_object))
			continue;
		r = replacement(type, config, k);
		json_object_object_add(o, k, copy_of(r != NULL ? r : v));
	}
	/* Fields the stored value lacked. */
	for (i = 0; added[i] != NULL; i++)
		if (!json_object_object_get_ex(o, added[i], NULL) &&
		    (r = replacement(type, config, added[i])) != NULL)
			json_object_object_add(o, added[i], copy_of(r));
	if (!custom)
		return o;
	/* Props: the stored ones in their order, the config's over them. */
	props = json_object_new_object();
	if (json_object_object_get_ex(value, "props", &r) &&
	    json_object_is_type(r, json_type_object)) {
		json_object_object_foreach(r, pk, pv) {
			json_object	*c;

			if (json_object_object_get_ex(config, pk, &c) &&
			    !is_blank(c))
				pv = c;
			json_object_object_add(props, pk, copy_of(pv));
		}
	}
	json_object_object_foreach(config, ck, cv) {
		if (!is_blank(cv) &&
		    !json_object_object_get_ex(props, ck, NULL))
			json_object_object_add(props, ck, copy_of(cv));
	}
	json_object_object_add(o, "props", props);
	return o;
}

/* The value of one template variable, or NULL when value lacks it. */
static const char *
probe_var(json_object *value, const char *name, size_t len, char *buf,
    size_t bufsz)
{
	json_object	*props, *v;
	const char	*u, *p;
	char		 key[128], pair[512];
	int		 n;

	if (len >= sizeof(key))
		return NULL;
	memcpy(key, name, len);
	key[len] = '\0';
	if (strcmp(key, "basic") == 0) {
		if (!json_object_object_get_ex(value, "username", &v) ||
		    (u = json_object_get_string(v)) == NULL ||
		    !json_object_object_get_ex(value, "password", &v) ||
		    (p = json_object_get_string(v)) == NULL)
			return NULL;
		n = snprintf(pair, sizeof(pair), "%s:%s", u, p);
		if (n < 0 || (size_t)n >= sizeof(pair))
			return NULL;
		n = b64std_encode((unsigned char *)pair, (size_t)n, buf, bufsz);
		OPENSSL_cleanse(pair, sizeof(pair));
		return n < 0 ? NULL : buf;
	}
	if (strncmp(key, "props.", 6) == 0) {
		if (!json_object_object_get_ex(value, "props", &props) ||
		    !json_object_object_get_ex(props, key + 6, &v))
			return NULL;
	} else if (!json_object_object_get_ex(value, key, &v))
		return NULL;
	if (v == NULL || json_object_is_type(v, json_type_object) ||
	    json_object_is_type(v, json_type_array))
		return NULL;
	return json_object_get_string(v);
}

/*
 * Expands {{name}} in tmpl from value into out: url-encoded when urlenc.
 * Returns 0, or -1 when a variable is missing, a value holds CR or LF, or
 * out is too small.
 */
int
probe_expand(const char *tmpl, json_object *value, int urlenc, char *out,
    size_t outsz)
{
	const char	*p, *end, *v;
	char		 buf[1024];
	size_t		 o = 0;
	int		 rc = -1;

	if (outsz == 0)
		return -1;
	for (p = tmpl; *p != '\0';) {
		if (p[0] != '{' || p[1] != '{') {
			if (o + 1 >= outsz)
				goto done;
			out[o++] = *p++;
			continue;
		}
		if ((end = strstr(p + 2, "}}")) == NULL)
			goto done;
		if ((v = probe_var(value, p + 2, (size_t)(end - p - 2), buf,
		    sizeof(buf))) == NULL || strpbrk(v, "\r\n") != NULL)
			goto done;
		if (urlenc) {
			if (egress_escape(out, outsz, &o, v) == -1)
				goto done;
		} else {
			for (; *v != '\0'; v++) {
				if (o + 1 >= outsz)
					goto done;
				out[o++] = *v;
			}
		}
		p = end + 2;
	}
	rc = 0;
done:
	out[o < outsz ? o : outsz - 1] = '\0';
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}
