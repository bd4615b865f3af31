/*
 * The FastCGI floor for benchmarks: answers every request with a fixed
 * small JSON body and does nothing else.  Run it under spawn-fcgi.
 */
#include "config.h"

#include <fcgiapp.h>

int	main(void);

int
main(void)
{
	static const char	out[] = "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\nContent-Length: 11\r\n\r\n"
	    "{\"ok\":true}";
	FCGX_Request		 f;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&f, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&f) >= 0) {
		FCGX_PutStr(out, sizeof(out) - 1, f.out);
		FCGX_Finish_r(&f);
	}
	return 0;
}
