/*
 * GET /api/metrics: the shared counters (fcgi/metrics.c) in Prometheus'
 * text format.  A presented credential must be valid and hold the admin
 * scope (401, 403); without one, only a client whose address
 * (REMOTE_ADDR, as the web server passes it) APCONN_METRICS_ALLOW lists
 * may read it: by default none, since behind a proxy on the same host
 * every client would look local.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "../fcgi/cfg.h"
#include "../fcgi/metrics.h"
#include "handlers.h"

#define PAGE_MIN	(256 * 1024)
#define PAGE_MAX	(4 * 1024 * 1024)

int	metric_listcache = -1;
int	metric_call_probe = METRIC_CALL_OTHER;

static const char *const listcache_values[] = { "hit", "dropped", "miss", NULL };

/*
 * Registers the handlers' counters (and the services', which they use); call
 * once, before metrics_create().
 */
void
handlers_metrics_init(void)
{
	metric_call_probe = metrics_call_kind("probe");
	service_metrics_init();
	metric_listcache = metrics_family("apconn_list_cache_total",
	    "Connection list pages by what the worker's page cache did: "
	    "hit (answered from memory), miss (read), dropped (taken back "
	    "by a change notified).", "result", listcache_values);
}

/*
 * addr as 16 bytes (an IPv4 address as its IPv4-mapped IPv6 form) in
 * out; 0, or -1 when addr is no address.
 */
static int
addr_bytes(const char *addr, unsigned char out[16])
{
	struct in_addr	a4;

	if (inet_pton(AF_INET, addr, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, addr, out) == 1 ? 0 : -1;
}

/*
 * Returns 1 when addr matches an entry of list (APCONN_METRICS_ALLOW:
 * addresses and ADDRESS/PREFIX networks, separated by commas or spaces),
 * else 0 (also for NULL, an empty list or an entry that does not parse).
 */
int
addr_allowed(const char *list, const char *addr)
{
	unsigned char	 a[16], n[16];
	char		 item[64], *slash, *end;
	const char	*p = list;
	size_t		 len, full, i;
	long		 bits;
	int		 v4;

	if (list == NULL || addr == NULL || addr_bytes(addr, a) == -1)
		return 0;
	while (*p != '\0') {
		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len == 0 || len >= sizeof(item)) {
			p += len;
			continue;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		p += len;
		v4 = strchr(item, ':') == NULL;
		bits = v4 ? 32 : 128;
		if ((slash = strchr(item, '/')) != NULL) {
			*slash = '\0';
			bits = strtol(slash + 1, &end, 10);
			if (*end != '\0' || slash[1] == '\0' || bits < 0 ||
			    bits > (v4 ? 32 : 128))
				continue;
		}
		if (addr_bytes(item, n) == -1)
			continue;
		if (v4)
			bits += 96;
		full = (size_t)bits / 8;
		if (memcmp(a, n, full) != 0)
			continue;
		i = (size_t)bits % 8;
		if (i == 0 || ((a[full] ^ n[full]) & (0xff << (8 - i))) == 0)
			return 1;
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
	} else if (r->cfg == NULL ||
	    !addr_allowed(r->cfg->metrics_allow, r->remote_addr)) {
		resp_header(resp, "WWW-Authenticate", "Bearer");
		return resp_error(resp, 401, "unauthorized", "Unauthorized: "
		    "an admin key is required from addresses not in "
		    "APCONN_METRICS_ALLOW");
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
