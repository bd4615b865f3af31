/*
 * apconn-sync-pieces: the piece sync from the command line, with the
 * original's flags (--name=value form) and environment.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fcgi/cfg.h"
#include "../fcgi/egress.h"
#include "../fcgi/log.h"
#include "../db/db.h"
#include "../service/piecesync.h"

#define EX_USAGE	64

static void __attribute__((noreturn))
usage(int code, const char *what)
{
	if (what != NULL)
		fprintf(stderr, "apconn-sync-pieces: %s\n", what);
	fprintf(code ? stderr : stdout, "usage: apconn-sync-pieces "
	    "[--dry-run] [--limit=N] [--only=a,b] [--base-url=URL] "
	    "[--api-key=KEY]\n");
	exit(code);
}

static void
say(const char *line)
{
	printf("%s\n", line);
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	struct config		 cfg;
	struct sync_opts	 o;
	struct sync_result	 r;
	struct db		*db;
	char			 err[512], *end, *base;
	size_t			 len;
	int			 i, rc;

	log_init("apconn-sync-pieces");
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0)
			usage(0, NULL);
		if (strcmp(argv[i], "--version") == 0) {
			printf("apconn-sync-pieces %s\n", PACKAGE_VERSION);
			return 0;
		}
	}
	if (cfg_load(&cfg, getenv("APCONN_CONFIG") ? getenv("APCONN_CONFIG") :
	    cfg_default_path(), err, sizeof(err)) == -1) {
		fprintf(stderr, "apconn-sync-pieces: %s\n", err);
		return 1;
	}
	memset(&o, 0, sizeof(o));
	o.base = cfg.pieces_url;
	o.api_key = cfg.pieces_api_key;
	o.limit = 1000;
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			o.dry = 1;
		else if (strncmp(argv[i], "--limit=", 8) == 0) {
			errno = 0;
			o.limit = strtol(argv[i] + 8, &end, 10);
			if (argv[i][8] == '\0' || *end != '\0' || errno != 0 ||
			    o.limit < 1)
				usage(EX_USAGE, "--limit: expected a positive "
				    "number");
		} else if (strncmp(argv[i], "--only=", 7) == 0)
			o.only = argv[i] + 7;
		else if (strncmp(argv[i], "--base-url=", 11) == 0)
			o.base = argv[i] + 11;
		else if (strncmp(argv[i], "--api-key=", 10) == 0)
			o.api_key = argv[i] + 10;
		else {
			snprintf(err, sizeof(err), "%s: unknown option",
			    argv[i]);
			usage(EX_USAGE, err);
		}
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
	db = db_new(cfg.database_url);
	if (db_ensure(db) == -1) {
		fprintf(stderr, "apconn-sync-pieces: cannot reach the "
		    "database\n");
		return 1;
	}
	rc = piece_sync(db, &o, &r, say);
	printf("%s: %lu listed, %lu inserted, %lu updated, %lu unchanged, "
	    "%lu failed, %.2fs\n", o.dry ? "dry run" : "done", r.listed,
	    r.inserted, r.updated, r.unchanged, r.failed, r.elapsed);
	egress_cleanup();
	db_free(db);
	free(base);
	cfg_free(&cfg);
	return rc == 0 ? 0 : 1;
}
