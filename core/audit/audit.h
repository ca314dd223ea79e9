/*
 * audit: the append-only, hash-chained record of every sensitive act
 * (docs/api.md), written in the same transaction as the change it
 * records, with signed checkpoints outside the database so that a cut-off
 * tail is noticed.
 */
#ifndef ERP_CORE_AUDIT_H
#define ERP_CORE_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "base/base.h"
#include "config/config.h"

#define AUDIT_CHECKPOINT_EVERY	100	/* entries */
#define AUDIT_HASH_HEX		64	/* BLAKE2b-256 in hex */

/* One event; strings are borrowed, NULL or 0 where they do not apply. */
struct audit_event {
	const char	*ae_actor_type;	/* user, api_key, system, anonymous */
	int64_t		 ae_actor_id;	/* 0: none */
	int64_t		 ae_org_id;	/* 0: belongs to no organization */
	const char	*ae_action;	/* "auth.login", "user.update", ... */
	const char	*ae_resource_type;
	const char	*ae_resource_id;
	const char	*ae_outcome;	/* success, denied, failure */
	const char	*ae_ip;
	const char	*ae_request_id;
	const cJSON	*ae_details;	/* never a secret or a hash */
};

/*
 * Sets up the checkpoint key (derived from ERP_SECRET_KEY) and file (in
 * the data dir). Call once before serving. Returns 0, or -1 with err set.
 */
int	audit_init(const struct config *cf, struct erp_err *err);

/*
 * Appends ev to the chain on this thread's connection. The caller must
 * hold a write transaction (db_tx_begin) and commit it with
 * audit_tx_commit so a due checkpoint is written after the commit.
 * Returns 0, or -1 (logged): the caller rolls back.
 */
int	audit_append(const struct audit_event *ev);

/*
 * Appends ev in a transaction of its own (for events that change nothing
 * else, like a failed login). Returns 0 or -1 (logged).
 */
int	audit_record(const struct audit_event *ev);

/* Commits the current transaction, then writes a checkpoint if one is due. */
int	audit_tx_commit(void);

/* Writes a checkpoint of the current head if it moved (at shutdown). */
int	audit_checkpoint_now(void);

/*
 * Walks the chain and the checkpoints. Returns 0 if intact, else -1 with
 * err naming the first broken entry's id or the missing tail.
 */
int	audit_verify(const struct config *cf, struct erp_err *err);

/* Whether audit writes are compiled in (off only in benchmark builds). */
bool	audit_enabled(void);

/* A details object {"field": {"old": x, "new": y}} helper. */
void	audit_change(cJSON *details, const char *field, cJSON *old_value,
	    cJSON *new_value);

#endif /* ERP_CORE_AUDIT_H */
