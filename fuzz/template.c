/*
 * Connection templates (handlers/template.c) against a reference: the
 * two regular expressions of apconn.template_external_id() in
 * sql/migrations/0002_connections_workflows.sql, run by the C library's
 * POSIX regex engine in the C locale (the bracket form's first match
 * anywhere, else the dotted form's).  Both forms admit one match length
 * at a given start, so leftmost-longest and PostgreSQL's leftmost match
 * agree.
 *
 * Input: the text of a node's auth field.
 */
#include "config.h"

#include <regex.h>
#include <string.h>

#include "handlers/handlers.h"
#include "fuzz.h"

#define SP	"[ \t\n\r\v\f]*"

static const char bracket_re[] =
    "\\{\\{" SP "connections\\[['\"]([^'\"]+)['\"]\\]" SP "\\}\\}";
static const char dotted_re[] =
    "\\{\\{" SP "connections\\.([A-Za-z0-9_:-]+)" SP "\\}\\}";

static regex_t	bracket, dotted;
static int	ready;

/* The reference: *off and the length of the id, or 0 for none. */
static size_t
ref_external_id(const char *s, size_t *off)
{
	regmatch_t	m[2];

	if (regexec(&bracket, s, 2, m, 0) == 0 ||
	    regexec(&dotted, s, 2, m, 0) == 0) {
		*off = (size_t)m[1].rm_so;
		return (size_t)(m[1].rm_eo - m[1].rm_so);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*id = NULL;
	char		*s;
	size_t		 n, want, off = 0;

	if (!ready) {
		if (regcomp(&bracket, bracket_re, REG_EXTENDED) != 0 ||
		    regcomp(&dotted, dotted_re, REG_EXTENDED) != 0)
			abort();
		ready = 1;
	}
	if (size > 4096)
		return 0;
	s = fuzz_str(data, size);
	n = template_external_id(s, &id);
	want = ref_external_id(s, &off);
	FUZZ_CHECK(n == want);
	if (n > 0) {
		FUZZ_CHECK(id == s + off);
		FUZZ_CHECK(memchr(id, '\0', n) == NULL);
	}
	FUZZ_CHECK(template_external_id(NULL, &id) == 0);
	free(s);
	return 0;
}
