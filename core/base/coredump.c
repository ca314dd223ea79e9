/*
 * coredump: a crash must not write the token key, the master key or a
 * password in flight to disk. Unless the operator asks for core dumps
 * (ERP_CORE_DUMPS=1), the core size limit is 0 and the process is not
 * dumpable (which also keeps other processes of the same user from
 * attaching to it or reading its memory through /proc).
 */
#include <sys/prctl.h>
#include <sys/resource.h>

#include "base.h"

int
core_dumps_set(bool allowed)
{
	struct rlimit	 none = { 0, 0 };

	if (allowed)
		return 0;
	if (setrlimit(RLIMIT_CORE, &none) == -1 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		return -1;
	return 0;
}
