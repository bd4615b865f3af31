/*
 * Outbound HTTP (DESIGN.md section 5a): every call apconn makes to third
 * parties goes through egress_perform().  https only, except for hosts on
 * the allow-list (APCONN_OUTBOUND_ALLOW); the address of every connection
 * is checked after resolution, so loopback, private, link-local, CGNAT,
 * multicast and IPv4-in-IPv6 forms of them are refused unless
 * allow-listed; redirects are not followed (a 3xx is an answer); bodies
 * are capped while they arrive; timeouts always apply; TLS is always
 * verified.
 *
 * Allow-list grammar: comma-separated HOST[:PORT] where HOST is an IPv4
 * literal, a bracketed IPv6 literal, or "localhost" (127.0.0.1 and ::1).
 * Without a port, every port of that address is admitted.
 */
#ifndef APCONN_EGRESS_H
#define APCONN_EGRESS_H

#include <sys/socket.h>

#include <stddef.h>

#include "metrics.h"

enum egress_rc {
	EG_OK,
	EG_REFUSED,	/* scheme or address not allowed */
	EG_TIMEOUT,
	EG_TOO_LARGE,
	EG_FAILED	/* DNS, connect, TLS, protocol */
};

struct egress_req {
	const char		*method;	/* GET, POST, HEAD */
	const char		*url;
	const char *const	*headers;	/* "Name: value", NULL-ended */
	const char		*body;
	size_t			 bodylen;
	long			 connect_timeout_ms;
	long			 timeout_ms;
	size_t			 max_body;
	int			 kind;		/* metrics_call_kind() */
};

struct egress_resp {
	long	 status;
	char	*body;		/* NUL-terminated; egress_resp_free() */
	size_t	 len;
};

int		 egress_init(const char *, char *, size_t);
enum egress_rc	 egress_perform(const struct egress_req *,
		    struct egress_resp *, char *, size_t);
void		 egress_perform_many(const struct egress_req *, size_t, int,
		    struct egress_resp *, enum egress_rc *, char (*)[160]);
void		 egress_resp_free(struct egress_resp *);
unsigned long	 egress_sent(void);
const char	*egress_rc_str(enum egress_rc);
int		 egress_addr_allowed(const struct sockaddr *, socklen_t);
int		 egress_escape(char *, size_t, size_t *, const char *);
void		 egress_cleanup(void);

#endif
