/*
 * store.c - the case store's connection: opening (WAL, busy timeout, foreign keys), the
 * numbered schema migrations, the statement cache, transactions, and the journal (append,
 * hash chain, verification). The only files that include sqlite3.h are in src/store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "store_int.h"

static const char sql_meta_set[] = "INSERT INTO meta(key, value) VALUES(?1, ?2)"
                                   " ON CONFLICT(key) DO UPDATE SET value = excluded.value";

static const char sql_user[] = "INSERT OR IGNORE INTO users(name, created_at) VALUES(?1, ?2)";

/* ---- migrations -------------------------------------------------------------------------
 * Each entry takes the schema from version i to i+1 in one transaction. Never edit a
 * migration that has shipped: add a new one. */

static const char migration_1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " created_at INTEGER NOT NULL);"
    "CREATE TABLE incidents(id INTEGER PRIMARY KEY, title TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'new' CHECK(status IN ('new','triage','assess','contain',"
    "'eradicate','recover','learn','closed')),"
    " severity INTEGER NOT NULL CHECK(severity BETWEEN 0 AND 4), assignee TEXT,"
    " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
    " acked_at INTEGER, contained_at INTEGER, closed_at INTEGER,"
    " alert_count INTEGER NOT NULL DEFAULT 0, event_count INTEGER NOT NULL DEFAULT 0,"
    " resolution TEXT, root_cause TEXT, lessons TEXT);"
    "CREATE TABLE alerts(id INTEGER PRIMARY KEY,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    " rule_id TEXT NOT NULL, rule_title TEXT NOT NULL,"
    " level INTEGER NOT NULL CHECK(level BETWEEN 0 AND 4), host TEXT,"
    " dedup_key TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " count INTEGER NOT NULL DEFAULT 1, source_path TEXT, source_record INTEGER,"
    " tags TEXT NOT NULL DEFAULT '[]', tactics TEXT NOT NULL DEFAULT '[]',"
    " techniques TEXT NOT NULL DEFAULT '[]', event_json TEXT, created_at INTEGER NOT NULL);"
    "CREATE INDEX alerts_incident ON alerts(incident_id);"
    "CREATE INDEX alerts_dedup ON alerts(dedup_key, last_seen);"
    "CREATE TABLE incident_attack(incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    " kind TEXT NOT NULL CHECK(kind IN ('tactic','technique')), attack_id TEXT NOT NULL,"
    " name TEXT, alerts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(incident_id, kind, attack_id));"
    "CREATE TABLE entities(incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    " key TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " alerts INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(key, incident_id));"
    "CREATE INDEX entities_incident ON entities(incident_id);"
    "CREATE TABLE notes(id INTEGER PRIMARY KEY,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id), ts INTEGER NOT NULL,"
    " author TEXT NOT NULL, text TEXT NOT NULL);"
    "CREATE INDEX notes_incident ON notes(incident_id);"
    "CREATE TABLE journal(seq INTEGER PRIMARY KEY, incident_id INTEGER, ts INTEGER NOT NULL,"
    " actor TEXT NOT NULL, action TEXT NOT NULL, detail TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
    "CREATE INDEX journal_incident ON journal(incident_id, seq);";

static const char migration_2[] =
    "CREATE TABLE observables(id INTEGER PRIMARY KEY,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id),"
    " type TEXT NOT NULL CHECK(type IN ('ip','domain','url','hash','user','host','file')),"
    " value TEXT NOT NULL, source TEXT NOT NULL, note TEXT, first_seen INTEGER NOT NULL,"
    " sightings INTEGER NOT NULL DEFAULT 1, UNIQUE(incident_id, type, value));"
    "CREATE INDEX observables_value ON observables(type, value);"
    "CREATE TABLE tasks(id INTEGER PRIMARY KEY,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id), title TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'open' CHECK(state IN ('open','doing','done','cancelled')),"
    " assignee TEXT, created_by TEXT NOT NULL, created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL);"
    "CREATE INDEX tasks_incident ON tasks(incident_id);"
    "CREATE TABLE evidence(id INTEGER PRIMARY KEY,"
    " incident_id INTEGER NOT NULL REFERENCES incidents(id), path TEXT NOT NULL,"
    " abs_path TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,"
    " added_by TEXT NOT NULL, added_at INTEGER NOT NULL, reason TEXT NOT NULL);"
    "CREATE INDEX evidence_incident ON evidence(incident_id);"
    "CREATE TABLE custody(id INTEGER PRIMARY KEY,"
    " evidence_id INTEGER NOT NULL REFERENCES evidence(id), ts INTEGER NOT NULL,"
    " actor TEXT NOT NULL, action TEXT NOT NULL, reason TEXT, sha256 TEXT);"
    "CREATE INDEX custody_evidence ON custody(evidence_id);"
    /* stores of schema 1 knew entities only: make them observables */
    "INSERT OR IGNORE INTO observables(incident_id, type, value, source, first_seen, sightings)"
    " SELECT incident_id, substr(key, 1, instr(key, ':') - 1),"
    " substr(key, instr(key, ':') + 1), 'alert', first_seen, alerts FROM entities"
    " WHERE substr(key, 1, instr(key, ':') - 1) IN ('ip','hash','user','host');";

static const char migration_3[] =
    "ALTER TABLE incidents ADD COLUMN merged_into INTEGER REFERENCES incidents(id);"
    "CREATE INDEX incidents_status ON incidents(status, created_at);"
    "CREATE TABLE playbook_runs(id INTEGER PRIMARY KEY,"
    " incident_id INTEGER REFERENCES incidents(id), playbook TEXT NOT NULL,"
    " status TEXT NOT NULL, dry_run INTEGER NOT NULL DEFAULT 0, started_by TEXT NOT NULL,"
    " started_at INTEGER NOT NULL, finished_at INTEGER, output TEXT);"
    "CREATE INDEX playbook_runs_incident ON playbook_runs(incident_id);"
    "CREATE TABLE api_tokens(id INTEGER PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id), token_sha256 TEXT NOT NULL UNIQUE,"
    " name TEXT, created_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER);";

/* threat intelligence: indicators (one row per value of an indicator and source), the
 * imports that brought them and what those imports could not load */
static const char migration_4[] =
    "CREATE TABLE intel_imports(id INTEGER PRIMARY KEY, ts INTEGER NOT NULL,"
    " actor TEXT NOT NULL, path TEXT NOT NULL, source TEXT NOT NULL,"
    " values_new INTEGER NOT NULL DEFAULT 0, values_updated INTEGER NOT NULL DEFAULT 0,"
    " problems INTEGER NOT NULL DEFAULT 0, counts TEXT NOT NULL DEFAULT '{}');"
    "CREATE TABLE indicators(id INTEGER PRIMARY KEY,"
    " type TEXT NOT NULL CHECK(type IN ('ipv4','ipv6','domain','url','md5','sha1','sha256',"
    "'sha512','email')),"
    " value TEXT NOT NULL, source TEXT NOT NULL, source_id TEXT NOT NULL DEFAULT '',"
    " first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    " valid_from INTEGER, valid_until INTEGER,"
    " confidence INTEGER CHECK(confidence IS NULL OR confidence BETWEEN 0 AND 100),"
    " tlp TEXT NOT NULL DEFAULT 'unknown' CHECK(tlp IN ('unknown','clear','green','amber',"
    "'amber+strict','red')),"
    " labels TEXT, flags INTEGER NOT NULL DEFAULT 0, context TEXT NOT NULL DEFAULT '{}',"
    " import_id INTEGER REFERENCES intel_imports(id),"
    " UNIQUE(type, value, source, source_id));"
    "CREATE INDEX indicators_source ON indicators(source);"
    "CREATE TABLE intel_problems(id INTEGER PRIMARY KEY,"
    " import_id INTEGER NOT NULL REFERENCES intel_imports(id), source TEXT NOT NULL,"
    " path TEXT, line INTEGER, source_id TEXT,"
    " kind TEXT NOT NULL CHECK(kind IN ('unsupported','invalid','skipped','file-error')),"
    " partial INTEGER NOT NULL DEFAULT 0, text TEXT, reason TEXT NOT NULL);"
    "CREATE INDEX intel_problems_import ON intel_problems(import_id);"
    "CREATE INDEX intel_problems_source ON intel_problems(source);";

/* every firing (burst) of a correlation alert: the alert row counts the repeats of the same
 * correlation and group, its event_json stays the first burst's; each burst keeps its time
 * and its correlation object (type, group, value, first/last, the alerts it correlates).
 * Stores of schema 4 kept the first burst only: it becomes the alert's first burst row. */
static const char migration_5[] =
    "CREATE TABLE alert_bursts(id INTEGER PRIMARY KEY,"
    " alert_id INTEGER NOT NULL REFERENCES alerts(id), ts INTEGER NOT NULL,"
    " correlation TEXT NOT NULL);"
    "CREATE INDEX alert_bursts_alert ON alert_bursts(alert_id, ts);"
    "INSERT INTO alert_bursts(alert_id, ts, correlation)"
    " SELECT id, first_seen, substr(event_json, 16, length(event_json) - 16) FROM alerts"
    " WHERE substr(event_json, 1, 15) = '{\"correlation\":' AND substr(event_json, -1) = '}';";

static const char *const migrations[WARD_STORE_SCHEMA] = {migration_1, migration_2, migration_3,
                                                          migration_4, migration_5};

/* ---- basics -------------------------------------------------------------------------------- */

int st_dberr(struct ward_store *st, struct ward_err *err, const char *what)
{
    int ec = sqlite3_extended_errcode(st->db);
    int code = WARD_EIO;
    int prim = ec & 0xff;
    if (prim == SQLITE_NOMEM) code = WARD_ENOMEM;
    if (prim == SQLITE_CORRUPT || prim == SQLITE_NOTADB) code = WARD_ECORRUPT;
    if (prim == SQLITE_CONSTRAINT) code = WARD_EINVAL;
    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) code = WARD_ESTATE;
    return ward_err_at(err, code, st->path, 0, 0, "%s: %s", what, sqlite3_errmsg(st->db));
}

sqlite3_stmt *st_prep(struct ward_store *st, const char *sql, struct ward_err *err)
{
    int free_slot = -1;
    for (int i = 0; i < STMT_CACHE; i++) {
        if (st->cache[i].sql == sql) {
            sqlite3_stmt *s = st->cache[i].stmt;
            sqlite3_reset(s);
            sqlite3_clear_bindings(s);
            return s;
        }
        if (!st->cache[i].sql && free_slot < 0) free_slot = i;
    }
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) {
        st_dberr(st, err, "cannot prepare a statement");
        return NULL;
    }
    if (free_slot < 0) {
        /* full (not expected: the cache is larger than the statements there are): evict
         * round-robin a statement that is not in the middle of a step */
        for (int k = 0; k < STMT_CACHE && free_slot < 0; k++) {
            int i = (st->evict + k) % STMT_CACHE;
            if (!sqlite3_stmt_busy(st->cache[i].stmt)) free_slot = i;
        }
        if (free_slot < 0) {
            sqlite3_finalize(s);
            ward_err_set(err, WARD_ELIMIT, "too many statements in use");
            return NULL;
        }
        st->evict = (free_slot + 1) % STMT_CACHE;
        sqlite3_finalize(st->cache[free_slot].stmt);
    }
    st->cache[free_slot].sql = sql;
    st->cache[free_slot].stmt = s;
    return s;
}

int st_bind_text(sqlite3_stmt *s, int idx, const char *v)
{
    if (!v) return sqlite3_bind_null(s, idx);
    return sqlite3_bind_text(s, idx, v, -1, SQLITE_TRANSIENT);
}

int st_step_done(struct ward_store *st, sqlite3_stmt *s, struct ward_err *err, const char *what)
{
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) {
        int r = st_dberr(st, err, what);
        sqlite3_reset(s);
        return r;
    }
    sqlite3_reset(s);
    return 0;
}

static int exec_sql(struct ward_store *st, const char *sql, struct ward_err *err, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int r = ward_err_at(err, WARD_EIO, st->path, 0, 0, "%s: %s", what,
                            msg ? msg : sqlite3_errmsg(st->db));
        if ((sqlite3_extended_errcode(st->db) & 0xff) == SQLITE_BUSY) err->code = r = WARD_ESTATE;
        sqlite3_free(msg);
        return r;
    }
    return 0;
}

int ward_store_exec(struct ward_store *st, const char *sql, struct ward_err *err)
{
    return exec_sql(st, sql, err, "statement failed");
}

int ward_store_query_int(struct ward_store *st, const char *sql, int64_t *out, struct ward_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
        return st_dberr(st, err, "cannot prepare the query");
    int rc = sqlite3_step(s);
    int r = 0;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else if (rc == SQLITE_DONE)
        r = ward_err_set(err, WARD_ENOTFOUND, "the query returned no row");
    else
        r = st_dberr(st, err, "query failed");
    sqlite3_finalize(s);
    return r;
}

int st_begin(struct ward_store *st, struct ward_err *err)
{
    int r = exec_sql(st, "BEGIN IMMEDIATE", err, "cannot start a write transaction");
    if (r) return r;
    st->in_tx = 1;
    st->head_valid = 0;
    return 0;
}

/* Before COMMIT: the journal head, so that cutting entries off the end is seen too, and
 * the actor in users. Once per transaction, not per entry. */
static int journal_finish(struct ward_store *st, struct ward_err *err)
{
    if (!st->journal_dirty) return 0;
    sqlite3_stmt *s = st_prep(st, sql_meta_set, err);
    if (!s) return WARD_EIO;
    char head[96];
    snprintf(head, sizeof head, "%lld:%s", (long long)st->head_seq, st->head_hash);
    st_bind_text(s, 1, "journal_head");
    st_bind_text(s, 2, head);
    int r = st_step_done(st, s, err, "cannot record the journal head");
    if (r) return r;
    if (!(s = st_prep(st, sql_user, err))) return WARD_EIO;
    st_bind_text(s, 1, st->actor);
    sqlite3_bind_int64(s, 2, ward_store_now(st));
    if ((r = st_step_done(st, s, err, "cannot record the user"))) return r;
    st->journal_dirty = 0;
    return 0;
}

int st_commit(struct ward_store *st, struct ward_err *err)
{
    int r = journal_finish(st, err);
    if (r) {
        st_rollback(st);
        return r;
    }
    r = exec_sql(st, "COMMIT", err, "cannot commit");
    if (r) {
        st_rollback(st);
        return r;
    }
    st->in_tx = 0;
    st->head_valid = 0;
    return 0;
}

void st_rollback(struct ward_store *st)
{
    if (st->in_tx) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_tx = 0;
    st->head_valid = 0;
    st->journal_dirty = 0;
}

void ward_store_set_actor(struct ward_store *st, const char *actor)
{
    ward_strlcpy(st->actor, actor && *actor ? actor : "ward", sizeof st->actor);
}

void ward_store_set_now(struct ward_store *st, ward_time_t now)
{
    st->now_fixed = now;
}

ward_time_t ward_store_now(struct ward_store *st)
{
    if (st->now_fixed != WARD_TIME_NONE) return st->now_fixed;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (ward_time_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int ward_store_schema(struct ward_store *st)
{
    return st->schema;
}

/* ---- open and migrate ---------------------------------------------------------------------- */

static int read_version(struct ward_store *st, int *v, struct ward_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return st_dberr(st, err, "cannot read the schema version");
    int rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        return st_dberr(st, err, "cannot read the schema version (is it a ward store?)");
    }
    *v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return 0;
}

static int migrate(struct ward_store *st, int target, struct ward_err *err)
{
    int v;
    int r = read_version(st, &v, err);
    if (r) return r;
    if (v > WARD_STORE_SCHEMA)
        return ward_err_at(err, WARD_EUNSUPPORTED, st->path, 0, 0,
                           "store schema %d is newer than this ward (%d): upgrade ward", v,
                           WARD_STORE_SCHEMA);
    while (v < target) {
        if ((r = exec_sql(st, "BEGIN IMMEDIATE", err, "cannot start the migration"))) return r;
        /* another process may have migrated meanwhile */
        int now_v;
        if ((r = read_version(st, &now_v, err))) goto fail;
        if (now_v != v) {
            exec_sql(st, "COMMIT", NULL, "");
            v = now_v;
            continue;
        }
        if ((r = exec_sql(st, migrations[v], err, "migration failed"))) {
            char m[64];
            snprintf(m, sizeof m, " (migration %d)", v + 1);
            size_t l = strlen(err->msg);
            ward_strlcpy(err->msg + l, m, sizeof err->msg - l);
            goto fail;
        }
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", v + 1);
        if ((r = exec_sql(st, pragma, err, "cannot set the schema version"))) goto fail;
        if ((r = exec_sql(st, "COMMIT", err, "cannot commit the migration"))) goto fail;
        v++;
        ward_debug("store %s: migrated to schema %d", st->path, v);
    }
    st->schema = v;
    return 0;
fail:
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

/*
 * The busy handler: another process holds the write lock. Poll often (1 ms, then 5 ms) so a
 * waiter gets in between a busy writer's transactions instead of starving, and give up
 * only after WARD_STORE_BUSY_MS (default 60 s) of waiting for one statement.
 */
static int busy_wait(void *ctx, int count)
{
    struct ward_store *st = ctx;
    uint64_t now = ward_clock_ns();
    if (count == 0) st->busy_since = now;
    if (now - st->busy_since > (uint64_t)st->busy_ms * 1000000u) return 0;
    struct timespec ts = {0, (count < 20 ? 1 : 5) * 1000000L};
    nanosleep(&ts, NULL);
    return 1;
}

static int open_impl(const char *path, int version, int create, struct ward_store **out,
                     struct ward_err *err)
{
    *out = NULL;
    if (!path || !*path) return ward_err_set(err, WARD_EINVAL, "no store path");
    struct stat sb;
    if (!create && stat(path, &sb) != 0)
        return ward_err_at(err, WARD_ENOTFOUND, path, 0, 0,
                           "no store here (%s); it is created by 'ward case import', "
                           "'ward hunt --store' or 'ward case list --create'",
                           strerror(errno));
    struct ward_store *st = calloc(1, sizeof *st);
    if (!st) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    st->path = strdup(path);
    st->now_fixed = WARD_TIME_NONE;
    st->busy_ms = 60000;
    const char *bm = getenv("WARD_STORE_BUSY_MS");
    if (bm && atol(bm) > 0) st->busy_ms = atol(bm);
    ward_store_set_actor(st, NULL);
    ward_arena_init(&st->scratch, 8192, 0);
    int r;
    if (!st->path) {
        r = ward_err_set(err, WARD_ENOMEM, "out of memory");
        goto fail;
    }
    int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &st->db, flags, NULL) != SQLITE_OK) {
        r = st->db ? st_dberr(st, err, "cannot open the store")
                   : ward_err_at(err, WARD_ENOMEM, path, 0, 0, "cannot open the store");
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_handler(st->db, busy_wait, st);
    if ((r = exec_sql(st, "PRAGMA journal_mode=WAL", err, "cannot use WAL"))) goto fail;
    if ((r = exec_sql(st,
                      "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;"
                      " PRAGMA trusted_schema=OFF",
                      err, "cannot set up the store")))
        goto fail;
    if ((r = migrate(st, version, err))) goto fail;
    *out = st;
    return 0;
fail:
    if (err && !err->path[0]) ward_strlcpy(err->path, path, sizeof err->path);
    ward_store_close(st);
    return r;
}

int ward_store_open(const char *path, struct ward_store **out, struct ward_err *err)
{
    return open_impl(path, WARD_STORE_SCHEMA, 1, out, err);
}

int ward_store_open_existing(const char *path, struct ward_store **out, struct ward_err *err)
{
    return open_impl(path, WARD_STORE_SCHEMA, 0, out, err);
}

int ward_store_open_at(const char *path, int version, struct ward_store **out, struct ward_err *err)
{
    if (version < 0 || version > WARD_STORE_SCHEMA)
        return ward_err_set(err, WARD_EINVAL, "no schema version %d", version);
    return open_impl(path, version, 1, out, err);
}

void ward_store_close(struct ward_store *st)
{
    if (!st) return;
    st_rollback(st);
    for (int i = 0; i < STMT_CACHE; i++)
        if (st->cache[i].stmt) sqlite3_finalize(st->cache[i].stmt);
    if (st->db) sqlite3_close(st->db);
    ward_arena_free(&st->scratch);
    free(st->path);
    free(st);
}

/* ---- the journal ---------------------------------------------------------------------------- */

int st_journal_hash(const char *prev, int64_t seq, int64_t incident, ward_time_t ts,
                    const char *actor, const char *action, const char *detail, char out[65])
{
    /* length-prefixed fields: no two different entries give the same text */
    struct ward_buf b;
    ward_buf_init(&b, 0);
    int rc = ward_buf_printf(&b, "ward-journal-v1\n%s\n%lld\n%lld\n%lld\n%zu:%s\n%zu:%s\n%zu:%s",
                             prev, (long long)seq, (long long)incident, (long long)ts,
                             strlen(actor), actor, strlen(action), action, strlen(detail), detail);
    if (!rc) rc = ward_sha256_hex(b.data, b.len, out);
    ward_buf_free(&b);
    return rc;
}

static const char genesis[] = "0000000000000000000000000000000000000000000000000000000000000000";

static const char sql_head[] = "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1";
static const char sql_jins[] =
    "INSERT INTO journal(seq, incident_id, ts, actor, action, detail, prev_hash, hash)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

int st_journal(struct ward_store *st, int64_t incident, const char *action, const char *detail,
               struct ward_err *err)
{
    sqlite3_stmt *s;
    if (!st->head_valid) {
        if (!(s = st_prep(st, sql_head, err))) return err ? err->code : WARD_EIO;
        int rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            st->head_seq = sqlite3_column_int64(s, 0);
            const char *h = (const char *)sqlite3_column_text(s, 1);
            ward_strlcpy(st->head_hash, h ? h : "", sizeof st->head_hash);
        } else if (rc == SQLITE_DONE) {
            st->head_seq = 0;
            memcpy(st->head_hash, genesis, sizeof genesis);
        } else {
            int r = st_dberr(st, err, "cannot read the journal");
            sqlite3_reset(s);
            return r;
        }
        sqlite3_reset(s);
        st->head_valid = 1;
    }
    int64_t seq = st->head_seq + 1;
    ward_time_t ts = ward_store_now(st);
    char hash[65];
    if (st_journal_hash(st->head_hash, seq, incident, ts, st->actor, action, detail, hash))
        return ward_err_set(err, WARD_ENOMEM, "cannot hash the journal entry");
    if (!(s = st_prep(st, sql_jins, err))) return err ? err->code : WARD_EIO;
    sqlite3_bind_int64(s, 1, seq);
    if (incident)
        sqlite3_bind_int64(s, 2, incident);
    else
        sqlite3_bind_null(s, 2);
    sqlite3_bind_int64(s, 3, ts);
    st_bind_text(s, 4, st->actor);
    st_bind_text(s, 5, action);
    st_bind_text(s, 6, detail);
    st_bind_text(s, 7, st->head_hash);
    st_bind_text(s, 8, hash);
    int r = st_step_done(st, s, err, "cannot append to the journal");
    if (r) return r;
    /* the head (meta) and the actor (users) are written once, at commit */
    st->journal_dirty = 1;
    st->head_seq = seq;
    memcpy(st->head_hash, hash, sizeof hash);
    return 0;
}

int ward_store_verify(struct ward_store *st, struct ward_journal_check *out, struct ward_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db,
                           "SELECT seq, incident_id, ts, actor, action, detail, prev_hash, hash"
                           " FROM journal ORDER BY seq",
                           -1, &s, NULL) != SQLITE_OK)
        return st_dberr(st, err, "cannot read the journal");
    /* read in one transaction: a consistent snapshot even while others write */
    sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL);
    char prev[65];
    memcpy(prev, genesis, sizeof genesis);
    int64_t expect = 1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(s, 0);
        int64_t inc = sqlite3_column_int64(s, 1);
        ward_time_t ts = sqlite3_column_int64(s, 2);
        const char *actor = (const char *)sqlite3_column_text(s, 3);
        const char *action = (const char *)sqlite3_column_text(s, 4);
        const char *detail = (const char *)sqlite3_column_text(s, 5);
        const char *ph = (const char *)sqlite3_column_text(s, 6);
        const char *h = (const char *)sqlite3_column_text(s, 7);
        out->entries++;
        char calc[65];
        if (seq != expect) {
            out->bad_seq = seq;
            snprintf(out->reason, sizeof out->reason,
                     "entry %lld follows entry %lld: %lld entr%s missing", (long long)seq,
                     (long long)(expect - 1), (long long)(seq - expect),
                     seq - expect == 1 ? "y is" : "ies are");
            break;
        }
        if (!ph || strcmp(ph, prev) != 0) {
            out->bad_seq = seq;
            snprintf(out->reason, sizeof out->reason,
                     "entry %lld does not link to entry %lld (previous hash differs)",
                     (long long)seq, (long long)(seq - 1));
            break;
        }
        if (st_journal_hash(prev, seq, inc, ts, actor ? actor : "", action ? action : "",
                            detail ? detail : "", calc)) {
            rc = SQLITE_NOMEM;
            break;
        }
        if (!h || strcmp(h, calc) != 0) {
            out->bad_seq = seq;
            snprintf(out->reason, sizeof out->reason,
                     "entry %lld was changed: its content does not match its hash", (long long)seq);
            break;
        }
        memcpy(prev, calc, sizeof calc);
        expect = seq + 1;
    }
    int r = 0;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) r = st_dberr(st, err, "cannot read the journal");
    sqlite3_finalize(s);
    if (!r && !out->bad_seq) {
        /* the head recorded with the last append must be the last entry */
        s = NULL;
        if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key = 'journal_head'", -1, &s,
                               NULL) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW) {
            const char *hv = (const char *)sqlite3_column_text(s, 0);
            char want[96];
            snprintf(want, sizeof want, "%lld:%s", (long long)(expect - 1), prev);
            if (!hv || strcmp(hv, want) != 0) {
                out->bad_seq = expect;
                snprintf(out->reason, sizeof out->reason,
                         "the journal ends at entry %lld but its recorded head is %.40s...: "
                         "entries after %lld were removed or the head was changed",
                         (long long)(expect - 1), hv ? hv : "(none)", (long long)(expect - 1));
            }
        } else if (out->entries) {
            out->bad_seq = expect;
            snprintf(out->reason, sizeof out->reason, "the journal head record is missing");
        }
        sqlite3_finalize(s);
    }
    if (!r) {
        /* counters against their alerts */
        s = NULL;
        if (sqlite3_prepare_v2(
                st->db,
                "SELECT i.id FROM incidents i LEFT JOIN (SELECT incident_id, count(*) AS n,"
                " sum(count) AS e FROM alerts GROUP BY incident_id) a ON a.incident_id = i.id"
                " WHERE i.alert_count != coalesce(a.n, 0) OR i.event_count != coalesce(a.e, 0)"
                " ORDER BY i.id",
                -1, &s, NULL) != SQLITE_OK) {
            r = st_dberr(st, err, "cannot check the counters");
        } else {
            while (sqlite3_step(s) == SQLITE_ROW) {
                if (!out->bad_count) out->bad_incident = sqlite3_column_int64(s, 0);
                out->bad_count++;
            }
            sqlite3_finalize(s);
        }
    }
    sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL);
    return r;
}

int ward_store_integrity(struct ward_store *st, struct ward_err *err)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(st->db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK)
        return st_dberr(st, err, "cannot run the integrity check");
    int r = 0;
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(s, 0);
        if (!v || strcmp(v, "ok") != 0)
            r = ward_err_at(err, WARD_ECORRUPT, st->path, 0, 0, "integrity check: %s", v ? v : "?");
    } else {
        r = st_dberr(st, err, "integrity check failed");
    }
    sqlite3_finalize(s);
    return r;
}

/* ---- shared helpers ---------------------------------------------------------------------- */

static const char sql_inc_status[] = "SELECT status, merged_into FROM incidents WHERE id = ?1";

int st_incident_status(struct ward_store *st, int64_t incident, int *status, struct ward_err *err)
{
    sqlite3_stmt *s = st_prep(st, sql_inc_status, err);
    if (!s) return err ? err->code : WARD_EIO;
    sqlite3_bind_int64(s, 1, incident);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(s);
        return ward_err_set(err, WARD_ENOTFOUND, "no incident INC-%04lld", (long long)incident);
    }
    if (rc != SQLITE_ROW) {
        int r = st_dberr(st, err, "cannot read the incident");
        sqlite3_reset(s);
        return r;
    }
    *status = ward_status_parse((const char *)sqlite3_column_text(s, 0));
    sqlite3_reset(s);
    return 0;
}

static const char sql_touch[] = "UPDATE incidents SET updated_at = ?2 WHERE id = ?1";

int st_touch(struct ward_store *st, int64_t incident, struct ward_err *err)
{
    sqlite3_stmt *s = st_prep(st, sql_touch, err);
    if (!s) return err ? err->code : WARD_EIO;
    sqlite3_bind_int64(s, 1, incident);
    sqlite3_bind_int64(s, 2, ward_store_now(st));
    return st_step_done(st, s, err, "cannot update the incident");
}
