/*
 * The scopes a credential can hold: their names, as keys, sessions and
 * the database spell them, and the bit masks routes require.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "service.h"

static const struct {
	unsigned int	 bit;
	const char	*name;
} scope_names[] = {
	{ SCOPE_CONN_READ,	"connections:read" },
	{ SCOPE_CONN_WRITE,	"connections:write" },
	{ SCOPE_CRED_READ,	"credentials:read" },
	{ SCOPE_WF_READ,	"workflows:read" },
	{ SCOPE_WF_WRITE,	"workflows:write" },
	{ SCOPE_EXECUTOR,	"executor" },
	{ SCOPE_ADMIN,		"admin" },
};
#define NSCOPES	(sizeof(scope_names) / sizeof(scope_names[0]))

/*
 * Parses a comma-separated scope list ("workflows:*" and
 * "connections:*" expand to read and write).  Returns 0 with the bits in
 * *out, or -1 naming nothing: an unknown scope fails the whole list.
 */
int
scope_parse(const char *list, unsigned int *out)
{
	const char	*p, *end;
	size_t		 len, i;
	int		 found;

	*out = 0;
	for (p = list; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0)
			continue;
		if (len == 11 && strncmp(p, "workflows:*", len) == 0) {
			*out |= SCOPE_WF_READ | SCOPE_WF_WRITE;
			continue;
		}
		if (len == 13 && strncmp(p, "connections:*", len) == 0) {
			*out |= SCOPE_CONN_READ | SCOPE_CONN_WRITE;
			continue;
		}
		for (i = 0, found = 0; i < NSCOPES; i++)
			if (strlen(scope_names[i].name) == len &&
			    strncmp(scope_names[i].name, p, len) == 0) {
				*out |= scope_names[i].bit;
				found = 1;
			}
		if (!found)
			return -1;
	}
	return 0;
}

/* Writes the names of the scopes in mask as a PostgreSQL array literal. */
void
scope_array_literal(unsigned int mask, char *buf, size_t bufsz)
{
	size_t	i, off;
	int	n;

	off = (size_t)snprintf(buf, bufsz, "{");
	for (i = 0; i < NSCOPES && off < bufsz; i++) {
		if (!(mask & scope_names[i].bit))
			continue;
		n = snprintf(buf + off, bufsz - off, "%s%s",
		    off > 1 ? "," : "", scope_names[i].name);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (off < bufsz)
		snprintf(buf + off, bufsz - off, "}");
}

/* Returns a new JSON array of the scope names in mask. */
json_object *
scope_json(unsigned int mask)
{
	json_object	*a = json_object_new_array();
	size_t		 i;

	for (i = 0; i < NSCOPES; i++)
		if (mask & scope_names[i].bit)
			json_object_array_add(a,
			    json_object_new_string(scope_names[i].name));
	return a;
}

const char *
scope_first_missing(unsigned int have, unsigned int want)
{
	size_t	i;

	for (i = 0; i < NSCOPES; i++)
		if ((want & scope_names[i].bit) && !(have & scope_names[i].bit))
			return scope_names[i].name;
	return "?";
}
