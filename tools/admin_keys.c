/*
 * apconn-admin rotate-keys and import-activepieces: the commands that
 * seal values outside a request.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "../fcgi/http.h"
#include "../db/db.h"
#include "../db/seal.h"
#include "../db/token.h"
#include "../service/service.h"
#include "admin.h"

#define EX_USAGE	64

void
admin_load_keys(struct keyring *kr)
{
	char	err[256];

	if (keyring_parse(kr, admin_cfg.keys, err, sizeof(err)) == -1) {
		fprintf(stderr, "apconn-admin: %s\n", err);
		exit(1);
	}
}

/* Seals pt for id; out's fields are arena copies.  Returns 0 or -1. */
int
admin_seal(struct keyring *kr, struct arena *a, const char *id,
    const unsigned char *pt, size_t len, struct sealed_ref *out)
{
	struct sealed	s;

	if (seal(kr, id, pt, len, &s) == -1)
		return -1;
	out->kid = arena_strdup(a, s.kid);
	out->iv = arena_strdup(a, s.iv);
	out->ct = arena_strdup(a, s.ct);
	out->tag = arena_strdup(a, s.tag);
	sealed_free(&s);
	return out->kid && out->iv && out->ct && out->tag ? 0 : -1;
}

/*
 * Calls fn(table, row, arg) for every sealed value of table not sealed
 * under kid (NULL: every value), batch at a time in key order; the row
 * and what fn allocates in a live until the next batch.  The place is
 * kept in a copy of the last key, whatever its length, and a batch that
 * does not get past it stops the walk (it would read the same rows
 * forever).  Returns 0, or -1 with a message on standard error.
 */
int
sealed_walk(struct db *db, struct arena *a, const char *table,
    const char *kid, long batch, void (*fn)(const char *,
    const struct sealed_row *, void *), void *arg)
{
	struct sealed_row	*rows;
	size_t			 n, i;
	char			*after, *next;
	int			 rc = 0;

	if ((after = strdup("")) == NULL)
		return -1;
	for (;;) {
		arena_reset(a);
		if (db_rotate_batch(db, a, table, kid, after, (int)batch,
		    &rows, &n) != DB_OK) {
			fprintf(stderr, "apconn-admin: %s: database error\n",
			    table);
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		if (strcmp(rows[n - 1].id, after) == 0) {
			fprintf(stderr, "apconn-admin: %s: the walk does not "
			    "get past key %.80s; stopped\n", table, after);
			rc = -1;
			break;
		}
		if ((next = strdup(rows[n - 1].id)) == NULL) {
			rc = -1;
			break;
		}
		for (i = 0; i < n; i++)
			fn(table, &rows[i], arg);
		free(after);
		after = next;
	}
	free(after);
	arena_reset(a);
	return rc;
}

struct rotation {
	struct keyring	*kr;
	struct arena	*a;
	struct db	*db;
	unsigned long	 done, changed, failed;
};

static void
rotate_one(const char *table, const struct sealed_row *row, void *arg)
{
	struct rotation		*rt = arg;
	struct sealed_ref	 s;
	unsigned char		*pt;
	size_t			 len;
	enum db_rc		 rc;
	int			 k;

	if (unseal(rt->kr, row->aad, row->kid, row->iv, row->ct, row->tag,
	    &pt, &len) == -1) {
		printf("failed %s %s: the value does not open with key %s\n",
		    table, row->id, row->kid ? row->kid : "(none)");
		rt->failed++;
		return;
	}
	k = admin_seal(rt->kr, rt->a, row->aad, pt, len, &s);
	plain_free(pt, len);
	if (k == -1) {
		printf("failed %s %s: cannot seal\n", table, row->id);
		rt->failed++;
		return;
	}
	rc = db_rotate_update(rt->db, table, row->id, row->ct, &s);
	if (rc == DB_OK)
		rt->done++;
	else if (rc == DB_NOTFOUND)
		rt->changed++;
	else {
		printf("failed %s %s: database error\n", table, row->id);
		rt->failed++;
	}
}

/*
 * apconn-admin rotate-keys [--batch N]: re-seals every sealed value (the
 * connections' values, the OAuth apps' client secrets, the server-held
 * flows in progress) that is not sealed under the active key.  A value
 * written meanwhile is left alone (it was sealed by its writer, under the
 * active key).  A value that does not open is reported and skipped.
 * Exit 1 when any value failed or a walk stopped.
 */
int
cmd_rotate_keys(int argc, char **argv)
{
	struct keyring		 kr;
	struct arena		 a;
	struct rotation		 rt;
	long			 batch = 100;
	char			*end;
	int			 k, stopped = 0;
	size_t			 t;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "--batch") == 0 && k + 1 < argc) {
			errno = 0;
			batch = strtol(argv[++k], &end, 10);
			if (*end != '\0' || errno != 0 || batch < 1 ||
			    batch > 10000)
				admin_usage(EX_USAGE, "--batch: expected a "
				    "number from 1 to 10000");
		} else
			admin_usage(EX_USAGE, "rotate-keys: %s: unknown "
			    "option", argv[k]);
	}
	admin_load_keys(&kr);
	memset(&rt, 0, sizeof(rt));
	rt.kr = &kr;
	rt.a = &a;
	rt.db = admin_open_db();
	arena_init(&a, 64 << 20);
	printf("active key: %s\n", keyring_active_kid(&kr));
	for (t = 0; sealed_tables[t] != NULL; t++) {
		if (sealed_walk(rt.db, &a, sealed_tables[t],
		    keyring_active_kid(&kr), batch, rotate_one, &rt) == -1)
			stopped = 1;
		printf("progress: %s: %lu re-sealed, %lu written meanwhile, "
		    "%lu failed\n", sealed_tables[t], rt.done, rt.changed,
		    rt.failed);
		fflush(stdout);
	}
	printf("done: %lu re-sealed under %s, %lu written meanwhile, %lu "
	    "failed%s\n", rt.done, keyring_active_kid(&kr), rt.changed,
	    rt.failed, stopped ? " (stopped early)" : "");
	arena_free(&a);
	db_free(rt.db);
	keyring_free(&kr);
	return rt.failed == 0 && !stopped ? 0 : 1;
}

/* One exported row; returns 1 imported, 0 already there, -1 failed. */
static int
import_row(struct db *db, struct keyring *kr, struct arena *a,
    json_object *row, const char *owner, const char *apkey, int dry,
    const char **why)
{
	json_object		*val;
	struct conn_write	 w;
	unsigned char		*pt;
	size_t			 len;
	const char		*type, *status;
	enum db_rc		 rc;
	int			 k;

	memset(&w, 0, sizeof(w));
	w.id = json_str(row, "id");
	w.external_id = json_str(row, "externalId");
	w.display_name = json_str(row, "displayName");
	w.piece_name = json_str(row, "pieceName");
	type = json_str(row, "type");
	*why = "a required field is missing (id, externalId, displayName, "
	    "pieceName, type, value)";
	if (w.id == NULL || w.external_id == NULL || w.display_name == NULL ||
	    w.piece_name == NULL || type == NULL ||
	    !json_object_object_get_ex(row, "value", &val))
		return -1;
	*why = "the id is not 1 to 64 characters of [0-9A-Za-z_-]";
	if (!id_importable(w.id))
		return -1;
	*why = "unknown connection type";
	if (!conn_type_valid(type))
		return -1;
	*why = "the value does not open with AP_ENCRYPTION_KEY";
	if (unseal_activepieces(apkey, json_str(val, "iv"), json_str(val, "data"),
	    json_str(val, "authTag"), &pt, &len) == -1)
		return -1;
	if (dry) {
		plain_free(pt, len);
		return 1;
	}
	k = admin_seal(kr, a, w.id, pt, len, &w.value);
	plain_free(pt, len);
	*why = "cannot seal";
	if (k == -1)
		return -1;
	status = json_str(row, "status");
	w.owner = owner;
	w.piece_name = piece_short_name(w.piece_name);
	w.piece_version = json_str(row, "pieceVersion") ? json_str(row,
	    "pieceVersion") : "0.0.0";
	w.type = type;
	w.status = status && (strcmp(status, "ACTIVE") == 0 ||
	    strcmp(status, "MISSING") == 0 || strcmp(status, "ERROR") == 0) ?
	    status : "ACTIVE";
	rc = db_conn_import(db, &w, json_str(row, "created"));
	*why = "database error";
	return rc == DB_OK ? 1 : rc == DB_NOTFOUND ? 0 : -1;
}

/*
 * import-activepieces --file=FILE --owner=USER [--dry-run]: a JSON array
 * of Activepieces app_connection rows, values decrypted with
 * AP_ENCRYPTION_KEY and sealed under the key ring, ids and external ids
 * kept.  Idempotent; every unreadable row is reported, the rest go on.
 */
int
cmd_import_activepieces(int argc, char **argv)
{
	const char	*file = NULL, *owner = NULL, *why;
	json_object	*doc;
	struct keyring	 kr;
	struct arena	 a;
	struct db	*db;
	char		*uid;
	size_t		 i, n;
	unsigned long	 imported = 0, present = 0, failed = 0;
	int		 k, dry = 0, r;

	for (k = 1; k < argc; k++) {
		if (strncmp(argv[k], "--file=", 7) == 0)
			file = argv[k] + 7;
		else if (strncmp(argv[k], "--owner=", 8) == 0)
			owner = argv[k] + 8;
		else if (strcmp(argv[k], "--dry-run") == 0)
			dry = 1;
		else
			admin_usage(EX_USAGE, "import-activepieces: %s: unknown "
			    "option", argv[k]);
	}
	if (file == NULL || owner == NULL)
		admin_usage(EX_USAGE, "import-activepieces: --file and --owner "
		    "are required");
	if (admin_cfg.ap_encryption_key == NULL ||
	    strlen(admin_cfg.ap_encryption_key) != 32) {
		fprintf(stderr, "apconn-admin: AP_ENCRYPTION_KEY must be the 32 "
		    "characters of the Activepieces key\n");
		return 1;
	}
	if ((doc = json_object_from_file(file)) == NULL ||
	    !json_object_is_type(doc, json_type_array)) {
		fprintf(stderr, "apconn-admin: %s: not a JSON array\n", file);
		json_object_put(doc);
		return 1;
	}
	admin_load_keys(&kr);
	db = admin_open_db();
	arena_init(&a, 64 << 20);
	if (db_user_resolve(db, &a, owner, &uid) != DB_OK) {
		fprintf(stderr, "apconn-admin: --owner: no such user\n");
		json_object_put(doc);
		return 1;
	}
	n = json_object_array_length(doc);
	for (i = 0; i < n; i++) {
		json_object	*row = json_object_array_get_idx(doc, i);
		const char	*id = json_str(row, "id");

		r = import_row(db, &kr, &a, row, uid, admin_cfg.ap_encryption_key,
		    dry, &why);
		if (r == 1)
			imported++;
		else if (r == 0) {
			present++;
			printf("skipped %s: already imported\n", id ? id : "?");
		} else {
			failed++;
			printf("failed row %zu (%s): %s\n", i + 1,
			    id ? id : "no id", why);
		}
	}
	printf("%s: %lu imported, %lu already there, %lu failed\n",
	    dry ? "dry run" : "done", imported, present, failed);
	json_wipe(doc);
	json_object_put(doc);
	arena_free(&a);
	db_free(db);
	keyring_free(&kr);
	return failed ? 1 : 0;
}

static void
print_app(const char *const *cols, int n)
{
	(void)n;
	printf("%s\t%s\t%s\n", cols[0], cols[1], cols[2]);
}

/*
 * oauth-app set PIECE --client-id ID (the secret on standard input, so
 * that it never shows in a process list) | list | delete PIECE.
 */
int
cmd_oauth_app(int argc, char **argv)
{
	struct keyring		 kr;
	struct arena		 a;
	struct sealed_ref	 s;
	struct db		*db;
	char			 secret[1024], aad[300];
	const char		*piece, *id = NULL;
	size_t			 len;
	enum db_rc		 rc;
	int			 k, ret = 1;

	if (argc >= 2 && strcmp(argv[1], "list") == 0) {
		db = admin_open_db();
		printf("piece\tclient_id\tupdated\n");
		rc = db_oauth_app_list(db, print_app);
		db_free(db);
		return rc == DB_OK ? 0 : 1;
	}
	if (argc == 3 && strcmp(argv[1], "delete") == 0) {
		db = admin_open_db();
		rc = db_oauth_app_delete(db, piece_short_name(argv[2]));
		db_free(db);
		if (rc != DB_OK)
			fprintf(stderr, "apconn-admin: oauth-app delete: %s\n",
			    rc == DB_NOTFOUND ? "no such OAuth app" :
			    "database error");
		return rc == DB_OK ? 0 : 1;
	}
	if (argc < 3 || strcmp(argv[1], "set") != 0)
		admin_usage(EX_USAGE, "oauth-app: expected set PIECE "
		    "--client-id ID, list, or delete PIECE");
	piece = piece_short_name(argv[2]);
	for (k = 3; k < argc; k++) {
		if (strcmp(argv[k], "--client-id") == 0 && k + 1 < argc)
			id = argv[++k];
		else
			admin_usage(EX_USAGE, "oauth-app set: %s: unknown "
			    "option", argv[k]);
	}
	if (id == NULL || *id == '\0')
		admin_usage(EX_USAGE, "oauth-app set: --client-id is required");
	if (fgets(secret, sizeof(secret), stdin) == NULL) {
		fprintf(stderr, "apconn-admin: oauth-app set: give the client "
		    "secret on standard input\n");
		return 1;
	}
	len = strcspn(secret, "\r\n");
	secret[len] = '\0';
	if (len == 0) {
		fprintf(stderr, "apconn-admin: oauth-app set: the client secret "
		    "is empty\n");
		return 1;
	}
	admin_load_keys(&kr);
	db = admin_open_db();
	arena_init(&a, 1 << 20);
	snprintf(aad, sizeof(aad), "oauth_app:%s", piece);
	if (admin_seal(&kr, &a, aad, (unsigned char *)secret, len, &s) == -1)
		fprintf(stderr, "apconn-admin: oauth-app set: cannot seal\n");
	else if ((rc = db_oauth_app_set(db, piece, id, &s)) != DB_OK)
		fprintf(stderr, "apconn-admin: oauth-app set: database error\n");
	else {
		printf("set the OAuth app of %s\n", piece);
		ret = 0;
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	arena_free(&a);
	db_free(db);
	keyring_free(&kr);
	return ret;
}
