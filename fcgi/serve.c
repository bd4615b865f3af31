/*
 * The FastCGI glue: the accept loop, reading the body, writing the answer
 * and the access log line.  The only file besides main.c that calls FCGX_*.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "cfg.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "serve.h"

#define IDLE_WAKE_S	1
#define FIRST_BYTES_MS	2000	/* a connection that sends nothing */

volatile sig_atomic_t	serve_quit;

static void
on_term(int sig)
{
	(void)sig;
	serve_quit = 1;
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/*
 * SIGTERM and SIGINT end the worker after the request in progress; they
 * interrupt accept() (no SA_RESTART), so an idle worker leaves at once.
 * SIGALRM only interrupts an idle accept() (idle_timer()).  Neither is
 * passed to libfcgi (FCGX_ShutdownPending()): see next_connection().
 */
void
serve_signals(void)
{
	struct sigaction	sa;
	sigset_t		set;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
}

static int
read_body(FCGX_Request *f, struct req *r)
{
	size_t	got = 0;
	int	n;

	if (r->clen == 0)
		return 0;
	if ((r->body = arena_alloc(r->arena, r->clen + 1)) == NULL)
		return 413;
	while (got < r->clen) {
		n = FCGX_GetStr(r->body + got, (int)(r->clen - got), f->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != r->clen)
		return 400;
	r->body[got] = '\0';
	r->bodysz = got;
	return 0;
}

static void
write_resp(FCGX_Request *f, const struct req *r, struct resp *resp)
{
	char		 head[4096];
	const char	*body;
	size_t		 len;
	int		 n;

	body = resp_body_text(resp, &len);
	if ((n = resp_render_head(r, resp, len, head, sizeof(head))) < 0) {
		resp->nhdr = 0;
		resp->status = 500;
		body = "{\"error\":\"Internal error\",\"code\":\"internal\"}";
		len = strlen(body);
		n = resp_render_head(r, resp, len, head, sizeof(head));
	}
	FCGX_PutStr(head, n, f->out);
	if (len > 0 && r->method != M_HEAD && resp->status != 204 &&
	    resp->status != 304)
		FCGX_PutStr(body, (int)len, f->out);
}

/*
 * Ends the request.  When all of it was read (drained: the body, if any,
 * was; then the empty record that ends the input is waited for), nothing
 * the server sends is left unread, and a connection to close is closed at
 * once.  Otherwise libfcgi half-closes it and reads until the server
 * closes its end, so that unread input does not reset the answer.  (A
 * request is "detached" in libfcgi's terms for the first; the flag is set
 * or cleared at every request, as a kept connection does not reset it.)
 */
static void
finish(FCGX_Request *f, int drained)
{
	if (drained && FCGX_GetChar(f->in) == EOF && FCGX_HasSeenEOF(f->in))
		(void)FCGX_Detach(f);
	else
		(void)FCGX_Attach(f);
	FCGX_Finish_r(f);
}

/* Microseconds since t0. */
static long
elapsed_us(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000;
}

static void
access_log(const struct req *r, int status, long us)
{
	char	path[256], method[16];

	log_clean(path, sizeof(path), r->path ? r->path : "-");
	log_clean(method, sizeof(method), r->method_name ? r->method_name :
	    "-");
	log_info("%s %s %s %d %ld.%03ldms", r->id, method, path, status,
	    us / 1000, us % 1000);
}

/*
 * Arms (on) or disarms the alarm that wakes a worker idle in accept()
 * every IDLE_WAKE_S seconds, so that w->after() runs while no request
 * comes: notifications are read as they arrive, not piled up, and uses
 * are written.  Armed only around accept(): no request's system call is
 * ever interrupted.
 */
static void
idle_timer(const struct worker *w, int on)
{
	struct itimerval	it;

	if (w->after == NULL)
		return;
	memset(&it, 0, sizeof(it));
	if (on)
		it.it_value.tv_sec = IDLE_WAKE_S;
	setitimer(ITIMER_REAL, &it, NULL);
}

/*
 * Accepts the next connection on w->listen_fd, the idle alarm armed
 * meanwhile, and waits up to FIRST_BYTES_MS for its first bytes, a
 * signal resuming the wait: a connection once accepted is served.
 * libfcgi's own accept closes a connection when a signal interrupts that
 * wait (the idle alarm dropped a request whose web server was slow to
 * write it), and, asked to shut down then, loops without end.  As
 * libfcgi does, a connection that sends nothing in time is closed.
 * Returns the connection, or -1 with errno: EINTR (a signal while idle),
 * EAGAIN (the connection sent nothing or went away), else accept's.
 */
static int
next_connection(const struct worker *w)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);
	struct pollfd		 pfd;
	struct timespec		 accepted;
	long			 left;
	int			 fd, n, one = 1;

	idle_timer(w, 1);
	fd = accept4(w->listen_fd, (struct sockaddr *)&ss, &len,
	    SOCK_CLOEXEC);
	idle_timer(w, 0);
	if (fd == -1) {
		if (errno == ECONNABORTED || errno == EPROTO)
			errno = EAGAIN;
		return -1;
	}
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	clock_gettime(CLOCK_MONOTONIC, &accepted);
	pfd.fd = fd;
	pfd.events = POLLIN;
	do {
		left = FIRST_BYTES_MS - elapsed_us(&accepted) / 1000;
		n = poll(&pfd, 1, left > 0 ? (int)left : 0);
	} while (n == -1 && errno == EINTR);
	if (n != 1) {
		close(fd);
		errno = EAGAIN;
		return -1;
	}
	return fd;
}

/*
 * The next request into f: read from a connection next_connection()
 * accepted or, when the last request kept its connection open, from that
 * one (libfcgi waits for it, the idle alarm armed).  Returns 0, or -1
 * with errno as next_connection().
 */
static int
next_request(const struct worker *w, FCGX_Request *f)
{
	int	fd, rc;

	if (f->ipcFd >= 0) {
		idle_timer(w, 1);
		rc = FCGX_Accept_r(f);
		idle_timer(w, 0);
		return rc < 0 ? -1 : 0;
	}
	if ((fd = next_connection(w)) == -1)
		return -1;
	/*
	 * libfcgi reads a connection it finds open; marked kept, it is not
	 * closed as the end of a previous request first.
	 */
	f->ipcFd = fd;
	f->keepConnection = 1;
	if (FCGX_Accept_r(f) < 0) {
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

/* w->after(), with the arena it may use emptied after it. */
static void
after(const struct worker *w, struct arena *a)
{
	if (w->after != NULL) {
		w->after(w->db, a);
		arena_reset(a);
	}
}

/*
 * Serves requests on w->listen_fd until serve_quit is set.  Returns 0 on
 * an orderly stop, -1 when accept fails for good.
 */
int
serve(const struct worker *w)
{
	FCGX_Request	 f;
	struct arena	 a;
	struct req	 r;
	struct resp	 resp;
	struct timespec	 t0;
	long		 us;
	int		 status, drained, rc = 0;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&f, w->listen_fd,
	    FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_warnx("FCGX_Init failed");
		return -1;
	}
	arena_init(&a, ARENA_MAX);
	while (!serve_quit) {
		if (next_request(w, &f) == -1) {
			if (serve_quit)
				continue;
			if (errno == EINTR || errno == EAGAIN) {
				after(w, &a);
				continue;
			}
			log_warn("accept");
			rc = -1;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		memset(&resp, 0, sizeof(resp));
		status = req_init(&r, &a, f.envp);
		r.db = w->db;
		r.cfg = w->cfg;
		r.keys = w->keys;
		if (w->set_reqid != NULL)
			w->set_reqid(w->db, r.id);
		if (status == 0)
			status = read_body(&f, &r);
		drained = status == 0;
		if (status == 0)
			status = w->dispatch(&r, &resp);
		else if (status == 413)
			status = resp_error(&resp, 413, "payload_too_large",
			    "Request body too large");
		else if (status == 400)
			status = resp_error(&resp, 400, "bad_request",
			    "Malformed request");
		else
			status = resp_error(&resp, 500, "internal",
			    "Internal error");
		resp.status = status;
		write_resp(&f, &r, &resp);
		/*
		 * Counted and logged before the end of the answer goes out:
		 * whoever has the answer finds its line in the log.
		 */
		us = elapsed_us(&t0);
		metrics_request(r.route, r.method, resp.status, us);
		if (w->cfg == NULL || w->cfg->access_log)
			access_log(&r, resp.status, us);
		finish(&f, drained);
		if (resp.secret)
			resp_wipe(&resp);
		json_object_put(resp.body);
		if (w->set_reqid != NULL)
			w->set_reqid(w->db, NULL);
		arena_reset(&a);
		after(w, &a);
	}
	FCGX_Free(&f, 1);
	arena_free(&a);
	return rc;
}
