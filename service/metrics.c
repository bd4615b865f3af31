/*
 * The counters the services register with the shared metrics (fcgi/metrics.h):
 * OAuth2 refreshes, the piece sync, the purposes of their outbound calls
 * and the background jobs.  Until service_metrics_init() the handles count
 * nothing (-1) or count as "other" calls.
 */
#include "config.h"

#include "../fcgi/metrics.h"
#include "service.h"

int	metric_refreshes = -1;
int	metric_sync_pieces = -1;
int	metric_call_token = METRIC_CALL_OTHER;
int	metric_call_sync = METRIC_CALL_OTHER;
int	metric_job_sync = -1;
int	metric_job_refresh = -1;
int	metric_deliveries = -1;
int	metric_oldest_pending = -1;
int	metric_call_webhook = METRIC_CALL_OTHER;

static const char *const refresh_values[] = {
	"ok", "invalid_grant", "expired", "failed", NULL
};
static const char *const delivery_values[] = {
	"delivered", "retry", "failed", NULL
};
static const char *const sync_values[] = {
	"inserted", "updated", "unchanged", "failed", NULL
};

/* Registers the services' counters; call once, before metrics_create(). */
void
service_metrics_init(void)
{
	metric_call_token = metrics_call_kind("oauth2_token");
	metric_call_sync = metrics_call_kind("piece_sync");
	metric_refreshes = metrics_family("apconn_oauth2_refreshes_total",
	    "OAuth2 token refreshes, by outcome.", "outcome", refresh_values);
	metric_sync_pieces = metrics_family("apconn_piece_sync_pieces_total",
	    "Pieces the background sync handled, by result.", "result",
	    sync_values);
	metric_job_sync = metrics_job_kind("piece_sync");
	metric_job_refresh = metrics_job_kind("oauth2_refresh");
	metric_call_webhook = metrics_call_kind("webhook");
	metric_deliveries = metrics_family("apconn_event_deliveries_total",
	    "Webhook deliveries of connection events, by outcome: delivered, "
	    "retry (failed, tried again later), failed (given up).",
	    "outcome", delivery_values);
	metric_oldest_pending = metrics_gauge(
	    "apconn_event_oldest_pending_seconds", "How long the oldest "
	    "connection event not yet delivered to every endpoint has waited "
	    "(as the jobs' leader last saw it; 0: none).");
}
