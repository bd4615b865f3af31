/*
 * The shared counters (fcgi/metrics.c): a no-op until created, requests
 * by route, method and status, what features register before the fork,
 * the rendered page; and who may read it without a credential
 * (addr_allowed() in handlers/metrics.c).
 */
#include "config.h"

#include <string.h>

#include <check.h>

#include "fcgi/http.h"
#include "fcgi/metrics.h"
#include "handlers/handlers.h"
#include "unit.h"

/* The page, rendered into a static buffer. */
static const char *
page(void)
{
	static char	buf[1 << 20];
	long		n;

	n = metrics_render(buf, sizeof(buf));
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	return buf;
}

START_TEST(test_metrics_inactive)
{
	char	buf[64];

	/* Never created (tools, tests): everything is a no-op. */
	metrics_request(NULL, M_GET, 200, 10);
	metrics_sealed("k1");
	ck_assert_int_eq(metrics_active(), 0);
	ck_assert_int_eq(metrics_render(buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_metrics_requests)
{
	const struct route	*pieces = NULL, *rt;
	const char		*p;

	for (rt = routes; rt->pattern != NULL; rt++)
		if (strcmp(rt->pattern, "/api/pieces") == 0)
			pieces = rt;
	ck_assert_ptr_nonnull(pieces);
	ck_assert_int_eq(metrics_create(routes, 1), 0);
	metrics_request(pieces, M_GET, 200, 1000);	/* on the bound */
	metrics_request(pieces, M_GET, 200, 1001);
	metrics_request(pieces, M_HEAD, 304, 20000000);	/* past 10 s */
	metrics_request(NULL, M_GET, 404, 5);
	metrics_request(NULL, 0, 299, 5);		/* odd method, status */
	p = page();
	ck_assert_ptr_nonnull(strstr(p, "apconn_requests_total{route="
	    "\"/api/pieces\",method=\"GET\",status=\"200\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_requests_total{route="
	    "\"/api/pieces\",method=\"HEAD\",status=\"304\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_requests_total{route="
	    "\"unmatched\",method=\"GET\",status=\"404\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_requests_total{route="
	    "\"unmatched\",method=\"OTHER\",status=\"other\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_bucket"
	    "{route=\"/api/pieces\",method=\"GET\",le=\"0.001\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_bucket"
	    "{route=\"/api/pieces\",method=\"GET\",le=\"0.0025\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_bucket"
	    "{route=\"/api/pieces\",method=\"HEAD\",le=\"10\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_bucket"
	    "{route=\"/api/pieces\",method=\"HEAD\",le=\"+Inf\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_sum"
	    "{route=\"/api/pieces\",method=\"GET\"} 0.002001\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_request_duration_seconds_count"
	    "{route=\"/api/pieces\",method=\"GET\"} 2\n"));
	/* Routes with no request show no series. */
	ck_assert_ptr_null(strstr(p, "route=\"/api/user\""));
}
END_TEST

START_TEST(test_metrics_kids)
{
	const char	*p;
	char		 small[16];

	static const char *const outcomes[] = { "ok", "invalid_grant", NULL };
	static const char *const nine[] = { "1", "2", "3", "4", "5", "6", "7",
	    "8", "9", NULL };
	int		 probe, token, fam, job;

	/* What features register before the counters exist. */
	probe = metrics_call_kind("probe");
	token = metrics_call_kind("oauth2_token");
	ck_assert_int_ne(probe, METRIC_CALL_OTHER);
	ck_assert_int_ne(token, probe);
	fam = metrics_family("apconn_oauth2_refreshes_total", "Refreshes.",
	    "outcome", outcomes);
	ck_assert_int_ge(fam, 0);
	ck_assert_int_eq(metrics_family("x_total", "Too many values.", "v",
	    nine), -1);
	job = metrics_job_kind("oauth2_refresh");
	ck_assert_int_ge(job, 0);
	ck_assert_int_eq(metrics_create(routes, 0), 0);
	/* After the fork point nothing more can be registered. */
	ck_assert_int_eq(metrics_family("late_total", "Late.", "v", outcomes),
	    -1);
	ck_assert_int_eq(metrics_call_kind("late"), METRIC_CALL_OTHER);
	ck_assert_int_eq(metrics_job_kind("late"), -1);
	metrics_key("k2");
	metrics_key("k1");
	metrics_key("k2");		/* once only */
	metrics_sealed("k2");
	metrics_sealed("k2");
	metrics_sealed("nope");		/* unregistered: not counted */
	metrics_call(probe, MO_TIMEOUT);
	metrics_count(fam, 1, 1);
	metrics_count(fam, 2, 1);	/* no such value: not counted */
	metrics_count(-1, 0, 1);	/* never registered: ignored */
	metrics_job(job, 1, 1700000000);
	metrics_leader(1234, 1);
	metrics_leader(99, 0);		/* not the leader: no effect */
	p = page();
	ck_assert_ptr_nonnull(strstr(p, "\napconn_encryptions_total{kid=\"k2\"} 2\n"
	    "apconn_encryptions_total{kid=\"k1\"} 0\n"));
	ck_assert_ptr_null(strstr(p, "nope"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_outbound_calls_total{kind="
	    "\"probe\",outcome=\"timeout\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_outbound_calls_total{kind="
	    "\"oauth2_token\",outcome=\"http_2xx\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(p, "# TYPE apconn_oauth2_refreshes_total "
	    "counter\napconn_oauth2_refreshes_total{outcome=\"ok\"} 0\n"
	    "apconn_oauth2_refreshes_total{outcome=\"invalid_grant\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_job_runs_total{job="
	    "\"oauth2_refresh\",result=\"ok\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "apconn_job_last_success_timestamp_"
	    "seconds{job=\"oauth2_refresh\"} 1700000000\n"));
	ck_assert_ptr_null(strstr(p, "late"));
	ck_assert_ptr_nonnull(strstr(p, "\napconn_jobs_leader 1\n"));
	ck_assert_ptr_nonnull(strstr(p, "\napconn_build_info{version=\""));
	metrics_leader(1234, 0);
	ck_assert_ptr_nonnull(strstr(page(), "\napconn_jobs_leader 0\n"));
	/* Too small a buffer is an error, never a truncated page. */
	ck_assert_int_eq(metrics_render(small, sizeof(small)), -1);
}
END_TEST

START_TEST(test_loopback)
{
	const char	*lo = "127.0.0.0/8, ::1";

	ck_assert_int_eq(addr_allowed(lo, "127.0.0.1"), 1);
	ck_assert_int_eq(addr_allowed(lo, "127.3.2.1"), 1);
	ck_assert_int_eq(addr_allowed(lo, "::1"), 1);
	ck_assert_int_eq(addr_allowed(lo, "::ffff:127.0.0.1"), 1);
	ck_assert_int_eq(addr_allowed(lo, "128.0.0.1"), 0);
	ck_assert_int_eq(addr_allowed(lo, "10.0.0.1"), 0);
	ck_assert_int_eq(addr_allowed(lo, "::ffff:10.0.0.1"), 0);
	ck_assert_int_eq(addr_allowed(lo, "::2"), 0);
	ck_assert_int_eq(addr_allowed(lo, "unix:"), 0);
	ck_assert_int_eq(addr_allowed(lo, "localhost"), 0);
	ck_assert_int_eq(addr_allowed(lo, ""), 0);
	ck_assert_int_eq(addr_allowed(lo, NULL), 0);
	/* Nothing is allowed by default. */
	ck_assert_int_eq(addr_allowed("", "127.0.0.1"), 0);
	ck_assert_int_eq(addr_allowed(NULL, "127.0.0.1"), 0);
	/* One address, networks of any prefix, bad entries skipped. */
	ck_assert_int_eq(addr_allowed("10.1.2.3", "10.1.2.3"), 1);
	ck_assert_int_eq(addr_allowed("10.1.2.3", "10.1.2.4"), 0);
	ck_assert_int_eq(addr_allowed("10.1.2.0/23", "10.1.3.200"), 1);
	ck_assert_int_eq(addr_allowed("10.1.2.0/23", "10.1.4.1"), 0);
	ck_assert_int_eq(addr_allowed("0.0.0.0/0", "192.0.2.1"), 1);
	ck_assert_int_eq(addr_allowed("bogus,10.0.0.0/33,10.9.9.9", "10.9.9.9"),
	    1);
	ck_assert_int_eq(addr_allowed("10.0.0.0/33", "10.0.0.1"), 0);
	ck_assert_int_eq(addr_allowed("2001:db8::/32", "2001:db8:1::5"), 1);
	ck_assert_int_eq(addr_allowed("2001:db8::/32", "2001:db9::5"), 0);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_metrics_inactive);
	tcase_add_test(tc, test_metrics_requests);
	tcase_add_test(tc, test_metrics_kids);
	tcase_add_test(tc, test_loopback);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(metrics_suite());
}
