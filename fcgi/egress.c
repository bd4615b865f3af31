/* Outbound HTTP through libcurl with an address policy (see egress.h). */
#include "config.h"

#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "egress.h"

#define ALLOW_MAX	32

static struct allow {
	int		 family;
	unsigned char	 addr[16];
	unsigned int	 port;		/* 0: any */
	char		 host[64];	/* as written, for the URL check */
} allow[ALLOW_MAX];
static size_t	 nallow;
static CURL	*curl;
static unsigned long nsent;	/* calls the policy let out */

static int
add_allow(const char *host, int family, const void *addr, unsigned int port)
{
	if (nallow == ALLOW_MAX)
		return -1;
	allow[nallow].family = family;
	memcpy(allow[nallow].addr, addr, family == AF_INET ? 4 : 16);
	allow[nallow].port = port;
	snprintf(allow[nallow].host, sizeof(allow[nallow].host), "%s", host);
	nallow++;
	return 0;
}

/*
 * Parses the allow-list (may be NULL or "").  Returns 0, or -1 with a
 * message naming the bad entry.  Call once per process, after fork.
 */
int
egress_init(const char *list, char *err, size_t errsz)
{
	char		 buf[512], *entry, *save = NULL, *host, *port, *end;
	unsigned char	 a[16];
	unsigned long	 p;

	nallow = 0;
	if (list != NULL && strlen(list) >= sizeof(buf)) {
		snprintf(err, errsz, "APCONN_OUTBOUND_ALLOW is too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", list ? list : "");
	for (entry = strtok_r(buf, ",", &save); entry != NULL;
	    entry = strtok_r(NULL, ",", &save)) {
		while (*entry == ' ')
			entry++;
		host = entry;
		port = NULL;
		if (*host == '[') {
			host++;
			if ((end = strchr(host, ']')) == NULL)
				goto bad;
			*end = '\0';
			if (end[1] == ':')
				port = end + 2;
			else if (end[1] != '\0')
				goto bad;
		} else if ((port = strchr(host, ':')) != NULL)
			*port++ = '\0';
		p = 0;
		if (port != NULL) {
			p = strtoul(port, &end, 10);
			if (*port == '\0' || *end != '\0' || p == 0 || p > 65535)
				goto bad;
		}
		if (strcmp(host, "localhost") == 0) {
			inet_pton(AF_INET, "127.0.0.1", a);
			add_allow(host, AF_INET, a, (unsigned int)p);
			inet_pton(AF_INET6, "::1", a);
			if (add_allow(host, AF_INET6, a, (unsigned int)p) == -1)
				goto bad;
		} else if (inet_pton(AF_INET, host, a) == 1) {
			if (add_allow(host, AF_INET, a, (unsigned int)p) == -1)
				goto bad;
		} else if (inet_pton(AF_INET6, host, a) == 1) {
			if (add_allow(host, AF_INET6, a, (unsigned int)p) == -1)
				goto bad;
		} else
			goto bad;
	}
	return 0;
bad:
	snprintf(err, errsz, "APCONN_OUTBOUND_ALLOW: bad entry (expected "
	    "IPv4, [IPv6] or localhost, with an optional :port)");
	nallow = 0;
	return -1;
}

/* 1 when the IPv4 address (network order bytes) is not public. */
static int
v4_internal(const unsigned char *b)
{
	return b[0] == 0 || b[0] == 10 || b[0] == 127 ||
	    (b[0] == 100 && (b[1] & 0xc0) == 64) ||
	    (b[0] == 169 && b[1] == 254) ||
	    (b[0] == 172 && (b[1] & 0xf0) == 16) ||
	    (b[0] == 192 && b[1] == 0 && b[2] == 0) ||
	    (b[0] == 192 && b[1] == 0 && b[2] == 2) ||
	    (b[0] == 192 && b[1] == 168) ||
	    (b[0] == 198 && (b[1] & 0xfe) == 18) ||
	    (b[0] == 198 && b[1] == 51 && b[2] == 100) ||
	    (b[0] == 203 && b[1] == 0 && b[2] == 113) ||
	    b[0] >= 224;
}

static int
v6_internal(const unsigned char *b)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };
	static const unsigned char zero[12];
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b };

	static const unsigned char translated[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff, 0, 0 };

	if (memcmp(b, mapped, 12) == 0 || memcmp(b, zero, 12) == 0 ||
	    memcmp(b, nat64, 12) == 0 || memcmp(b, translated, 12) == 0)
		return 1;	/* IPv4 inside: refused outright */
	if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b &&
	    b[4] == 0 && b[5] == 1)
		return 1;	/* local-use NAT64, 64:ff9b:1::/48 */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0)
		return 1;	/* Teredo, 2001::/32 */
	if (b[0] == 0x20 && b[1] == 0x02)
		return v4_internal(b + 2);	/* 6to4 */
	return (b[0] & 0xfe) == 0xfc ||		/* unique local */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||	/* link-local */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) ||	/* site-local */
	    b[0] == 0xff ||				/* multicast */
	    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) ||
	    (b[0] == 0x01 && b[1] == 0 && b[2] == 0 && b[3] == 0);
}

/*
 * Returns 1 when a connection to sa may be made: a public address, or an
 * allow-listed one (and port).
 */
int
egress_addr_allowed(const struct sockaddr *sa, socklen_t len)
{
	const unsigned char	*b;
	unsigned int		 port;
	size_t			 i, alen;
	int			 internal;

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const void *)sa;

		b = (const unsigned char *)&s4->sin_addr;
		port = ntohs(s4->sin_port);
		alen = 4;
		internal = v4_internal(b);
	} else if (sa->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		b = (const unsigned char *)&s6->sin6_addr;
		port = ntohs(s6->sin6_port);
		alen = 16;
		internal = v6_internal(b);
	} else
		return 0;
	for (i = 0; i < nallow; i++)
		if (allow[i].family == sa->sa_family &&
		    memcmp(allow[i].addr, b, alen) == 0 &&
		    (allow[i].port == 0 || allow[i].port == port))
			return 1;
	return !internal;
}

struct xfer {
	char	*buf;
	size_t	 len, cap, max;
	int	 too_large;
	int	 refused;
};

static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer	*x = arg;
	size_t		 n, ncap;
	char		*nb;

	if (nmemb != 0 && size > (size_t)-1 / nmemb)
		return 0;
	n = size * nmemb;
	if (n > x->max - x->len) {
		x->too_large = 1;
		return 0;		/* aborts the transfer */
	}
	if (x->len + n + 1 > x->cap) {
		ncap = x->cap ? x->cap : 4096;
		while (ncap < x->len + n + 1)
			ncap *= 2;
		if ((nb = realloc(x->buf, ncap)) == NULL)
			return 0;
		x->buf = nb;
		x->cap = ncap;
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return n;
}

static curl_socket_t
on_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct xfer	*x = arg;

	if (purpose != CURLSOCKTYPE_IPCXN ||
	    !egress_addr_allowed(&a->addr, a->addrlen)) {
		x->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

/* 1 when label reads as a number to inet_aton(): decimal, 0x hex, octal. */
static int
numeric_label(const char *p, size_t n)
{
	size_t	i = 0;

	if (n == 0)
		return 0;
	if (n > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		for (i = 2; i < n; i++)
			if (!isxdigit((unsigned char)p[i]))
				return 0;
		return 1;
	}
	for (; i < n; i++)
		if (!isdigit((unsigned char)p[i]))
			return 0;
	return 1;
}

/*
 * 0 when the host written in url is an address spelt other than as four
 * plain decimal numbers (2130706433, 0x7f.1, 0177.0.0.1, 127.1): libcurl
 * reads those as addresses, and an allow-list entry must not be reachable
 * under another spelling.  Names and bracketed IPv6 pass.
 */
static int
host_spelling_ok(const char *url)
{
	const char	*p, *end, *l;
	size_t		 n, parts = 0;
	int		 numeric = 1, canonical = 1;
	long		 v;

	if ((p = strstr(url, "://")) == NULL)
		return 0;
	p += 3;
	if (*p == '[')
		return 1;
	end = p + strcspn(p, ":/?#");
	if (end == p)
		return 0;
	for (l = p; l < end; l = p + 1) {
		p = memchr(l, '.', (size_t)(end - l));
		if (p == NULL)
			p = end;
		n = (size_t)(p - l);
		parts++;
		if (!numeric_label(l, n))
			numeric = 0;
		else if (n > 3 || (n > 1 && l[0] == '0') ||
		    (v = strtol(l, NULL, 10)) > 255 || v < 0)
			canonical = 0;
		if (p == end)
			break;
	}
	return !numeric || (canonical && parts == 4);
}

/* 1 when url's scheme may be used: https, or http to an allow-listed host. */
static int
scheme_allowed(const char *url)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL, *port = NULL, *user = NULL;
	size_t	 i;
	int	 ok = 0;

	if (!host_spelling_ok(url) || (u = curl_url()) == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
		goto out;	/* no credentials in URLs */
	if (strcasecmp(scheme, "https") == 0) {
		ok = 1;
		goto out;
	}
	if (strcasecmp(scheme, "http") != 0)
		goto out;
	curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	for (i = 0; i < nallow; i++) {
		char	h[80];

		snprintf(h, sizeof(h), allow[i].family == AF_INET6 &&
		    strcmp(allow[i].host, "localhost") != 0 ? "[%s]" : "%s",
		    allow[i].host);
		if (strcasecmp(h, host) == 0 && (allow[i].port == 0 ||
		    (port != NULL && (unsigned int)atoi(port) ==
		    allow[i].port)))
			ok = 1;
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(user);
	curl_url_cleanup(u);
	return ok;
}

/*
 * Sets h up for q under the policy; x, *hl and errbuf must outlive the
 * transfer.  Returns 0, or -1 when the URL is refused before connecting.
 */
static int
setup(CURL *h, const struct egress_req *q, struct xfer *x,
    struct curl_slist **hl, char *errbuf)
{
	size_t	i;

	memset(x, 0, sizeof(*x));
	*hl = NULL;
	errbuf[0] = '\0';
	if (!scheme_allowed(q->url))
		return -1;
	if (q->method != NULL && strcmp(q->method, "GET") != 0 &&
	    strcmp(q->method, "POST") != 0 && strcmp(q->method, "HEAD") != 0)
		return -1;
	x->max = q->max_body ? q->max_body : 1024 * 1024;
	for (i = 0; q->headers != NULL && q->headers[i] != NULL; i++)
		*hl = curl_slist_append(*hl, q->headers[i]);
	curl_easy_setopt(h, CURLOPT_URL, q->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	/* No proxy from the environment: it would hide the real target. */
	curl_easy_setopt(h, CURLOPT_PROXY, "");
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    q->connect_timeout_ms > 0 ? q->connect_timeout_ms : 3000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS,
	    q->timeout_ms > 0 ? q->timeout_ms : 10000L);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, on_socket);
	curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hl);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "apconn/" PACKAGE_VERSION);
	if (q->method != NULL && strcmp(q->method, "HEAD") == 0)
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (q->method != NULL && strcmp(q->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body ? q->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)q->bodylen);
	}
	return 0;
}

/* Classifies a finished transfer into resp and detail. */
static enum egress_rc
outcome(CURL *h, CURLcode cc, struct xfer *x, const char *errbuf,
    struct egress_resp *resp, char *detail, size_t detailsz)
{
	enum egress_rc	rc;

	memset(resp, 0, sizeof(*resp));
	if (cc == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
		resp->body = x->buf ? x->buf : strdup("");
		resp->len = x->len;
		snprintf(detail, detailsz, "HTTP %ld", resp->status);
		return EG_OK;
	}
	free(x->buf);
	x->buf = NULL;
	if (x->refused)
		rc = EG_REFUSED;
	else if (x->too_large)
		rc = EG_TOO_LARGE;
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		rc = EG_TIMEOUT;
	else
		rc = EG_FAILED;
	snprintf(detail, detailsz, "%s", rc == EG_REFUSED ? "address not "
	    "allowed" : errbuf[0] ? errbuf : curl_easy_strerror(cc));
	return rc;
}

/* Counts a finished call by its purpose and outcome. */
static void
count(const struct egress_req *q, enum egress_rc rc, long status)
{
	enum metric_outcome	o;

	switch (rc) {
	case EG_OK:
		o = status >= 500 ? MO_HTTP_5XX : status >= 400 ? MO_HTTP_4XX :
		    status >= 300 ? MO_HTTP_3XX : status >= 200 ? MO_HTTP_2XX :
		    MO_HTTP_1XX;
		break;
	case EG_REFUSED:
		o = MO_REFUSED;
		break;
	case EG_TIMEOUT:
		o = MO_TIMEOUT;
		break;
	case EG_TOO_LARGE:
		o = MO_TOO_LARGE;
		break;
	default:
		o = MO_FAILED;
		break;
	}
	if (rc != EG_REFUSED)
		nsent++;
	metrics_call(q->kind, o);
}

/*
 * Performs one request.  On EG_OK resp holds the status and body (free
 * with egress_resp_free); on any other result resp is empty.  detail gets
 * a description for the log only: never headers or bodies.
 */
enum egress_rc
egress_perform(const struct egress_req *q, struct egress_resp *resp,
    char *detail, size_t detailsz)
{
	struct curl_slist	*hl;
	struct xfer		 x;
	char			 errbuf[CURL_ERROR_SIZE];
	CURLcode		 cc;
	enum egress_rc		 rc;

	memset(resp, 0, sizeof(*resp));
	snprintf(detail, detailsz, "-");
	if (curl == NULL && (curl = curl_easy_init()) == NULL) {
		snprintf(detail, detailsz, "curl_easy_init failed");
		count(q, EG_FAILED, 0);
		return EG_FAILED;
	}
	curl_easy_reset(curl);
	if (setup(curl, q, &x, &hl, errbuf) == -1) {
		snprintf(detail, detailsz, "scheme or host not allowed");
		count(q, EG_REFUSED, 0);
		return EG_REFUSED;
	}
	cc = curl_easy_perform(curl);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hl);
	rc = outcome(curl, cc, &x, errbuf, resp, detail, detailsz);
	count(q, rc, resp->status);
	return rc;
}

/*
 * The number of calls this process has let out: every finished call but
 * those the policy refused (a DNS, connect or TLS failure and a timeout
 * count: the call was tried).  A caller compares two readings to learn
 * whether what it ran called a third party.
 */
unsigned long
egress_sent(void)
{
	return nsent;
}

/*
 * Performs n requests with at most parallel in flight, each under the
 * same rules as egress_perform; rcs[i], resps[i] and details[i] receive
 * each outcome (free every EG_OK body with egress_resp_free).
 */
void
egress_perform_many(const struct egress_req *qs, size_t n, int parallel,
    struct egress_resp *resps, enum egress_rc *rcs, char (*details)[160])
{
	CURLM			*m;
	CURL			**h;
	struct xfer		*x;
	struct curl_slist	**hl;
	char			(*eb)[CURL_ERROR_SIZE];
	CURLMsg			*msg;
	size_t			 next = 0, done = 0, i;
	int			 running, left;

	h = calloc(n + 1, sizeof(*h));
	x = calloc(n + 1, sizeof(*x));
	hl = calloc(n + 1, sizeof(*hl));
	eb = calloc(n + 1, sizeof(*eb));
	m = curl_multi_init();
	for (i = 0; i < n; i++) {
		memset(&resps[i], 0, sizeof(resps[i]));
		rcs[i] = EG_FAILED;
		snprintf(details[i], sizeof(details[i]), "-");
	}
	if (h == NULL || x == NULL || hl == NULL || eb == NULL || m == NULL)
		goto out;
	while (done < n) {
		while (next < n && (int)(next - done) < parallel) {
			i = next++;
			if ((h[i] = curl_easy_init()) == NULL ||
			    setup(h[i], &qs[i], &x[i], &hl[i], eb[i]) == -1) {
				rcs[i] = h[i] ? EG_REFUSED : EG_FAILED;
				snprintf(details[i], sizeof(details[i]), "%s",
				    h[i] ? "scheme or host not allowed" :
				    "curl_easy_init failed");
				count(&qs[i], rcs[i], 0);
				done++;
				continue;
			}
			curl_easy_setopt(h[i], CURLOPT_PRIVATE, (void *)i);
			curl_multi_add_handle(m, h[i]);
		}
		if (done >= n)
			break;
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			void	*p;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    &p);
			i = (size_t)p;
			rcs[i] = outcome(h[i], msg->data.result, &x[i], eb[i],
			    &resps[i], details[i], sizeof(details[i]));
			count(&qs[i], rcs[i], resps[i].status);
			curl_multi_remove_handle(m, h[i]);
			done++;
		}
		if (done < n && running > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	}
out:
	for (i = 0; i < n && h != NULL; i++) {
		if (h[i] != NULL)
			curl_easy_cleanup(h[i]);
		if (hl != NULL)
			curl_slist_free_all(hl[i]);
	}
	curl_multi_cleanup(m);
	free(h);
	free(x);
	free(hl);
	free(eb);
}

void
egress_resp_free(struct egress_resp *r)
{
	free(r->body);
	r->body = NULL;
	r->len = 0;
}

const char *
egress_rc_str(enum egress_rc rc)
{
	switch (rc) {
	case EG_OK: return "ok";
	case EG_REFUSED: return "refused";
	case EG_TIMEOUT: return "timeout";
	case EG_TOO_LARGE: return "too large";
	default: return "failed";
	}
}

/*
 * Appends s percent-encoded (RFC 3986: all but letters, digits and
 * "-._~"), as libcurl escapes it, to buf (cap bytes, *off used), keeping
 * it NUL-terminated.  s may be a secret: libcurl's copy is wiped.
 * Returns 0, or -1 when buf is too small (buf then holds what fitted
 * before, still terminated) or out of memory.
 */
int
egress_escape(char *buf, size_t cap, size_t *off, const char *s)
{
	char	*e;
	size_t	 n;
	int	 rc = -1;

	if (*off >= cap)
		return -1;
	buf[*off] = '\0';
	if ((e = curl_easy_escape(NULL, s, 0)) == NULL)
		return -1;
	n = strlen(e);
	if (*off + n < cap) {
		memcpy(buf + *off, e, n + 1);
		*off += n;
		rc = 0;
	}
	OPENSSL_cleanse(e, n);
	curl_free(e);
	return rc;
}

void
egress_cleanup(void)
{
	if (curl != NULL)
		curl_easy_cleanup(curl);
	curl = NULL;
}
