/*
 * apconn-fcgi: the prefork master.  It binds the listening sockets, forks
 * the worker groups (the main pool and, optionally, the outbound pool for
 * routes that call third parties), respawns workers that die, reloads on
 * SIGHUP (new workers first, then the old ones finish their request and
 * leave) and stops gracefully on SIGTERM/SIGINT.  Started by spawn-fcgi
 * (a listening socket on fd 0 and no --listen) it runs one worker loop;
 * so it does under Apache's mod_fcgid and lighttpd, which start such
 * processes themselves (--pool names the group a process serves).
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "cfg.h"
#include "egress.h"
#include "log.h"
#include "metrics.h"
#include "serve.h"
#include "../db/db.h"
#include "../db/seal.h"
#include "../handlers/handlers.h"
#include "../service/jobs.h"

#define EX_USAGE	64
#define MAXWORKERS	256
#define GRACE_SECONDS	60

struct group {
	const char	*name;
	const char	*listen;	/* unix:PATH or tcp:HOST:PORT */
	int		 fd;
	int		 nworkers;
};

struct slot {
	pid_t		 pid;
	int		 group;
	unsigned int	 gen;
	time_t		 started;
	time_t		 retired;	/* 0 while current */
};

/* groups[2] is the background job runner: one process, no socket. */
#define NGROUPS	3
static struct group	 groups[NGROUPS] = {
	{ "main", NULL, -1, 4 },
	{ "outbound", NULL, -1, 2 },
	{ "jobs", NULL, -1, 1 },
};
static struct slot	 slots[2 * MAXWORKERS * 2 + 4];
static struct config	 cfg;
static struct keyring	 keys;
static const char	*cfg_path;
static unsigned int	 generation;
static mode_t		 socket_mode = 0660;
static int		 single_pool;	/* without --listen: 0 main, 1 outbound */

static void __attribute__((noreturn))
usage(int code, const char *fmt, ...)
{
	if (fmt != NULL) {
		va_list	ap;

		fprintf(stderr, "apconn-fcgi: ");
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fprintf(stderr, "\n");
	}
	fprintf(code == 0 ? stdout : stderr,
	    "usage: apconn-fcgi [-c file] [--listen unix:PATH|tcp:HOST:PORT] "
	    "[--workers N]\n"
	    "                   [--outbound-listen ADDR] [--outbound-workers N]"
	    " [--socket-mode MODE]\n"
	    "       apconn-fcgi [-c file] [--pool main|outbound]   "
	    "(socket on standard input)\n"
	    "       apconn-fcgi --routes | --version | --help\n"
	    "Without --listen, standard input must be a listening FastCGI "
	    "socket (spawn-fcgi).\n");
	exit(code);
}

/* --routes: one line per route, "METHODS PATTERN FLAGS SCOPE-MASK". */
static void
print_routes(void)
{
	const struct route	*rt;
	char			 m[64];

	for (rt = routes; rt->pattern != NULL; rt++) {
		method_names(rt->methods, m, sizeof(m));
		printf("%s\t%s\t%s%s%s%s%s-\t%u\n", m, rt->pattern,
		    rt->flags & ROUTE_AUTH ? "auth," : "",
		    rt->flags & ROUTE_OPTAUTH ? "optauth," : "",
		    rt->flags & ROUTE_JSON ? "json," : "",
		    rt->flags & ROUTE_NODB ? "nodb," : "",
		    rt->flags & ROUTE_OUTBOUND ? "outbound," : "",
		    rt->scopes);
	}
}

static int
parse_int(const char *opt, const char *s, int min, int max)
{
	char	*end;
	long	 l;

	errno = 0;
	l = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || l < min || l > max)
		usage(EX_USAGE, "%s: expected a number from %d to %d", opt,
		    min, max);
	return (int)l;
}

/* Binds and listens on addr; dies with a message on failure. */
static int
open_listener(const char *addr)
{
	struct sockaddr_un	 sun;
	struct addrinfo		 hints, *ai = NULL, *p;
	char			 host[256], *port;
	int			 fd = -1, on = 1, rc;
	mode_t			 old;

	if (strncmp(addr, "unix:", 5) == 0) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(addr + 5) == 0 ||
		    strlen(addr + 5) >= sizeof(sun.sun_path))
			fatalx("--listen %s: bad socket path", addr);
		strcpy(sun.sun_path, addr + 5);
		if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
			fatal("socket");
		unlink(sun.sun_path);
		old = umask(0777 & ~socket_mode);
		rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
		umask(old);
		if (rc == -1)
			fatal("bind %s", sun.sun_path);
		if (chmod(sun.sun_path, socket_mode) == -1)
			fatal("chmod %s", sun.sun_path);
	} else if (strncmp(addr, "tcp:", 4) == 0) {
		snprintf(host, sizeof(host), "%s", addr + 4);
		if ((port = strrchr(host, ':')) == NULL)
			fatalx("--listen %s: expected tcp:HOST:PORT", addr);
		*port++ = '\0';
		if (host[0] == '[' && port[-2] == ']') {
			port[-2] = '\0';
			memmove(host, host + 1, strlen(host));
		}
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		if ((rc = getaddrinfo(*host ? host : NULL, port, &hints,
		    &ai)) != 0)
			fatalx("--listen %s: %s", addr, gai_strerror(rc));
		for (p = ai; p != NULL; p = p->ai_next) {
			fd = socket(p->ai_family, p->ai_socktype, 0);
			if (fd == -1)
				continue;
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
			    sizeof(on));
			if (bind(fd, p->ai_addr, p->ai_addrlen) == 0)
				break;
			close(fd);
			fd = -1;
		}
		freeaddrinfo(ai);
		if (fd == -1)
			fatal("bind %s", addr);
	} else
		usage(EX_USAGE, "--listen %s: expected unix:PATH or "
		    "tcp:HOST:PORT", addr);
	if (listen(fd, 1024) == -1)
		fatal("listen %s", addr);
	return fd;
}

static void
close_listener(const struct group *g)
{
	if (g->fd != -1)
		close(g->fd);
	if (g->listen != NULL && strncmp(g->listen, "unix:", 5) == 0)
		unlink(g->listen + 5);
}

static void __attribute__((noreturn))
worker_main(int listen_fd)
{
	struct worker	w;
	struct db	*db;
	char		err[256];
	int		rc;

	serve_signals();
	if (egress_init(cfg.outbound_allow, err, sizeof(err)) == -1)
		fatalx("%s", err);
	db = db_new(cfg.database_url);
	handlers_listen(db);
	(void)db_ensure(db);		/* prepare early; failures retry later */
	w.listen_fd = listen_fd;
	w.cfg = &cfg;
	w.db = db;
	w.keys = &keys;
	w.dispatch = dispatch;
	w.set_reqid = db_set_reqid;
	w.after = handlers_after;
	rc = serve(&w);
	egress_cleanup();
	db_free(db);
	keyring_free(&keys);
	cfg_free(&cfg);
	exit(rc == 0 ? 0 : 1);
}

static int
spawn(int gi)
{
	size_t	i;
	pid_t	pid, master_pid = getpid();
	int	k;

	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (slots[i].pid == 0)
			break;
	if (i == sizeof(slots) / sizeof(slots[0])) {
		log_warnx("no free worker slot");
		return -1;
	}
	switch (pid = fork()) {
	case -1:
		log_warn("fork");
		return -1;
	case 0:
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		/* A master that died before the line above sent nothing. */
		if (getppid() != master_pid)
			_exit(0);
#endif
		for (k = 0; k < NGROUPS; k++)
			if (k != gi && groups[k].fd != -1)
				close(groups[k].fd);
		metrics_group(gi);
		metrics_process(gi);
		if (gi == 2)
			jobs_main(&cfg);
		log_init(gi == 0 ? "apconn-fcgi" : "apconn-fcgi-outbound");
		worker_main(groups[gi].fd);
	default:
		break;
	}
	slots[i].pid = pid;
	slots[i].group = gi;
	slots[i].gen = generation;
	slots[i].started = time(NULL);
	slots[i].retired = 0;
	return 0;
}

static int
current_count(int gi)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (slots[i].pid != 0 && slots[i].group == gi &&
		    slots[i].retired == 0)
			n++;
	return n;
}

static int
live_count(void)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (slots[i].pid != 0)
			n++;
	return n;
}

/* Brings each group up to strength; a group that keeps dying is slowed. */
static void
fill(time_t *hold)
{
	int	gi;
	time_t	now = time(NULL);

	if (now < *hold)
		return;
	for (gi = 0; gi < NGROUPS; gi++) {
		if (gi < 2 ? groups[gi].fd == -1 : cfg.sync_interval == 0 &&
		    cfg.refresh_interval == 0 && !cfg.event_delivery)
			continue;
		while (current_count(gi) < groups[gi].nworkers)
			if (spawn(gi) == -1)
				break;
	}
}

/* Asks retired workers (again) to leave; kills those past the grace time. */
static void
nudge_retired(int stopping)
{
	size_t	i;
	time_t	now = time(NULL);

	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		if (slots[i].pid == 0)
			continue;
		if (stopping && slots[i].retired == 0)
			slots[i].retired = now;
		if (slots[i].retired == 0)
			continue;
		kill(slots[i].pid, now - slots[i].retired > GRACE_SECONDS ?
		    SIGKILL : SIGTERM);
	}
}

/* Collects dead workers; returns how many current ones died too young. */
static int
reap(void)
{
	size_t	i;
	pid_t	pid;
	int	status, young = 0;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		metrics_process_gone(pid);
		for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
			if (slots[i].pid != pid)
				continue;
			if (slots[i].group == 2)
				metrics_leader(pid, 0);
			if (slots[i].retired == 0) {
				metrics_worker_exit(slots[i].group,
				    WIFSIGNALED(status));
				if (WIFSIGNALED(status))
					log_warnx("worker %ld killed by "
					    "signal %d", (long)pid,
					    WTERMSIG(status));
				else
					log_warnx("worker %ld exited with "
					    "%d", (long)pid,
					    WEXITSTATUS(status));
				if (time(NULL) - slots[i].started < 1)
					young++;
			}
			slots[i].pid = 0;
		}
	}
	return young;
}

/* Lets the shared counters count encryptions under every key id. */
static void
register_keys(void)
{
	size_t	i;

	for (i = 0; i < keys.n; i++)
		metrics_key(keys.k[i].kid);
}

static void
reload(void)
{
	struct config	next;
	char		err[512];
	size_t		i;
	time_t		now = time(NULL);

	struct keyring	nextkeys;

	if (cfg_load(&next, cfg_path, err, sizeof(err)) == -1 ||
	    keyring_parse(&nextkeys, next.keys, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running configuration",
		    err);
		cfg_free(&next);
		return;
	}
	cfg_free(&cfg);
	cfg = next;
	keyring_free(&keys);
	keys = nextkeys;
	register_keys();
	metrics_reload();
	generation++;
	for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
		if (slots[i].pid != 0 && slots[i].retired == 0)
			slots[i].retired = now;
	log_info("reload: starting generation %u", generation);
	/* New workers first: the listening socket never goes unserved. */
	{
		time_t	hold = 0;

		fill(&hold);
	}
	nudge_retired(0);
}

static int
master(void)
{
	sigset_t	 set;
	siginfo_t	 info;
	struct timespec	 tick = { 1, 0 };
	time_t		 hold = 0;
	int		 sig, stopping = 0, gi;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	log_info("master started: %d workers on %s%s%s", groups[0].nworkers,
	    groups[0].listen, groups[1].fd != -1 ? ", outbound on " : "",
	    groups[1].fd != -1 ? groups[1].listen : "");
	fill(&hold);
	for (;;) {
		sig = sigtimedwait(&set, &info, &tick);
		switch (sig) {
		case SIGHUP:
			if (!stopping)
				reload();
			break;
		case SIGTERM:
		case SIGINT:
			if (!stopping)
				log_info("stopping");
			stopping = 1;
			nudge_retired(1);
			break;
		default:
			break;
		}
		if (reap() > 0)
			hold = time(NULL) + 1;
		if (stopping) {
			if (live_count() == 0)
				break;
			if (sig == -1)
				nudge_retired(1);
			continue;
		}
		if (sig == -1)
			nudge_retired(0);
		fill(&hold);
	}
	for (gi = 0; gi < 2; gi++)
		close_listener(&groups[gi]);
	log_info("stopped");
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "config",		required_argument, NULL, 'c' },
		{ "listen",		required_argument, NULL, 'l' },
		{ "workers",		required_argument, NULL, 'w' },
		{ "outbound-listen",	required_argument, NULL, 'L' },
		{ "outbound-workers",	required_argument, NULL, 'W' },
		{ "socket-mode",	required_argument, NULL, 'm' },
		{ "pool",		required_argument, NULL, 'p' },
		{ "routes",		no_argument,	   NULL, 'R' },
		{ "help",		no_argument,	   NULL, 'h' },
		{ "version",		no_argument,	   NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	char	 err[512], *end;
	long	 mode;
	int	 ch;

	log_init("apconn-fcgi");
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'l':
			groups[0].listen = optarg;
			break;
		case 'w':
			groups[0].nworkers = parse_int("--workers", optarg, 1,
			    MAXWORKERS);
			break;
		case 'L':
			groups[1].listen = optarg;
			break;
		case 'W':
			groups[1].nworkers = parse_int("--outbound-workers",
			    optarg, 1, MAXWORKERS);
			break;
		case 'm':
			errno = 0;
			mode = strtol(optarg, &end, 8);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    mode < 0 || mode > 0777)
				usage(EX_USAGE, "--socket-mode: expected an "
				    "octal mode such as 0660");
			socket_mode = (mode_t)mode;
			break;
		case 'p':
			if (strcmp(optarg, "main") == 0)
				single_pool = 0;
			else if (strcmp(optarg, "outbound") == 0)
				single_pool = 1;
			else
				usage(EX_USAGE, "--pool: expected main or "
				    "outbound");
			break;
		case 'R':
			print_routes();
			return 0;
		case 'h':
			usage(0, NULL);
		case 'V':
			printf("apconn-fcgi %s\n", PACKAGE_VERSION);
			return 0;
		case ':':
			usage(EX_USAGE, "%s: missing argument",
			    argv[optind - 1]);
		default:
			usage(EX_USAGE, "%s: unknown option",
			    argv[optind - 1]);
		}
	}
	if (optind != argc)
		usage(EX_USAGE, "%s: unexpected argument", argv[optind]);
	if (cfg_path == NULL && getenv("APCONN_CONFIG") != NULL)
		cfg_path = getenv("APCONN_CONFIG");
	if (cfg_path == NULL)
		cfg_path = cfg_default_path();
	if (cfg_load(&cfg, cfg_path, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (keyring_parse(&keys, cfg.keys, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (egress_init(cfg.outbound_allow, err, sizeof(err)) == -1)
		fatalx("%s", err);
	/*
	 * Before any fork: every child shares these counters, and the
	 * numbering of what the features register.
	 */
	handlers_metrics_init();
	if (owner_epoch_init() == -1)
		log_warnx("cannot map the owners' change counters");
	if (metrics_create(routes, groups[0].listen != NULL) == -1)
		log_warnx("metrics: cannot map the shared counters");
	/* The master, or the one process spawn-fcgi started. */
	metrics_process(groups[0].listen != NULL ? METRIC_GROUPS :
	    single_pool);
	register_keys();

	if (groups[0].listen == NULL) {
		if (groups[1].listen != NULL)
			usage(EX_USAGE, "--outbound-listen needs --listen");
	} else if (single_pool != 0)
		usage(EX_USAGE, "--pool is for a process without --listen "
		    "(--outbound-listen names the outbound pool's socket)");
	if (groups[0].listen == NULL) {
		if (FCGX_IsCGI())
			usage(EX_USAGE, "no --listen and standard input is "
			    "not a listening socket");
		if (single_pool == 1) {
			metrics_group(1);
			log_init("apconn-fcgi-outbound");
		}
		log_info("single %s worker on standard input", groups[
		    single_pool].name);
		worker_main(0);
	}
	groups[0].fd = open_listener(groups[0].listen);
	if (groups[1].listen != NULL)
		groups[1].fd = open_listener(groups[1].listen);
	return master();
}
