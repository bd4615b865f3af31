/* The background job runner (see jobs.h). */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../fcgi/cfg.h"
#include "../fcgi/egress.h"
#include "../fcgi/log.h"
#include "../fcgi/metrics.h"
#include "../db/db.h"
#include "../db/seal.h"
#include "service.h"
#include "events.h"
#include "jobs.h"
#include "piecesync.h"

static volatile sig_atomic_t	jobs_quit;

static void
on_term(int sig)
{
	(void)sig;
	jobs_quit = 1;
}

/* Now, in epoch seconds with the fraction: job_runs.started_at. */
double
job_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The host name job_runs records: APCONN_HOST_NAME, else gethostname(). */
void
job_host(const struct config *cfg, char *host, size_t hostsz)
{
	if (cfg->host_name != NULL && *cfg->host_name != '\0')
		snprintf(host, hostsz, "%s", cfg->host_name);
	else if (gethostname(host, hostsz) == -1)
		snprintf(host, hostsz, "unknown");
	host[hostsz - 1] = '\0';
}

static void
say(const char *line)
{
	if (strncmp(line, "failed", 6) == 0 || strncmp(line, "cannot", 6) == 0)
		log_warnx("piece sync: %s", line);
}

/* After a failed run, jobs_run(if_due) tries again this much later. */
#define RETRY_FAILED_S	300

/*
 * For jobs_run(if_due), under the job's lock: whether job is due, that
 * is whether its last run on any host started at least one interval ago
 * (RETRY_FAILED_S after a failure, when that is shorter), less a tenth
 * of it and at most 30 s, so that a cron line firing every interval is
 * not put off by the few seconds a run takes.  A job never run is due;
 * one whose interval is 0 never is.  summary says why when it is not.
 */
static int
job_due(struct db *db, const char *job, int interval, char *summary,
    size_t summarysz)
{
	double	since, wait, slack;
	int	ok;

	if (interval <= 0) {
		snprintf(summary, summarysz, "turned off (interval 0)");
		return 0;
	}
	switch (db_job_since(db, job, &since, &ok)) {
	case DB_NOTFOUND:
		return 1;
	case DB_OK:
		break;
	default:
		snprintf(summary, summarysz, "cannot read its last run");
		return 0;
	}
	wait = !ok && interval > RETRY_FAILED_S ? RETRY_FAILED_S : interval;
	slack = wait / 10 < 30 ? wait / 10 : 30;
	if (since >= wait - slack)
		return 1;
	snprintf(summary, summarysz, "not due: last run started %.0f s ago%s, "
	    "next after %.0f s", since, ok ? "" : " and failed", wait);
	return 0;
}

static int
run_piece_sync(struct db *db, const struct config *cfg, const char *host,
    int if_due, char *summary, size_t summarysz)
{
	struct sync_opts	o;
	struct sync_result	r;
	char			base[1024];
	size_t			len;
	double			started;
	int			rc;

	if (!db_job_lock(db, JOB_LOCK_PIECE_SYNC)) {
		snprintf(summary, summarysz, "another host is running it");
		log_info("piece sync: %s", summary);
		return JOB_BUSY;
	}
	if (if_due && !job_due(db, "piece_sync", cfg->sync_interval, summary,
	    summarysz)) {
		db_job_unlock(db, JOB_LOCK_PIECE_SYNC);
		return JOB_NOT_DUE;
	}
	memset(&o, 0, sizeof(o));
	snprintf(base, sizeof(base), "%s", cfg->pieces_url);
	len = strlen(base);
	while (len > 0 && base[len - 1] == '/')
		base[--len] = '\0';
	o.base = base;
	o.api_key = cfg->pieces_api_key;
	o.limit = 1000;
	started = job_now();
	rc = piece_sync(db, &o, &r, say);
	snprintf(summary, summarysz, "%lu listed, %lu inserted, %lu "
	    "updated, %lu unchanged, %lu failed, %.2fs%s", r.listed,
	    r.inserted, r.updated, r.unchanged, r.failed, r.elapsed,
	    rc == -1 ? " (the list could not be read)" : "");
	log_info("piece sync: %s", summary);
	metrics_count(metric_sync_pieces, SYNC_INSERTED, r.inserted);
	metrics_count(metric_sync_pieces, SYNC_UPDATED, r.updated);
	metrics_count(metric_sync_pieces, SYNC_UNCHANGED, r.unchanged);
	metrics_count(metric_sync_pieces, SYNC_FAILED, r.failed);
	metrics_job(metric_job_sync, rc == 0, (long long)time(NULL));
	(void)db_job_record(db, "piece_sync", host, started, rc == 0,
	    summary);
	db_job_unlock(db, JOB_LOCK_PIECE_SYNC);
	return rc == 0 ? JOB_OK : JOB_FAILED;
}

/* What one refresh sweep saw, for its summary line and job_runs. */
struct sweep_tally {
	unsigned long	checked, refreshed, failed, unusable, skipped,
			waiting;
	unsigned	warned;		/* example warnings logged */
};

#define SWEEP_EXAMPLES	3		/* failures logged one by one */

static void
sweep_warn(struct sweep_tally *t, const char *id, const char *why)
{
	if (t->warned++ < SWEEP_EXAMPLES)
		log_warnx("refresh sweep: connection %s: %s", id, why);
}

/*
 * One connection of the sweep, refreshed when due exactly as a use would
 * (conn_fresh, row lock included), as its owner.  Whatever it opens
 * belongs to a, which the caller resets.
 */
static void
sweep_one(struct core *c, struct sweep_tally *t, const struct oauth2_due *d)
{
	struct fail	f;
	struct fresh	fr;

	memset(&f, 0, sizeof(f));
	c->owner = d->owner;
	t->checked++;
	if (conn_fresh(c, &f, d->id, &fr) == 0) {
		if (fr.stale) {
			t->failed++;
			sweep_warn(t, d->id, fr.reason);
		} else if (fr.refreshed)
			t->refreshed++;
		return;
	}
	if (f.status == 409)
		t->unusable++;
	else {
		t->failed++;
		sweep_warn(t, d->id, f.msg);
	}
}

/*
 * The refresh sweep: every ACTIVE OAuth2 connection, in id order, a batch
 * at a time.  A connection whose piece is not in the catalogue is skipped
 * (nothing could refresh it), and so is one the sweep backs off from
 * after failed refreshes (refresh_retry_at); the summary counts both.
 */
static int
run_refresh_sweep(struct db *db, const struct config *cfg,
    struct keyring *keys, const char *host, int if_due, char *summary,
    size_t summarysz)
{
	struct arena		 batch, step;
	struct core		 c;
	struct sweep_tally	 t;
	struct oauth2_due	*rows;
	char			*after;
	size_t			 n, i;
	double			 started = job_now();

	if (!db_job_lock(db, JOB_LOCK_REFRESH)) {
		snprintf(summary, summarysz, "another host is running it");
		return JOB_BUSY;
	}
	if (if_due && !job_due(db, "oauth2_refresh", cfg->refresh_interval,
	    summary, summarysz)) {
		db_job_unlock(db, JOB_LOCK_REFRESH);
		return JOB_NOT_DUE;
	}
	memset(&t, 0, sizeof(t));
	arena_init(&batch, 16 << 20);
	arena_init(&step, 8 << 20);
	memset(&c, 0, sizeof(c));
	c.arena = &step;
	c.db = db;
	c.keys = keys;
	c.cfg = cfg;
	c.reqid = "refresh-sweep";
	c.quiet = 1;
	if ((after = strdup("")) == NULL)
		goto out;
	for (;;) {
		arena_reset(&batch);
		if (db_oauth2_batch(db, &batch, after, 200, &rows, &n) !=
		    DB_OK || n == 0)
			break;
		for (i = 0; i < n; i++) {
			if (!rows[i].known)
				t.skipped++;
			else if (rows[i].waiting)
				t.waiting++;
			else
				sweep_one(&c, &t, &rows[i]);
			arena_reset(&step);
		}
		/* The next batch starts after the last id of this one. */
		if (strcmp(rows[n - 1].id, after) == 0) {
			log_warnx("refresh sweep: cannot get past connection "
			    "%.80s; stopped", after);
			break;
		}
		free(after);
		if ((after = strdup(rows[n - 1].id)) == NULL)
			break;
	}
out:
	free(after);
	snprintf(summary, summarysz, "%lu checked, %lu refreshed, %lu "
	    "failed, %lu unusable, %lu skipped (piece not in the catalogue), "
	    "%lu backing off", t.checked, t.refreshed, t.failed, t.unusable,
	    t.skipped, t.waiting);
	log_info("refresh sweep: %s", summary);
	metrics_job(metric_job_refresh, t.failed == 0, (long long)time(NULL));
	(void)db_job_record(db, "oauth2_refresh", host, started, t.failed == 0,
	    summary);
	db_job_unlock(db, JOB_LOCK_REFRESH);
	arena_free(&batch);
	arena_free(&step);
	return t.failed == 0 ? JOB_OK : JOB_FAILED;
}

/*
 * The event job, every second while this runner leads: publishes the
 * connection events recorded since and delivers those due to webhook
 * endpoints (service/events.c).  A run that did something logs one line.
 */
static void
run_events(struct db *db, const struct config *cfg, struct keyring *keys)
{
	struct events_tally	t;

	if (events_run(db, cfg, keys, &t) == -1) {
		log_warnx("events: the database failed; trying again");
		return;
	}
	if (t.delivered + t.retried + t.failed > 0)
		log_info("events: %lu published, %lu delivered, %lu to retry, "
		    "%lu failed", t.published, t.delivered, t.retried,
		    t.failed);
}

/*
 * Runs the job called name now, under its lock, and records it as the
 * job runner would: JOB_OK, JOB_FAILED, JOB_BUSY (another host holds its
 * lock), JOB_NOT_DUE (if_due, and its last run on any host is younger
 * than its interval: see job_due()), or -1 for a name that is no job.
 * summary gets its summary.  keys may be NULL for piece_sync.  With
 * if_due, however many hosts' crons start it, a job runs once an
 * interval: the lock lets one at a time decide, after the last run.
 */
int
jobs_run(const char *name, struct db *db, const struct config *cfg,
    struct keyring *keys, const char *host, int if_due, char *summary,
    size_t summarysz)
{
	summary[0] = '\0';
	if (strcmp(name, "piece_sync") == 0)
		return run_piece_sync(db, cfg, host, if_due, summary,
		    summarysz);
	if (strcmp(name, "oauth2_refresh") == 0 && keys != NULL)
		return run_refresh_sweep(db, cfg, keys, host, if_due, summary,
		    summarysz);
	return -1;
}

/*
 * When a job runs next: one interval after a run that did not fail, or
 * after a failure 5 s, then twice as long after each further one, never
 * longer than the interval.
 */
static time_t
next_run(int outcome, int *fails, int interval)
{
	long	wait;

	if (outcome != JOB_FAILED) {
		*fails = 0;
		return time(NULL) + interval;
	}
	wait = 5L << (*fails < 10 ? *fails : 10);
	(*fails)++;
	return time(NULL) + (wait < interval ? wait : interval);
}

/*
 * When a job is next due, for a runner that has just taken the lead: one
 * interval after its last run on any host, so that a new leader neither
 * repeats a run that just happened nor waits longer than the interval.
 */
static time_t
next_due(struct db *db, const char *job, int interval)
{
	long long	last;
	time_t		now = time(NULL);

	if (db_job_last_at(db, job, &last) != DB_OK || last <= 0 ||
	    last + interval <= (long long)now)
		return now;
	return (time_t)(last + interval);
}

/*
 * Whether this runner leads: it holds JOB_LOCK_LEADER, a session advisory
 * lock, so the lead goes with the database session, when this process,
 * its master or its host dies, and another host's runner takes it within
 * a second.  *session names the session that holds it (0: none); a ping
 * each call notices a session the server ended.
 */
static int
lead(struct db *db, unsigned long *session)
{
	if (*session != 0 && db_ping(db) == DB_OK &&
	    db_session(db) == *session)
		return 1;
	if (*session != 0) {
		log_warnx("jobs: the database session holding the jobs' lock "
		    "was lost");
		metrics_leader(getpid(), 0);
		*session = 0;
	}
	if (db_ensure(db) == -1 || !db_job_lock(db, JOB_LOCK_LEADER))
		return 0;
	*session = db_session(db);
	log_info("jobs: this host runs the background jobs");
	metrics_leader(getpid(), 1);
	return 1;
}

void
jobs_main(const struct config *cfg)
{
	struct sigaction	 sa;
	struct timespec		 ts;
	struct db		*db;
	char			 host[256], err[256];
	sigset_t		 set;
	struct keyring		 keys;
	time_t			 next, nextr;
	unsigned long		 session = 0;
	char			 summary[256];
	int			 out, fails = 0, failsr = 0;

	log_init("apconn-jobs");
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	job_host(cfg, host, sizeof(host));
	if (egress_init(cfg->outbound_allow, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (keyring_parse(&keys, cfg->keys, err, sizeof(err)) == -1)
		fatalx("%s", err);
	db = db_new(cfg->database_url);
	next = nextr = time(NULL);
	while (!jobs_quit) {
		if (session == 0) {
			if (!lead(db, &session))
				goto idle;
			next = next_due(db, "piece_sync", cfg->sync_interval);
			nextr = next_due(db, "oauth2_refresh",
			    cfg->refresh_interval);
		} else if (!lead(db, &session))
			goto idle;
		/* A runner asked to stop starts nothing new. */
		if (!jobs_quit && cfg->sync_interval > 0 &&
		    time(NULL) >= next) {
			out = db_ensure(db) == 0 ? run_piece_sync(db, cfg,
			    host, 0, summary, sizeof(summary)) : JOB_FAILED;
			next = next_run(out, &fails, cfg->sync_interval);
		}
		if (!jobs_quit && cfg->refresh_interval > 0 &&
		    time(NULL) >= nextr) {
			out = db_ensure(db) == 0 ? run_refresh_sweep(db, cfg,
			    &keys, host, 0, summary, sizeof(summary)) :
			    JOB_FAILED;
			nextr = next_run(out, &failsr, cfg->refresh_interval);
		}
		if (!jobs_quit && cfg->event_delivery && db_ensure(db) == 0)
			run_events(db, cfg, &keys);
idle:
		ts.tv_sec = 1;
		ts.tv_nsec = 0;
		nanosleep(&ts, NULL);
	}
	/* The lock goes with the session, closed below. */
	if (session != 0)
		metrics_leader(getpid(), 0);
	egress_cleanup();
	keyring_free(&keys);
	db_free(db);
	exit(0);
}
