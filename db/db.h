/*
 * The database layer as handlers and tools see it: an opaque per-process
 * connection, result codes, and typed wrappers whose results live in the
 * caller's arena.  No libpq type crosses this header.
 */
#ifndef APCONN_DB_H
#define APCONN_DB_H

#include <stddef.h>

#include "../fcgi/arena.h"

enum db_rc {
	DB_OK,
	DB_NOTFOUND,
	DB_CONFLICT,		/* a constraint said no */
	DB_UNAVAILABLE,		/* no connection: answer 503 */
	DB_READONLY,		/* writes refused (read-only, disk full): 503 */
	DB_ERROR		/* a bug or a server-side failure: 500 */
};

struct db;

struct db	*db_new(const char *);
void		 db_free(struct db *);
int		 db_ensure(struct db *);
int		 db_prepare_all(struct db *, int *);
void		 db_set_reqid(struct db *, const char *);
enum db_rc	 db_begin(struct db *);
enum db_rc	 db_commit(struct db *);
void		 db_rollback(struct db *);
enum db_rc	 db_savepoint(struct db *);
enum db_rc	 db_savepoint_release(struct db *);
enum db_rc	 db_savepoint_rollback(struct db *);
unsigned long	 db_reconnects(const struct db *);
#define DB_CHANNELS_MAX	8
typedef void	(*db_notify_fn)(void *, const char *, const char *);
void		 db_listen(struct db *, const char *, db_notify_fn, void *);
int		 db_drain(struct db *);
unsigned long	 db_heard_mark(const struct db *);
unsigned long	 db_session(const struct db *);

/* db/health.c */
enum db_rc	 db_ping(struct db *);

/* db/migrate.c */
int		 db_migrate(const char *, int, void (*)(const char *));


/* db/identity.c: users, sessions, API keys. */
struct cred {
	char		*hashhex;	/* stored SHA-256 of the secret */
	char		*user_id;
	char		*name;		/* may be NULL */
	char		*email;		/* may be NULL */
	char		*scopes;	/* API keys and the sessions made from
					   them: comma separated; else NULL */
	int		 anonymous;
	int		 expired;
	int		 revoked;
	int		 stale;		/* last use older than a minute */
	int		 expires;	/* expires_ms says when */
	long long	 expires_ms;	/* from now, by the database's clock */
	char		*key_id;	/* a session's API key, or NULL */
};

struct user_new {
	char		*id;
	char		*created_at;	/* ISO 8601 */
};

enum db_rc	 db_user_create(struct db *, struct arena *, const char *,
		    const char *, int, struct user_new *);
enum db_rc	 db_user_resolve(struct db *, struct arena *, const char *,
		    char **);
enum db_rc	 db_user_list(struct db *, void (*)(const char *const *,
		    int));
enum db_rc	 db_cred_get(struct db *, struct arena *, int, const char *,
		    struct cred *);
enum db_rc	 db_cred_touch(struct db *, const char *, const char *);
enum db_rc	 db_session_create(struct db *, struct arena *, const char *,
		    int, char **);
enum db_rc	 db_session_revoke(struct db *, const char *);
enum db_rc	 db_session_create_for_key(struct db *, struct arena *,
		    const char *, int, char **, char **, long long *);
enum db_rc	 db_apikey_create(struct db *, struct arena *, const char *,
		    const char *, const char *, int, char **);
enum db_rc	 db_apikey_revoke(struct db *, const char *);
enum db_rc	 db_apikey_list(struct db *, const char *,
		    void (*)(const char *const *, int));

/*
 * db/betterauth.c: the original's better-auth sessions and users, read
 * from its own database (APCONN_AUTH=better-auth).
 */
struct ba_session {
	char		*session_id;
	char		*user_id;
	char		*email;		/* may be NULL */
	char		*name;		/* may be NULL */
	int		 anonymous;
	int		 expired;
};

enum db_rc	 db_ba_session(const char *, struct arena *, const char *,
		    struct ba_session *);
enum db_rc	 db_ba_user(struct db *, const struct ba_session *);

/* db/link.c: moving an anonymous user's data to a real user. */
struct link_rename {
	char		*connection_id;
	char		*external_id;
	char		*renamed_to;
};

struct link_result {
	char			*connections;	/* JSON array text */
	char			*workflows;	/* JSON array text */
	long			 references;
	struct link_rename	*renamed;
	size_t			 nrenamed;
};

enum db_rc	 db_link_users(struct db *, struct arena *, const char *,
		    const char *, struct link_result *);

/* db/connections.c: app connections, always scoped to their owner. */
struct sealed_ref {			/* a value as stored, field by field */
	const char	*kid;
	const char	*iv;
	const char	*ct;
	const char	*tag;
	const char	*beside;	/* JSON object stored in the clear
					   next to it (key names, when due),
					   or NULL */
};

struct conn_write {
	const char		*id;
	const char		*owner;
	const char		*external_id;
	const char		*display_name;
	const char		*piece_name;
	const char		*piece_version;
	const char		*type;
	const char		*status;
	struct sealed_ref	 value;
	const char		*metadata;	/* JSON text or NULL */
};

struct conn_row {
	char		*json;		/* the connection, without value */
	char		*kid, *iv, *ct, *tag;
	char		*type;
	char		*piece_name;
	char		*piece_version;
	char		*workflows;	/* JSON array of workflow ids */
	char		*display_name;
	char		*status;
};

struct conn_query {
	const char	*owner;
	const char	*piece_name;	/* NULL for any */
	const char	*display_name;	/* substring, NULL for any */
	const char	*statuses;	/* text array literal, or NULL */
	const char	*scope;
	const char	*cursor_time;	/* NULL for the first page */
	const char	*cursor_id;
	const char	*direction;	/* "n" or "p" */
	const char	*limit;
};

struct conn_page {
	char		*data;		/* JSON array */
	char		*newest;	/* "<micros>.<id>" or NULL */
	char		*oldest;
	int		 more;
};

struct probe {
	char		*method;
	char		*url;
	char		*headers;	/* JSON object text */
	int		 expected_status;
};

enum db_rc	 db_conn_find(struct db *, struct arena *, const char *,
		    const char *, char **, char **);
enum db_rc	 db_conn_insert(struct db *, struct arena *,
		    const struct conn_write *, char **);
enum db_rc	 db_conn_update(struct db *, struct arena *,
		    const struct conn_write *, char **);
enum db_rc	 db_conn_get(struct db *, struct arena *, const char *,
		    const char *, struct conn_row *);
enum db_rc	 db_conn_rename(struct db *, struct arena *, const char *,
		    const char *, const char *, const char *, char **);
enum db_rc	 db_conn_set_value(struct db *, struct arena *, const char *,
		    const char *, const char *, const struct sealed_ref *,
		    const char *, char **);
enum db_rc	 db_conn_set_status(struct db *, struct arena *, const char *,
		    const char *, const char *, const char *, char **);
enum db_rc	 db_conn_refs(struct db *, struct arena *, const char *,
		    const char *, char **);
enum db_rc	 db_conn_delete(struct db *, struct arena *, const char *,
		    const char *, char **);
enum db_rc	 db_conn_delete_unreferenced(struct db *, struct arena *,
		    const char *, const char *);
enum db_rc	 db_conn_list(struct db *, struct arena *,
		    const struct conn_query *, struct conn_page *);
enum db_rc	 db_piece_auth(struct db *, struct arena *, const char *,
		    const char *, char **, char **);
enum db_rc	 db_probe_get(struct db *, struct arena *, const char *,
		    const char *, struct probe *);
enum db_rc	 db_conn_lock(struct db *, struct arena *, const char *,
		    const char *, struct conn_row *, char **);
enum db_rc	 db_conn_refreshed(struct db *, const char *, const char *,
		    const struct sealed_ref *, const char *, const char *);
enum db_rc	 db_conn_refresh_failed(struct db *, const char *,
		    const char *, const char *, int);
enum db_rc	 db_conn_refresh_error(struct db *, const char *,
		    const char *, const char *);
enum db_rc	 db_integ_list(struct db *, struct arena *, const char *,
		    const char *, char **);

/* db/rotate.c: re-sealing and importing values (apconn-admin). */
struct sealed_row {
	char		*id;		/* the row's key */
	char		*aad;		/* what it was sealed with */
	char		*kid, *iv, *ct, *tag;
};

extern const char *const sealed_tables[];	/* NULL-terminated */
enum db_rc	 db_rotate_batch(struct db *, struct arena *, const char *,
		    const char *, const char *, int, struct sealed_row **,
		    size_t *);
enum db_rc	 db_rotate_update(struct db *, const char *, const char *,
		    const char *, const struct sealed_ref *);
enum db_rc	 db_conn_import(struct db *, const struct conn_write *,
		    const char *);

/*
 * db/wbimport.c: an original workflow builder's database, read over its
 * own connection (never prepared, never written), and its rows written
 * into apconn under their ids.
 */
enum wb_table { WB_USERS, WB_INTEGRATIONS, WB_CONNECTIONS, WB_WORKFLOWS };

struct wbsrc;

struct wb_user {
	const char	*id, *email, *name, *image;
	const char	*anonymous;		/* "t", "f" or NULL */
	const char	*created_at, *updated_at;	/* UTC, or NULL */
};

struct wb_conn_extra {
	const char	*scope;			/* NULL: PROJECT */
	const char	*project_ids;		/* JSON array text, or NULL */
	const char	*platform_id;
	const char	*created_at, *updated_at;	/* UTC, or NULL */
};

struct wb_workflow {
	const char	*id, *owner, *name, *description;
	const char	*nodes, *edges;		/* JSON text */
	const char	*visibility, *engine_type;
	const char	*dapr_workflow_name, *dapr_orchestrator_url;
	const char	*created_at, *updated_at;	/* UTC, or NULL */
};

struct wbsrc	*wbsrc_open(const char *, char *, size_t);
void		 wbsrc_close(struct wbsrc *);
int		 wbsrc_has(struct wbsrc *, const char *);
int		 wbsrc_rows(struct wbsrc *, enum wb_table,
		    void (*)(const char *, void *), void *, char *, size_t);
enum db_rc	 db_wb_seen(struct db *, const char *, const char *, char *,
		    size_t);
enum db_rc	 db_wb_took(struct db *, const char *, const char *);
enum db_rc	 db_wb_user(struct db *, const struct wb_user *, char *,
		    size_t);
enum db_rc	 db_wb_conn(struct db *, const struct conn_write *,
		    const struct wb_conn_extra *, char *, size_t);
enum db_rc	 db_wb_workflow(struct db *, const struct wb_workflow *,
		    char *, size_t, long *);

/* db/pieces.c: the piece catalogue (JSON text built by PostgreSQL). */
struct piece_query {
	const char	*words;		/* lowercase text array literal */
	const char	*categories;	/* lowercase text array literal */
	const char	*sort;		/* NAME, UPDATED, CREATED */
	const char	*order;		/* ASC, DESC */
	const char	*limit;		/* NULL for all */
};

enum db_rc	 db_piece_list(struct db *, struct arena *,
		    const struct piece_query *, char **);
enum db_rc	 db_piece_upsert(struct db *, const char *, const char *,
		    int *);
enum db_rc	 db_piece_known(struct db *, const char *, const char *,
		    const char *, int *);
enum db_rc	 db_piece_get(struct db *, struct arena *, const char *,
		    const char *, const char *, const char *, char **);

/*
 * db/events.c: connection events (written by triggers), their publication,
 * webhook deliveries, pollers' pages and operators' commands.
 */
struct delivery {			/* one delivery due */
	char			*event_id, *endpoint_id;
	char			*url;
	struct sealed_ref	 secret;	/* AAD "webhook_endpoint:<id>" */
	int			 attempts;	/* so far */
	long long		 age;		/* seconds since it was created */
	char			*body;		/* the event, compact JSON */
	char			*type;
};
enum db_rc	 db_events_publish(struct db *, int, long *);
enum db_rc	 db_deliveries_due(struct db *, struct arena *, int,
		    struct delivery **, size_t *);
enum db_rc	 db_delivery_done(struct db *, const struct delivery *,
		    const char *, long, const char *, double);
enum db_rc	 db_events_oldest(struct db *, long long *);
enum db_rc	 db_events_list(struct db *, struct arena *, const char *,
		    const char *, const char *, char **, char **);
enum db_rc	 db_events_admin_list(struct db *, const char *, const char *,
		    const char *, void (*)(const char *const *, int));
enum db_rc	 db_events_replay(struct db *, const char *, const char *,
		    long *);
enum db_rc	 db_endpoint_insert(struct db *, const char *, const char *,
		    const char *, const struct sealed_ref *);
enum db_rc	 db_endpoint_list(struct db *, void (*)(const char *const *,
		    int));
enum db_rc	 db_endpoint_set(struct db *, const char *, const char *);

/* db/jobs.c: background job locks and results. */
int		 db_job_lock(struct db *, long long);
void		 db_job_unlock(struct db *, long long);
enum db_rc	 db_job_record(struct db *, const char *, const char *, double,
		    int, const char *);
enum db_rc	 db_job_last(struct db *, struct arena *, char **);
enum db_rc	 db_job_last_at(struct db *, const char *, long long *);
enum db_rc	 db_job_since(struct db *, const char *, double *, int *);

/* db/oauth2.c: authorization states (stored hashed, one use). */
struct oauth2_state {
	const char	*hash;		/* hex SHA-256 of the state */
	const char	*user_id;
	const char	*piece_name;
	const char	*piece_version;
	const char	*redirect_url;
	const char	*client_id;
	int		 pkce;
	const char	*props;		/* JSON text or NULL */
};

enum db_rc	 db_oauth2_state_insert(struct db *, const struct oauth2_state *);
enum db_rc	 db_oauth2_state_callback(struct db *, struct arena *,
		    const char *, const char *, char **, char **);
enum db_rc	 db_oauth2_state_use(struct db *, const char *, const char *,
		    const char *, int *);

struct oauth2_taken {			/* a consumed server-held state */
	char			*user_id, *piece_name, *piece_version;
	char			*redirect_url, *client_id, *props;
	char			*external_id, *display_name;
	int			 pkce;
	struct sealed_ref	 sealed;
};

enum db_rc	 db_oauth2_state_insert_server(struct db *,
		    const struct oauth2_state *, const char *, const char *,
		    const struct sealed_ref *);
enum db_rc	 db_oauth2_state_take(struct db *, struct arena *, const char *,
		    struct oauth2_taken *);
enum db_rc	 db_oauth2_state_flow(struct db *, struct arena *, const char *,
		    char **);
struct oauth2_due {			/* one row of the refresh sweep */
	char		*id, *owner;
	int		 known;		/* its piece is in the catalogue */
	int		 waiting;	/* the sweep backs off from it */
};
enum db_rc	 db_oauth2_batch(struct db *, struct arena *, const char *,
		    int, struct oauth2_due **, size_t *);
enum db_rc	 db_oauth_app_set(struct db *, const char *, const char *,
		    const struct sealed_ref *);
enum db_rc	 db_oauth_app_get(struct db *, struct arena *, const char *,
		    char **, struct sealed_ref *);
enum db_rc	 db_oauth_app_list(struct db *, void (*)(const char *const *,
		    int));
enum db_rc	 db_oauth_app_delete(struct db *, const char *);

/* db/workflows.c: workflows, their references rewritten on every save. */
struct wf_write {
	const char	*id;
	const char	*owner;
	const char	*name;		/* NULL keeps (update) */
	const char	*description;	/* NULL keeps (update) */
	const char	*nodes;		/* JSON text; NULL keeps (update) */
	const char	*edges;		/* JSON text; NULL keeps (update) */
	const char	*visibility;	/* NULL keeps (update) */
};

struct wf_page {			/* a page of the workflow list */
	const char	*owner;
	const char	*cursor_time, *cursor_id;	/* NULL: the first */
	long		 limit, budget;	/* rows; bytes but for the first */
};
enum db_rc	 db_wf_list(struct db *, struct arena *,
		    const struct wf_page *, char **, char **, char **);
enum db_rc	 db_wf_foreign_refs(struct db *, const char *, const char *,
		    int *);
enum db_rc	 db_wf_count(struct db *, struct arena *, const char *, long *);
enum db_rc	 db_refs_lock(struct db *, const char *);
enum db_rc	 db_wf_create(struct db *, struct arena *,
		    const struct wf_write *, char **);
enum db_rc	 db_wf_get(struct db *, struct arena *, const char *, char **,
		    char **, char **);
enum db_rc	 db_wf_update(struct db *, struct arena *,
		    const struct wf_write *, char **);
enum db_rc	 db_wf_delete(struct db *, const char *, const char *);
enum db_rc	 db_wf_copy_name(struct db *, struct arena *, const char *,
		    const char *, char **);
enum db_rc	 db_wf_current(struct db *, struct arena *, const char *, char **,
		    char **);
enum db_rc	 db_wf_issues(struct db *, struct arena *, const char *,
		    const char *, char **);
enum db_rc	 db_wf_validate(struct db *, struct arena *, const char *,
		    char **, char **);

/* db/resolve.c: the executor's credential resolution and its audit. */
struct cred_target {
	char		*owner;		/* the workflow's owner; "" when none */
	int		 referenced;	/* a node of it names the external id */
	char		*id;		/* the owner's connection; NULL when none */
	char		*type, *piece_name, *status;
	struct conn_row	 sealed;	/* kid, iv, ct, tag */
	char		*outcome;	/* decided by the statement, or NULL */
	int		 audited;	/* its audit row was written */
	char		*keys;		/* stored beside the value: the key
					   names handed out (JSON array) */
	char		*due;		/* when an OAuth2 token is due (s
					   since the epoch); NULL: never */
};

struct cred_audit {
	const char	*execution_id;	/* NULL when not given */
	const char	*node_id;	/* NULL when not given */
	const char	*piece_name;
	const char	*keys;		/* JSON array of the key names handed out */
	const char	*source;	/* "database" or "not_found" */
	const char	*workflow_id;
	const char	*connection_id;	/* NULL when none */
	const char	*external_id;
	const char	*owner;
	const char	*key_id;
	const char	*outcome;
	const char	*refresh_failure;	/* NULL, or why the refresh
						   failed (stored token) */
};

enum db_rc	 db_cred_resolve(struct db *, struct arena *, const char *,
		    const char *, const char *, const struct cred_audit *,
		    struct cred_target *);
enum db_rc	 db_cred_audit(struct db *, const struct cred_audit *);

#endif
