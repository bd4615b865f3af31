/*
 * apconn-admin events: connection events and their webhook endpoints.
 *   events list [--after ID] [--limit N] [--state pending|delivered|failed]
 *   events replay ID [--endpoint EP] | events replay --failed [--endpoint EP]
 *   events endpoints [list]
 *   events endpoints add URL [--types TYPE,...]  (the secret on stdin)
 *   events endpoints enable|disable|delete ID
 *   events deliver [--for SECONDS]
 * The job process delivers; these commands look and queue, but for
 * deliver, which does the job process's work where none runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "../fcgi/arena.h"
#include "../fcgi/cfg.h"
#include "../fcgi/egress.h"
#include "../service/events.h"
#include "../db/db.h"
#include "../db/seal.h"
#include "../db/token.h"
#include "admin.h"

#define EX_USAGE	64
#define SECRET_MIN	16		/* bytes of an endpoint's secret */

static const char *const event_types[] = {
	"connection.created", "connection.credentials_updated",
	"connection.oauth2_connected", "connection.refreshed",
	"connection.refresh_failed", "connection.status_changed",
	"connection.deleted", "workflow.reference_missing", NULL
};

/* 1 when s is digits only (1 to 18 of them), else 0. */
static int
digits(const char *s)
{
	size_t	n = strspn(s, "0123456789");

	return n > 0 && n <= 18 && s[n] == '\0';
}

static void
print_event(const char *const *c, int n)
{
	(void)n;
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c[0], c[1], c[2], c[3],
	    c[4], c[5], c[6], c[7]);
}

static int
events_list(int argc, char **argv)
{
	struct db	*db;
	const char	*after = "0", *limit = "100", *state = NULL;
	enum db_rc	 rc;
	int		 k;

	for (k = 2; k < argc; k++) {
		if (strcmp(argv[k], "--after") == 0 && k + 1 < argc &&
		    digits(argv[k + 1]))
			after = argv[++k];
		else if (strcmp(argv[k], "--limit") == 0 && k + 1 < argc &&
		    digits(argv[k + 1]) && strlen(argv[k + 1]) <= 5)
			limit = argv[++k];
		else if (strcmp(argv[k], "--state") == 0 && k + 1 < argc &&
		    (strcmp(argv[k + 1], "pending") == 0 ||
		    strcmp(argv[k + 1], "delivered") == 0 ||
		    strcmp(argv[k + 1], "failed") == 0))
			state = argv[++k];
		else
			admin_usage(EX_USAGE, "events list: %s: unknown or "
			    "malformed option", argv[k]);
	}
	db = admin_open_db();
	printf("id\tseq\tat\ttype\tconnection\texternal_id\towner\t"
	    "deliveries\n");
	rc = db_events_admin_list(db, after, limit, state, print_event);
	db_free(db);
	if (rc != DB_OK)
		fprintf(stderr, "apconn-admin: events list: database error\n");
	return rc == DB_OK ? 0 : 1;
}

static int
events_replay(int argc, char **argv)
{
	struct db	*db;
	const char	*id = NULL, *endpoint = NULL;
	long		 n;
	enum db_rc	 rc;
	int		 k, failed = 0;

	for (k = 2; k < argc; k++) {
		if (strcmp(argv[k], "--failed") == 0)
			failed = 1;
		else if (strcmp(argv[k], "--endpoint") == 0 && k + 1 < argc)
			endpoint = argv[++k];
		else if (id == NULL && digits(argv[k]))
			id = argv[k];
		else
			admin_usage(EX_USAGE, "events replay: %s: unknown "
			    "option", argv[k]);
	}
	if ((id == NULL) == !failed)
		admin_usage(EX_USAGE, "events replay: give an event id or "
		    "--failed");
	db = admin_open_db();
	rc = db_events_replay(db, id, endpoint, &n);
	db_free(db);
	if (rc != DB_OK) {
		fprintf(stderr, "apconn-admin: events replay: database "
		    "error\n");
		return 1;
	}
	printf("%ld deliver%s queued\n", n, n == 1 ? "y" : "ies");
	if (id != NULL && n == 0) {
		fprintf(stderr, "apconn-admin: events replay: no published "
		    "event %s, or no endpoint takes it\n", id);
		return 1;
	}
	return 0;
}

static void
print_endpoint(const char *const *c, int n)
{
	(void)n;
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c[0], c[1], c[2], c[3], c[4],
	    c[5], c[6]);
}

/*
 * The text array literal of the comma-separated event types in list, in
 * buf; -1 (with a message) when one is unknown.
 */
static int
types_literal(const char *list, char *buf, size_t bufsz)
{
	char		 copy[1024], *t, *save = NULL;
	size_t		 off = 0;
	int		 i, known;

	if (strlen(list) >= sizeof(copy))
		return -1;
	snprintf(copy, sizeof(copy), "%s", list);
	off = (size_t)snprintf(buf, bufsz, "{");
	for (t = strtok_r(copy, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		for (known = 0, i = 0; event_types[i] != NULL; i++)
			if (strcmp(event_types[i], t) == 0)
				known = 1;
		if (!known) {
			fprintf(stderr, "apconn-admin: events endpoints add: "
			    "%s: no such event type\n", t);
			return -1;
		}
		off += (size_t)snprintf(buf + off, bufsz - off, "%s%s",
		    off > 1 ? "," : "", t);
		if (off >= bufsz)
			return -1;
	}
	if (off == 1)
		return -1;
	return snprintf(buf + off, bufsz - off, "}") < (int)(bufsz - off) ?
	    0 : -1;
}

static int
endpoint_add(int argc, char **argv)
{
	struct keyring		 kr;
	struct arena		 a;
	struct sealed_ref	 s;
	struct db		*db;
	char			 id[ID_LEN + 1], aad[64], secret[1024];
	char			 types[1024];
	const char		*url = NULL, *tlist = NULL;
	size_t			 len;
	int			 k, ret = 1;

	for (k = 3; k < argc; k++) {
		if (strcmp(argv[k], "--types") == 0 && k + 1 < argc)
			tlist = argv[++k];
		else if (url == NULL && argv[k][0] != '-')
			url = argv[k];
		else
			admin_usage(EX_USAGE, "events endpoints add: %s: "
			    "unknown option", argv[k]);
	}
	if (url == NULL)
		admin_usage(EX_USAGE, "events endpoints add: a URL is "
		    "required");
	if ((strncmp(url, "https://", 8) != 0 &&
	    strncmp(url, "http://", 7) != 0) || strlen(url) > 2048) {
		fprintf(stderr, "apconn-admin: events endpoints add: the URL "
		    "must be http(s):// (http only for hosts of "
		    "APCONN_OUTBOUND_ALLOW)\n");
		return 1;
	}
	if (tlist != NULL && types_literal(tlist, types, sizeof(types)) == -1)
		return 1;
	if (fgets(secret, sizeof(secret), stdin) == NULL) {
		fprintf(stderr, "apconn-admin: events endpoints add: give the "
		    "signing secret on standard input\n");
		return 1;
	}
	len = strcspn(secret, "\r\n");
	secret[len] = '\0';
	if (len < SECRET_MIN) {
		fprintf(stderr, "apconn-admin: events endpoints add: the "
		    "secret must have at least %d characters\n", SECRET_MIN);
		OPENSSL_cleanse(secret, sizeof(secret));
		return 1;
	}
	if (id_new(id) == -1) {
		OPENSSL_cleanse(secret, sizeof(secret));
		return 1;
	}
	admin_load_keys(&kr);
	db = admin_open_db();
	arena_init(&a, 1 << 20);
	snprintf(aad, sizeof(aad), "webhook_endpoint:%s", id);
	if (admin_seal(&kr, &a, aad, (unsigned char *)secret, len, &s) == -1)
		fprintf(stderr, "apconn-admin: events endpoints add: cannot "
		    "seal\n");
	else if (db_endpoint_insert(db, id, url, tlist ? types : NULL, &s) !=
	    DB_OK)
		fprintf(stderr, "apconn-admin: events endpoints add: database "
		    "error\n");
	else {
		printf("%s\n", id);
		ret = 0;
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	arena_free(&a);
	db_free(db);
	keyring_free(&kr);
	return ret;
}

static int
events_endpoints(int argc, char **argv)
{
	struct db	*db;
	const char	*what = NULL;
	enum db_rc	 rc;

	if (argc == 2 || (argc == 3 && strcmp(argv[2], "list") == 0)) {
		db = admin_open_db();
		printf("id\turl\ttypes\tstate\tpending\tdelivered\tfailed\n");
		rc = db_endpoint_list(db, print_endpoint);
		db_free(db);
		return rc == DB_OK ? 0 : 1;
	}
	if (strcmp(argv[2], "add") == 0)
		return endpoint_add(argc, argv);
	if (strcmp(argv[2], "enable") == 0)
		what = "enabled";
	else if (strcmp(argv[2], "disable") == 0)
		what = "disabled";
	else if (strcmp(argv[2], "delete") == 0)
		what = "deleted";
	if (what == NULL || argc != 4)
		admin_usage(EX_USAGE, "events endpoints: expected list, add "
		    "URL, enable ID, disable ID or delete ID");
	db = admin_open_db();
	rc = db_endpoint_set(db, argv[3], what);
	db_free(db);
	if (rc != DB_OK) {
		fprintf(stderr, "apconn-admin: events endpoints: %s\n",
		    rc == DB_NOTFOUND ? "no such endpoint" : "database error");
		return 1;
	}
	printf("%s %s\n", argv[3], what);
	return 0;
}

/*
 * events deliver [--for SECONDS]: publishes the events recorded since the
 * last pass and delivers those due, as the job process does each second:
 * one pass, or (--for) a pass a second for that long.  This is how events
 * reach pollers and webhooks where no master runs the job process (a
 * cron line a minute under shared hosting, --for 55).  Safe beside a job
 * process or another deliver: publication takes its lock, deliveries are
 * taken FOR UPDATE SKIP LOCKED.  Exit 1 when the database failed.
 */
static int
events_deliver(int argc, char **argv)
{
	struct keyring		 kr;
	struct events_tally	 t, sum;
	struct db		*db;
	char			 err[256];
	long			 secs = 0;
	time_t			 end;
	int			 k, ret = 0;

	for (k = 2; k < argc; k++) {
		if (strcmp(argv[k], "--for") == 0 && k + 1 < argc &&
		    digits(argv[k + 1]) && atol(argv[k + 1]) <= 3600)
			secs = atol(argv[++k]);
		else
			admin_usage(EX_USAGE, "events deliver: %s: unknown "
			    "option or bad value (--for SECONDS, at most 3600)",
			    argv[k]);
	}
	admin_load_keys(&kr);
	if (egress_init(admin_cfg.outbound_allow, err, sizeof(err)) == -1) {
		fprintf(stderr, "apconn-admin: %s\n", err);
		keyring_free(&kr);
		return 1;
	}
	db = admin_open_db();
	memset(&sum, 0, sizeof(sum));
	end = time(NULL) + secs;
	for (;;) {
		if (events_run(db, &admin_cfg, &kr, &t) == -1) {
			fprintf(stderr, "apconn-admin: events deliver: the "
			    "database failed\n");
			ret = 1;
			break;
		}
		sum.published += t.published;
		sum.delivered += t.delivered;
		sum.retried += t.retried;
		sum.failed += t.failed;
		if (time(NULL) >= end)
			break;
		sleep(1);
	}
	printf("events: %lu published, %lu delivered, %lu to retry, "
	    "%lu failed\n", sum.published, sum.delivered, sum.retried,
	    sum.failed);
	egress_cleanup();
	db_free(db);
	keyring_free(&kr);
	return ret;
}

int
cmd_events(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return events_list(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "replay") == 0)
		return events_replay(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "endpoints") == 0)
		return events_endpoints(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "deliver") == 0)
		return events_deliver(argc, argv);
	admin_usage(EX_USAGE, "events: expected list, replay, endpoints or "
	    "deliver");
}
