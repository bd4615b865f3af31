/*
 * The entire HTTP API surface, one row per route.  Paths are matched
 * against nginx's normalised $uri.  Flags and scopes are enforced by
 * dispatch() before a handler runs; keep openapi.yaml in step (a unit
 * test compares them).  The first row that matches wins: literal paths
 * come before the patterns that would also match them.
 */
#include "config.h"

#include "handlers.h"

#define CONN_R	SCOPE_CONN_READ
#define CONN_W	(SCOPE_CONN_READ | SCOPE_CONN_WRITE)
#define WF_W	(SCOPE_WF_READ | SCOPE_WF_WRITE)

const struct route routes[] = {
	{ M_GET,		"/api/app-connections",	h_conn_list,
	    ROUTE_AUTH, CONN_R },
	{ M_POST,		"/api/app-connections",	h_conn_upsert,
	    ROUTE_AUTH | ROUTE_JSON | ROUTE_OUTBOUND, CONN_W },
	{ M_POST,		"/api/app-connections/oauth2/start",
	    h_oauth2_start,	ROUTE_AUTH | ROUTE_JSON, CONN_W },
	{ M_GET,		"/api/app-connections/oauth2/callback",
	    h_oauth2_callback,	ROUTE_OPTAUTH | ROUTE_OUTBOUND, 0 },
	{ M_POST,		"/api/app-connections/test", h_conn_test,
	    ROUTE_AUTH | ROUTE_JSON | ROUTE_OUTBOUND, CONN_R },
	{ M_POST,		"/api/app-connections/:id/test",
	    h_conn_test_saved,	ROUTE_AUTH | ROUTE_OUTBOUND, CONN_W },
	{ M_GET,		"/api/app-connections/:id", h_conn_get,
	    ROUTE_AUTH,		CONN_R },
	{ M_POST,		"/api/app-connections/:id", h_conn_update,
	    ROUTE_AUTH | ROUTE_JSON, CONN_W },
	{ M_DELETE,		"/api/app-connections/:id", h_conn_delete,
	    ROUTE_AUTH,		CONN_W },
	{ M_POST,		"/api/auth/anonymous",	h_auth_anonymous,
	    0,			0 },
	{ M_POST,		"/api/auth/link",	h_auth_link,
	    ROUTE_AUTH | ROUTE_JSON, SCOPE_CONN_WRITE | SCOPE_WF_WRITE },
	{ M_POST,		"/api/auth/logout",	h_auth_logout,
	    ROUTE_AUTH,		0 },
	{ M_POST,		"/api/auth/session",	h_auth_session,
	    ROUTE_AUTH,		0 },
	{ M_GET | M_HEAD,	"/api/health",		h_health_get,
	    ROUTE_NODB,		0 },
	{ M_GET,		"/api/integrations",	h_integ_list,
	    ROUTE_AUTH,		CONN_R },
	{ M_POST,		"/api/integrations",	h_integ_create,
	    ROUTE_AUTH | ROUTE_JSON, CONN_W },
	{ M_POST,		"/api/integrations/test", h_integ_test,
	    ROUTE_AUTH | ROUTE_JSON | ROUTE_OUTBOUND, CONN_R },
	{ M_POST,		"/api/integrations/:id/test",
	    h_integ_test_saved,	ROUTE_AUTH | ROUTE_OUTBOUND, CONN_W },
	{ M_GET,		"/api/integrations/:id", h_integ_get,
	    ROUTE_AUTH,		CONN_R },
	{ M_PUT,		"/api/integrations/:id", h_integ_update,
	    ROUTE_AUTH | ROUTE_JSON, CONN_W },
	{ M_DELETE,		"/api/integrations/:id", h_integ_delete,
	    ROUTE_AUTH,		CONN_W },
	{ M_GET,		"/api/metrics",		h_metrics_get,
	    ROUTE_OPTAUTH | ROUTE_NODB, 0 },
	{ M_GET | M_HEAD,	"/api/pieces",		h_pieces_list,
	    0,			0 },
	{ M_GET | M_HEAD,	"/api/pieces/*name",	h_pieces_get,
	    0,			0 },
	{ M_GET,		"/api/user",		h_user_get,
	    ROUTE_AUTH,		0 },
	{ M_GET,		"/api/workflows",	h_wf_list,
	    ROUTE_OPTAUTH,	SCOPE_WF_READ },
	{ M_POST,		"/api/workflows",	h_wf_create,
	    ROUTE_AUTH | ROUTE_JSON, WF_W },
	{ M_POST,		"/api/workflows/create", h_wf_create,
	    ROUTE_AUTH | ROUTE_JSON, WF_W },
	{ M_GET,		"/api/workflows/current", h_wf_current_get,
	    ROUTE_AUTH,		SCOPE_WF_READ },
	{ M_POST,		"/api/workflows/current", h_wf_current_save,
	    ROUTE_AUTH | ROUTE_JSON, WF_W },
	{ M_GET,		"/api/workflows/:id",	h_wf_get,
	    ROUTE_OPTAUTH,	SCOPE_WF_READ },
	{ M_PATCH,		"/api/workflows/:id",	h_wf_patch,
	    ROUTE_AUTH | ROUTE_JSON, WF_W },
	{ M_DELETE,		"/api/workflows/:id",	h_wf_delete,
	    ROUTE_AUTH,		WF_W },
	{ M_POST,		"/api/workflows/:id/duplicate", h_wf_duplicate,
	    ROUTE_AUTH,		WF_W },
	{ M_GET,		"/api/workflows/:id/validate-integrations",
	    h_wf_validate,	ROUTE_AUTH,		0 },
	{ M_GET,		"/api/workflows/:id/execution-payload",
	    h_wf_payload,	ROUTE_AUTH,		0 },
	{ M_GET,		"/api/workflows/:id/connections/:externalId",
	    h_wf_credentials,	ROUTE_AUTH | ROUTE_OUTBOUND,
	    SCOPE_EXECUTOR },
	{ 0, NULL, NULL, 0, 0 }
};
