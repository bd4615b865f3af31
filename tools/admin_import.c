/*
 * apconn-admin import-workflow-builder: an original workflow builder's
 * users, legacy integrations, app connections and workflows, read from
 * its database and written into apconn's under their ids, every value
 * opened with the original's key and sealed again under apconn's ring.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "../fcgi/http.h"
#include "../db/db.h"
#include "../db/token.h"
#include "../db/seal.h"
#include "../service/service.h"
#include "admin.h"

#define EX_USAGE	64

struct wbi {
	struct db	*db;
	struct keyring	 kr;
	struct arena	 a;
	const char	*gcm_key;	/* INTEGRATION_ENCRYPTION_KEY or NULL */
	const char	*cbc_key;	/* AP_ENCRYPTION_KEY or NULL */
	const char	*table;		/* the table being read, for messages */
	unsigned long	 imported, present, deleted, failed;	/* this table */
	unsigned long	 all_imported, all_present, all_deleted, all_failed;
	unsigned long	 refs;
};

static void
row_failed(struct wbi *w, const char *id, const char *why)
{
	char	shown[68];
	size_t	i;

	/* An id is shown as far as it could be one, never raw. */
	for (i = 0; id != NULL && id[i] != '\0' && i < 64; i++)
		shown[i] = id_char((unsigned char)id[i]) ? id[i] : '?';
	if (id != NULL && id[i] != '\0')
		shown[i++] = '~';
	shown[i] = '\0';
	w->failed++;
	printf("failed %s %s: %s\n", w->table, id ? shown : "(no id)", why);
}

/*
 * What apconn knows of row id already, before anything is opened (so that
 * rows already there need no key): 1 when it is handled, counted as
 * already there (when skip_present) or as deleted in apconn since an
 * import took it (never re-created); 0 to go on; -1 failed (reported).
 */
static int
seen_before(struct wbi *w, const char *id, int skip_present)
{
	char	out[32];

	if (db_wb_seen(w->db, w->table, id, out, sizeof(out)) != DB_OK) {
		row_failed(w, id, "database error (see the log)");
		return -1;
	}
	if (strcmp(out, "deleted") == 0) {
		w->deleted++;
		printf("skipped %s %s: deleted in apconn since it was "
		    "imported\n", w->table, id);
		return 1;
	}
	if (strcmp(out, "present") == 0 && skip_present) {
		w->present++;
		return 1;
	}
	return 0;
}

/*
 * 1 (reported) when id is present but cannot be a row id of apconn's
 * (id_importable()): such an id would not fit the cursors, the logs or
 * the loops that page by id.
 */
static int
id_refused(struct wbi *w, const char *id)
{
	if (id == NULL || id_importable(id))
		return 0;
	row_failed(w, id, "its id is not 1 to 64 characters of "
	    "[0-9A-Za-z_-]");
	return 1;
}

/*
 * Runs one write under a savepoint, so that a failure leaves the import's
 * transaction usable, and counts what came of it.  out is the query's
 * answer (wb_*.sql).
 */
static void
row_write(struct wbi *w, const char *id, enum db_rc rc, const char *out)
{
	if (rc != DB_OK) {
		db_savepoint_rollback(w->db);
		row_failed(w, id, "database error (see the log)");
		return;
	}
	db_savepoint_release(w->db);
	if (strcmp(out, "imported") == 0) {
		if (db_wb_took(w->db, w->table, id) != DB_OK) {
			row_failed(w, id, "database error (see the log)");
			return;
		}
		w->imported++;
	}
	else if (strcmp(out, "present") == 0)
		w->present++;
	else if (strcmp(out, "email_taken") == 0)
		row_failed(w, id, "another apconn user has this email address");
	else if (strcmp(out, "no_owner") == 0)
		row_failed(w, id, "its owner is not an apconn user (was the "
		    "user imported?)");
	else if (strcmp(out, "external_id_taken") == 0)
		row_failed(w, id, "its owner already has another connection "
		    "with this external id");
	else
		row_failed(w, id, "unexpected answer from the database");
}

/* A string field, "" counted as absent. */
static const char *
str_of(json_object *o, const char *k)
{
	const char	*s = json_str(o, k);

	return s != NULL && *s != '\0' ? s : NULL;
}

/* A JSON field as compact text (arena), or NULL when absent or null. */
static const char *
json_text(struct wbi *w, json_object *o, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return NULL;
	return arena_strdup(&w->a, json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN));
}

static json_object *
parse_row(struct wbi *w, const char *text)
{
	json_object	*o = json_tokener_parse(text);

	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		row_failed(w, NULL, "the row is not a JSON object");
		return NULL;
	}
	return o;
}

static void
on_user(const char *text, void *arg)
{
	struct wbi	*w = arg;
	json_object	*o, *v;
	struct wb_user	 u;
	char		 out[32];
	enum db_rc	 rc;

	arena_reset(&w->a);
	if ((o = parse_row(w, text)) == NULL)
		return;
	memset(&u, 0, sizeof(u));
	u.id = str_of(o, "id");
	u.email = str_of(o, "email");
	u.name = json_str(o, "name");
	u.image = json_str(o, "image");
	if (json_object_object_get_ex(o, "is_anonymous", &v) &&
	    json_object_is_type(v, json_type_boolean))
		u.anonymous = json_object_get_boolean(v) ? "t" : "f";
	u.created_at = str_of(o, "created_at");
	u.updated_at = str_of(o, "updated_at");
	if (u.id == NULL)
		row_failed(w, NULL, "it has no id");
	else if (id_refused(w, u.id) || seen_before(w, u.id, 1) != 0)
		;
	else if (db_savepoint(w->db) != DB_OK)
		row_failed(w, u.id, "database error (see the log)");
	else {
		rc = db_wb_user(w->db, &u, out, sizeof(out));
		row_write(w, u.id, rc, out);
	}
	json_object_put(o);
}

/*
 * Opens a stored value: the text "iv:tag:ciphertext" (GCM, under
 * INTEGRATION_ENCRYPTION_KEY), or the object {iv, data} (CBC) or
 * {iv, data, authTag} (GCM) under AP_ENCRYPTION_KEY.  A jsonb string
 * holding either is read the same way.  Returns the parsed JSON object
 * (json_wipe and put it), or NULL with *why set.
 */
static json_object *
open_value(struct wbi *w, json_object *v, const char **why)
{
	json_object	*doc = NULL, *parsed = NULL;
	unsigned char	*pt = NULL;
	size_t		 len = 0;
	const char	*s;
	int		 rc;

	if (v != NULL && json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		if (*s == '{') {
			if ((doc = json_tokener_parse(s)) == NULL) {
				*why = "the value is neither \"iv:tag:"
				    "ciphertext\" nor {iv, data}";
				return NULL;
			}
			v = doc;
		} else {
			*why = "INTEGRATION_ENCRYPTION_KEY is not set";
			if (w->gcm_key == NULL)
				return NULL;
			*why = "the value does not open with "
			    "INTEGRATION_ENCRYPTION_KEY";
			if (unseal_workflow_builder(w->gcm_key, s, &pt,
			    &len) == -1)
				return NULL;
			goto parse;
		}
	}
	if (v == NULL || !json_object_is_type(v, json_type_object) ||
	    json_str(v, "iv") == NULL || json_str(v, "data") == NULL) {
		*why = "the value is neither \"iv:tag:ciphertext\" nor "
		    "{iv, data}";
		json_object_put(doc);
		return NULL;
	}
	*why = "AP_ENCRYPTION_KEY is not set";
	if (w->cbc_key == NULL) {
		json_object_put(doc);
		return NULL;
	}
	rc = unseal_activepieces(w->cbc_key, json_str(v, "iv"),
	    json_str(v, "data"), json_str(v, "authTag"), &pt, &len);
	json_object_put(doc);
	*why = "the value does not open with AP_ENCRYPTION_KEY";
	if (rc == -1)
		return NULL;
parse:
	parsed = json_tokener_parse((const char *)pt);
	plain_free(pt, len);
	if (parsed == NULL || !json_object_is_type(parsed, json_type_object)) {
		*why = "the value opened but is not a JSON object (wrong key?)";
		if (parsed != NULL)
			json_wipe(parsed);
		json_object_put(parsed);
		return NULL;
	}
	return parsed;
}

/*
 * Seals value for connection c->id and writes the row.  value is wiped
 * and released.
 */
static void
write_conn(struct wbi *w, struct conn_write *c,
    const struct wb_conn_extra *x, json_object *value)
{
	const char	*pt;
	char		 out[32];
	size_t		 len;
	enum db_rc	 rc;
	int		 k;

	pt = json_object_to_json_string_length(value, JSON_C_TO_STRING_PLAIN,
	    &len);
	k = pt == NULL ? -1 : admin_seal(&w->kr, &w->a, c->id,
	    (const unsigned char *)pt, len, &c->value);
	if (pt != NULL)
		OPENSSL_cleanse((char *)(uintptr_t)pt, len);
	json_wipe(value);
	json_object_put(value);
	if (k == -1) {
		row_failed(w, c->id, "cannot seal the value");
		return;
	}
	if (db_savepoint(w->db) != DB_OK) {
		row_failed(w, c->id, "database error (see the log)");
		return;
	}
	rc = db_wb_conn(w->db, c, x, out, sizeof(out));
	row_write(w, c->id, rc, out);
}

static void
on_connection(const char *text, void *arg)
{
	struct wbi		*w = arg;
	json_object		*o, *v, *value;
	struct conn_write	 c;
	struct wb_conn_extra	 x;
	const char		*why;

	arena_reset(&w->a);
	if ((o = parse_row(w, text)) == NULL)
		return;
	memset(&c, 0, sizeof(c));
	memset(&x, 0, sizeof(x));
	c.id = str_of(o, "id");
	c.owner = str_of(o, "owner_id");
	c.external_id = str_of(o, "external_id");
	c.display_name = str_of(o, "display_name");
	c.piece_name = str_of(o, "piece_name");
	c.piece_version = str_of(o, "piece_version");
	c.type = str_of(o, "type");
	c.status = str_of(o, "status");
	x.scope = str_of(o, "scope");
	x.platform_id = str_of(o, "platform_id");
	x.created_at = str_of(o, "created_at");
	x.updated_at = str_of(o, "updated_at");
	if (json_object_object_get_ex(o, "metadata", &v) && v != NULL &&
	    json_object_is_type(v, json_type_object))
		c.metadata = json_text(w, o, "metadata");
	if (json_object_object_get_ex(o, "project_ids", &v) && v != NULL &&
	    json_object_is_type(v, json_type_array))
		x.project_ids = json_text(w, o, "project_ids");
	if (id_refused(w, c.id)) {
		json_object_put(o);
		return;
	}
	if (c.id == NULL)
		why = "it has no id";
	else if (c.owner == NULL)
		why = "it has no owner";
	else if (c.external_id == NULL || strlen(c.external_id) > 255)
		why = "its external id is missing or longer than 255 "
		    "characters";
	else if (c.display_name == NULL || c.piece_name == NULL)
		why = "its display name or piece name is missing";
	else if (c.type == NULL || !conn_type_valid(c.type))
		why = "unknown connection type";
	else if (x.scope != NULL && strcmp(x.scope, "PROJECT") != 0 &&
	    strcmp(x.scope, "PLATFORM") != 0)
		why = "unknown scope";
	else
		why = NULL;
	if (why != NULL) {
		row_failed(w, c.id, why);
		json_object_put(o);
		return;
	}
	if (c.status == NULL || (strcmp(c.status, "ACTIVE") != 0 &&
	    strcmp(c.status, "MISSING") != 0 && strcmp(c.status, "ERROR") != 0))
		c.status = "ACTIVE";
	c.piece_name = piece_short_name(c.piece_name);
	json_object_object_get_ex(o, "value", &v);
	if (seen_before(w, c.id, 1) != 0)
		;
	else if ((value = open_value(w, v, &why)) == NULL)
		row_failed(w, c.id, why);
	else
		write_conn(w, &c, &x, value);
	json_wipe(o);
	json_object_put(o);
}

/*
 * Milliseconds since the epoch of a UTC "YYYY-MM-DDTHH:MM:SS[.fff]" (or
 * with a space), or 0 when it does not parse.
 */
static long long
epoch_ms(const char *s)
{
	struct tm	 tm;
	int		 ms = 0, n = 0;
	char		 frac[4] = "000";
	const char	*p;
	size_t		 i;

	if (s == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%*1[T ]%2d:%2d:%2d%n", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
	    &n) != 6)
		return 0;
	p = s + n;
	if (*p == '.')
		for (i = 0, p++; i < 3 && isdigit((unsigned char)*p); i++, p++)
			frac[i] = *p;
	ms = atoi(frac);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (long long)timegm(&tm) * 1000 + ms;
}

/*
 * A legacy integration becomes what the original's client adapter
 * creates: a CUSTOM_AUTH connection of piece <type> whose props are the
 * config, named <name> (or <type>), with an external id of the
 * adapter's shape, "<type>-<creation time in ms>-<8 characters>", made
 * from the row so that it is the same on every run.
 */
static void
on_integration(const char *text, void *arg)
{
	struct wbi		*w = arg;
	json_object		*o, *v, *config, *value;
	struct conn_write	 c;
	struct wb_conn_extra	 x;
	const char		*type, *why;

	arena_reset(&w->a);
	if ((o = parse_row(w, text)) == NULL)
		return;
	memset(&c, 0, sizeof(c));
	memset(&x, 0, sizeof(x));
	c.id = str_of(o, "id");
	c.owner = str_of(o, "user_id");
	type = str_of(o, "type");
	x.created_at = str_of(o, "created_at");
	x.updated_at = str_of(o, "updated_at");
	if (id_refused(w, c.id)) {
		json_object_put(o);
		return;
	}
	why = c.id == NULL ? "it has no id" : c.owner == NULL ?
	    "it has no owner" : type == NULL ? "it has no type" : NULL;
	if (why == NULL && strlen(type) > 200)
		why = "its type is longer than 200 characters";
	if (why != NULL) {
		row_failed(w, c.id, why);
		json_object_put(o);
		return;
	}
	c.piece_name = piece_short_name(type);
	c.display_name = str_of(o, "name") ? str_of(o, "name") : type;
	c.external_id = arena_printf(&w->a, "%s-%lld-%.8s", type,
	    epoch_ms(x.created_at), c.id);
	c.type = "CUSTOM_AUTH";
	c.status = "ACTIVE";
	c.metadata = "{\"validated\":false}";
	json_object_object_get_ex(o, "config", &v);
	if (seen_before(w, c.id, 1) != 0)
		;
	else if (v != NULL && !json_object_is_type(v, json_type_string))
		row_failed(w, c.id, "its config is not the original's "
		    "encrypted text");
	else if ((config = open_value(w, v, &why)) == NULL)
		row_failed(w, c.id, why);
	else {
		value = json_object_new_object();
		json_object_object_add(value, "type",
		    json_object_new_string("CUSTOM_AUTH"));
		json_object_object_add(value, "props", config);
		write_conn(w, &c, &x, value);
	}
	json_wipe(o);
	json_object_put(o);
}

static void
on_workflow(const char *text, void *arg)
{
	struct wbi		*w = arg;
	json_object		*o, *v;
	struct wb_workflow	 f;
	char			 out[32];
	enum db_rc		 rc;
	long			 nrefs;

	arena_reset(&w->a);
	if ((o = parse_row(w, text)) == NULL)
		return;
	memset(&f, 0, sizeof(f));
	f.id = str_of(o, "id");
	f.owner = str_of(o, "user_id");
	f.name = json_str(o, "name");
	f.description = json_str(o, "description");
	f.nodes = json_text(w, o, "nodes");
	f.edges = json_text(w, o, "edges");
	f.visibility = str_of(o, "visibility");
	f.engine_type = json_object_object_get_ex(o, "engine_type", &v) ?
	    json_str(o, "engine_type") : "dapr";
	f.dapr_workflow_name = json_str(o, "dapr_workflow_name");
	f.dapr_orchestrator_url = json_str(o, "dapr_orchestrator_url");
	f.created_at = str_of(o, "created_at");
	f.updated_at = str_of(o, "updated_at");
	if ((f.nodes == NULL && json_object_object_get_ex(o, "nodes", &v) &&
	    v != NULL) || (f.edges == NULL &&
	    json_object_object_get_ex(o, "edges", &v) && v != NULL)) {
		row_failed(w, f.id, "its nodes or edges are too large");
		json_object_put(o);
		return;
	}
	if (f.nodes == NULL)
		f.nodes = "[]";
	if (f.edges == NULL)
		f.edges = "[]";
	if (f.visibility == NULL)
		f.visibility = "private";
	if (f.id == NULL || f.owner == NULL || f.name == NULL)
		row_failed(w, f.id, "its id, owner or name is missing");
	else if (id_refused(w, f.id) || seen_before(w, f.id, 0) != 0)
		;
	else if (strcmp(f.visibility, "private") != 0 &&
	    strcmp(f.visibility, "public") != 0)
		row_failed(w, f.id, "its visibility is neither private nor "
		    "public");
	else if (db_savepoint(w->db) != DB_OK)
		row_failed(w, f.id, "database error (see the log)");
	else {
		rc = db_wb_workflow(w->db, &f, out, sizeof(out), &nrefs);
		row_write(w, f.id, rc, out);
		if (rc == DB_OK)
			w->refs += (unsigned long)nrefs;
	}
	json_object_put(o);
}

/* Reads one table of the source; returns -1 when it could not be read. */
static int
import_table(struct wbi *w, struct wbsrc *src, enum wb_table t,
    const char *table, void (*fn)(const char *, void *))
{
	char	err[512];
	int	has;

	w->table = table;
	w->imported = w->present = w->deleted = w->failed = 0;
	if ((has = wbsrc_has(src, table)) == -1) {
		fprintf(stderr, "apconn-admin: cannot read the original "
		    "database's catalogue\n");
		return -1;
	}
	if (!has) {
		printf("%s: no such table in the original database, "
		    "skipped\n", table);
		return 0;
	}
	if (wbsrc_rows(src, t, fn, w, err, sizeof(err)) == -1) {
		fprintf(stderr, "apconn-admin: reading %s: %s\n", table, err);
		return -1;
	}
	printf("%s: %lu imported, %lu already there, %lu deleted in apconn "
	    "since, %lu failed\n", table, w->imported, w->present, w->deleted,
	    w->failed);
	w->all_imported += w->imported;
	w->all_present += w->present;
	w->all_deleted += w->deleted;
	w->all_failed += w->failed;
	return 0;
}

static int
hex64(const char *s)
{
	size_t	i;

	if (strlen(s) != 64)
		return 0;
	for (i = 0; i < 64; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * import-workflow-builder --from=CONNINFO [--dry-run]: in one
 * transaction of apconn's database, the original's users, then its
 * legacy integrations and app connections (their owners must be
 * there), then its workflows with their connection references.  Rows
 * already there (by id) are left as they are, so a second run changes
 * nothing; a row that cannot be read or written is reported and the
 * others go on.  --dry-run does all of it and rolls back.  Exit 1 when
 * any row failed.
 */
int
cmd_import_workflow_builder(int argc, char **argv)
{
	static const struct {
		enum wb_table	  t;
		const char	 *name;
		void		(*fn)(const char *, void *);
	} tables[] = {
		{ WB_USERS,		"users",		on_user },
		{ WB_INTEGRATIONS,	"integrations",	on_integration },
		{ WB_CONNECTIONS,	"app_connection",	on_connection },
		{ WB_WORKFLOWS,		"workflows",		on_workflow },
	};
	struct wbi	 w;
	struct wbsrc	*src;
	const char	*from = NULL;
	char		 err[512];
	size_t		 i;
	int		 k, dry = 0, broken = 0;

	for (k = 1; k < argc; k++) {
		if (strncmp(argv[k], "--from=", 7) == 0)
			from = argv[k] + 7;
		else if (strcmp(argv[k], "--dry-run") == 0)
			dry = 1;
		else
			admin_usage(EX_USAGE, "import-workflow-builder: %s: "
			    "unknown option", argv[k]);
	}
	if (from == NULL)
		admin_usage(EX_USAGE, "import-workflow-builder: --from is "
		    "required");
	memset(&w, 0, sizeof(w));
	w.gcm_key = admin_cfg.integration_encryption_key;
	w.cbc_key = admin_cfg.ap_encryption_key;
	if (w.gcm_key != NULL && *w.gcm_key == '\0')
		w.gcm_key = NULL;
	if (w.cbc_key != NULL && *w.cbc_key == '\0')
		w.cbc_key = NULL;
	if (w.gcm_key != NULL && !hex64(w.gcm_key)) {
		fprintf(stderr, "apconn-admin: INTEGRATION_ENCRYPTION_KEY must "
		    "be 64 hex characters, as the original's\n");
		return 1;
	}
	if (w.cbc_key != NULL && strlen(w.cbc_key) != 32) {
		fprintf(stderr, "apconn-admin: AP_ENCRYPTION_KEY must be the "
		    "32 characters of the original's key\n");
		return 1;
	}
	if (w.gcm_key == NULL && w.cbc_key == NULL)
		fprintf(stderr, "apconn-admin: warning: neither "
		    "INTEGRATION_ENCRYPTION_KEY nor AP_ENCRYPTION_KEY is set: "
		    "no connection can be read\n");
	if ((src = wbsrc_open(from, err, sizeof(err))) == NULL) {
		fprintf(stderr, "apconn-admin: --from: %s\n", err);
		return 1;
	}
	admin_load_keys(&w.kr);
	w.db = admin_open_db();
	arena_init(&w.a, 64 << 20);
	if (db_begin(w.db) != DB_OK) {
		fprintf(stderr, "apconn-admin: cannot start a transaction\n");
		broken = 1;
	}
	for (i = 0; !broken && i < sizeof(tables) / sizeof(tables[0]); i++)
		if (import_table(&w, src, tables[i].t, tables[i].name,
		    tables[i].fn) == -1)
			broken = 1;
	if (broken || dry)
		db_rollback(w.db);
	else if (db_commit(w.db) != DB_OK) {
		fprintf(stderr, "apconn-admin: the import could not be "
		    "committed\n");
		broken = 1;
	}
	if (broken)
		printf("stopped: nothing was written\n");
	else
		printf("%s: %lu imported, %lu already there, %lu deleted in "
		    "apconn since, %lu failed, %lu connection references "
		    "written%s\n", dry ? "dry run" : "done", w.all_imported,
		    w.all_present, w.all_deleted, w.all_failed, w.refs,
		    dry ? " (nothing was written)" : "");
	wbsrc_close(src);
	arena_free(&w.a);
	db_free(w.db);
	keyring_free(&w.kr);
	return broken || w.all_failed ? 1 : 0;
}
