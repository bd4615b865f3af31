/*
 * Connection events, delivered: the job process publishes the events the
 * triggers recorded (db/events.c) and POSTs each to the webhook endpoints
 * that take it, signed, through the guarded outbound client
 * (fcgi/egress.c: allow-list, no redirects, timeouts).  At least once, in
 * order per connection and endpoint: a delivery is marked only after its
 * endpoint answered, and one is due only when no earlier event of its
 * connection is pending for that endpoint.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "../fcgi/cfg.h"
#include "../fcgi/egress.h"
#include "../fcgi/log.h"
#include "../fcgi/metrics.h"
#include "../db/db.h"
#include "../db/seal.h"
#include "service.h"
#include "events.h"

#define DUE_BATCH	20		/* deliveries locked at a time */
#define PUBLISH_BATCH	1000
#define RUN_SECONDS	5		/* a run stops taking more after */

/*
 * The signature header's value for body sent at t with secret:
 * "t=<t>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>".  Returns 0, or -1.
 */
int
event_sign(const char *secret, size_t secretlen, long long t,
    const char *body, char *out, size_t outsz)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 mac[EVP_MAX_MD_SIZE];
	unsigned int		 maclen = 0, i;
	char			 ts[32], hexmac[2 * EVP_MAX_MD_SIZE + 1];
	EVP_MAC			*m = NULL;
	EVP_MAC_CTX		*ctx = NULL;
	OSSL_PARAM		 p[2];
	size_t			 got = 0;
	int			 rc = -1;

	snprintf(ts, sizeof(ts), "%lld", t);
	if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(m)) == NULL)
		goto out;
	p[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256",
	    0);
	p[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(ctx, (const unsigned char *)secret, secretlen, p) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)".", 1) ||
	    !EVP_MAC_update(ctx, (const unsigned char *)body, strlen(body)) ||
	    !EVP_MAC_final(ctx, mac, &got, sizeof(mac)))
		goto out;
	maclen = (unsigned int)got;
	for (i = 0; i < maclen; i++) {
		hexmac[2 * i] = hex[mac[i] >> 4];
		hexmac[2 * i + 1] = hex[mac[i] & 15];
	}
	hexmac[2 * maclen] = '\0';
	if (snprintf(out, outsz, "t=%s,v1=%s", ts, hexmac) < (int)outsz)
		rc = 0;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(m);
	return rc;
}

/*
 * Seconds until the next try after a failed attempt that was the
 * attempts-th (from 1): 2^(attempts - 1) up to retry_max, +-20% at random.
 */
static double
backoff(int attempts, int retry_max)
{
	unsigned int	r = 0;
	double		d;

	d = attempts > 31 ? (double)retry_max : (double)(1UL <<
	    (attempts > 0 ? attempts - 1 : 0));
	if (d > retry_max)
		d = retry_max;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = 0x80000000U;
	return d * (0.8 + 0.4 * ((double)r / 4294967295.0));
}

/*
 * Sends one delivery and records what came of it.  Whatever it opens
 * belongs to c->arena.  Returns the outcome counted.
 */
static enum delivery_outcome
deliver_one(struct core *c, const struct delivery *d, struct events_tally *t)
{
	struct egress_req	 q;
	struct egress_resp	 er;
	enum egress_rc		 orc;
	enum delivery_outcome	 out;
	const char		*secret, *h[7];
	char			 aad[128], sig[160], detail[256], why[300];
	char			 hid[64], htype[96], hatt[48];
	long			 status = 0;
	double			 delay = 0;
	int			 attempt = d->attempts + 1, retry_max, retry_for;

	retry_max = c->cfg != NULL ? c->cfg->event_retry_max : 3600;
	retry_for = c->cfg != NULL ? c->cfg->event_retry_for : 86400;
	snprintf(aad, sizeof(aad), "webhook_endpoint:%s", d->endpoint_id);
	if ((secret = vault_open_string(c, aad, &d->secret)) == NULL) {
		snprintf(why, sizeof(why), "the endpoint's secret cannot be "
		    "opened");
		goto failed;
	}
	if (event_sign(secret, strlen(secret), (long long)time(NULL),
	    d->body, sig, sizeof(sig)) == -1) {
		snprintf(why, sizeof(why), "cannot sign");
		goto failed;
	}
	snprintf(hid, sizeof(hid), "Apconn-Event-Id: %s", d->event_id);
	snprintf(htype, sizeof(htype), "Apconn-Event-Type: %s", d->type);
	snprintf(hatt, sizeof(hatt), "Apconn-Delivery-Attempt: %d", attempt);
	h[0] = "Content-Type: application/json";
	h[1] = hid;
	h[2] = htype;
	h[3] = hatt;
	h[4] = arena_printf(c->arena, "Apconn-Signature: %s", sig);
	h[5] = "User-Agent: apconn-webhook/" PACKAGE_VERSION;
	h[6] = NULL;
	if (h[4] == NULL) {
		snprintf(why, sizeof(why), "out of memory");
		goto failed;
	}
	memset(&q, 0, sizeof(q));
	q.method = "POST";
	q.url = d->url;
	q.headers = h;
	q.body = d->body;
	q.bodylen = strlen(d->body);
	q.connect_timeout_ms = 5000;
	q.timeout_ms = 10000;
	q.max_body = 64 * 1024;
	q.kind = metric_call_webhook;
	orc = egress_perform(&q, &er, detail, sizeof(detail));
	if (orc == EG_OK) {
		status = er.status;
		egress_resp_free(&er);
		if (status >= 200 && status <= 299) {
			out = DELIVERY_DELIVERED;
			if (db_delivery_done(c->db, d, "delivered", status, NULL,
			    0) != DB_OK)
				log_warnx("events: delivery of event %s to "
				    "endpoint %s: cannot record it", d->event_id,
				    d->endpoint_id);
			t->delivered++;
			goto done;
		}
		snprintf(why, sizeof(why), "the endpoint answered %ld", status);
	} else
		snprintf(why, sizeof(why), "%s", egress_rc_str(orc));
	log_warnx("events: delivery of event %s to endpoint %s (attempt %d): "
	    "%s%s%s", d->event_id, d->endpoint_id, attempt, why,
	    orc != EG_OK ? ": " : "", orc != EG_OK ? detail : "");
failed:
	if (d->age >= retry_for) {
		out = DELIVERY_FAILED;
		t->failed++;
		log_warnx("events: gave up delivering event %s to endpoint %s "
		    "after %d attempts", d->event_id, d->endpoint_id, attempt);
	} else {
		out = DELIVERY_RETRY;
		t->retried++;
		delay = backoff(attempt, retry_max);
		if (delay > (double)(retry_for - d->age))
			delay = (double)(retry_for - d->age);
	}
	if (db_delivery_done(c->db, d, out == DELIVERY_FAILED ? "failed" :
	    "pending", status, why, delay) != DB_OK)
		log_warnx("events: delivery of event %s to endpoint %s: "
		    "cannot record it", d->event_id, d->endpoint_id);
done:
	metrics_count(metric_deliveries, out, 1);
	return out;
}

/*
 * One run of the event job: publishes what was recorded, then delivers
 * what is due, a locked batch at a time, for at most RUN_SECONDS (what
 * is left waits for the next run), and sets the oldest-pending gauge.
 * Returns 0, or -1 when the database failed.
 */
int
events_run(struct db *db, const struct config *cfg, struct keyring *keys,
    struct events_tally *t)
{
	struct arena		 batch, step;
	struct core		 c;
	struct delivery		*rows;
	size_t			 n, i;
	long			 published;
	long long		 oldest;
	time_t			 until = time(NULL) + RUN_SECONDS;
	int			 rc = -1;

	memset(t, 0, sizeof(*t));
	if (db_events_publish(db, PUBLISH_BATCH, &published) != DB_OK)
		return -1;
	t->published = (unsigned long)published;
	arena_init(&batch, 4 << 20);
	arena_init(&step, 1 << 20);
	memset(&c, 0, sizeof(c));
	c.arena = &step;
	c.db = db;
	c.keys = keys;
	c.cfg = cfg;
	c.reqid = "events";
	c.quiet = 1;
	while (time(NULL) < until) {
		arena_reset(&batch);
		if (db_begin(db) != DB_OK)
			goto out;
		if (db_deliveries_due(db, &batch, DUE_BATCH, &rows, &n) !=
		    DB_OK) {
			db_rollback(db);
			goto out;
		}
		if (n == 0) {
			db_rollback(db);
			break;
		}
		for (i = 0; i < n; i++) {
			deliver_one(&c, &rows[i], t);
			arena_reset(&step);
		}
		if (db_commit(db) != DB_OK)
			goto out;
	}
	rc = 0;
	if (db_events_oldest(db, &oldest) == DB_OK)
		metrics_gauge_set(metric_oldest_pending,
		    (unsigned long long)(oldest > 0 ? oldest : 0));
out:
	arena_free(&batch);
	arena_free(&step);
	return rc;
}
