/*
 * Counters for GET /api/metrics, shared by every process of one master:
 * a single anonymous MAP_SHARED mapping created before the first fork, so
 * the workers of both groups and the job runner all add to it, and the
 * figures outlive a worker's death and every reload (the master keeps the
 * mapping across generations).  Updates are relaxed atomic additions: a
 * request costs three.  Started by spawn-fcgi, with no master, the mapping
 * belongs to the one worker and its figures are that process's.
 *
 * Every function but metrics_render() is a no-op before metrics_create(),
 * so the tools and the unit tests, which never create it, count nothing.
 * Includes nothing of ours.
 */
#ifndef APCONN_METRICS_H
#define APCONN_METRICS_H

#include <sys/types.h>

#include <stddef.h>

struct route;

/* What an outbound call was for (struct egress_req.kind). */
enum metric_call {
	MC_OTHER,
	MC_PROBE,		/* a connection test */
	MC_OAUTH2_TOKEN,	/* code exchange, refresh, client credentials */
	MC_PIECE_SYNC,		/* the piece list and each piece */
	MC__MAX
};

/* How an outbound call ended. */
enum metric_outcome {
	MO_HTTP_1XX,
	MO_HTTP_2XX,
	MO_HTTP_3XX,
	MO_HTTP_4XX,
	MO_HTTP_5XX,
	MO_REFUSED,		/* scheme or address not allowed */
	MO_TIMEOUT,
	MO_TOO_LARGE,
	MO_FAILED,		/* DNS, connect, TLS, protocol */
	MO__MAX
};

/* How an OAuth2 refresh (oauth2_fresh) ended. */
enum metric_refresh {
	MR_OK,
	MR_INVALID_GRANT,	/* the connection is now ERROR */
	MR_EXPIRED,		/* expired with nothing to renew it with */
	MR_FAILED,		/* the old token stays */
	MR__MAX
};

/* What a worker's list page cache did for one list request. */
enum metric_listcache {
	ML_HIT,			/* answered from the page kept */
	ML_STALE,		/* kept, but the connections changed since */
	ML_MISS,		/* none kept */
	ML__MAX
};

enum metric_db {
	MD_RECONNECT,		/* a connection re-established */
	MD_CONNECT_FAILURE,	/* an attempt to connect failed */
	MD_UNAVAILABLE,		/* answered 503 database_unavailable */
	MD__MAX
};

enum metric_job {
	MJ_PIECE_SYNC,
	MJ_OAUTH2_REFRESH,
	MJ__MAX
};

/* Worker groups of the master, as fcgi/main.c numbers them. */
#define METRIC_GROUPS	3

int	metrics_create(const struct route *, int);
int	metrics_active(void);
void	metrics_key(const char *);
void	metrics_request(const struct route *, unsigned int, int, long);
void	metrics_db(enum metric_db);
void	metrics_call(enum metric_call, enum metric_outcome);
void	metrics_refresh(enum metric_refresh);
void	metrics_listcache(enum metric_listcache);
void	metrics_sealed(const char *);
void	metrics_job(enum metric_job, int, long long);
void	metrics_sync_pieces(unsigned long, unsigned long, unsigned long,
	    unsigned long);
void	metrics_leader(pid_t, int);
void	metrics_reload(void);
void	metrics_worker_exit(int, int);
long	metrics_render(char *, size_t);

#endif
