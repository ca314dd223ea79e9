/*
 * audit_int: what the files of core/audit share: a stored row, the
 * canonical encoding its hash covers, and checkpoint lines.
 */
#ifndef ERP_CORE_AUDIT_INT_H
#define ERP_CORE_AUDIT_INT_H

#include <sodium.h>

#include "audit.h"

/* A row as stored; strings borrowed, NULL for SQL NULL. */
struct audit_row {
	int64_t		 ar_id;
	const char	*ar_ts;
	const char	*ar_actor_type;
	int64_t		 ar_actor_id;		/* 0 for NULL */
	int64_t		 ar_org_id;		/* 0 for NULL */
	const char	*ar_action;
	const char	*ar_resource_type;
	const char	*ar_resource_id;
	const char	*ar_outcome;
	const char	*ar_ip;
	const char	*ar_request_id;
	const char	*ar_details;
	const char	*ar_prev_hash;
};

/* One line of the checkpoint file. */
struct audit_checkpoint {
	int64_t		 cp_id;			/* entries 1..cp_id covered */
	char		 cp_head[AUDIT_HASH_HEX + 1];	/* hash of cp_id */
	char		 cp_ts[21];
	unsigned char	 cp_sig[crypto_sign_BYTES];
};

/* audit.c */
int	audit_keys(const struct config *, unsigned char *pk,
	    unsigned char *sk);
/* xmalloc'd "$ERP_DATA_DIR/audit.checkpoints". */
char	*audit_checkpoint_path(const struct config *);
void	audit_canonical(struct buf *, const struct audit_row *);
void	audit_hash(const struct audit_row *, char out[AUDIT_HASH_HEX + 1]);

/* Forgets the chain head kept in memory (a new database). */
void	audit_head_forget(void);

/* checkpoint.c */
void	audit_checkpoint_sign(struct audit_checkpoint *,
	    const unsigned char *sk);
/* Appends the JSON line (with '\n'). */
void	audit_checkpoint_format(struct buf *, const struct audit_checkpoint *);
/* Parses and checks the signature of one line: 0, or -1. */
int	audit_checkpoint_parse(const char *line, const unsigned char *pk,
	    struct audit_checkpoint *);
/*
 * Every checkpoint in path into an xmalloc'd *list (NULL and 0 when the
 * file is missing). Returns 0, or -1 with err naming a malformed or badly
 * signed line.
 */
int	audit_checkpoint_load(const char *path, const unsigned char *pk,
	    struct audit_checkpoint **list, size_t *n, struct erp_err *err);
/* The newest valid checkpoint: 0 and *out, or -1 if there is none. */
int	audit_checkpoint_newest(const char *path, const unsigned char *pk,
	    struct audit_checkpoint *out);

#endif /* ERP_CORE_AUDIT_INT_H */
