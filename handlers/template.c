/*
 * Connection templates in node config: {{connections['id']}} (either
 * quote on each side) and the legacy {{connections.id}}, found anywhere
 * in the text.  The same grammar as apconn.template_external_id() in
 * sql/migrations/0002_connections_workflows.sql; tests/integration/
 * t0501-resolution.sh holds them to the same answers.
 */
#include "config.h"

#include <string.h>

#include "handlers.h"

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

static int
is_dot_id(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '-';
}

/* Matches one form at p ("{{" already seen); returns the id's length. */
static size_t
match_at(const char *p, int dotted, const char **id)
{
	const char	*q;
	size_t		 n;

	for (p += 2; is_space(*p); p++)
		continue;
	if (strncmp(p, "connections", 11) != 0)
		return 0;
	p += 11;
	if (dotted) {
		if (*p++ != '.')
			return 0;
		for (q = p; is_dot_id(*q); q++)
			continue;
	} else {
		if (*p++ != '[' || (*p != '\'' && *p != '"'))
			return 0;
		for (q = ++p; *q != '\0' && *q != '\'' && *q != '"'; q++)
			continue;
		if (*q == '\0' || q[1] != ']')
			return 0;
	}
	if ((n = (size_t)(q - p)) == 0)
		return 0;
	q += dotted ? 0 : 2;
	while (is_space(*q))
		q++;
	if (q[0] != '}' || q[1] != '}')
		return 0;
	*id = p;
	return n;
}

/*
 * Finds the external id named by the first template in s (the bracket
 * form anywhere wins over the dotted form).  Returns its length with *id
 * pointing into s, or 0 when s names none.
 */
size_t
template_external_id(const char *s, const char **id)
{
	const char	*p;
	size_t		 n;
	int		 dotted;

	if (s == NULL)
		return 0;
	for (dotted = 0; dotted < 2; dotted++)
		for (p = s; (p = strstr(p, "{{")) != NULL; p++)
			if ((n = match_at(p, dotted, id)) > 0)
				return n;
	return 0;
}
