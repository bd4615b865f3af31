/*
 * The strict JSON validator (fcgi/jsonv.c) and req_parse_json(), with the
 * request limits and with small ones.  Checked against json-c, which the
 * validator guards:
 *   - what the validator accepts, json-c parses (strict, UTF-8 checked),
 *     with at most the depth and number of values the limits allow;
 *   - what passes the large limits passes the small ones exactly when
 *     its nesting and number of values, counted on the text (where a
 *     repeated key counts, though json-c keeps one), are within them;
 *   - req_parse_json() agrees with the validator, never echoes the body
 *     in its message, and its tree re-serialises to a document the
 *     validator accepts and json-c parses back to an equal tree.
 *
 * Input: the body.
 */
#include "config.h"

#include <string.h>

#include "fcgi/http.h"
#include "fuzz.h"

#define SMALL_DEPTH	3
#define SMALL_NODES	16

/* Nesting (containers, the outermost is 1) and number of values of o. */
static void
measure(json_object *o, int level, int *depth, size_t *nodes)
{
	size_t	i, n;

	(*nodes)++;
	switch (json_object_get_type(o)) {
	case json_type_object:
		if (level + 1 > *depth)
			*depth = level + 1;
		json_object_object_foreach(o, k, v) {
			(void)k;
			measure(v, level + 1, depth, nodes);
		}
		break;
	case json_type_array:
		if (level + 1 > *depth)
			*depth = level + 1;
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			measure(json_object_array_get_idx(o, i), level + 1,
			    depth, nodes);
		break;
	default:
		break;
	}
}

/*
 * The same two figures read off the text of a document known to be valid
 * JSON, where a repeated key still counts (json-c keeps only the last).
 * A value is a container, a literal, a number, or a string that is not a
 * key (a key is followed by ':').
 */
static void
doc_measure(const char *s, size_t len, int *depth, size_t *nodes)
{
	size_t	i = 0, j;
	int	level = 0;

	*depth = 0;
	*nodes = 0;
	while (i < len) {
		switch (s[i]) {
		case '{':
		case '[':
			(*nodes)++;
			if (++level > *depth)
				*depth = level;
			i++;
			break;
		case '}':
		case ']':
			level--;
			i++;
			break;
		case '"':
			for (i++; s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			for (j = ++i; j < len && strchr(" \t\r\n", s[j]); j++)
				continue;
			if (j == len || s[j] != ':')
				(*nodes)++;
			break;
		case 't':
		case 'f':
		case 'n':
			(*nodes)++;
			i += s[i] == 'f' ? 5 : 4;
			break;
		case '-':
		case '0': case '1': case '2': case '3': case '4':
		case '5': case '6': case '7': case '8': case '9':
			(*nodes)++;
			while (i < len && strchr("+-.eE0123456789", s[i]))
				i++;
			break;
		default:
			i++;	/* whitespace, ',' and ':' */
			break;
		}
	}
}

static int
parses(const char *s, size_t len, json_object **out)
{
	struct json_tokener	*tok;
	json_object		*o;
	enum json_tokener_error	 err;

	if ((tok = json_tokener_new_ex(JSON_DEPTH_MAX + 1)) == NULL)
		abort();
	json_tokener_set_flags(tok,
	    JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len + 1);
	err = json_tokener_get_error(tok);
	json_tokener_free(tok);
	if (err != json_tokener_success) {
		json_object_put(o);
		*out = NULL;
		return 0;
	}
	*out = o;		/* NULL for a JSON null */
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena	 a;
	struct req	 r;
	json_object	*o, *back;
	const char	*why = NULL, *why2 = NULL, *text;
	char		*s;
	size_t		 nodes = 0, dnodes, textlen;
	int		 big, small, depth = 0, ddepth, st, topnull = 0;

	s = fuzz_str(data, size);
	big = json_validate(s, size, JSON_DEPTH_MAX, JSON_NODES_MAX, &why);
	small = json_validate(s, size, SMALL_DEPTH, SMALL_NODES, &why2);
	FUZZ_CHECK(big == 0 || big == -1);
	FUZZ_CHECK(small == 0 || small == -1);
	FUZZ_CHECK(big == 0 || why != NULL);
	FUZZ_CHECK(small == 0 || why2 != NULL);
	if (small == 0)
		FUZZ_CHECK(big == 0);

	if (big == 0 && memchr(data, '\0', size) == NULL) {
		FUZZ_CHECK(parses(s, size, &o));
		topnull = o == NULL;
		measure(o, 0, &depth, &nodes);
		doc_measure(s, size, &ddepth, &dnodes);
		FUZZ_CHECK(depth <= ddepth && nodes <= dnodes);
		FUZZ_CHECK(ddepth <= JSON_DEPTH_MAX &&
		    dnodes <= JSON_NODES_MAX);
		FUZZ_CHECK((small == 0) == (ddepth <= SMALL_DEPTH &&
		    dnodes <= SMALL_NODES));
		json_object_put(o);
	}

	arena_init(&a, ARENA_MAX);
	memset(&r, 0, sizeof(r));
	r.arena = &a;
	r.body = s;
	r.bodysz = size;
	st = req_parse_json(&r, &why);
	FUZZ_CHECK(st == 0 || st == 400);
	/*
	 * json-c's null is NULL, and req_parse_json() refuses a NULL tree:
	 * a bare null is a 400 like any other body that is not an object.
	 */
	if (memchr(data, '\0', size) == NULL && size > 0)
		FUZZ_CHECK((st == 0) == (big == 0 && !topnull));
	if (st != 0) {
		FUZZ_CHECK(r.json == NULL && why != NULL);
		FUZZ_CHECK(why < s || why > s + size);
	} else {
		text = json_object_to_json_string_length(r.json,
		    JSON_C_TO_STRING_PLAIN, &textlen);
		FUZZ_CHECK(text != NULL);
		FUZZ_CHECK(json_validate(text, textlen, JSON_DEPTH_MAX,
		    JSON_NODES_MAX, &why) == 0);
		FUZZ_CHECK(parses(text, textlen, &back));
		FUZZ_CHECK(json_object_equal(r.json, back));
		json_object_put(back);
	}
	arena_free(&a);			/* releases r.json, wiped */
	free(s);
	return 0;
}
