/*
 * What Linux says of a process in /proc: the figures of Prometheus'
 * standard process_* series.
 */
#ifndef APCONN_PROCSTAT_H
#define APCONN_PROCSTAT_H

#include <sys/types.h>

struct procstat {
	double		 cpu_seconds;	/* user and system */
	double		 start_time;	/* seconds since the epoch */
	unsigned long	 resident_bytes;
	unsigned long	 virtual_bytes;
	unsigned long	 open_fds;
	unsigned long	 max_fds;	/* the soft limit */
};

int	procstat_read(pid_t, struct procstat *);

#endif
