/*
 * The request and response model shared by fcgi/ and handlers/.
 *
 * Handler contract: a handler returns the HTTP status and sets resp->body
 * (a json-c object the dispatcher serialises and puts) or resp->raw (JSON
 * text in the arena, passed through unparsed) for every status but 204 and
 * 304.  json_object_object_add() takes ownership of its value; only the
 * dispatcher calls json_object_put() on resp->body.  req->json belongs to
 * req->arena (arena_defer()), which wipes and releases it at the reset.
 * Anything that must outlive a library call goes in req->arena.  Handlers
 * never touch FCGX_* or PQ*.
 */
#ifndef APCONN_HTTP_H
#define APCONN_HTTP_H

#include <stddef.h>

#include <json-c/json.h>

#include "arena.h"

#define BODY_MAX		(1024 * 1024)	/* nginx client_max_body_size */
#define ARENA_MAX		(8 * 1024 * 1024)
#define JSON_DEPTH_MAX		32
#define JSON_NODES_MAX		20000
#define QUERY_MAX		64
#define ROUTE_MAXPARAMS		4
#define RESP_MAXHEADERS		8

enum method {
	M_GET =		1 << 0,
	M_HEAD =	1 << 1,
	M_POST =	1 << 2,
	M_PUT =		1 << 3,
	M_PATCH =	1 << 4,
	M_DELETE =	1 << 5,
	M_OPTIONS =	1 << 6
};


/* Route flags. */
#define ROUTE_JSON	0x01	/* body must be a JSON object (415/400) */
#define ROUTE_AUTH	0x02	/* a valid credential is required (401) */
#define ROUTE_OPTAUTH	0x04	/* a credential is read when present */
#define ROUTE_NODB	0x08	/* handler runs without a database */
#define ROUTE_OUTBOUND	0x10	/* may call third parties: outbound pool */

struct kv {
	const char	*key;
	const char	*val;
};

struct db;
struct config;
struct keyring;
struct route;

/* Who made the request, once authenticated (all strings in the arena). */
struct principal {
	const char	*user_id;
	const char	*name;		/* may be NULL */
	const char	*email;		/* may be NULL */
	const char	*credential_id;	/* session or api key id */
	unsigned int	 scopes;
	int		 anonymous;
	int		 via_cookie;	/* state changes need an Origin */
	int		 is_session;
};

/* A credential as presented, parsed but not yet checked. */
struct presented {
	int		 session;	/* a session token (else an API key) */
	int		 cookie;	/* from the session cookie */
	char		 id[32];
	char		 hashhex[65];	/* SHA-256 of the secret, hex */
};

struct req {
	struct arena		*arena;
	struct db		*db;		/* this worker's connection */
	const struct config	*cfg;
	struct keyring		*keys;		/* connection values */
	unsigned int		 method;	/* enum method; 0 if unknown */
	const char		*method_name;
	const char		*path;		/* DOCUMENT_URI */
	const char		*query;		/* QUERY_STRING, may be "" */
	const char		*ctype;		/* CONTENT_TYPE or NULL */
	const char		*cookie;	/* HTTP_COOKIE or NULL */
	const char		*authorization;	/* never logged */
	const char		*origin;
	const char		*fetch_site;	/* Sec-Fetch-Site or NULL */
	const char		*if_none_match;
	const char		*remote_addr;
	size_t			 clen;		/* CONTENT_LENGTH */
	char			*body;		/* NUL-terminated, or NULL */
	size_t			 bodysz;
	json_object		*json;		/* parsed body; the arena's */
	struct kv		 qs[QUERY_MAX];
	size_t			 nqs;
	const char		*param[ROUTE_MAXPARAMS];
	size_t			 nparam;
	const struct route	*route;
	struct principal	 who;
	struct presented	 cred;		/* the token presented */
	int			 authed;
	char			 id[33];	/* request id, hex */
};

struct resp {
	int		 status;
	json_object	*body;		/* dispatcher serialises and puts */
	const char	*raw;		/* when body is NULL: text valid until
				   the answer is written (arena, cache) */
	size_t		 rawlen;
	const char	*ctype;		/* default application/json */
	const char	*cache;		/* Cache-Control, default no-store */
	int		 secret;	/* body carries credentials: wiped once written */
	struct kv	 hdr[RESP_MAXHEADERS];
	size_t		 nhdr;
};

struct route {
	unsigned int	  methods;
	const char	 *pattern;	/* "/api/x/:id"; a last "*name" takes the rest */
	int		(*fn)(struct req *, struct resp *);
	unsigned int	  flags;
	unsigned int	  scopes;	/* all of these are required */
};

/* request.c */
int		 req_init(struct req *, struct arena *, char *const *);
int		 req_parse_query(struct arena *, const char *, struct kv *,
		    size_t, size_t *);
const char	*req_query(const struct req *, const char *);
size_t		 req_query_all(const struct req *, const char *,
		    const char **, size_t);
const char	*req_cookie(const struct req *, const char *);
int		 req_parse_json(struct req *, const char **);
void		 json_wipe(json_object *);
void		 json_release_wiped(void *);
const char	*json_str(json_object *, const char *);
json_object	*json_array(json_object *, const char *);
int		 url_decode(char *, int);
unsigned int	 method_parse(const char *);
const char	*method_names(unsigned int, char *, size_t);

/* jsonv.c */
int		 json_validate(const char *, size_t, int, size_t,
		    const char **);

/* response.c */
int		 resp_error(struct resp *, int, const char *, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
int		 resp_error_field(struct resp *, int, const char *,
		    const char *, const char *, ...)
		    __attribute__((format(printf, 5, 6)));
int		 resp_json(struct resp *, int, json_object *);
int		 resp_header(struct resp *, const char *, const char *);
const char	*resp_status_text(int);
int		 resp_render_head(const struct req *, const struct resp *,
		    size_t, char *, size_t);
const char	*resp_body_text(struct resp *, size_t *);
void		 resp_wipe(struct resp *);

/* router.c */
const struct route *route_find(const struct route *, struct req *, int *,
		    unsigned int *);
int		 route_match(const char *, const char *, struct req *);

#endif
