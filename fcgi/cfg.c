/*
 * Configuration table in the Kore/Redis shape: one row per key, with its
 * type, bounds and whether it is a secret (printed as "(redacted)").
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cfg.h"

enum cfg_type { CFG_STR, CFG_INT };

static const struct cfg_key {
	const char	*name;
	const char	*alias;		/* the original's variable, or NULL */
	enum cfg_type	 type;
	size_t		 off;
	int		 min, max;
	int		 secret;
	const char	*dflt;
} cfg_keys[] = {
	{ "DATABASE_URL", NULL, CFG_STR,
	    offsetof(struct config, database_url), 0, 0, 1, "" },
	{ "APCONN_KEYS", NULL, CFG_STR,
	    offsetof(struct config, keys), 0, 0, 1, "" },
	{ "APCONN_PUBLIC_URL", NULL, CFG_STR,
	    offsetof(struct config, public_url), 0, 0, 0,
	    "http://localhost:8080" },
	{ "APCONN_APP_URL", NULL, CFG_STR,
	    offsetof(struct config, app_url), 0, 0, 0, "" },
	{ "APCONN_PIECES_URL", "ACTIVEPIECES_API_BASE_URL", CFG_STR,
	    offsetof(struct config, pieces_url), 0, 0, 0,
	    "https://cloud.activepieces.com/api/v1" },
	{ "APCONN_PIECES_API_KEY", "ACTIVEPIECES_API_KEY", CFG_STR,
	    offsetof(struct config, pieces_api_key), 0, 0, 1, "" },
	{ "AP_ENCRYPTION_KEY", NULL, CFG_STR,
	    offsetof(struct config, ap_encryption_key), 0, 0, 1, "" },
	{ "INTEGRATION_ENCRYPTION_KEY", NULL, CFG_STR,
	    offsetof(struct config, integration_encryption_key), 0, 0, 1, "" },
	{ "APCONN_OUTBOUND_ALLOW", NULL, CFG_STR,
	    offsetof(struct config, outbound_allow), 0, 0, 0, "" },
	{ "APCONN_METRICS_ALLOW", NULL, CFG_STR,
	    offsetof(struct config, metrics_allow), 0, 0, 0, "" },
	{ "APCONN_HOST_NAME", NULL, CFG_STR,
	    offsetof(struct config, host_name), 0, 0, 0, "" },
	{ "APCONN_AUTH", NULL, CFG_STR,
	    offsetof(struct config, auth), 0, 0, 0, "apconn" },
	{ "BETTER_AUTH_SECRET", NULL, CFG_STR,
	    offsetof(struct config, better_auth_secret), 0, 0, 1, "" },
	{ "APCONN_BETTER_AUTH_DB", NULL, CFG_STR,
	    offsetof(struct config, better_auth_db), 0, 0, 1, "" },
	{ "APCONN_SESSION_DAYS", NULL, CFG_INT,
	    offsetof(struct config, session_days), 1, 3650, 0, "30" },
	{ "APCONN_ACCESS_LOG", NULL, CFG_INT,
	    offsetof(struct config, access_log), 0, 1, 0, "1" },
	{ "APCONN_SYNC_INTERVAL", NULL, CFG_INT,
	    offsetof(struct config, sync_interval), 0, 604800, 0, "21600" },
	{ "APCONN_REFRESH_INTERVAL", NULL, CFG_INT,
	    offsetof(struct config, refresh_interval), 0, 86400, 0, "300" },
	{ "APCONN_EVENT_DELIVERY", NULL, CFG_INT,
	    offsetof(struct config, event_delivery), 0, 1, 0, "1" },
	{ "APCONN_EVENT_RETRY_MAX", NULL, CFG_INT,
	    offsetof(struct config, event_retry_max), 1, 3600, 0, "3600" },
	{ "APCONN_EVENT_RETRY_FOR", NULL, CFG_INT,
	    offsetof(struct config, event_retry_for), 1, 604800, 0, "86400" },
};
#define NKEYS	(sizeof(cfg_keys) / sizeof(cfg_keys[0]))

static const struct cfg_key *
cfg_lookup(const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(cfg_keys[i].name, name) == 0)
			return &cfg_keys[i];
	return NULL;
}

/* Returns 1 if the named key holds a secret, 0 otherwise. */
int
cfg_is_secret(const char *name)
{
	const struct cfg_key	*k = cfg_lookup(name);

	return k != NULL && k->secret;
}

static char *
cfg_strdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		return NULL;
	return p;
}

static int
cfg_set(struct config *c, const struct cfg_key *k, const char *v,
    char *err, size_t errsz, const char *where)
{
	char	**sp;
	char	 *end;
	long	  l;

	if (k->type == CFG_INT) {
		errno = 0;
		l = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || errno != 0 ||
		    l < k->min || l > k->max) {
			snprintf(err, errsz, "%s: %s must be an integer "
			    "from %d to %d", where, k->name, k->min, k->max);
			return -1;
		}
		*(int *)(void *)((char *)c + k->off) = (int)l;
		return 0;
	}
	sp = (char **)(void *)((char *)c + k->off);
	if (*sp != NULL) {
		OPENSSL_cleanse(*sp, strlen(*sp));
		free(*sp);
	}
	if ((*sp = cfg_strdup(v)) == NULL) {
		snprintf(err, errsz, "%s: out of memory", where);
		return -1;
	}
	return 0;
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
cfg_file(struct config *c, const char *path, char *err, size_t errsz)
{
	FILE			*f;
	struct stat		 st;
	char			 line[4096], where[PATH_MAX + 32], *k, *v, *eq;
	const struct cfg_key	*key;
	int			 lineno = 0, rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%d", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(err, errsz, "%s: line too long", where);
			goto out;
		}
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			snprintf(err, errsz, "%s: no '=' on this line "
			    "(expected KEY = value)", where);
			goto out;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if ((key = cfg_lookup(k)) == NULL) {
			snprintf(err, errsz, "%s: unknown key %s", where, k);
			goto out;
		}
		if (key->secret && *v != '\0' && (st.st_mode & S_IROTH)) {
			snprintf(err, errsz, "%s: %s is a secret and the file "
			    "is world-readable (chmod o-r)", where, k);
			goto out;
		}
		if (cfg_set(c, key, v, err, errsz, where) == -1)
			goto out;
	}
	if (ferror(f)) {
		snprintf(err, errsz, "%s: read error", path);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(line, sizeof(line));
	fclose(f);
	return rc;
}

/* The rules between keys, once every source is read. */
static int
cfg_check(const struct config *c, char *err, size_t errsz)
{
	if (strcmp(c->auth, "apconn") != 0 &&
	    strcmp(c->auth, "better-auth") != 0) {
		snprintf(err, errsz, "APCONN_AUTH must be apconn or "
		    "better-auth");
		return -1;
	}
	if (strcmp(c->auth, "better-auth") == 0 &&
	    (*c->better_auth_secret == '\0' || *c->better_auth_db == '\0')) {
		snprintf(err, errsz, "APCONN_AUTH=better-auth needs "
		    "BETTER_AUTH_SECRET and APCONN_BETTER_AUTH_DB");
		return -1;
	}
	return 0;
}

/*
 * Fills c with defaults, then the file at path (may be NULL), then the
 * environment.  Returns 0, or -1 with a message in err naming the key or
 * the line.  On failure c holds whatever was set; cfg_free() it.
 */
int
cfg_load(struct config *c, const char *path, char *err, size_t errsz)
{
	size_t		 i;
	const char	*v;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		if (cfg_set(c, &cfg_keys[i], cfg_keys[i].dflt, err, errsz,
		    "default") == -1)
			return -1;
	if (path != NULL && cfg_file(c, path, err, errsz) == -1)
		return -1;
	for (i = 0; i < NKEYS; i++) {
		v = getenv(cfg_keys[i].name);
		if (v == NULL && cfg_keys[i].alias != NULL)
			v = getenv(cfg_keys[i].alias);
		if (v != NULL && cfg_set(c, &cfg_keys[i], v, err, errsz,
		    "environment") == -1)
			return -1;
	}
	return cfg_check(c, err, errsz);
}

void
cfg_free(struct config *c)
{
	size_t	 i;
	char	**sp;

	for (i = 0; i < NKEYS; i++) {
		if (cfg_keys[i].type != CFG_STR)
			continue;
		sp = (char **)(void *)((char *)c + cfg_keys[i].off);
		if (*sp != NULL) {
			OPENSSL_cleanse(*sp, strlen(*sp));
			free(*sp);
			*sp = NULL;
		}
	}
}

/* Calls fn(name, value) for every key; secrets read "(redacted)". */
void
cfg_dump(const struct config *c, void (*fn)(const char *, const char *))
{
	size_t	 i;
	char	 num[16];
	char	*const *sp;

	for (i = 0; i < NKEYS; i++) {
		if (cfg_keys[i].type == CFG_INT) {
			snprintf(num, sizeof(num), "%d", *(const int *)(const
			    void *)((const char *)c + cfg_keys[i].off));
			fn(cfg_keys[i].name, num);
			continue;
		}
		sp = (char *const *)(const void *)((const char *)c +
		    cfg_keys[i].off);
		fn(cfg_keys[i].name, cfg_keys[i].secret && **sp != '\0' ?
		    "(redacted)" : *sp);
	}
}

/*
 * The installed configuration file ($(sysconfdir)/apconn/apconn.conf)
 * when it exists, for programs given neither -c nor APCONN_CONFIG; else
 * NULL (the environment alone).
 */
const char *
cfg_default_path(void)
{
	return access(APCONN_CONFIG_FILE, F_OK) == 0 ? APCONN_CONFIG_FILE :
	    NULL;
}
