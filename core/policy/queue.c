/*
 * queue: turns for policy compiles (docs/policies.md). A compile (PUT,
 * dry-run with a source, rollback) takes up to a few hundred milliseconds
 * of CPU; they run at most one at a time per organization and
 * POLICY_COMPILES_MAX at once in the process, so no policy:read holder
 * can keep the cores busy. One that waited POLICY_COMPILE_WAIT_S for its
 * turn is refused (the caller answers 503 with Retry-After).
 */
#include <pthread.h>
#include <time.h>

#include "policy.h"

static pthread_mutex_t	 lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 freed = PTHREAD_COND_INITIALIZER;
static int64_t		 running[POLICY_COMPILES_MAX];	/* orgs; 0 free */

static bool
org_running(int64_t org)
{
	size_t	 i;

	for (i = 0; i < POLICY_COMPILES_MAX; i++)
		if (running[i] == org)
			return true;
	return false;
}

/* A free place in running[], or -1. */
static int
free_place(void)
{
	int	 i;

	for (i = 0; i < POLICY_COMPILES_MAX; i++)
		if (running[i] == 0)
			return i;
	return -1;
}

int
policy_compile_turn(int64_t org)
{
	struct timespec	 until;
	int		 i, rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += POLICY_COMPILE_WAIT_S;
	pthread_mutex_lock(&lock);
	while ((org_running(org) || free_place() == -1) && rc == 0)
		rc = pthread_cond_timedwait(&freed, &lock, &until);
	if (org_running(org) || (i = free_place()) == -1) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	running[i] = org;
	pthread_mutex_unlock(&lock);
	return 0;
}

void
policy_compile_done(int64_t org)
{
	size_t	 i;

	pthread_mutex_lock(&lock);
	for (i = 0; i < POLICY_COMPILES_MAX; i++)
		if (running[i] == org) {
			running[i] = 0;
			break;
		}
	/* waiters for other organizations may go on too */
	pthread_cond_broadcast(&freed);
	pthread_mutex_unlock(&lock);
}
