/*
 * The checks a connection write makes before the database, as the
 * handlers chain them (handlers/connections.c, conntest.c, oauth2.c):
 * piece_auth_find() over a piece's auth definition, conn_value_validate()
 * of the value, conn_value_apply_config() of a flat config followed by a
 * second validation, conn_value_redact() for the answer, probe_expand()
 * of a test template, and oauth2_due() of a stored token.
 *
 * Invariants: a failed validation names a field and says why; a legacy
 * value is a CUSTOM_AUTH one of an unknown piece; a config that is not
 * an object of plain values is refused and one that is leaves its values
 * in place; after redaction no fixed secret field is left, and a
 * CUSTOM_AUTH value keeps only the props its definition declares with a
 * type that is not a secret; an expansion fits and adds no line break.
 *
 * Input, parts separated by a line "%%":
 *   the connection type (first line), then the auth definition as stored
 *   (read leniently, as piece_auth_lookup() reads the database's text),
 *   %% the value, %% the config (both read as request bodies are), %% a
 *   probe template.
 */
#include "config.h"

#include <string.h>

#include "fcgi/http.h"
#include "handlers/handlers.h"
#include "fuzz.h"

#define SEP	"\n%%\n"

static const char *const types[] = {
	"SECRET_TEXT", "BASIC_AUTH", "CUSTOM_AUTH", "OAUTH2", "CLOUD_OAUTH2",
	"PLATFORM_OAUTH2", "NO_AUTH", NULL
};

static const char *const secret_fields[] = {
	"secret_text", "password", "client_secret", "access_token",
	"refresh_token", "code", "code_challenge", "code_verifier",
	"id_token", "data", NULL
};

static struct arena	arena;
static int		ready;

/* A request body as the dispatcher parses it; NULL when refused. */
static json_object *
body_json(const uint8_t *d, size_t n)
{
	struct req	 r;
	const char	*why;
	json_object	*o = NULL;

	memset(&r, 0, sizeof(r));
	r.arena = &arena;
	if ((r.body = arena_strndup(&arena, (const char *)d, n)) == NULL)
		return NULL;
	r.bodysz = n;
	if (req_parse_json(&r, &why) == 0)
		o = r.json;	/* the arena's: released at its reset */
	return o;
}

static json_object *
copy_of(json_object *o)
{
	json_object	*c = NULL;

	if (o != NULL && json_object_deep_copy(o, &c, NULL) != 0)
		abort();
	return c;
}

/* The definition's declared type of prop name, or NULL. */
static const char *
declared_type(json_object *def, const char *name)
{
	json_object	*pdefs, *p;

	if (def == NULL || !json_object_object_get_ex(def, "props", &pdefs) ||
	    !json_object_object_get_ex(pdefs, name, &p))
		return NULL;
	return json_str(p, "type");
}

static void
check_find(json_object *auth, const char *type)
{
	json_object	*def;
	const char	*t;
	int		 offers = -1;

	def = piece_auth_find(auth, type, &offers);
	FUZZ_CHECK(offers == 0 || offers == 1);
	if (auth == NULL || json_object_is_type(auth, json_type_null)) {
		FUZZ_CHECK(def == NULL);
		FUZZ_CHECK(offers == (strcmp(type, "NO_AUTH") == 0));
		return;
	}
	if (def != NULL) {
		FUZZ_CHECK(offers == 1);
		t = json_str(def, "type");
		FUZZ_CHECK(t != NULL && strcmp(t, type) == 0);
	} else
		FUZZ_CHECK(offers == 0);
}

static void
check_validate(const char *type, json_object *value, json_object *def)
{
	const char	*field = NULL;
	char		 msg[200];
	int		 legacy = -1, rc;

	rc = conn_value_validate(type, value, def, &legacy, &field, msg,
	    sizeof(msg));
	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK(legacy == 0 || legacy == 1);
	FUZZ_CHECK(strlen(msg) < sizeof(msg));
	if (rc == -1) {
		FUZZ_CHECK(field != NULL && *field != '\0' && *msg != '\0');
		FUZZ_CHECK(legacy == 0);
	} else if (legacy)
		FUZZ_CHECK(def == NULL && strcmp(type, "CUSTOM_AUTH") == 0);
}

static void
check_redact(json_object *value, json_object *def)
{
	json_object	*props, *pub, *before = NULL;
	const char	*t;
	size_t		 i;

	FUZZ_CHECK(json_object_deep_copy(value, &before, NULL) == 0);
	FUZZ_CHECK((pub = conn_value_public(value, def)) != NULL);
	/* The stored value is read, never changed. */
	FUZZ_CHECK(json_object_equal(value, before));
	json_object_put(before);
	for (i = 0; secret_fields[i] != NULL; i++)
		FUZZ_CHECK(!json_object_object_get_ex(pub, secret_fields[i],
		    NULL));
	t = json_str(pub, "type");
	if (t != NULL && strcmp(t, "CUSTOM_AUTH") == 0 &&
	    json_object_object_get_ex(pub, "props", &props) &&
	    json_object_is_type(props, json_type_object)) {
		json_object_object_foreach(props, k, v) {
			(void)v;
			t = declared_type(def, k);
			FUZZ_CHECK(t != NULL && strcmp(t, "SECRET_TEXT") != 0 &&
			    strcmp(t, "PASSWORD") != 0);
		}
	}
	json_object_put(pub);
}

static void
check_config(const char *type, json_object *value, json_object *config,
    json_object *def)
{
	json_object	*props, *v, *out, *before = NULL;
	int		 rc, flat = 1;

	FUZZ_CHECK(json_object_deep_copy(value, &before, NULL) == 0);
	out = conn_value_with_config(value, type, config);
	rc = out != NULL ? 0 : -1;
	/* The stored value is read, never changed. */
	FUZZ_CHECK(json_object_equal(value, before));
	json_object_put(before);
	if (json_object_is_type(config, json_type_object)) {
		json_object_object_foreach(config, k, cv) {
			(void)k;
			if (json_object_is_type(cv, json_type_object) ||
			    json_object_is_type(cv, json_type_array))
				flat = 0;
		}
	} else
		flat = 0;
	FUZZ_CHECK(rc == (flat ? 0 : -1));
	if (rc == 0 && strcmp(type, "CUSTOM_AUTH") == 0) {
		FUZZ_CHECK(json_object_object_get_ex(out, "props", &props));
		json_object_object_foreach(config, k, cv) {
			if (cv == NULL || (json_object_is_type(cv,
			    json_type_string) &&
			    json_object_get_string_len(cv) == 0))
				continue;
			FUZZ_CHECK(json_object_object_get_ex(props, k, &v) &&
			    json_object_equal(v, cv));
		}
	}
	if (out != NULL)
		check_validate(type, out, def);
	json_object_put(out);
}

static void
check_probe(const char *tmpl, json_object *value)
{
	char	out[512];
	int	rc, urlenc;

	for (urlenc = 0; urlenc < 2; urlenc++) {
		rc = probe_expand(tmpl, value, urlenc, out, sizeof(out));
		FUZZ_CHECK(rc == 0 || rc == -1);
		if (rc == 0) {
			FUZZ_CHECK(strlen(out) < sizeof(out));
			if (strpbrk(tmpl, "\r\n") == NULL)
				FUZZ_CHECK(strpbrk(out, "\r\n") == NULL);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*p;
	json_object	*auth, *value, *config, *def, *c;
	char		*type, *authtext, *tmpl;
	size_t		 n, i;
	int		 offers;

	if (!ready) {
		arena_init(&arena, ARENA_MAX);
		ready = 1;
	}
	n = fuzz_part(&data, &size, "\n", &p);
	type = fuzz_str(p, n);
	n = fuzz_part(&data, &size, SEP, &p);
	authtext = fuzz_str(p, n);
	auth = json_tokener_parse(authtext);
	n = fuzz_part(&data, &size, SEP, &p);
	value = body_json(p, n);
	n = fuzz_part(&data, &size, SEP, &p);
	config = body_json(p, n);
	tmpl = fuzz_str(data, size);

	(void)conn_type_valid(type);
	(void)piece_short_name(type);
	for (i = 0; types[i] != NULL; i++)
		check_find(auth, types[i]);
	check_find(auth, type);

	if (value != NULL && json_object_is_type(value, json_type_object)) {
		/* conn_check_value(): the type named by the body. */
		def = piece_auth_find(auth, type, &offers);
		check_validate(type, value, offers ? def : NULL);
		for (i = 0; types[i] != NULL; i++) {
			def = piece_auth_find(auth, types[i], &offers);
			check_validate(types[i], value, offers ? def : NULL);
		}
		/* conn_apply_config() */
		if (config != NULL) {
			def = piece_auth_find(auth, type, &offers);
			c = copy_of(value);
			check_config(type, c, config, offers ? def : NULL);
			json_object_put(c);
		}
		/* conn_redact() */
		def = piece_auth_find(auth, "CUSTOM_AUTH", &offers);
		c = copy_of(value);
		check_redact(c, offers ? def : NULL);
		json_object_put(c);
		check_probe(tmpl, value);
		(void)oauth2_due(value, 1800000000LL);
	}

	json_object_put(auth);
	free(type);
	free(authtext);
	free(tmpl);
	arena_reset(&arena);
	return 0;
}
