/*
 * Upstream piece metadata as apconn reads it: the list and single-piece
 * documents of the sync (service/piecesync.c: the --only filter, the URL
 * escaping, and store_one() up to the point where it would write), the
 * auth definitions the handlers take from them (piece_auth_find(), the
 * OAUTH2 and CUSTOM_AUTH entries), short names, and the version specs of
 * GET /api/pieces/{name}?version= (handlers/pieces.c).
 *
 * The static helpers are reached by including the two source files;
 * their objects in libapconn.a define nothing else, so the archive
 * members stay out of the link.
 *
 * Version specs are checked against regular expressions written from
 * the contract: X.Y.Z with 1 to 9 digits each, exact with an optional
 * "-..." or "+..." suffix, or ~X.Y.Z / ^X.Y.Z giving the key range
 * [lo, hi) that PostgreSQL's apconn.semver_key() is compared with.
 *
 * Input, parts separated by a line "%%": the document (a list or one
 * piece), %% a version spec, %% an --only list.
 */
#include "../handlers/pieces.c"
#include "../service/piecesync.c"

#include <regex.h>

#include "fuzz.h"

#define SEP	"\n%%\n"
#define N9	"[0-9]{1,9}"

static const char *const types[] = {
	"SECRET_TEXT", "BASIC_AUTH", "CUSTOM_AUTH", "OAUTH2", "CLOUD_OAUTH2",
	"PLATFORM_OAUTH2", "NO_AUTH", NULL
};

static regex_t		exact_re, range_re;
static struct arena	arena;
static int		ready;

static void
check_short_name(const char *name)
{
	static const char	prefix[] = "@activepieces/piece-";
	const char		*s = piece_short_name(name);
	size_t			 pl = sizeof(prefix) - 1;

	if (strncmp(name, prefix, pl) == 0 && name[pl] != '\0')
		FUZZ_CHECK(s == name + pl);
	else
		FUZZ_CHECK(s == name);
}

static void
check_escape(const char *s)
{
	char	*e;
	size_t	 i;

	if ((e = url_escape(s)) == NULL)
		abort();
	for (i = 0; e[i] != '\0'; i++) {
		if (e[i] == '%') {
			FUZZ_CHECK(strchr("0123456789ABCDEF", e[i + 1]) &&
			    e[i + 1] != '\0');
			FUZZ_CHECK(strchr("0123456789ABCDEF", e[i + 2]) &&
			    e[i + 2] != '\0');
			i += 2;
		} else
			FUZZ_CHECK(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789-_.~",
			    e[i]) != NULL);
	}
	free(e);
}

/* Parses "{a,b,c,d}" into k[4]. */
static void
key_of(const char *s, long k[4])
{
	FUZZ_CHECK(s != NULL && sscanf(s, "{%ld,%ld,%ld,%ld}", &k[0], &k[1],
	    &k[2], &k[3]) == 4);
}

static void
check_version(const char *spec)
{
	const char	*exact;
	char		*lo, *hi;
	long		 l[4], h[4], n[3];
	int		 rc, want_exact, want_range, i;

	rc = version_range(&arena, spec, &exact, &lo, &hi);
	want_exact = regexec(&exact_re, spec, 0, NULL, 0) == 0;
	want_range = regexec(&range_re, spec, 0, NULL, 0) == 0;
	if (*spec == '\0') {
		FUZZ_CHECK(rc == 0 && exact == NULL && lo == NULL &&
		    hi == NULL);
		return;
	}
	FUZZ_CHECK(rc == ((want_exact || want_range) ? 0 : -1));
	if (rc == -1)
		return;
	if (want_exact) {
		FUZZ_CHECK(exact == spec && lo == NULL && hi == NULL);
		return;
	}
	FUZZ_CHECK(exact == NULL);
	key_of(lo, l);
	key_of(hi, h);
	FUZZ_CHECK(sscanf(spec + 1, "%ld.%ld.%ld", &n[0], &n[1], &n[2]) == 3);
	FUZZ_CHECK(l[0] == n[0] && l[1] == n[1] && l[2] == n[2] && l[3] == 0);
	FUZZ_CHECK(h[3] == 0);
	/* lo < hi, and hi bumps the first part the operator pins. */
	for (i = 0; i < 3 && l[i] == h[i]; i++)
		continue;
	FUZZ_CHECK(i < 3 && l[i] < h[i] && h[i] == l[i] + 1);
	if (*spec == '~')
		FUZZ_CHECK(i == 1);
	else
		FUZZ_CHECK(i == (n[0] > 0 ? 0 : n[1] > 0 ? 1 : 2));
}

static void
check_auth(json_object *auth)
{
	json_object	*def, *value, *props, *pdefs, *dv;
	const char	*field, *t;
	char		 msg[200];
	size_t		 i;
	int		 offers, legacy;

	for (i = 0; types[i] != NULL; i++) {
		def = piece_auth_find(auth, types[i], &offers);
		if (def == NULL)
			continue;
		FUZZ_CHECK(offers == 1);
		t = json_str(def, "type");
		FUZZ_CHECK(t != NULL && strcmp(t, types[i]) == 0);
		(void)json_str(def, "authUrl");
		(void)json_str(def, "tokenUrl");
		/* A value made of the definition's default values. */
		value = json_object_new_object();
		props = json_object_new_object();
		json_object_object_add(value, "type",
		    json_object_new_string(types[i]));
		json_object_object_add(value, "props", props);
		if (json_object_object_get_ex(def, "props", &pdefs) &&
		    json_object_is_type(pdefs, json_type_object)) {
			json_object_object_foreach(pdefs, k, pd) {
				if (json_object_object_get_ex(pd,
				    "defaultValue", &dv))
					json_object_object_add(props, k,
					    json_object_get(dv));
			}
		}
		if (conn_value_validate(types[i], value, def, &legacy, &field,
		    msg, sizeof(msg)) == -1)
			FUZZ_CHECK(field != NULL && *msg != '\0');
		json_object_put(conn_value_public(value, def));
		json_object_put(value);
	}
}

/* store_one() on the document, told to expect another piece. */
static void
check_store(const char *doctext, json_object *doc)
{
	struct egress_resp	 resp;
	struct pending		 p;
	const char		*dn;
	char			 why[384];
	int			 rc;

	memset(&p, 0, sizeof(p));
	dn = json_str(doc, "name");
	p.shortname = dn != NULL && *piece_short_name(dn) == '\0' ? "x" : "";
	p.version = "";
	p.full = "";
	resp.status = 200;
	resp.body = strdup(doctext);
	resp.len = strlen(doctext);
	rc = store_one(NULL, &p, EG_OK, &resp, "", why, sizeof(why));
	FUZZ_CHECK(rc == -1 && *why != '\0' && resp.body == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t	*part;
	json_object	*doc, *e, *auth;
	const char	*name, *version;
	char		*doctext, *spec, *only, *url;
	struct sync_opts o;
	size_t		 n, i;

	if (!ready) {
		if (regcomp(&exact_re, "^" N9 "\\." N9 "\\." N9 "([-+].*)?$",
		    REG_EXTENDED | REG_NOSUB) != 0 ||
		    regcomp(&range_re, "^[~^]" N9 "\\." N9 "\\." N9 "$",
		    REG_EXTENDED | REG_NOSUB) != 0)
			abort();
		arena_init(&arena, ARENA_MAX);
		ready = 1;
	}
	n = fuzz_part(&data, &size, SEP, &part);
	doctext = fuzz_str(part, n);
	n = fuzz_part(&data, &size, SEP, &part);
	spec = fuzz_str(part, n);
	only = fuzz_str(data, size);

	memset(&o, 0, sizeof(o));
	o.base = "https://cloud.example/api/v1";
	check_version(spec);
	doc = json_tokener_parse(doctext);
	if (json_object_is_type(doc, json_type_array)) {
		n = json_object_array_length(doc);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(doc, i);
			name = json_str(e, "name");
			version = json_str(e, "version");
			(void)json_str(e, "updated");
			if (name == NULL || version == NULL)
				continue;
			check_short_name(name);
			(void)wanted(only, piece_short_name(name));
			check_escape(name);
			check_escape(version);
			if ((url = piece_url(&o, name, version)) == NULL)
				abort();
			free(url);
		}
	} else if (json_object_is_type(doc, json_type_object)) {
		check_store(doctext, doc);
		if ((name = json_str(doc, "name")) != NULL)
			check_short_name(name);
		if ((version = json_str(doc, "version")) != NULL)
			check_version(version);
		auth = NULL;
		json_object_object_get_ex(doc, "auth", &auth);
		check_auth(auth);
	}
	json_object_put(doc);
	free(doctext);
	free(spec);
	free(only);
	arena_reset(&arena);
	return 0;
}
