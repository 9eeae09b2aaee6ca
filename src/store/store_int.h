/* store_int.h - what the store's files share (private to src/store). */
#ifndef WARD_STORE_INT_H
#define WARD_STORE_INT_H

#include <sqlite3.h>

#include "ward/json.h"
#include "ward/store.h"

/* more than the distinct statements of src/store, so nothing is ever evicted in practice */
#define STMT_CACHE 160

struct ward_store {
    sqlite3 *db;
    char *path;
    char actor[256];
    ward_time_t now_fixed;
    int schema;
    int in_tx;
    long busy_ms;        /* how long to wait for another writer */
    uint64_t busy_since; /* when the current wait began */
    /* the journal head, valid inside a write transaction once read */
    int head_valid;
    int journal_dirty; /* entries appended in this transaction: head and user to write */
    int64_t head_seq;
    char head_hash[65];
    struct {
        const char *sql;
        sqlite3_stmt *stmt;
    } cache[STMT_CACHE];
    struct ward_arena scratch; /* for results that live until the next call */
    int evict;                 /* next cache slot to evict when full */
};

/* A cached prepared statement for a static SQL string (keyed by its address), reset and
 * with bindings cleared. NULL on error (err filled). */
sqlite3_stmt *st_prep(struct ward_store *st, const char *sql, struct ward_err *err);
/* Fills err from the connection's last error. Returns the ward code. */
int st_dberr(struct ward_store *st, struct ward_err *err, const char *what);
/* Text binding; NULL binds SQL NULL. */
int st_bind_text(sqlite3_stmt *s, int idx, const char *v);
/* Steps a statement that returns no row (or ignores rows). */
int st_step_done(struct ward_store *st, sqlite3_stmt *s, struct ward_err *err, const char *what);

int st_begin(struct ward_store *st, struct ward_err *err);
int st_commit(struct ward_store *st, struct ward_err *err);
void st_rollback(struct ward_store *st);

/* Appends a journal entry (inside a write transaction). incident 0 = store-wide. detail is
 * JSON text. Also records the actor in users. */
int st_journal(struct ward_store *st, int64_t incident, const char *action, const char *detail,
               struct ward_err *err);
/* Checks the incident exists; *status gets its status. WARD_ENOTFOUND otherwise. */
int st_incident_status(struct ward_store *st, int64_t incident, int *status, struct ward_err *err);
/* Touches updated_at. */
int st_touch(struct ward_store *st, int64_t incident, struct ward_err *err);

/* The canonical hash of a journal entry. */
int st_journal_hash(const char *prev, int64_t seq, int64_t incident, ward_time_t ts,
                    const char *actor, const char *action, const char *detail, char out[65]);

#endif
