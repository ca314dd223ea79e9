/* time: wall-clock and monotonic time, RFC 3339 formatting. */
#include <stdio.h>
#include <time.h>

#include "base.h"

int64_t
time_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec;
}

int64_t
time_mono_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
time_rfc3339(int64_t t, char out[21])
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
time_now_rfc3339_ms(char out[25])
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 date[20];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 25, "%.19s.%03uZ", date,
	    (unsigned)(ts.tv_nsec / 1000000) % 1000u);
}
