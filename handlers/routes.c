/*
 * The entire HTTP API surface, one row per route.  Paths are matched
 * against nginx's normalised $uri.  Flags and scopes are enforced by
 * dispatch() before a handler runs; keep openapi.yaml in step (a unit
 * test compares them).
 */
#include "config.h"

#include "handlers.h"

const struct route routes[] = {
	{ M_GET | M_HEAD,	"/api/health",		h_health_get,
	    ROUTE_NODB,		0 },
	{ 0, NULL, NULL, 0, 0 }
};
