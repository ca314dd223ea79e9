/*
 * db internals shared by the files of core/db only; other folders include
 * db.h.
 */
#ifndef ERP_CORE_DB_DB_INT_H
#define ERP_CORE_DB_DB_INT_H

#include <stdbool.h>

/* The path given to db_init, or NULL before it; borrowed. */
const char	*db_conn_path(void);

/* True if that path is ":memory:" (each thread has its own database). */
bool		 db_conn_is_memory(void);

/*
 * Connections opened while on leave checkpoints to the checkpointer
 * thread (autocheckpoint raised to CHECKPOINT_FALLBACK_PAGES).
 */
#define CHECKPOINT_FALLBACK_PAGES	20000
void		 db_conn_checkpointer(bool on);

#endif /* ERP_CORE_DB_DB_INT_H */
