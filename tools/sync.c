/*
 * apconn-sync-pieces: the piece sync from the command line, with the
 * original's flags (--name=value, and --name value as getopt_long reads
 * it) and environment; --from takes the pieces from a snapshot instead
 * (the one installed in the package data directory, on a machine that
 * cannot reach the pieces API).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../fcgi/cfg.h"
#include "../fcgi/egress.h"
#include "../fcgi/log.h"
#include "../db/db.h"
#include "../service/jobs.h"
#include "../service/piecesync.h"

#define EX_USAGE	64

static const char usage_text[] =
"usage: apconn-sync-pieces [-c file] [-n] [-l N] [-o a,b] [-b URL] [-k KEY]\n"
"       apconn-sync-pieces [-c file] [-n] [-l N] [-o a,b] -f PATH\n"
"  -c, --config FILE    the configuration file (else APCONN_CONFIG, else\n"
"                       the installed one)\n"
"  -n, --dry-run        fetch and compare, store nothing\n"
"  -l, --limit N        read at most N pieces of the list (1000)\n"
"  -o, --only a,b       only these pieces, by short or full name\n"
"  -b, --base-url URL   the pieces API, version included\n"
"  -k, --api-key KEY    sent in the api-key header\n"
"  -f, --from PATH      the pieces of a snapshot, not the API: a JSON array\n"
"                       of per-piece answers, or a directory of .json\n"
"                       files; the shipped snapshot is\n"
"                       " APCONN_SNAPSHOT "\n"
"  -h, --help           this text\n"
"      --version        the version\n";

static const struct option longopts[] = {
	{ "config",	required_argument,	NULL, 'c' },
	{ "dry-run",	no_argument,		NULL, 'n' },
	{ "limit",	required_argument,	NULL, 'l' },
	{ "only",	required_argument,	NULL, 'o' },
	{ "base-url",	required_argument,	NULL, 'b' },
	{ "api-key",	required_argument,	NULL, 'k' },
	{ "from",	required_argument,	NULL, 'f' },
	{ "help",	no_argument,		NULL, 'h' },
	{ "version",	no_argument,		NULL, 'V' },
	{ NULL,		0,			NULL, 0 }
};

/* A usage error: one line saying what, one pointing at --help; exit 64. */
static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "apconn-sync-pieces: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee apconn-sync-pieces --help\n");
	exit(EX_USAGE);
}

/* 1 when s is an http(s) URL with a host. */
static int
url_like(const char *s)
{
	const char	*h;

	if (strncmp(s, "https://", 8) == 0)
		h = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		h = s + 7;
	else
		return 0;
	return *h != '\0' && *h != '/' && strpbrk(s, " \t\r\n") == NULL;
}

/* Progress and failures, one line each; a terminal gets a counter. */
static int	tty;

static void
say(const char *line)
{
	if (tty)
		fprintf(stderr, "\r\033[K");
	printf("%s\n", line);
	fflush(stdout);
}

static void
progress(unsigned long done, unsigned long total, double elapsed)
{
	double	left;

	if (!tty || total == 0)
		return;
	left = done > 0 ? elapsed / (double)done * (double)(total - done) : 0;
	fprintf(stderr, "\r\033[K%lu of %lu pieces, %.0f s left", done, total,
	    left);
}

int
main(int argc, char *argv[])
{
	struct config		 cfg;
	struct sync_opts	 o;
	struct sync_result	 r;
	struct db		*db;
	const char		*cfg_path = NULL, *base_arg = NULL;
	const char		*key_arg = NULL, *from = NULL;
	char			 err[512], *end, *base = NULL, summary[320];
	char			 host[256];
	double			 started;
	size_t			 len;
	long			 limit = 1000;
	int			 ch, rc, dry = 0;
	const char		*only = NULL;

	log_init("apconn-sync-pieces");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:nl:o:b:k:f:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'n':
			dry = 1;
			break;
		case 'l':
			errno = 0;
			limit = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end != '\0' ||
			    errno != 0 || limit < 1)
				usage_error("--limit: expected a positive "
				    "number, not \"%.40s\"", optarg);
			break;
		case 'o':
			only = optarg;
			break;
		case 'b':
			base_arg = optarg;
			break;
		case 'k':
			key_arg = optarg;
			break;
		case 'f':
			if (*optarg == '\0')
				usage_error("--from: needs a file or "
				    "directory");
			from = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("apconn-sync-pieces %s\n", PACKAGE_VERSION);
			return 0;
		case ':':
			usage_error("%s: needs a value", argv[optind - 1]);
		default:
			usage_error("%s: unknown option", argv[optind - 1]);
		}
	}
	if (optind != argc)
		usage_error("%s: unexpected argument", argv[optind]);
	if (from != NULL && (base_arg != NULL || key_arg != NULL))
		usage_error("--from reads no API: leave out %s",
		    base_arg != NULL ? "--base-url" : "--api-key");
	if (cfg_path == NULL)
		cfg_path = getenv("APCONN_CONFIG") ? getenv("APCONN_CONFIG") :
		    cfg_default_path();
	if (cfg_load(&cfg, cfg_path, err, sizeof(err)) == -1) {
		fprintf(stderr, "apconn-sync-pieces: %s\n", err);
		return 1;
	}
	memset(&o, 0, sizeof(o));
	o.base = base_arg != NULL ? base_arg : cfg.pieces_url;
	o.api_key = key_arg != NULL ? key_arg : cfg.pieces_api_key;
	o.from = from;
	o.limit = limit;
	o.only = only;
	o.dry = dry;
	o.progress = progress;
	tty = isatty(STDERR_FILENO);
	if (from == NULL) {
		if (!url_like(o.base)) {
			if (base_arg != NULL)
				usage_error("--base-url: not a URL: "
				    "\"%.80s\"", base_arg);
			fprintf(stderr, "apconn-sync-pieces: APCONN_PIECES_URL "
			    "is not a URL: \"%.80s\"\n", o.base);
			return 1;
		}
		if ((base = strdup(o.base)) == NULL)
			return 1;
		len = strlen(base);
		while (len > 0 && base[len - 1] == '/')
			base[--len] = '\0';
		o.base = base;
		if (egress_init(cfg.outbound_allow, err, sizeof(err)) == -1) {
			fprintf(stderr, "apconn-sync-pieces: %s\n", err);
			return 1;
		}
	}
	db = db_new(cfg.database_url);
	if (db_ensure(db) == -1) {
		fprintf(stderr, "apconn-sync-pieces: cannot reach the "
		    "database\n");
		return 1;
	}
	/* The job's lock, and its record: a manual sync is a run like any. */
	if (!db_job_lock(db, JOB_LOCK_PIECE_SYNC)) {
		fprintf(stderr, "apconn-sync-pieces: another host is syncing "
		    "now; try again later\n");
		return 1;
	}
	started = job_now();
	rc = piece_sync(db, &o, &r, say);
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (r.missing[0] != '\0') {
		printf("--only: no piece of the list is called %s\n",
		    r.missing);
		rc = rc == 0 ? 1 : rc;
	}
	printf("%s: %lu listed, %lu inserted, %lu updated, %lu unchanged, "
	    "%lu failed, %.2fs\n", o.dry ? "dry run" : "done", r.listed,
	    r.inserted, r.updated, r.unchanged, r.failed, r.elapsed);
	if (!o.dry) {
		snprintf(summary, sizeof(summary), "%lu listed, %lu inserted, "
		    "%lu updated, %lu unchanged, %lu failed, %.2fs%s "
		    "(apconn-sync-pieces%s%.150s)", r.listed, r.inserted,
		    r.updated, r.unchanged, r.failed, r.elapsed, rc != -1 ? "" :
		    from != NULL ? " (the snapshot could not be read)" :
		    " (the list could not be read)", from != NULL ?
		    " --from=" : "", from != NULL ? from : "");
		job_host(&cfg, host, sizeof(host));
		(void)db_job_record(db, "piece_sync", host, started,
		    rc == 0 && r.missing[0] == '\0', summary);
	}
	db_job_unlock(db, JOB_LOCK_PIECE_SYNC);
	egress_cleanup();
	db_free(db);
	free(base);
	cfg_free(&cfg);
	return rc == 0 ? 0 : 1;
}
