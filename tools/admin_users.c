/*
 * apconn-admin user create|list and token create|revoke|list.  Tokens are
 * printed once, on standard output, and never stored.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../db/db.h"
#include "../db/token.h"
#include "../service/service.h"
#include "admin.h"

#define EX_USAGE	64

/* Returns the value of --name=value or --name value at argv[*i], or NULL. */
static const char *
opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t	n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		admin_usage(EX_USAGE, "%s: missing value", name);
	return argv[++*i];
}

static int
db_fail(const char *what, enum db_rc rc)
{
	fprintf(stderr, "apconn-admin: %s: %s\n", what,
	    rc == DB_NOTFOUND ? "not found" : rc == DB_CONFLICT ?
	    "conflict" : rc == DB_UNAVAILABLE ? "database unavailable" :
	    "database error");
	return 1;
}

static int
user_create(int argc, char **argv)
{
	const char	*email = NULL, *name = NULL, *v;
	struct arena	 a;
	struct user_new	 u;
	struct db	*db;
	char		*id;
	enum db_rc	 rc;
	int		 i, if_missing = 0, ret;

	for (i = 2; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--email")) != NULL)
			email = v;
		else if ((v = opt_value(argc, argv, &i, "--name")) != NULL)
			name = v;
		else if (strcmp(argv[i], "--if-missing") == 0)
			if_missing = 1;
		else
			admin_usage(EX_USAGE, "user create: %s: unknown "
			    "option", argv[i]);
	}
	if (email == NULL || strchr(email, '@') == NULL)
		admin_usage(EX_USAGE, "user create: --email ADDRESS is "
		    "required");
	arena_init(&a, 1 << 20);
	db = admin_open_db();
	rc = db_user_create(db, &a, email, name, 0, &u);
	if (rc == DB_CONFLICT && if_missing &&
	    (rc = db_user_resolve(db, &a, email, &id)) == DB_OK)
		u.id = id;
	ret = rc == DB_OK ? (printf("%s\n", u.id), 0) :
	    db_fail(rc == DB_CONFLICT ? "user create: the email is in use" :
	    "user create", rc);
	db_free(db);
	arena_free(&a);
	return ret;
}

static void
print_row(const char *const *cols, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		printf("%s%s", i ? "\t" : "", cols[i]);
	printf("\n");
}

static int
user_list(int argc, char **argv)
{
	struct db	*db;
	enum db_rc	 rc;

	(void)argv;
	if (argc > 2)
		admin_usage(EX_USAGE, "user list takes no options");
	db = admin_open_db();
	printf("id\temail\tname\tanonymous\tcreated\tapi_keys\n");
	rc = db_user_list(db, print_row);
	db_free(db);
	return rc == DB_OK ? 0 : db_fail("user list", rc);
}

int
cmd_user(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return user_create(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return user_list(argc, argv);
	admin_usage(EX_USAGE, "user: expected create or list");
}

static int
token_create(int argc, char **argv)
{
	const char	*user = NULL, *scopes = NULL, *name = "", *v;
	char		 lit[256], *end, *uid, *token;
	unsigned int	 mask;
	long		 days = 0;
	struct arena	 a;
	struct db	*db;
	enum db_rc	 rc;
	int		 i, ret;

	for (i = 2; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--user")) != NULL)
			user = v;
		else if ((v = opt_value(argc, argv, &i, "--scopes")) != NULL)
			scopes = v;
		else if ((v = opt_value(argc, argv, &i, "--name")) != NULL)
			name = v;
		else if ((v = opt_value(argc, argv, &i,
		    "--expires-days")) != NULL) {
			errno = 0;
			days = strtol(v, &end, 10);
			if (*v == '\0' || *end != '\0' || errno != 0 ||
			    days < 1 || days > 36500)
				admin_usage(EX_USAGE, "--expires-days: expected "
				    "a number of days from 1 to 36500");
		} else
			admin_usage(EX_USAGE, "token create: %s: unknown "
			    "option", argv[i]);
	}
	if (user == NULL || scopes == NULL)
		admin_usage(EX_USAGE, "token create: --user and --scopes are "
		    "required");
	if (scope_parse(scopes, &mask) == -1 || mask == 0)
		admin_usage(EX_USAGE, "--scopes: expected a comma-separated "
		    "list of connections:read, connections:write, "
		    "credentials:read, workflows:read, workflows:write, "
		    "executor, admin");
	scope_array_literal(mask, lit, sizeof(lit));
	arena_init(&a, 1 << 20);
	db = admin_open_db();
	if ((rc = db_user_resolve(db, &a, user, &uid)) != DB_OK)
		ret = db_fail("token create: --user", rc);
	else if ((rc = db_apikey_create(db, &a, uid, name, lit, (int)days,
	    &token)) != DB_OK)
		ret = db_fail("token create", rc);
	else
		ret = (printf("%s\n", token), 0);
	db_free(db);
	arena_free(&a);
	return ret;
}

static int
token_revoke(int argc, char **argv)
{
	char		 id[ID_LEN + 1];
	unsigned char	 hash[HASH_LEN];
	enum token_kind	 kind;
	const char	*arg;
	struct db	*db;
	enum db_rc	 rc;

	if (argc != 3)
		admin_usage(EX_USAGE, "token revoke: expected a key id or a "
		    "token");
	arg = argv[2];
	if (token_parse(arg, &kind, id, hash) == 0) {
		if (kind != TOKEN_APIKEY)
			admin_usage(EX_USAGE, "token revoke: that is a "
			    "session token, not an API key");
		arg = id;
	}
	db = admin_open_db();
	rc = db_apikey_revoke(db, arg);
	db_free(db);
	if (rc != DB_OK)
		return db_fail("token revoke", rc == DB_NOTFOUND ?
		    DB_NOTFOUND : rc);
	printf("revoked %s\n", arg);
	return 0;
}

static int
token_list(int argc, char **argv)
{
	const char	*user = NULL, *v;
	char		*uid = NULL;
	struct arena	 a;
	struct db	*db;
	enum db_rc	 rc = DB_OK;
	int		 i;

	for (i = 2; i < argc; i++) {
		if ((v = opt_value(argc, argv, &i, "--user")) != NULL)
			user = v;
		else
			admin_usage(EX_USAGE, "token list: %s: unknown "
			    "option", argv[i]);
	}
	arena_init(&a, 1 << 20);
	db = admin_open_db();
	if (user != NULL)
		rc = db_user_resolve(db, &a, user, &uid);
	if (rc == DB_OK) {
		printf("id\tuser\tname\tscopes\tcreated\tlast_used\tstate\n");
		rc = db_apikey_list(db, uid, print_row);
	}
	db_free(db);
	arena_free(&a);
	return rc == DB_OK ? 0 : db_fail("token list", rc);
}

int
cmd_token(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return token_create(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "revoke") == 0)
		return token_revoke(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return token_list(argc, argv);
	admin_usage(EX_USAGE, "token: expected create, revoke or list");
}
