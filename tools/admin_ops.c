/*
 * apconn-admin check and jobs status: what an operator runs to see that a
 * deployment is sound and that its background jobs run.  Neither prints
 * a secret.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../db/db.h"
#include "../db/seal.h"
#include "../fcgi/egress.h"
#include "../service/jobs.h"
#include "admin.h"

#define EX_USAGE	64

static int	failures;

static void
line(int ok, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
line(int ok, const char *what, const char *fmt, ...)
{
	va_list	ap;

	printf("%-4s %-14s ", ok ? "ok" : "FAIL", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failures++;
}

static char	last_say[512];

static void
keep_last(const char *msg)
{
	snprintf(last_say, sizeof(last_say), "%s", msg);
}

/* 1 when url is absolute http(s) with a host and no query or fragment. */
static int
url_sane(const char *url, const char **why)
{
	const char	*host;
	size_t		 n;

	*why = "not set";
	if (url == NULL || *url == '\0')
		return 0;
	*why = "must start with https:// (http:// only for localhost)";
	if (strncasecmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0) {
		host = url + 7;
		n = strcspn(host, ":/");
		if (!(n == 9 && strncasecmp(host, "localhost", 9) == 0) &&
		    !(n == 9 && strncmp(host, "127.0.0.1", 9) == 0) &&
		    strncmp(host, "[::1]", 5) != 0)
			return 0;
	} else
		return 0;
	*why = "has no host";
	if (*host == '\0' || *host == '/' || *host == ':')
		return 0;
	*why = "must not carry credentials, a query or a fragment";
	if (strpbrk(url, "?#@ ") != NULL)
		return 0;
	return 1;
}

/* The FastCGI socket: listening, or its directory ready for one. */
static void
check_socket(const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	char			 dir[sizeof(sun.sun_path)], *slash;
	int			 fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		line(0, "socket", "%s: path too long", path);
		return;
	}
	if (stat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			line(0, "socket", "%s: not a socket", path);
			return;
		}
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		memcpy(sun.sun_path, path, strlen(path));
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
			line(0, "socket", "%s: nothing listens (%s)", path,
			    strerror(errno));
		else
			line(1, "socket", "%s: listening, mode %04o", path,
			    (unsigned int)(st.st_mode & 07777));
		if (fd != -1)
			close(fd);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (access(dir, W_OK | X_OK) == 0)
		line(1, "socket", "%s: absent; %s is writable", path, dir);
	else
		line(0, "socket", "%s: absent, and %s is not writable (%s)",
		    path, dir, strerror(errno));
}

/*
 * check [--socket=PATH]: the configuration, key ring, database,
 * migrations, public URL and, when given, the FastCGI socket.  Exit 1
 * when any check fails.
 */
struct opened {
	struct keyring	*kr;
	unsigned long	 ok, failed;
	char		 first[120];	/* the first that does not open */
};

static void
open_one(const char *table, const struct sealed_row *row, void *arg)
{
	struct opened	*o = arg;
	unsigned char	*pt;
	size_t		 len;

	(void)table;
	if (unseal(o->kr, row->aad, row->kid, row->iv, row->ct, row->tag,
	    &pt, &len) == -1) {
		if (o->failed++ == 0)
			snprintf(o->first, sizeof(o->first), "%.80s (key %s)",
			    row->id, row->kid ? row->kid : "none");
		return;
	}
	plain_free(pt, len);
	o->ok++;
}

/* Opens every sealed value under kr: one line per table. */
static void
check_sealed(struct keyring *kr)
{
	struct opened	 o;
	struct arena	 a;
	struct db	*db = db_new(admin_cfg.database_url);
	size_t		 t;
	int		 rc;

	arena_init(&a, 64 << 20);
	for (t = 0; sealed_tables[t] != NULL; t++) {
		memset(&o, 0, sizeof(o));
		o.kr = kr;
		rc = sealed_walk(db, &a, sealed_tables[t], NULL, 500, open_one,
		    &o);
		if (rc == -1)
			line(0, sealed_tables[t], "could not be read to the "
			    "end");
		else if (o.failed > 0)
			line(0, sealed_tables[t], "%lu sealed value%s open, %lu "
			    "do%s not under the key ring (first: %s)", o.ok,
			    o.ok == 1 ? "" : "s", o.failed,
			    o.failed == 1 ? "es" : "", o.first);
		else
			line(1, sealed_tables[t], "%lu sealed value%s open",
			    o.ok, o.ok == 1 ? "" : "s");
	}
	arena_free(&a);
	db_free(db);
}

/* Every statement of this build prepares against the database's schema. */
static void
check_statements(void)
{
	struct db	*db;
	int		 failed, total;

	db = admin_open_db();
	failed = db_prepare_all(db, &total);
	if (failed == 0)
		line(1, "statements", "all %d prepare", total);
	else if (failed > 0)
		line(0, "statements", "%d of %d do not prepare (logged above)",
		    failed, total);
	else
		line(0, "statements", "not checked: the connection failed");
	db_free(db);
}

int
cmd_check(int argc, char **argv)
{
	struct keyring	 kr;
	const char	*socket_path = NULL, *why, *path;
	char		 err[256];
	int		 i, pending, kr_ok = 0;

	for (i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--socket=", 9) == 0 && argv[i][9] != '\0')
			socket_path = argv[i] + 9;
		else
			admin_usage(EX_USAGE, "check: %s: unknown option",
			    argv[i]);
	}
	path = admin_config_path();
	line(1, "config", "%s", path ? path : "environment only (no file)");

	memset(&kr, 0, sizeof(kr));
	if (admin_cfg.keys == NULL || *admin_cfg.keys == '\0')
		line(0, "key ring", "APCONN_KEYS is not set");
	else if (keyring_parse(&kr, admin_cfg.keys, err, sizeof(err)) == -1)
		line(0, "key ring", "%s", err);
	else {
		kr_ok = 1;
		line(1, "key ring", "%zu key%s, active %s", kr.n,
		    kr.n == 1 ? "" : "s", keyring_active_kid(&kr));
	}

	/* A dry run of the migrations: it connects and reads what is due. */
	pending = db_migrate(admin_cfg.database_url, 1, keep_last);
	if (pending < 0) {
		line(0, "database", "%s", last_say);
		line(0, "migrations", "not checked: no database");
	} else {
		line(1, "database", "reachable");
		if (pending > 0)
			line(0, "migrations", "%d pending: run apconn-admin "
			    "migrate", pending);
		else
			line(1, "migrations", "current");
	}

	if (pending == 0)
		check_statements();
	if (pending == 0 && kr_ok)
		check_sealed(&kr);
	keyring_free(&kr);

	if (url_sane(admin_cfg.public_url, &why))
		line(1, "public URL", "%s", admin_cfg.public_url);
	else
		line(0, "public URL", "APCONN_PUBLIC_URL %s", why);
	if (admin_cfg.app_url != NULL && *admin_cfg.app_url != '\0') {
		if (url_sane(admin_cfg.app_url, &why))
			line(1, "app URL", "%s", admin_cfg.app_url);
		else
			line(0, "app URL", "APCONN_APP_URL %s", why);
	}
	if (socket_path != NULL)
		check_socket(socket_path);
	return failures == 0 ? 0 : 1;
}

static void
print_job(json_object *jobs, const char *name, int interval)
{
	json_object	*j;
	const char	*at, *summary, *host;
	struct tm	 tm;
	time_t		 next;
	char		 when[32];
	int		 ok;

	if (!json_object_object_get_ex(jobs, name, &j)) {
		printf("%-16s never run; %s\n", name, interval > 0 ?
		    "runs when the job runner starts" : "disabled (interval 0)");
		return;
	}
	at = json_object_get_string(json_object_object_get(j, "finishedAt"));
	summary = json_object_get_string(json_object_object_get(j, "summary"));
	host = json_object_get_string(json_object_object_get(j, "host"));
	ok = json_object_get_boolean(json_object_object_get(j, "ok"));
	printf("%-16s last %s on %s: %s (%s); ", name, at ? at : "?",
	    host ? host : "?", ok ? "ok" : "FAILED", summary ? summary : "");
	memset(&tm, 0, sizeof(tm));
	if (interval <= 0)
		printf("next: disabled (interval 0)\n");
	else if (at != NULL && strptime(at, "%Y-%m-%dT%H:%M:%S", &tm) != NULL &&
	    (next = timegm(&tm) + interval) > 0 &&
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
	    gmtime_r(&next, &tm)) > 0)
		printf("next about %s\n", when);
	else
		printf("next: unknown\n");
}

/*
 * jobs run [--if-due] NAME: runs the job now, under its lock, recorded as
 * the job runner records it (this host's name).  With --if-due (a cron
 * line, where no master runs the jobs) only when its interval has passed
 * since its last run on any host.  Exit 0 when it succeeded (with
 * --if-due also when it was not due or another host was running it), 1
 * when it failed or, without --if-due, another host was running it.
 */
static int
jobs_run_now(const char *name, int if_due)
{
	struct keyring	 kr;
	struct db	*db;
	char		 host[256], err[256], summary[256];
	int		 out;

	if (strcmp(name, "piece_sync") != 0 &&
	    strcmp(name, "oauth2_refresh") != 0)
		admin_usage(EX_USAGE, "jobs run: %s: expected piece_sync or "
		    "oauth2_refresh", name);
	admin_load_keys(&kr);
	if (egress_init(admin_cfg.outbound_allow, err, sizeof(err)) == -1) {
		fprintf(stderr, "apconn-admin: %s\n", err);
		return 1;
	}
	job_host(&admin_cfg, host, sizeof(host));
	db = admin_open_db();
	out = jobs_run(name, db, &admin_cfg, &kr, host, if_due, summary,
	    sizeof(summary));
	printf("%s: %s: %s\n", name, out == JOB_OK ? "ok" : out == JOB_BUSY ||
	    out == JOB_NOT_DUE ? "not run" : "FAILED", summary);
	egress_cleanup();
	db_free(db);
	keyring_free(&kr);
	return out == JOB_OK || out == JOB_NOT_DUE ||
	    (if_due && out == JOB_BUSY) ? 0 : 1;
}

int
cmd_jobs(int argc, char **argv)
{
	struct arena	 a;
	struct db	*db;
	json_object	*jobs;
	char		*json;

	if (argc == 3 && strcmp(argv[1], "run") == 0)
		return jobs_run_now(argv[2], 0);
	if (argc == 4 && strcmp(argv[1], "run") == 0 &&
	    strcmp(argv[2], "--if-due") == 0)
		return jobs_run_now(argv[3], 1);
	if (argc != 2 || strcmp(argv[1], "status") != 0)
		admin_usage(EX_USAGE, "jobs: %s: expected status or run "
		    "[--if-due] NAME",
		    argc > 1 ? argv[1] : "nothing");
	db = admin_open_db();
	arena_init(&a, 1024 * 1024);
	if (db_job_last(db, &a, &json) != DB_OK ||
	    (jobs = json_tokener_parse(json)) == NULL) {
		fprintf(stderr, "apconn-admin: cannot read the job runs\n");
		return 1;
	}
	print_job(jobs, "piece_sync", admin_cfg.sync_interval);
	print_job(jobs, "oauth2_refresh", admin_cfg.refresh_interval);
	json_object_put(jobs);
	arena_free(&a);
	db_free(db);
	return 0;
}
