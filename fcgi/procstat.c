/*
 * Reads a process's figures from /proc/PID: stat (CPU time, start, memory),
 * fd (open descriptors) and limits (the descriptors' soft limit).  The
 * process must be of the reader's user.
 */
#include "config.h"

#include <sys/types.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "procstat.h"

/* The system's boot time, seconds since the epoch; 0 when unknown. */
static double
boot_time(void)
{
	FILE		*f;
	char		 line[256];
	double		 t = 0;

	if ((f = fopen("/proc/stat", "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "btime ", 6) == 0) {
			t = strtod(line + 6, NULL);
			break;
		}
	fclose(f);
	return t;
}

/*
 * Fills *ps for pid.  Returns 0, or -1 when the process is gone or its
 * files cannot be read (another user's).
 */
int
procstat_read(pid_t pid, struct procstat *ps)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 utime, stime, start;
	unsigned long		 vsize;
	long			 rss, tick = sysconf(_SC_CLK_TCK);
	long			 page = sysconf(_SC_PAGESIZE);
	struct dirent		*de;
	DIR			*d;
	FILE			*f;
	size_t			 n;

	memset(ps, 0, sizeof(*ps));
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command name, which may hold spaces and parentheses. */
	if ((p = strrchr(buf, ')')) == NULL || tick <= 0 || page <= 0)
		return -1;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%llu %llu %*d %*d %*d %*d %*d %*d %llu %lu %ld",
	    &utime, &stime, &start, &vsize, &rss) != 5)
		return -1;
	ps->cpu_seconds = (double)(utime + stime) / (double)tick;
	ps->start_time = boot_time() + (double)start / (double)tick;
	ps->virtual_bytes = vsize;
	ps->resident_bytes = rss > 0 ? (unsigned long)rss * (unsigned long)page :
	    0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			ps->open_fds++;
	closedir(d);
	if (pid == getpid() && ps->open_fds > 0)
		ps->open_fds--;		/* the directory being read */

	snprintf(path, sizeof(path), "/proc/%ld/limits", (long)pid);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(buf, sizeof(buf), f) != NULL)
			if (strncmp(buf, "Max open files", 14) == 0) {
				ps->max_fds = strtoul(buf + 26, NULL, 10);
				break;
			}
		fclose(f);
	}
	return 0;
}
