/*
 * apconn-admin: administration from the command line.  Each subcommand
 * is a row of the table below; exit 64 on a usage error, 1 on failure.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fcgi/cfg.h"
#include "../fcgi/log.h"
#include "../db/db.h"
#include "admin.h"

#define EX_USAGE	64

struct config	 admin_cfg;
static const char *admin_cfg_path;	/* the file read, or NULL */

/* The configuration file that was read, or NULL for the environment only. */
const char *
admin_config_path(void)
{
	return admin_cfg_path;
}

static const struct cmd {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*usage;
} cmds[] = {
	{ "migrate",	cmd_migrate,	"migrate [--dry-run]" },
	{ "user",	cmd_user,
	    "user create --email ADDRESS [--name NAME] [--if-missing]\n"
	    "  user list" },
	{ "token",	cmd_token,
	    "token create --user ID|EMAIL --scopes LIST [--name NAME] "
	    "[--expires-days N]\n"
	    "  token revoke KEY-ID|TOKEN\n"
	    "  token list [--user ID|EMAIL]" },
	{ "rotate-keys", cmd_rotate_keys, "rotate-keys [--batch N]" },
	{ "oauth-app",	cmd_oauth_app,
	    "oauth-app set PIECE --client-id ID  (the secret on standard "
	    "input)\n  oauth-app list\n  oauth-app delete PIECE" },
	{ "import-activepieces", cmd_import_activepieces,
	    "import-activepieces --file=EXPORT.json --owner=ID|EMAIL "
	    "[--dry-run]" },
	{ "check",	cmd_check,	"check [--socket=PATH]" },
	{ "jobs",	cmd_jobs,	"jobs status | run [--if-due] piece_sync|oauth2_refresh" },
	{ "events",	cmd_events,
	    "events list [--after ID] [--limit N] [--state "
	    "pending|delivered|failed]\n"
	    "  events replay ID|--failed [--endpoint EP]\n"
	    "  events endpoints [list]\n"
	    "  events endpoints add URL [--types TYPE,...]  (the secret on "
	    "standard input)\n"
	    "  events endpoints enable|disable|delete ID\n"
	    "  events deliver [--for SECONDS]" },
	{ "import-workflow-builder", cmd_import_workflow_builder,
	    "import-workflow-builder --from=CONNINFO [--dry-run]" },
	{ NULL, NULL, NULL }
};

void
admin_usage(int code, const char *fmt, ...)
{
	const struct cmd	*c;
	va_list			 ap;

	if (fmt != NULL) {
		fprintf(stderr, "apconn-admin: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	fprintf(code == 0 ? stdout : stderr,
	    "usage: apconn-admin [-c file] command [options]\ncommands:\n");
	for (c = cmds; c->name != NULL; c++)
		fprintf(code == 0 ? stdout : stderr, "  %s\n", c->usage);
	exit(code);
}

/* The database of the configuration, or exit 1 with a message. */
struct db *
admin_open_db(void)
{
	struct db	*db = db_new(admin_cfg.database_url);

	if (db_ensure(db) == -1) {
		fprintf(stderr, "apconn-admin: cannot reach the database\n");
		exit(1);
	}
	return db;
}

static void
say(const char *line)
{
	printf("%s\n", line);
}

int
cmd_migrate(int argc, char **argv)
{
	int	dry = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
		else
			admin_usage(EX_USAGE, "migrate: %s: unknown option",
			    argv[i]);
	}
	return db_migrate(admin_cfg.database_url, dry, say) == 0 ? 0 : 1;
}

int
main(int argc, char *argv[])
{
	const struct cmd	*c;
	const char		*path = getenv("APCONN_CONFIG");
	char			 err[512];
	int			 i = 1, j;

	log_init("apconn-admin");
	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			admin_usage(0, NULL);
		if (strcmp(argv[i], "--version") == 0) {
			printf("apconn-admin %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			path = argv[i + 1];
			i += 2;
			continue;
		}
		admin_usage(EX_USAGE, "%s: unknown option", argv[i]);
	}
	if (i == argc)
		admin_usage(EX_USAGE, "a command is required");
	for (c = cmds; c->name != NULL; c++)
		if (strcmp(c->name, argv[i]) == 0)
			break;
	if (c->name == NULL)
		admin_usage(EX_USAGE, "%s: unknown command", argv[i]);
	for (j = i + 1; j < argc; j++) {
		if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0) {
			printf("usage: apconn-admin [-c file] %s\n", c->usage);
			return 0;
		}
		if (strcmp(argv[j], "--version") == 0) {
			printf("apconn-admin %s\n", PACKAGE_VERSION);
			return 0;
		}
	}
	if (path == NULL)
		path = cfg_default_path();
	admin_cfg_path = path;
	if (cfg_load(&admin_cfg, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "apconn-admin: %s\n", err);
		return 1;
	}
	return c->fn(argc - i, argv + i);
}
