/*
 * The piece sync (see piecesync.h).  One bad piece never stops the rest:
 * it is counted as failed and reported, and what succeeded stays.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "../fcgi/egress.h"
#include "../fcgi/http.h"
#include "../db/db.h"
#include "service.h"
#include "piecesync.h"

#define LIST_MAX	(64 * 1024 * 1024)
#define PIECE_MAX	(16 * 1024 * 1024)
#define SNAPSHOT_MAX	(256 * 1024 * 1024)

static enum egress_rc
fetch(const struct sync_opts *o, const char *url, size_t max,
    struct egress_resp *resp, char *detail, size_t detailsz)
{
	struct egress_req	 q;
	char			 key[512];
	const char		*h[3] = { "Accept: application/json", NULL, NULL };

	if (o->api_key != NULL && *o->api_key != '\0') {
		snprintf(key, sizeof(key), "api-key: %s", o->api_key);
		h[1] = key;
	}
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.url = url;
	q.headers = h;
	q.connect_timeout_ms = 5000;
	q.timeout_ms = 60000;
	q.max_body = max;
	q.kind = metric_call_sync;
	return egress_perform(&q, resp, detail, detailsz);
}

/*
 * The next name of a comma-separated list at *p, in one (NUL-terminated):
 * 1, or 0 at the end.  Empty and overlong names are skipped.
 */
static int
next_name(const char **p, char *one, size_t onesz)
{
	const char	*end;
	size_t		 len;

	while (**p != '\0') {
		if ((end = strchr(*p, ',')) == NULL)
			end = *p + strlen(*p);
		len = (size_t)(end - *p);
		*p = *end != '\0' ? end + 1 : end;
		if (len == 0 || len >= onesz)
			continue;
		memcpy(one, end - len, len);
		one[len] = '\0';
		return 1;
	}
	return 0;
}

static int
wanted(const char *only, const char *name)
{
	char	one[256];

	if (only == NULL || *only == '\0')
		return 1;
	while (next_name(&only, one, sizeof(one)))
		if (strcmp(piece_short_name(one), name) == 0)
			return 1;
	return 0;
}

/* s percent-encoded, a new string the caller frees; NULL on ENOMEM. */
static char *
url_escape(const char *s)
{
	size_t	 cap = strlen(s) * 3 + 1, off = 0;
	char	*out;

	if ((out = malloc(cap)) == NULL)
		return NULL;
	if (egress_escape(out, cap, &off, s) == -1) {
		free(out);
		return NULL;
	}
	return out;
}

#define PARALLEL	8

struct pending {
	const char	*full;		/* the list's name */
	const char	*shortname;
	const char	*version;
	char		*url;
};

/*
 * Checks that doc is the piece p names (an object with its name and
 * version) and upserts it: 1 inserted, 2 updated, 0 unchanged, or -1 with
 * why.  The sync's one way into the catalogue, for fetched and snapshot
 * pieces alike; doc stays the caller's.
 */
static int
store_doc(struct db *db, const struct pending *p, json_object *doc,
    char *why, size_t whysz)
{
	const char	*dn, *dv;
	int		 outcome = -1;

	if (doc == NULL || !json_object_is_type(doc, json_type_object)) {
		snprintf(why, whysz, "the answer is not a JSON object");
		return -1;
	}
	dn = json_str(doc, "name");
	dv = json_str(doc, "version");
	if (dn == NULL || dv == NULL || strcmp(piece_short_name(dn),
	    p->shortname) != 0 || strcmp(dv, p->version) != 0) {
		snprintf(why, whysz, "the answer is not %s@%s", p->shortname,
		    p->version);
		return -1;
	}
	if (db_piece_upsert(db, p->shortname, json_object_to_json_string_ext(
	    doc, JSON_C_TO_STRING_PLAIN), &outcome) != DB_OK) {
		snprintf(why, whysz, "the database refused it");
		outcome = -1;
	}
	return outcome;
}

/* Stores one fetched piece; returns 1, 2, 0 (as upsert) or -1 with why. */
static int
store_one(struct db *db, const struct pending *p, enum egress_rc orc,
    struct egress_resp *resp, const char *detail, char *why, size_t whysz)
{
	json_object	*doc = NULL;
	int		 outcome = -1;

	if (orc != EG_OK) {
		snprintf(why, whysz, "%s (%.150s)%s", egress_rc_str(orc),
		    detail, orc == EG_REFUSED ? "; see APCONN_OUTBOUND_ALLOW" :
		    "");
		return -1;
	}
	if (resp->status != 200) {
		snprintf(why, whysz, "HTTP %ld from %.200s", resp->status,
		    p->url != NULL ? p->url : "?");
		goto out;
	}
	doc = json_tokener_parse(resp->body);
	outcome = store_doc(db, p, doc, why, whysz);
out:
	json_object_put(doc);
	egress_resp_free(resp);
	return outcome;
}

/* Counts one stored piece (out as store_doc's) into r and says so. */
static void
tally(const struct pending *p, int out, const char *why,
    struct sync_result *r, void (*say)(const char *))
{
	char	line[768];

	if (out < 0) {
		snprintf(line, sizeof(line), "failed %s@%s: %s", p->shortname,
		    p->version, why);
		r->failed++;
	} else {
		snprintf(line, sizeof(line), "synced %s@%s (%s)", p->shortname,
		    p->version, out == 1 ? "inserted" : out == 2 ? "updated" :
		    "unchanged");
		if (out == 1)
			r->inserted++;
		else if (out == 2)
			r->updated++;
		else
			r->unchanged++;
	}
	say(line);
}

/*
 * Fetches the pending pieces, PARALLEL at a time, and stores each in
 * turn, counting into r and reporting through say().
 */
static void
flush(struct db *db, const struct sync_opts *o, struct pending *p, size_t n,
    struct sync_result *r, void (*say)(const char *))
{
	struct egress_req	 q[PARALLEL];
	struct egress_resp	 resp[PARALLEL];
	enum egress_rc		 rc[PARALLEL];
	char			 detail[PARALLEL][160], key[512], why[384];
	const char		*h[3] = { "Accept: application/json", NULL, NULL };
	size_t			 i;
	int			 out;

	if (n == 0)
		return;
	if (o->api_key != NULL && *o->api_key != '\0') {
		snprintf(key, sizeof(key), "api-key: %s", o->api_key);
		h[1] = key;
	}
	for (i = 0; i < n; i++) {
		memset(&q[i], 0, sizeof(q[i]));
		q[i].method = "GET";
		q[i].url = p[i].url;
		q[i].headers = h;
		q[i].connect_timeout_ms = 5000;
		q[i].timeout_ms = 60000;
		q[i].max_body = PIECE_MAX;
		q[i].kind = metric_call_sync;
	}
	egress_perform_many(q, n, PARALLEL, resp, rc, detail);
	for (i = 0; i < n; i++) {
		out = store_one(db, &p[i], rc[i], &resp[i], detail[i], why,
		    sizeof(why));
		tally(&p[i], out, why, r, say);
		free(p[i].url);
		p[i].url = NULL;
	}
}

/*
 * The names of only (comma-separated) that no entry of the list's first
 * n carries, comma-separated in out ("" when none, or no --only).
 */
static void
only_missing(const char *only, json_object *list, size_t n, char *out,
    size_t outsz)
{
	const char	*name;
	char		 one[256];
	size_t		 i, off = 0;
	int		 found;

	out[0] = '\0';
	if (only == NULL)
		return;
	while (next_name(&only, one, sizeof(one))) {
		for (i = 0, found = 0; i < n && !found; i++) {
			name = json_str(json_object_array_get_idx(list, i),
			    "name");
			found = name != NULL && strcmp(piece_short_name(name),
			    piece_short_name(one)) == 0;
		}
		if (!found && off + strlen(one) + 2 < outsz)
			off += (size_t)snprintf(out + off, outsz - off, "%s%s",
			    off ? "," : "", one);
	}
}

/* The single-piece URL of p, or NULL. */
static char *
piece_url(const struct sync_opts *o, const char *full, const char *version)
{
	char	*en, *ev, *url = NULL;
	size_t	 n;

	en = url_escape(full);
	ev = url_escape(version);
	if (en != NULL && ev != NULL) {
		n = strlen(o->base) + strlen(en) + strlen(ev) + 32;
		if ((url = malloc(n)) != NULL)
			snprintf(url, n, "%s/pieces/%s?version=%s", o->base, en,
			    ev);
	}
	free(en);
	free(ev);
	return url;
}

/*
 * The JSON document in the file path, of at most SNAPSHOT_MAX bytes and
 * the depth a fetched piece may have inside an array: a new object the
 * caller puts, or NULL with why naming the file (and the line where it
 * stops being JSON).
 */
static json_object *
snapshot_file(const char *path, char *why, size_t whysz)
{
	struct json_tokener	*tok = NULL;
	enum json_tokener_error	 jerr;
	json_object		*doc = NULL;
	struct stat		 st;
	FILE			*f;
	char			*text = NULL;
	size_t			 len, end, i, line;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(why, whysz, "%.300s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "%.300s: not a file", path);
		goto out;
	}
	if (st.st_size > SNAPSHOT_MAX) {
		snprintf(why, whysz, "%.300s: over %d MB", path,
		    SNAPSHOT_MAX / (1024 * 1024));
		goto out;
	}
	if ((text = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(why, whysz, "%.300s: out of memory", path);
		goto out;
	}
	len = fread(text, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		snprintf(why, whysz, "%.300s: %s", path, strerror(errno));
		goto out;
	}
	text[len] = '\0';
	if ((tok = json_tokener_new_ex(JSON_DEPTH_MAX + 1)) == NULL) {
		snprintf(why, whysz, "%.300s: out of memory", path);
		goto out;
	}
	doc = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_success)
		end += strspn(text + end, " \t\r\n");
	if (jerr != json_tokener_success || end < len) {
		for (i = 0, line = 1; i < end && i < len; i++)
			line += text[i] == '\n';
		snprintf(why, whysz, "%.300s:%zu: not JSON (%s)", path, line,
		    jerr == json_tokener_continue ? "it ends too soon" :
		    jerr != json_tokener_success ?
		    json_tokener_error_desc(jerr) : "more after the end");
		json_object_put(doc);
		doc = NULL;
	}
out:
	if (tok != NULL)
		json_tokener_free(tok);
	free(text);
	fclose(f);
	return doc;
}

/* scandir(3)'s filter: the *.json files of a snapshot directory. */
static int
snapshot_name(const struct dirent *d)
{
	size_t	len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 5 &&
	    strcmp(d->d_name + len - 5, ".json") == 0;
}

/* Appends doc (an array's entries, or doc itself) to list; puts doc. */
static void
snapshot_add(json_object *list, json_object *doc)
{
	size_t	i, n;

	if (json_object_is_type(doc, json_type_array)) {
		n = json_object_array_length(doc);
		for (i = 0; i < n; i++)
			json_object_array_add(list, json_object_get(
			    json_object_array_get_idx(doc, i)));
	} else
		json_object_array_add(list, json_object_get(doc));
	json_object_put(doc);
}

/*
 * The pieces of a snapshot at path, as a new array the caller puts: a
 * file holding a JSON array of per-piece answers (or one answer), or a
 * directory whose *.json files each hold one answer or an array of them,
 * read in name order.  Every file must be JSON: NULL, with why naming the
 * first that is not, reads none of them.
 */
static json_object *
snapshot_read(const char *path, char *why, size_t whysz)
{
	struct dirent	**names = NULL;
	struct stat	  st;
	json_object	 *list = NULL, *doc;
	char		  file[4096];
	int		  i, n = 0;

	if (stat(path, &st) == -1) {
		snprintf(why, whysz, "%.300s: %s", path, strerror(errno));
		return NULL;
	}
	if (!S_ISDIR(st.st_mode)) {
		if ((doc = snapshot_file(path, why, whysz)) == NULL)
			return NULL;
		if (!json_object_is_type(doc, json_type_array) &&
		    !json_object_is_type(doc, json_type_object)) {
			snprintf(why, whysz, "%.300s: not a JSON array of "
			    "pieces", path);
			json_object_put(doc);
			return NULL;
		}
		list = json_object_new_array();
		snapshot_add(list, doc);
		return list;
	}
	if ((n = scandir(path, &names, snapshot_name, alphasort)) == -1) {
		snprintf(why, whysz, "%.300s: %s", path, strerror(errno));
		return NULL;
	}
	if (n == 0)
		snprintf(why, whysz, "%.300s: no .json files", path);
	else
		list = json_object_new_array();
	for (i = 0; i < n && list != NULL; i++) {
		snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
		if ((doc = snapshot_file(file, why, whysz)) == NULL) {
			json_object_put(list);
			list = NULL;
		} else
			snapshot_add(list, doc);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return list;
}

/*
 * Runs one sync: the list, then the new or changed pieces, fetched
 * PARALLEL at a time; or, with o->from, the pieces of a snapshot, each
 * taken as the list's entry and the piece's answer at once.  say() gets
 * one line per piece and event.  Returns 0 when nothing failed, 1 when a
 * piece failed, -1 when the list (or the snapshot) could not be read,
 * and then nothing was stored.
 */
int
piece_sync(struct db *db, const struct sync_opts *o, struct sync_result *r,
    void (*say)(const char *))
{
	struct egress_resp	 resp;
	struct timespec		 t0, t1;
	json_object		*list = NULL, *e;
	struct pending		 p[PARALLEL], one;
	char			 url[2048], detail[256], line[768], why[384];
	const char		*name, *version, *updated, *shortname;
	enum egress_rc		 orc;
	size_t			 i, n, np = 0;
	int			 known, rc = -1;

	memset(r, 0, sizeof(*r));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (o->from != NULL) {
		if ((list = snapshot_read(o->from, why, sizeof(why))) == NULL) {
			snprintf(line, sizeof(line), "cannot read the snapshot "
			    "%s", why);
			say(line);
			goto done;
		}
		goto listed;
	}
	snprintf(url, sizeof(url), "%s/pieces", o->base);
	orc = fetch(o, url, LIST_MAX, &resp, detail, sizeof(detail));
	if (orc != EG_OK) {
		snprintf(line, sizeof(line), "cannot read the piece list at "
		    "%.300s: %s (%.150s)%s", url, egress_rc_str(orc), detail,
		    orc == EG_REFUSED ? "; see APCONN_OUTBOUND_ALLOW" : "");
		say(line);
		goto done;
	}
	if (resp.status != 200) {
		snprintf(line, sizeof(line), "cannot read the piece list: HTTP "
		    "%ld from %.300s", resp.status, url);
		say(line);
		if (orc == EG_OK)
			egress_resp_free(&resp);
		goto done;
	}
	list = json_tokener_parse(resp.body);
	egress_resp_free(&resp);
	if (list == NULL || !json_object_is_type(list, json_type_array)) {
		say("cannot read the piece list: not a JSON array");
		goto done;
	}
listed:
	n = json_object_array_length(list);
	if (o->limit > 0 && n > (size_t)o->limit)
		n = (size_t)o->limit;
	for (i = 0; i < n; i++) {
		if (o->progress != NULL) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			o->progress(i, n, (double)(t1.tv_sec - t0.tv_sec) +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
		}
		e = json_object_array_get_idx(list, i);
		name = json_str(e, "name");
		version = json_str(e, "version");
		updated = json_str(e, "updated");
		if (name == NULL || version == NULL) {
			snprintf(line, sizeof(line), "failed entry %zu: no "
			    "name or version", i + 1);
			say(line);
			r->failed++;
			continue;
		}
		shortname = piece_short_name(name);
		if (!wanted(o->only, shortname))
			continue;
		r->listed++;
		if (db_piece_known(db, shortname, version, updated, &known) !=
		    DB_OK) {
			snprintf(line, sizeof(line), "failed %s@%s: database "
			    "unavailable", shortname, version);
			say(line);
			r->failed++;
			continue;
		}
		if (known) {
			r->unchanged++;
			continue;
		}
		if (o->dry) {
			snprintf(line, sizeof(line), "would sync %s@%s",
			    shortname, version);
			say(line);
			continue;
		}
		if (o->from != NULL) {
			one.full = name;
			one.shortname = shortname;
			one.version = version;
			one.url = NULL;
			tally(&one, store_doc(db, &one, e, why, sizeof(why)),
			    why, r, say);
			continue;
		}
		p[np].full = name;
		p[np].shortname = shortname;
		p[np].version = version;
		if ((p[np].url = piece_url(o, name, version)) == NULL) {
			snprintf(line, sizeof(line), "failed %s@%s: out of "
			    "memory", shortname, version);
			say(line);
			r->failed++;
			continue;
		}
		if (++np == PARALLEL) {
			flush(db, o, p, np, r, say);
			np = 0;
		}
	}
	flush(db, o, p, np, r, say);
	only_missing(o->only, list, n, r->missing, sizeof(r->missing));
	rc = r->failed ? 1 : 0;
done:
	json_object_put(list);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->elapsed = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc;
}
