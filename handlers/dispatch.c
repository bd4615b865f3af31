/*
 * The request pipeline after parsing: route lookup (404/405), database
 * availability (503), authentication and scopes (401/403), the JSON body
 * (415/400), then the handler.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "handlers.h"

static int
is_json_ctype(const char *ct)
{
	size_t	n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

int
dispatch(struct req *r, struct resp *resp)
{
	const struct route	*rt;
	unsigned int		 allowed;
	int			 status;
	const char		*why;
	char			 names[64], *allow;

	if ((rt = route_find(routes, r, &status, &allowed)) == NULL) {
		if (status == 405) {
			method_names(allowed, names, sizeof(names));
			if ((allow = arena_strdup(r->arena, names)) != NULL)
				resp_header(resp, "Allow", allow);
			return resp_error(resp, 405, "method_not_allowed",
			    "Method not allowed");
		}
		if (status == 404)
			return resp_error(resp, 404, "not_found", "Not found");
		return resp_error(resp, status, "internal", "Internal error");
	}
	r->route = rt;
	if (!(rt->flags & ROUTE_NODB) && db_ensure(r->db) == -1)
		return resp_db_error(resp, DB_UNAVAILABLE);
	if ((status = authorize(r, resp)) != 0)
		return status;
	if (rt->flags & ROUTE_JSON) {
		if (!is_json_ctype(r->ctype))
			return resp_error(resp, 415, "unsupported_media_type",
			    "Content-Type must be application/json");
		if ((status = req_parse_json(r, &why)) != 0)
			return resp_error(resp, status, status == 400 ?
			    "invalid_json" : "internal", "%s", why);
		if (!json_object_is_type(r->json, json_type_object))
			return resp_error(resp, 400, "invalid_json",
			    "request body must be a JSON object");
	}
	status = rt->fn(r, resp);
	/* Before the answer: the host's workers see the change at once. */
	if (r->method != M_GET && r->method != M_HEAD && r->authed)
		owner_epoch_raise(r->who.user_id);
	return status;
}
