/*
 * GET /api/metrics: the shared counters (fcgi/metrics.c) in Prometheus'
 * text format.  A presented credential must be valid and hold the admin
 * scope (401, 403); without one, only a loopback client may read it
 * (REMOTE_ADDR in 127.0.0.0/8 or ::1, as the web server passes it).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "../fcgi/metrics.h"
#include "handlers.h"

#define PAGE_MIN	(256 * 1024)
#define PAGE_MAX	(4 * 1024 * 1024)

int	metric_listcache = -1;
int	metric_call_probe = METRIC_CALL_OTHER;

static const char *const listcache_values[] = { "hit", "stale", "miss", NULL };

/*
 * Registers the handlers' counters (and core's, which they use); call
 * once, before metrics_create().
 */
void
handlers_metrics_init(void)
{
	metric_call_probe = metrics_call_kind("probe");
	core_metrics_init();
	metric_listcache = metrics_family("apconn_list_cache_total",
	    "Connection list requests by what the worker's page cache did: "
	    "hit, stale, miss.", "result", listcache_values);
}

/* Returns 1 when addr is a loopback address, else 0 (also for NULL). */
int
addr_is_loopback(const char *addr)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (addr == NULL)
		return 0;
	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, addr, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	return 0;
}

int
h_metrics_get(struct req *r, struct resp *resp)
{
	char	*page = NULL;
	size_t	 size;
	long	 n = -1;

	if (r->authed) {
		if (!(r->who.scopes & SCOPE_ADMIN))
			return resp_error(resp, 403, "insufficient_scope",
			    "Missing scope: admin");
	} else if (r->authorization != NULL ||
	    req_cookie(r, SESSION_COOKIE) != NULL) {
		/* ROUTE_OPTAUTH let a bad credential through as none. */
		resp_header(resp, "WWW-Authenticate", "Bearer");
		return resp_error(resp, 401, "invalid_token", "Unauthorized");
	} else if (!addr_is_loopback(r->remote_addr)) {
		resp_header(resp, "WWW-Authenticate", "Bearer");
		return resp_error(resp, 401, "unauthorized", "Unauthorized: "
		    "an admin key is required from outside the host");
	}
	if (!metrics_active())
		return resp_error(resp, 503, "metrics_unavailable",
		    "Metrics are unavailable");
	for (size = PAGE_MIN; size <= PAGE_MAX; size *= 4) {
		if ((page = arena_alloc(r->arena, size)) == NULL)
			break;
		if ((n = metrics_render(page, size)) >= 0)
			break;
	}
	if (page == NULL || n < 0)
		return resp_error(resp, 500, "internal", "Internal error");
	resp->raw = page;
	resp->rawlen = (size_t)n;
	resp->ctype = "text/plain; version=0.0.4; charset=utf-8";
	return 200;
}
