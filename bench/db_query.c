/*
 * bench_db_query: what the engine-free query layer (core/db) adds to a
 * statement, next to the same statement run with direct SQLite calls on a
 * statement the caller keeps. Rounds alternate which goes first, and the
 * median round is reported, so a shared machine's bursts hit both alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sqlite3.h>

#include "base/base.h"
#include "db/db.h"
#include "db/db_sqlite.h"

#define DEFAULT_N	50000
#define ROUNDS		21
#define ROWS		1000

static const char	 sql_get[] = "SELECT qty, name FROM t WHERE id = ?";

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static int64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* n lookups with direct SQLite calls; returns ns, sums into *sink. */
static int64_t
run_direct(sqlite3_stmt *st, long n, int64_t *sink)
{
	int64_t	 t0 = now_ns();
	long	 i;

	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(st, 1, i % ROWS + 1);
		if (sqlite3_step(st) != SQLITE_ROW)
			abort();
		*sink += sqlite3_column_int64(st, 0);
		*sink += sqlite3_column_text(st, 1)[0];
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	return now_ns() - t0;
}

/* The same lookups through db_prepare's cache and the typed calls. */
static int64_t
run_layer(long n, int64_t *sink)
{
	struct db_stmt	*st;
	int64_t		 t0 = now_ns();
	long		 i;

	for (i = 0; i < n; i++) {
		if ((st = db_prepare(sql_get)) == NULL)
			abort();
		db_bind_int(st, 1, i % ROWS + 1);
		if (db_step(st) != DB_ROW)
			abort();
		*sink += db_col_int(st, 0);
		*sink += db_col_text(st, 1)[0];
		db_reset(st);
	}
	return now_ns() - t0;
}

int
main(int argc, char **argv)
{
	struct erp_err	 err = { "" };
	sqlite3_stmt	*direct = NULL;
	double		 direct_ns[ROUNDS], layer_ns[ROUNDS], added[ROUNDS];
	double		 ratio[ROUNDS];
	int64_t		 sink = 0, d, l;
	long		 n = DEFAULT_N;
	int		 r;

	if (argc > 2 || (argc == 2 && (n = strtol(argv[1], NULL, 10)) <= 0)) {
		fprintf(stderr, "usage: bench_db_query [statements per round]\n");
		return 2;
	}
	if (db_init(":memory:", DB_SYNC_FULL, &err) == -1 ||
	    db_exec("CREATE TABLE t (id INTEGER PRIMARY KEY, qty INTEGER, "
	    "name TEXT); WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL "
	    "SELECT i + 1 FROM s WHERE i < 1000) INSERT INTO t "
	    "SELECT i, i * 3, 'item ' || i FROM s", &err) == -1) {
		fprintf(stderr, "bench_db_query: %s\n", err.e_msg);
		return 1;
	}
	if (sqlite3_prepare_v3(db_get(), sql_get, -1,
	    SQLITE_PREPARE_PERSISTENT, &direct, NULL) != SQLITE_OK)
		return 1;
	run_direct(direct, n / 10, &sink);	/* warm-up */
	run_layer(n / 10, &sink);
	printf("%-6s %14s %14s %12s\n", "round", "direct ns/stmt",
	    "layer ns/stmt", "added ns");
	for (r = 0; r < ROUNDS; r++) {
		/* alternate which goes first, so drift hits both */
		if (r % 2 == 0) {
			d = run_direct(direct, n, &sink);
			l = run_layer(n, &sink);
		} else {
			l = run_layer(n, &sink);
			d = run_direct(direct, n, &sink);
		}
		direct_ns[r] = (double)d / n;
		layer_ns[r] = (double)l / n;
		added[r] = layer_ns[r] - direct_ns[r];
		ratio[r] = layer_ns[r] / direct_ns[r];
		printf("%-6d %14.1f %14.1f %12.1f\n", r + 1, direct_ns[r],
		    layer_ns[r], added[r]);
	}
	printf("median %14.1f %14.1f %12.1f   layer/direct %.3f\n",
	    median(direct_ns, ROUNDS), median(layer_ns, ROUNDS),
	    median(added, ROUNDS), median(ratio, ROUNDS));
	sqlite3_finalize(direct);
	db_thread_close();
	return sink == 42 ? 3 : 0;	/* keeps the reads from being dropped */
}
