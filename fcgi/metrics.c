/*
 * The shared counters behind GET /api/metrics (see metrics.h) and their
 * rendering in the Prometheus text exposition format, version 0.0.4.
 *
 * Every counter is a uint64_t in one MAP_SHARED|MAP_ANONYMOUS mapping,
 * added to with __atomic_fetch_add(..., __ATOMIC_RELAXED): counters need
 * no ordering among themselves, only no lost updates.  A reader may see a
 * request counted and its latency not yet; a scrape is not a transaction.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "metrics.h"
#include "procstat.h"

#define ROUTES_MAX	96	/* rows of the route table, plus "unmatched" */
#define METHODS		8	/* enum method's seven, then any other */
#define BUCKETS		14	/* thirteen bounds, then +Inf */
#define KIDS_MAX	64
#define PROCS_MAX	128	/* the master's worker slots, and more */
#define KID_LEN		40

/* The statuses counted one by one; any other is counted as "other". */
static const int statuses[] = {
	200, 201, 202, 204, 206, 301, 302, 303, 304, 307, 308,
	400, 401, 403, 404, 405, 406, 408, 409, 410, 411, 412, 413, 414, 415,
	422, 429, 500, 501, 502, 503, 504
};
#define NSTATUS		(sizeof(statuses) / sizeof(statuses[0]))
#define STATUS_OTHER	NSTATUS

/* Latency bucket bounds in microseconds, and as "le" labels. */
static const long bounds_us[BUCKETS - 1] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000
};
static const char *const bounds_le[BUCKETS] = {
	"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
	"0.5", "1", "2.5", "5", "10", "+Inf"
};

static const char *const method_label[METHODS] = {
	"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "OTHER"
};
static const char *const outcome_label[MO__MAX] = {
	"http_1xx", "http_2xx", "http_3xx", "http_4xx", "http_5xx",
	"refused", "timeout", "too_large", "failed"
};
/*
 * What features registered (metrics_family(), metrics_call_kind(),
 * metrics_job_kind()): process memory, filled before metrics_create() and
 * inherited by every child, so that all agree on the numbering.
 */
struct family {
	const char		*name, *help, *label;
	const char *const	*values;
	size_t			 nvalues;
};
static struct family	 families[METRIC_FAMILIES_MAX];
static size_t		 nfamilies;
static const char	*call_label[METRIC_CALL_KINDS_MAX] = { "other" };
static size_t		 ncalls = 1;
static const char	*job_label[METRIC_JOBS_MAX];
static size_t		 njobs;
static struct gauge {
	const char	*name, *help;
}			 gauges[METRIC_GAUGES_MAX];
static size_t		 ngauges;

static const char *const group_label[METRIC_GROUPS] = {
	"main", "outbound", "jobs"
};

struct shm {
	uint64_t	requests[ROUTES_MAX][METHODS][NSTATUS + 1];
	uint64_t	latency[ROUTES_MAX][METHODS][BUCKETS];
	uint64_t	latency_us[ROUTES_MAX][METHODS];
	uint64_t	db[MD__MAX];
	uint64_t	calls[METRIC_CALL_KINDS_MAX][MO__MAX];
	uint64_t	fam[METRIC_FAMILIES_MAX][METRIC_VALUES_MAX];
	uint64_t	job_runs[METRIC_JOBS_MAX][2];	/* failed, ok */
	uint64_t	job_last_ok[METRIC_JOBS_MAX];	/* epoch seconds */
	uint64_t	gauge[METRIC_GAUGES_MAX];
	uint64_t	leader_pid;
	uint64_t	reloads;
	uint64_t	exits[METRIC_GROUPS][2];	/* exited, signalled */
	uint64_t	statements[METRIC_GROUPS];
	uint64_t	started;
	uint64_t	shared;
	uint64_t	nkids;
	struct {
		char		name[KID_LEN];
		uint64_t	n;
	}		kids[KIDS_MAX];
	struct {
		uint64_t	pid;	/* 0: free */
		uint64_t	group;	/* METRIC_GROUPS: the master */
	}		procs[PROCS_MAX];
};

static struct shm		*m;
static const struct route	*table;
static size_t			 nroutes;
static unsigned char		 status_slot[600];
static int			 my_group;	/* this process's */

static inline void
add(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

static inline uint64_t
get(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/*
 * Maps the counters; call once, before the first fork.  routes is the
 * route table (ended by a NULL pattern); shared says whether a master
 * aggregates several processes (1) or one worker counts alone (0).
 * Returns 0, or -1 (mmap failed, or the table is too long) and every
 * other function stays a no-op.
 */
int
metrics_create(const struct route *routes, int shared)
{
	void	*p;
	size_t	 i, n = 0;

	if (m != NULL)
		return 0;
	while (routes[n].pattern != NULL)
		n++;
	if (n + 1 > ROUTES_MAX)
		return -1;
	p = mmap(NULL, sizeof(struct shm), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	memset(status_slot, STATUS_OTHER, sizeof(status_slot));
	for (i = 0; i < NSTATUS; i++)
		status_slot[statuses[i]] = (unsigned char)i;
	table = routes;
	nroutes = n;
	m = p;
	m->started = (uint64_t)time(NULL);
	m->shared = shared != 0;
	return 0;
}

int
metrics_active(void)
{
	return m != NULL;
}

/*
 * Registers a key id so that its encryptions are counted (and shown, from
 * zero).  Called by the master only, before forking and on reload: the
 * table only grows, and readers see a name before the count that covers
 * it (release/acquire on nkids).
 */
void
metrics_key(const char *kid)
{
	uint64_t	n, i;

	if (m == NULL || kid == NULL)
		return;
	n = __atomic_load_n(&m->nkids, __ATOMIC_ACQUIRE);
	for (i = 0; i < n; i++)
		if (strcmp(m->kids[i].name, kid) == 0)
			return;
	if (n == KIDS_MAX || strlen(kid) >= KID_LEN)
		return;
	snprintf(m->kids[n].name, KID_LEN, "%s", kid);
	__atomic_store_n(&m->nkids, n + 1, __ATOMIC_RELEASE);
}

static size_t
method_slot(unsigned int method)
{
	size_t	i;

	for (i = 0; i < METHODS - 1; i++)
		if (method == (1U << i))
			return i;
	return METHODS - 1;
}

/*
 * Counts one answered request: rt is the matched route (NULL: none), method
 * the enum method bit, status the HTTP status, us the time spent in
 * microseconds.
 */
void
metrics_request(const struct route *rt, unsigned int method, int status,
    long us)
{
	size_t	ri, mi, si, b;

	if (m == NULL)
		return;
	ri = rt != NULL && rt >= table && rt < table + nroutes ?
	    (size_t)(rt - table) : nroutes;
	mi = method_slot(method);
	si = status >= 0 && status < (int)sizeof(status_slot) ?
	    status_slot[status] : STATUS_OTHER;
	if (us < 0)
		us = 0;
	for (b = 0; b < BUCKETS - 1 && us > bounds_us[b]; b++)
		continue;
	add(&m->requests[ri][mi][si], 1);
	add(&m->latency[ri][mi][b], 1);
	add(&m->latency_us[ri][mi], (uint64_t)us);
}

void
metrics_db(enum metric_db what)
{
	if (m != NULL && what < MD__MAX)
		add(&m->db[what], 1);
}

/* Says which worker group this process belongs to (0 until called). */
void
metrics_group(int g)
{
	if (g >= 0 && g < METRIC_GROUPS)
		my_group = g;
}

/*
 * Lists this process (group g, or METRIC_GROUPS for the master) among
 * those whose process_* figures the page shows.  Children call it after
 * fork; the master, once.  A full list leaves the process out.
 */
void
metrics_process(int g)
{
	uint64_t	free_pid, me = (uint64_t)getpid();
	size_t		i;

	if (m == NULL || g < 0 || g > METRIC_GROUPS)
		return;
	for (i = 0; i < PROCS_MAX; i++) {
		free_pid = 0;
		if (__atomic_compare_exchange_n(&m->procs[i].pid, &free_pid, me,
		    0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			__atomic_store_n(&m->procs[i].group, (uint64_t)g,
			    __ATOMIC_RELEASE);
			return;
		}
	}
}

/* Takes a process that ended (reaped by the master) off the list. */
void
metrics_process_gone(pid_t pid)
{
	uint64_t	want;
	size_t		i;

	if (m == NULL || pid <= 0)
		return;
	for (i = 0; i < PROCS_MAX; i++) {
		want = (uint64_t)pid;
		(void)__atomic_compare_exchange_n(&m->procs[i].pid, &want, 0, 0,
		    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	}
}

/* Counts one statement sent to the database by this process. */
void
metrics_statement(void)
{
	if (m != NULL)
		add(&m->statements[my_group], 1);
}

/*
 * Registers a counter family of a feature: name and help as Prometheus
 * shows them, one label and its values (a NULL-terminated list of at
 * most METRIC_VALUES_MAX; every value shows, from zero).  The strings
 * must live as long as the process (literals).  Returns the handle for
 * metrics_count(), or -1: the table is full, the list too long, or the
 * counters already exist (a family registered after the fork would be
 * known to one process only).
 */
int
metrics_family(const char *name, const char *help, const char *label,
    const char *const *values)
{
	size_t	n = 0;

	if (m != NULL || nfamilies == METRIC_FAMILIES_MAX || name == NULL ||
	    help == NULL || label == NULL || values == NULL)
		return -1;
	while (values[n] != NULL)
		n++;
	if (n == 0 || n > METRIC_VALUES_MAX)
		return -1;
	families[nfamilies].name = name;
	families[nfamilies].help = help;
	families[nfamilies].label = label;
	families[nfamilies].values = values;
	families[nfamilies].nvalues = n;
	return (int)nfamilies++;
}

/* Adds n to the counter of family's value (a handle of -1 is ignored). */
void
metrics_count(int family, size_t value, unsigned long n)
{
	if (m != NULL && family >= 0 && (size_t)family < nfamilies &&
	    value < families[family].nvalues)
		add(&m->fam[family][value], n);
}

/*
 * Registers the purpose of outbound calls called name (a literal), shown
 * as the kind label.  Returns its kind for egress_req.kind, or
 * METRIC_CALL_OTHER when the table is full or the counters already exist.
 */
int
metrics_call_kind(const char *name)
{
	if (m != NULL || ncalls == METRIC_CALL_KINDS_MAX || name == NULL)
		return METRIC_CALL_OTHER;
	call_label[ncalls] = name;
	return (int)ncalls++;
}

void
metrics_call(int kind, enum metric_outcome outcome)
{
	if (m != NULL && kind >= 0 && (size_t)kind < ncalls &&
	    outcome < MO__MAX)
		add(&m->calls[kind][outcome], 1);
}

/*
 * Registers the background job called name (a literal).  Returns its id
 * for metrics_job(), or -1 when the table is full or the counters
 * already exist.
 */
int
metrics_job_kind(const char *name)
{
	if (m != NULL || njobs == METRIC_JOBS_MAX || name == NULL)
		return -1;
	job_label[njobs] = name;
	return (int)njobs++;
}

/* Counts one encryption under kid (an unregistered kid is not counted). */
void
metrics_sealed(const char *kid)
{
	uint64_t	n, i;

	if (m == NULL || kid == NULL)
		return;
	n = __atomic_load_n(&m->nkids, __ATOMIC_ACQUIRE);
	for (i = 0; i < n; i++)
		if (strcmp(m->kids[i].name, kid) == 0) {
			add(&m->kids[i].n, 1);
			return;
		}
}

/*
 * Registers a gauge of a feature called name (a literal, with help), shown
 * without labels, from zero.  Returns its handle for metrics_gauge_set(),
 * or -1 when the table is full or the counters already exist.
 */
int
metrics_gauge(const char *name, const char *help)
{
	if (m != NULL || ngauges == METRIC_GAUGES_MAX || name == NULL ||
	    help == NULL)
		return -1;
	gauges[ngauges].name = name;
	gauges[ngauges].help = help;
	return (int)ngauges++;
}

/* Sets gauge (a handle of -1 is ignored) to v. */
void
metrics_gauge_set(int gauge, unsigned long long v)
{
	if (m != NULL && gauge >= 0 && (size_t)gauge < ngauges)
		__atomic_store_n(&m->gauge[gauge], (uint64_t)v,
		    __ATOMIC_RELAXED);
}

/* Counts one run of job; a successful one sets its last success time. */
void
metrics_job(int job, int ok, long long when)
{
	if (m == NULL || job < 0 || (size_t)job >= njobs)
		return;
	add(&m->job_runs[job][ok != 0], 1);
	if (ok)
		__atomic_store_n(&m->job_last_ok[job], (uint64_t)when,
		    __ATOMIC_RELAXED);
}

/*
 * Records that process pid took (leads = 1) or no longer holds (0) the
 * jobs' leadership.  Letting go only clears pid's own claim, so the master
 * may call it for any job runner it reaps.
 */
void
metrics_leader(pid_t pid, int leads)
{
	uint64_t	want = (uint64_t)pid;

	if (m == NULL || pid <= 0)
		return;
	if (leads)
		__atomic_store_n(&m->leader_pid, want, __ATOMIC_RELAXED);
	else
		__atomic_compare_exchange_n(&m->leader_pid, &want, 0, 0,
		    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

void
metrics_reload(void)
{
	if (m != NULL)
		add(&m->reloads, 1);
}

/* A current worker of group died: signalled = killed by a signal. */
void
metrics_worker_exit(int group, int signalled)
{
	if (m != NULL && group >= 0 && group < METRIC_GROUPS)
		add(&m->exits[group][signalled != 0], 1);
}

/* Appending to the page; the first overflow sticks. */
struct out {
	char	*buf;
	size_t	 size;
	size_t	 len;
	int	 full;
};

static void __attribute__((format(printf, 2, 3)))
emit(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->full = 1;
		return;
	}
	o->len += (size_t)n;
}

/* A label value with \, " and newline escaped, as the format wants. */
static const char *
esc(const char *s, char *buf, size_t bufsz)
{
	size_t	o = 0;

	for (; *s != '\0' && o + 3 < bufsz; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else
			buf[o++] = *s;
	}
	buf[o] = '\0';
	return buf;
}

static void
head(struct out *o, const char *name, const char *type, const char *help)
{
	emit(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The route label of row ri, written into buf. */
static const char *
route_label(size_t ri, char *buf, size_t bufsz)
{
	return esc(ri < nroutes ? table[ri].pattern : "unmatched", buf,
	    bufsz);
}

static void
render_requests(struct out *o)
{
	char		 rb[512];
	uint64_t	 v, c[BUCKETS], cum;
	size_t		 ri, mi, si, b;

	head(o, "apconn_requests_total", "counter", "Requests answered, by "
	    "route pattern (unmatched: none), method and status.");
	for (ri = 0; ri <= nroutes; ri++)
		for (mi = 0; mi < METHODS; mi++)
			for (si = 0; si <= NSTATUS; si++) {
				if ((v = get(&m->requests[ri][mi][si])) == 0)
					continue;
				if (si == STATUS_OTHER)
					emit(o, "apconn_requests_total{route="
					    "\"%s\",method=\"%s\",status="
					    "\"other\"} %llu\n", route_label(ri,
					    rb, sizeof(rb)), method_label[mi],
					    (unsigned long long)v);
				else
					emit(o, "apconn_requests_total{route="
					    "\"%s\",method=\"%s\",status="
					    "\"%d\"} %llu\n", route_label(ri,
					    rb, sizeof(rb)), method_label[mi],
					    statuses[si], (unsigned long long)v);
			}
	head(o, "apconn_request_duration_seconds", "histogram", "Time from "
	    "accepting a request to its last byte handed to the web server.");
	for (ri = 0; ri <= nroutes; ri++)
		for (mi = 0; mi < METHODS; mi++) {
			for (b = 0, cum = 0; b < BUCKETS; b++)
				cum += (c[b] = get(&m->latency[ri][mi][b]));
			if (cum == 0)
				continue;
			route_label(ri, rb, sizeof(rb));
			for (b = 0, cum = 0; b < BUCKETS; b++) {
				cum += c[b];
				emit(o, "apconn_request_duration_seconds_bucket"
				    "{route=\"%s\",method=\"%s\",le=\"%s\"} "
				    "%llu\n", rb, method_label[mi],
				    bounds_le[b], (unsigned long long)cum);
			}
			v = get(&m->latency_us[ri][mi]);
			emit(o, "apconn_request_duration_seconds_sum{route="
			    "\"%s\",method=\"%s\"} %llu.%06llu\n", rb,
			    method_label[mi], (unsigned long long)(v / 1000000),
			    (unsigned long long)(v % 1000000));
			emit(o, "apconn_request_duration_seconds_count{route="
			    "\"%s\",method=\"%s\"} %llu\n", rb,
			    method_label[mi], (unsigned long long)cum);
		}
}

static void
render_rest(struct out *o)
{
	char		kb[2 * KID_LEN + 1];
	uint64_t	v, n, i;
	size_t		k, x;

	head(o, "apconn_db_reconnects_total", "counter", "Database "
	    "connections re-established after one was lost.");
	emit(o, "apconn_db_reconnects_total %llu\n",
	    (unsigned long long)get(&m->db[MD_RECONNECT]));
	head(o, "apconn_db_connect_failures_total", "counter", "Attempts to "
	    "connect to the database that failed.");
	emit(o, "apconn_db_connect_failures_total %llu\n",
	    (unsigned long long)get(&m->db[MD_CONNECT_FAILURE]));
	head(o, "apconn_db_unavailable_total", "counter", "Requests answered "
	    "503 database_unavailable.");
	emit(o, "apconn_db_unavailable_total %llu\n",
	    (unsigned long long)get(&m->db[MD_UNAVAILABLE]));

	head(o, "apconn_db_statements_total", "counter", "Statements sent "
	    "to the database, by the group of the process that sent them.");
	for (k = 0; k < METRIC_GROUPS; k++)
		emit(o, "apconn_db_statements_total{group=\"%s\"} %llu\n",
		    group_label[k], (unsigned long long)get(&m->statements[k]));

	head(o, "apconn_outbound_calls_total", "counter", "Calls to third "
	    "parties, by purpose and outcome.");
	for (k = 0; k < ncalls; k++)
		for (x = 0; x < MO__MAX; x++) {
			v = get(&m->calls[k][x]);
			/* Every purpose shows, from zero, as a success. */
			if (v == 0 && (k == METRIC_CALL_OTHER ||
			    x != MO_HTTP_2XX))
				continue;
			emit(o, "apconn_outbound_calls_total{kind=\"%s\","
			    "outcome=\"%s\"} %llu\n", call_label[k],
			    outcome_label[x], (unsigned long long)v);
		}

	for (k = 0; k < nfamilies; k++) {
		head(o, families[k].name, "counter", families[k].help);
		for (x = 0; x < families[k].nvalues; x++)
			emit(o, "%s{%s=\"%s\"} %llu\n", families[k].name,
			    families[k].label, families[k].values[x],
			    (unsigned long long)get(&m->fam[k][x]));
	}

	head(o, "apconn_job_runs_total", "counter", "Background job runs "
	    "on this host, by job and result.");
	for (k = 0; k < njobs; k++) {
		emit(o, "apconn_job_runs_total{job=\"%s\",result=\"ok\"} "
		    "%llu\n", job_label[k],
		    (unsigned long long)get(&m->job_runs[k][1]));
		emit(o, "apconn_job_runs_total{job=\"%s\",result=\"failed\"} "
		    "%llu\n", job_label[k],
		    (unsigned long long)get(&m->job_runs[k][0]));
	}
	head(o, "apconn_job_last_success_timestamp_seconds", "gauge",
	    "When a run of the job last succeeded on this host (0: never).");
	for (k = 0; k < njobs; k++)
		emit(o, "apconn_job_last_success_timestamp_seconds{job=\"%s\"}"
		    " %llu\n", job_label[k],
		    (unsigned long long)get(&m->job_last_ok[k]));
	head(o, "apconn_jobs_leader", "gauge", "1 while this host's job "
	    "runner holds the jobs' lock and runs them.");
	emit(o, "apconn_jobs_leader %d\n", get(&m->leader_pid) != 0);
	for (k = 0; k < ngauges; k++) {
		head(o, gauges[k].name, "gauge", gauges[k].help);
		emit(o, "%s %llu\n", gauges[k].name,
		    (unsigned long long)get(&m->gauge[k]));
	}

	head(o, "apconn_encryptions_total", "counter", "Values sealed, by "
	    "key id (AES-GCM random IVs: rotate well before 2^32 per key).");
	n = __atomic_load_n(&m->nkids, __ATOMIC_ACQUIRE);
	for (i = 0; i < n; i++)
		emit(o, "apconn_encryptions_total{kid=\"%s\"} %llu\n",
		    esc(m->kids[i].name, kb, sizeof(kb)),
		    (unsigned long long)get(&m->kids[i].n));

	head(o, "apconn_reloads_total", "counter", "Configuration reloads "
	    "(SIGHUP) of the master.");
	emit(o, "apconn_reloads_total %llu\n",
	    (unsigned long long)get(&m->reloads));
	head(o, "apconn_worker_exits_total", "counter", "Current workers "
	    "that died and were replaced, by group and cause.");
	for (k = 0; k < METRIC_GROUPS; k++) {
		emit(o, "apconn_worker_exits_total{group=\"%s\",cause="
		    "\"exit\"} %llu\n", group_label[k],
		    (unsigned long long)get(&m->exits[k][0]));
		emit(o, "apconn_worker_exits_total{group=\"%s\",cause="
		    "\"signal\"} %llu\n", group_label[k],
		    (unsigned long long)get(&m->exits[k][1]));
	}
	head(o, "apconn_start_time_seconds", "gauge", "When the counters "
	    "started (the master's start, or the single worker's).");
	emit(o, "apconn_start_time_seconds %llu\n",
	    (unsigned long long)get(&m->started));
	head(o, "apconn_build_info", "gauge", "The version, and whether the "
	    "page covers a master's workers (master) or one process (single).");
	emit(o, "apconn_build_info{version=\"%s\",mode=\"%s\"} 1\n",
	    PACKAGE_VERSION, get(&m->shared) ? "master" : "single");
}

/*
 * Prometheus' standard process_* series, one of each per listed process
 * (label group: master, main, outbound or jobs; pid), read from /proc.
 */
static void
render_processes(struct out *o)
{
	static const struct {
		const char	*name, *type, *help;
	} series[] = {
		{ "process_cpu_seconds_total", "counter",
		    "User and system CPU time spent in seconds." },
		{ "process_resident_memory_bytes", "gauge",
		    "Resident memory size in bytes." },
		{ "process_virtual_memory_bytes", "gauge",
		    "Virtual memory size in bytes." },
		{ "process_open_fds", "gauge",
		    "Number of open file descriptors." },
		{ "process_max_fds", "gauge",
		    "Maximum number of open file descriptors." },
		{ "process_start_time_seconds", "gauge",
		    "Start time of the process since unix epoch in seconds." },
	};
	struct procstat	 ps[PROCS_MAX];
	pid_t		 pid[PROCS_MAX];
	const char	*grp[PROCS_MAX];
	size_t		 i, k, n = 0;
	uint64_t	 p, g;

	for (i = 0; i < PROCS_MAX; i++) {
		if ((p = __atomic_load_n(&m->procs[i].pid, __ATOMIC_ACQUIRE)) ==
		    0)
			continue;
		g = __atomic_load_n(&m->procs[i].group, __ATOMIC_ACQUIRE);
		if (procstat_read((pid_t)p, &ps[n]) == -1)
			continue;
		pid[n] = (pid_t)p;
		grp[n] = g < METRIC_GROUPS ? group_label[g] : "master";
		n++;
	}
	for (k = 0; k < sizeof(series) / sizeof(series[0]); k++) {
		head(o, series[k].name, series[k].type, series[k].help);
		for (i = 0; i < n; i++) {
			emit(o, "%s{group=\"%s\",pid=\"%ld\"} ",
			    series[k].name, grp[i], (long)pid[i]);
			switch (k) {
			case 0:
				emit(o, "%.2f\n", ps[i].cpu_seconds);
				break;
			case 1:
				emit(o, "%lu\n", ps[i].resident_bytes);
				break;
			case 2:
				emit(o, "%lu\n", ps[i].virtual_bytes);
				break;
			case 3:
				emit(o, "%lu\n", ps[i].open_fds);
				break;
			case 4:
				emit(o, "%lu\n", ps[i].max_fds);
				break;
			default:
				emit(o, "%.2f\n", ps[i].start_time);
				break;
			}
		}
	}
}

/*
 * Writes the page into buf.  Returns its length, 0 when the counters were
 * never created, or -1 when buf is too small.
 */
long
metrics_render(char *buf, size_t bufsz)
{
	struct out	o = { buf, bufsz, 0, 0 };

	if (m == NULL || bufsz == 0)
		return 0;
	render_requests(&o);
	render_rest(&o);
	render_processes(&o);
	if (o.full)
		return -1;
	return (long)o.len;
}
