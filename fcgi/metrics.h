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
 * Includes nothing of ours, and knows no feature: the counters of
 * features (OAuth2 refreshes, the list cache, the piece sync), the
 * purposes of outbound calls and the names of background jobs are
 * registered by the features themselves, before metrics_create(), so
 * that every process forked after it shares the same numbering.
 */
#ifndef APCONN_METRICS_H
#define APCONN_METRICS_H

#include <sys/types.h>

#include <stddef.h>

struct route;

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

enum metric_db {
	MD_RECONNECT,		/* a connection re-established */
	MD_CONNECT_FAILURE,	/* an attempt to connect failed */
	MD_UNAVAILABLE,		/* answered 503 database_unavailable */
	MD__MAX
};

/* Worker groups of the master, as fcgi/main.c numbers them. */
#define METRIC_GROUPS	3

#define METRIC_FAMILIES_MAX	16	/* counter families of features */
#define METRIC_VALUES_MAX	8	/* label values of one family */
#define METRIC_CALL_KINDS_MAX	8	/* purposes of outbound calls */
#define METRIC_JOBS_MAX		4	/* background jobs */
#define METRIC_GAUGES_MAX	4	/* gauges of features */

#define METRIC_CALL_OTHER	0	/* a call of no registered purpose */

int	metrics_create(const struct route *, int);
int	metrics_active(void);
void	metrics_key(const char *);
void	metrics_request(const struct route *, unsigned int, int, long);
void	metrics_db(enum metric_db);
void	metrics_group(int);
void	metrics_process(int);
void	metrics_process_gone(pid_t);
void	metrics_statement(void);
int	metrics_family(const char *, const char *, const char *,
	    const char *const *);
void	metrics_count(int, size_t, unsigned long);
int	metrics_call_kind(const char *);
void	metrics_call(int, enum metric_outcome);
int	metrics_job_kind(const char *);
void	metrics_job(int, int, long long);
int	metrics_gauge(const char *, const char *);
void	metrics_gauge_set(int, unsigned long long);
void	metrics_sealed(const char *);
void	metrics_leader(pid_t, int);
void	metrics_reload(void);
void	metrics_worker_exit(int, int);
long	metrics_render(char *, size_t);

#endif
