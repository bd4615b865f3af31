/*
 * The outbound address policy: which resolved addresses a connection may
 * reach, the allow-list grammar, and URLs refused before any connection.
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include <check.h>

#include "fcgi/egress.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const char	*addr;
	int		 port;
	int		 want;
} addrs[] = {
	{ "93.184.216.34", 443, 1 },
	{ "8.8.8.8", 443, 1 },
	{ "2606:2800:220:1:248:1893:25c8:1946", 443, 1 },
	{ "127.0.0.1", 443, 0 },
	{ "127.255.255.254", 80, 0 },
	{ "10.1.2.3", 443, 0 },
	{ "172.16.0.1", 443, 0 },
	{ "172.31.255.255", 443, 0 },
	{ "172.32.0.1", 443, 1 },
	{ "192.168.1.1", 443, 0 },
	{ "169.254.169.254", 80, 0 },
	{ "100.64.0.1", 443, 0 },
	{ "100.127.255.255", 443, 0 },
	{ "100.128.0.1", 443, 1 },
	{ "0.0.0.0", 443, 0 },
	{ "224.0.0.1", 443, 0 },
	{ "255.255.255.255", 443, 0 },
	{ "198.18.0.1", 443, 0 },
	{ "::1", 443, 0 },
	{ "::", 443, 0 },
	{ "::ffff:127.0.0.1", 443, 0 },
	{ "::ffff:8.8.8.8", 443, 0 },
	{ "::127.0.0.1", 443, 0 },
	{ "64:ff9b::a9fe:a9fe", 443, 0 },
	{ "2002:7f00:1::", 443, 0 },
	{ "2002:0808:0808::", 443, 1 },
	{ "fc00::1", 443, 0 },
	{ "fd12:3456::1", 443, 0 },
	{ "fe80::1", 443, 0 },
	{ "ff02::1", 443, 0 },
	{ "2001:db8::1", 443, 0 },
	{ "::ffff:0:127.0.0.1", 443, 0 },
	{ "64:ff9b:1::a9fe:a9fe", 443, 0 },
	{ "2001:0:4136:e378:8000:63bf:3fff:fdd2", 443, 0 },
	{ "2001:4860:4860::8888", 443, 1 },
};

static int
allowed(const char *a, int port)
{
	struct sockaddr_in	s4;
	struct sockaddr_in6	s6;

	memset(&s4, 0, sizeof(s4));
	memset(&s6, 0, sizeof(s6));
	if (inet_pton(AF_INET, a, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		s4.sin_port = htons((unsigned short)port);
		return egress_addr_allowed((struct sockaddr *)&s4, sizeof(s4));
	}
	ck_assert_int_eq(inet_pton(AF_INET6, a, &s6.sin6_addr), 1);
	s6.sin6_family = AF_INET6;
	s6.sin6_port = htons((unsigned short)port);
	return egress_addr_allowed((struct sockaddr *)&s6, sizeof(s6));
}

START_TEST(test_classifier)
{
	char	err[256];

	ck_assert_int_eq(egress_init(NULL, err, sizeof(err)), 0);
	ck_assert_msg(allowed(addrs[_i].addr, addrs[_i].port) ==
	    addrs[_i].want, "%s", addrs[_i].addr);
}
END_TEST

START_TEST(test_allow_list)
{
	char	err[256];

	ck_assert_int_eq(egress_init("127.0.0.1:8443, [::1]:9000,10.0.0.5",
	    err, sizeof(err)), 0);
	ck_assert_int_eq(allowed("127.0.0.1", 8443), 1);
	ck_assert_int_eq(allowed("127.0.0.1", 8444), 0);
	ck_assert_int_eq(allowed("127.0.0.2", 8443), 0);
	ck_assert_int_eq(allowed("::1", 9000), 1);
	ck_assert_int_eq(allowed("::1", 9001), 0);
	ck_assert_int_eq(allowed("10.0.0.5", 1), 1);
	ck_assert_int_eq(allowed("10.0.0.6", 1), 0);
	ck_assert_int_eq(egress_init("localhost", err, sizeof(err)), 0);
	ck_assert_int_eq(allowed("127.0.0.1", 5), 1);
	ck_assert_int_eq(allowed("::1", 5), 1);
	ck_assert_int_eq(egress_init("example.com", err, sizeof(err)), -1);
	ck_assert_int_eq(egress_init("127.0.0.1:0", err, sizeof(err)), -1);
	ck_assert_int_eq(egress_init("127.0.0.1:99999", err, sizeof(err)), -1);
	ck_assert_int_eq(egress_init("[::1", err, sizeof(err)), -1);
	ck_assert_int_eq(egress_init("1.2.3.4:x", err, sizeof(err)), -1);
	ck_assert_int_eq(allowed("127.0.0.1", 5), 0);	/* reset on error */
}
END_TEST

static const char *const refused[] = {
	"file:///etc/passwd",
	"gopher://127.0.0.1:70/",
	"ftp://example.com/",
	"dict://127.0.0.1:11211/",
	"http://example.com/",
	"http://127.0.0.1/",
	"http://2130706433/",
	"http://0x7f.1/",
	"https://user:pass@example.com/",
	"example.com/no-scheme",
	"",
};

START_TEST(test_refused_urls)
{
	struct egress_req	q;
	struct egress_resp	r;
	char			err[256], detail[128];

	ck_assert_int_eq(egress_init("", err, sizeof(err)), 0);
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.url = refused[_i];
	q.timeout_ms = 500;
	ck_assert_int_eq(egress_perform(&q, &r, detail, sizeof(detail)),
	    EG_REFUSED);
	ck_assert_ptr_null(r.body);
}
END_TEST

/* Numeric forms of loopback pass the scheme check but not the address. */
static const char *const loopbacks[] = {
	"https://127.0.0.1:1/",
	"https://2130706433:1/",
	"https://0x7f.1:1/",
	"https://127.1:1/",
	"https://[::1]:1/",
	"https://[::ffff:127.0.0.1]:1/",
	"https://localhost:1/",
};

START_TEST(test_loopback_forms)
{
	struct egress_req	q;
	struct egress_resp	r;
	char			err[256], detail[128];

	ck_assert_int_eq(egress_init("", err, sizeof(err)), 0);
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.url = loopbacks[_i];
	q.timeout_ms = 1000;
	ck_assert_int_eq(egress_perform(&q, &r, detail, sizeof(detail)),
	    EG_REFUSED);
	egress_cleanup();
}
END_TEST

/*
 * An allow-listed address is reachable only as written in the list:
 * other spellings of it are refused before anything is resolved.
 */
static const char *const respelt[] = {
	"http://2130706433:9/",
	"http://0x7f.1:9/",
	"http://0x7f.0.0.1:9/",
	"http://0177.0.0.1:9/",
	"http://127.1:9/",
	"http://127.0.0.01:9/",
	"http://127.0.0.1.:9/",
};

START_TEST(test_respelt_allowed)
{
	struct egress_req	q;
	struct egress_resp	r;
	char			err[256], detail[128];

	ck_assert_int_eq(egress_init("127.0.0.1:9", err, sizeof(err)), 0);
	memset(&q, 0, sizeof(q));
	q.method = "GET";
	q.url = respelt[_i];
	q.timeout_ms = 500;
	ck_assert_int_eq(egress_perform(&q, &r, detail, sizeof(detail)),
	    EG_REFUSED);
	/* As written in the list it passes the check (and port 9 is shut). */
	q.url = "http://127.0.0.1:9/";
	ck_assert_int_ne(egress_perform(&q, &r, detail, sizeof(detail)),
	    EG_REFUSED);
	/* A name that starts with digits is a name. */
	q.url = "https://1password.invalid/";
	ck_assert_int_ne(egress_perform(&q, &r, detail, sizeof(detail)),
	    EG_REFUSED);
	egress_cleanup();
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("egress");
	TCase	*tc = tcase_create("egress");
	SRunner	*sr;
	int	 failed;

	tcase_add_loop_test(tc, test_classifier, 0, NELEM(addrs));
	tcase_add_test(tc, test_allow_list);
	tcase_add_loop_test(tc, test_refused_urls, 0, NELEM(refused));
	tcase_add_loop_test(tc, test_respelt_allowed, 0,
	    sizeof(respelt) / sizeof(respelt[0]));
	tcase_add_loop_test(tc, test_loopback_forms, 0, NELEM(loopbacks));
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
