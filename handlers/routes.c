/*
 * The entire HTTP API surface, one row per route.  Paths are matched
 * against nginx's normalised $uri.  Flags and scopes are enforced by
 * dispatch() before a handler runs; keep openapi.yaml in step (a unit
 * test compares them).
 */
#include "config.h"

#include "handlers.h"

const struct route routes[] = {
	{ M_POST,		"/api/auth/anonymous",	h_auth_anonymous,
	    0,			0 },
	{ M_POST,		"/api/auth/link",	h_auth_link,
	    ROUTE_AUTH | ROUTE_JSON, SCOPE_CONN_WRITE | SCOPE_WF_WRITE },
	{ M_POST,		"/api/auth/logout",	h_auth_logout,
	    ROUTE_AUTH,		0 },
	{ M_GET | M_HEAD,	"/api/health",		h_health_get,
	    ROUTE_NODB,		0 },
	{ M_GET,		"/api/user",		h_user_get,
	    ROUTE_AUTH,		0 },
	{ 0, NULL, NULL, 0, 0 }
};
