/*
 * cases.c - case work on an incident: lifecycle transitions, assignment, notes, tasks,
 * observables, evidence with chain of custody, merge, close and reopen. Each operation is
 * one write transaction that ends with its journal entry.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* A small JSON detail builder for journal entries: key/value string pairs. */
static char *detail_json(const char *k1, const char *v1, const char *k2, const char *v2,
                         const char *k3, const char *v3, const char *k4, const char *v4)
{
    struct ward_buf b;
    struct ward_jw w;
    ward_buf_init(&b, 0);
    ward_jw_init(&w, &b);
    ward_jw_obj(&w);
    const char *ks[4] = {k1, k2, k3, k4}, *vs[4] = {v1, v2, v3, v4};
    for (int i = 0; i < 4; i++) {
        if (!ks[i] || !vs[i]) continue;
        ward_jw_key(&w, ks[i]);
        ward_jw_str(&w, vs[i]);
    }
    ward_jw_end(&w);
    if (ward_jw_error(&w)) {
        ward_buf_free(&b);
        return NULL;
    }
    return ward_buf_take(&b);
}

static int journal_kv(struct ward_store *st, int64_t inc, const char *action, const char *k1,
                      const char *v1, const char *k2, const char *v2, const char *k3,
                      const char *v3, const char *k4, const char *v4, struct ward_err *err)
{
    char *d = detail_json(k1, v1, k2, v2, k3, v3, k4, v4);
    if (!d) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    int r = st_journal(st, inc, action, d, err);
    free(d);
    return r;
}

static int finish(struct ward_store *st, int r, struct ward_err *err)
{
    if (r) {
        st_rollback(st);
        return r;
    }
    return st_commit(st, err);
}

/* Begins a transaction and checks the incident exists and is not merged away. */
static int begin_on(struct ward_store *st, int64_t inc, int *status, struct ward_err *err)
{
    int r = st_begin(st, err);
    if (r) return r;
    int stv;
    if ((r = st_incident_status(st, inc, &stv, err))) {
        st_rollback(st);
        return r;
    }
    if (status) *status = stv;
    return 0;
}

static const char sql_merged[] = "SELECT merged_into FROM incidents WHERE id = ?1";

static int check_not_merged(struct ward_store *st, int64_t inc, struct ward_err *err)
{
    sqlite3_stmt *s = st_prep(st, sql_merged, err);
    if (!s) return WARD_EIO;
    sqlite3_bind_int64(s, 1, inc);
    int64_t m = 0;
    if (sqlite3_step(s) == SQLITE_ROW) m = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (m)
        return ward_err_set(err, WARD_ESTATE, "INC-%04lld was merged into INC-%04lld: work there",
                            (long long)inc, (long long)m);
    return 0;
}

static int text_ok(const char *what, const char *s, size_t max, struct ward_err *err)
{
    if (!s || !*s) return ward_err_set(err, WARD_EINVAL, "%s is empty", what);
    if (strlen(s) > max)
        return ward_err_set(err, WARD_ELIMIT, "%s longer than %zu bytes", what, max);
    return 0;
}

/* ---- lifecycle ------------------------------------------------------------------------------ */

static const char sql_set_status[] =
    "UPDATE incidents SET status = ?2, updated_at = ?3,"
    " acked_at = CASE WHEN acked_at IS NULL AND ?2 != 'new' THEN ?3 ELSE acked_at END,"
    " contained_at = CASE WHEN contained_at IS NULL AND ?2 IN ('contain','eradicate','recover')"
    " THEN ?3 ELSE contained_at END WHERE id = ?1";

static int do_status(struct ward_store *st, int64_t inc, int from, int to, const char *reason,
                     struct ward_err *err)
{
    sqlite3_stmt *s = st_prep(st, sql_set_status, err);
    if (!s) return WARD_EIO;
    sqlite3_bind_int64(s, 1, inc);
    st_bind_text(s, 2, ward_status_name(to));
    sqlite3_bind_int64(s, 3, ward_store_now(st));
    int r = st_step_done(st, s, err, "cannot change the status");
    if (r) return r;
    return journal_kv(st, inc, "status", "from", ward_status_name(from), "to", ward_status_name(to),
                      "reason", reason && *reason ? reason : NULL, NULL, NULL, err);
}

static int transition_err(int from, int to, struct ward_err *err)
{
    char next[160] = "";
    size_t len = 0;
    for (int s = 0; s < WARD_ST__COUNT; s++)
        if (ward_status_transition_ok(from, s))
            len += (size_t)snprintf(next + len, sizeof next - len, "%s%s", len ? ", " : "",
                                    ward_status_name(s));
    return ward_err_set(err, WARD_ESTATE, "an incident in %s cannot move to %s (allowed: %s)",
                        ward_status_name(from), ward_status_name(to), len ? next : "none");
}

int ward_store_set_status(struct ward_store *st, int64_t inc, int to, const char *reason,
                          struct ward_err *err)
{
    if (to < 0 || to >= WARD_ST__COUNT) return ward_err_set(err, WARD_EINVAL, "bad status");
    if (to == WARD_ST_CLOSED)
        return ward_err_set(err, WARD_ESTATE,
                            "closing asks for a resolution, a root cause and lessons learned: "
                            "use 'ward case close'");
    int from;
    int r = begin_on(st, inc, &from, err);
    if (r) return r;
    if ((r = check_not_merged(st, inc, err))) return finish(st, r, err);
    if (from == WARD_ST_CLOSED && to == WARD_ST_TRIAGE)
        r = ward_err_set(err, WARD_ESTATE, "INC-%04lld is closed: use 'ward case reopen'",
                         (long long)inc);
    else if (from == to)
        r = ward_err_set(err, WARD_ESTATE, "INC-%04lld is already in %s", (long long)inc,
                         ward_status_name(to));
    else if (!ward_status_transition_ok(from, to))
        r = transition_err(from, to, err);
    if (!r) r = do_status(st, inc, from, to, reason, err);
    return finish(st, r, err);
}

static const char sql_close[] =
    "UPDATE incidents SET status = 'closed', updated_at = ?2, closed_at = ?2,"
    " acked_at = coalesce(acked_at, ?2), resolution = ?3, root_cause = ?4, lessons = ?5"
    " WHERE id = ?1";

int ward_store_close_incident(struct ward_store *st, int64_t inc, const char *resolution,
                              const char *root_cause, const char *lessons, struct ward_err *err)
{
    int r;
    if ((r = text_ok("the resolution", resolution, 65536, err)) ||
        (r = text_ok("the root cause", root_cause, 65536, err)) ||
        (r = text_ok("the lessons learned", lessons, 65536, err)))
        return r;
    int from;
    if ((r = begin_on(st, inc, &from, err))) return r;
    if ((r = check_not_merged(st, inc, err))) return finish(st, r, err);
    if (from == WARD_ST_CLOSED)
        r = ward_err_set(err, WARD_ESTATE, "INC-%04lld is already closed", (long long)inc);
    else if (!ward_status_transition_ok(from, WARD_ST_CLOSED))
        r = transition_err(from, WARD_ST_CLOSED, err);
    if (!r) {
        sqlite3_stmt *s = st_prep(st, sql_close, err);
        if (!s) return finish(st, WARD_EIO, err);
        sqlite3_bind_int64(s, 1, inc);
        sqlite3_bind_int64(s, 2, ward_store_now(st));
        st_bind_text(s, 3, resolution);
        st_bind_text(s, 4, root_cause);
        st_bind_text(s, 5, lessons);
        r = st_step_done(st, s, err, "cannot close the incident");
    }
    if (!r)
        r = journal_kv(st, inc, "close", "from", ward_status_name(from), "resolution", resolution,
                       "root_cause", root_cause, "lessons", lessons, err);
    return finish(st, r, err);
}

static const char sql_reopen[] =
    "UPDATE incidents SET status = 'triage', updated_at = ?2, closed_at = NULL WHERE id = ?1";

int ward_store_reopen(struct ward_store *st, int64_t inc, const char *reason, struct ward_err *err)
{
    int from, r;
    if ((r = text_ok("the reason", reason, 65536, err))) return r;
    if ((r = begin_on(st, inc, &from, err))) return r;
    if ((r = check_not_merged(st, inc, err))) return finish(st, r, err);
    if (from != WARD_ST_CLOSED)
        r = ward_err_set(err, WARD_ESTATE, "INC-%04lld is not closed (it is in %s)", (long long)inc,
                         ward_status_name(from));
    if (!r) {
        sqlite3_stmt *s = st_prep(st, sql_reopen, err);
        if (!s) return finish(st, WARD_EIO, err);
        sqlite3_bind_int64(s, 1, inc);
        sqlite3_bind_int64(s, 2, ward_store_now(st));
        r = st_step_done(st, s, err, "cannot reopen the incident");
    }
    if (!r)
        r = journal_kv(st, inc, "reopen", "from", "closed", "to", "triage", "reason", reason, NULL,
                       NULL, err);
    return finish(st, r, err);
}

/* ---- assignment, title, notes, tasks ------------------------------------------------------------
 */

static const char sql_assign[] =
    "UPDATE incidents SET assignee = ?2, updated_at = ?3 WHERE id = ?1";
static const char sql_get_assignee[] = "SELECT assignee FROM incidents WHERE id = ?1";

int ward_store_assign(struct ward_store *st, int64_t inc, const char *assignee,
                      struct ward_err *err)
{
    int r;
    if (assignee && strlen(assignee) > 256)
        return ward_err_set(err, WARD_ELIMIT, "assignee longer than 256 bytes");
    if ((r = begin_on(st, inc, NULL, err))) return r;
    if ((r = check_not_merged(st, inc, err))) return finish(st, r, err);
    char was[300] = "";
    sqlite3_stmt *s = st_prep(st, sql_get_assignee, err);
    if (!s) return finish(st, WARD_EIO, err);
    sqlite3_bind_int64(s, 1, inc);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        ward_strlcpy(was, (const char *)sqlite3_column_text(s, 0), sizeof was);
    sqlite3_reset(s);
    if (!(s = st_prep(st, sql_assign, err))) return finish(st, WARD_EIO, err);
    sqlite3_bind_int64(s, 1, inc);
    st_bind_text(s, 2, assignee && *assignee ? assignee : NULL);
    sqlite3_bind_int64(s, 3, ward_store_now(st));
    r = st_step_done(st, s, err, "cannot assign");
    if (!r)
        r = journal_kv(st, inc, "assign", "to", assignee && *assignee ? assignee : "", "was", was,
                       NULL, NULL, NULL, NULL, err);
    return finish(st, r, err);
}

static const char sql_title[] = "UPDATE incidents SET title = ?2, updated_at = ?3 WHERE id = ?1";

int ward_store_set_title(struct ward_store *st, int64_t inc, const char *title,
                         struct ward_err *err)
{
    int r;
    if ((r = text_ok("the title", title, 1024, err))) return r;
    if ((r = begin_on(st, inc, NULL, err))) return r;
    sqlite3_stmt *s = st_prep(st, sql_title, err);
    if (!s) return finish(st, WARD_EIO, err);
    sqlite3_bind_int64(s, 1, inc);
    st_bind_text(s, 2, title);
    sqlite3_bind_int64(s, 3, ward_store_now(st));
    r = st_step_done(st, s, err, "cannot set the title");
    if (!r)
        r = journal_kv(st, inc, "title", "title", title, NULL, NULL, NULL, NULL, NULL, NULL, err);
    return finish(st, r, err);
}

static const char sql_note[] =
    "INSERT INTO notes(incident_id, ts, author, text) VALUES(?1, ?2, ?3, ?4)";

int ward_store_add_note(struct ward_store *st, int64_t inc, const char *text, int64_t *id,
                        struct ward_err *err)
{
    int r;
    if ((r = text_ok("the note", text, 1 << 20, err))) return r;
    if ((r = begin_on(st, inc, NULL, err))) return r;
    if ((r = check_not_merged(st, inc, err))) return finish(st, r, err);
    sqlite3_stmt *s = st_prep(st, sql_note, err);
    if (!s) return finish(st, WARD_EIO, err);
    sqlite3_bind_int64(s, 1, inc);
    sqlite3_bind_int64(s, 2, ward_store_now(st));
    st_bind_text(s, 3, st->actor);
    st_bind_text(s, 4, text);
    r = st_step_done(st, s, err, "cannot add the note");
    int64_t nid = sqlite3_last_insert_rowid(st->db);
    char idb[32];
    snprintf(idb, sizeof idb, "%lld", (long long)nid);
    if (!r) r = st_touch(st, inc, err);
    if (!r) r = journal_kv(st, inc, "note", "note", idb, "text", text, NULL, NULL, NULL, NULL, err);
    if (!r && id) *id = nid;
    return finish(st, r, err);
}

static const char sql_task[] =
    "INSERT INTO tasks(incident_id, title, state, assignee, created_by, created_at, updated_at)"
    " VALUES(?1, ?2, 'open', ?3, ?4, ?5, ?5)";

int ward_store_add_task(struct ward_store *st, int64_t inc, const char *title, const char *assignee,
                        int64_t *id, struct ward_err *err)
{
    int r;
    if ((r = text_ok("the task", title, 4096, err))) return r;
    if ((r = begin_on(st, inc, NULL, err))) return r;
    if ((r = check_not_merged(st, inc, err))) return finish(st, r, err);
    sqlite3_stmt *s = st_prep(st, sql_task, err);
    if (!s) return finish(st, WARD_EIO, err);
    sqlite3_bind_int64(s, 1, inc);
    st_bind_text(s, 2, title);
    st_bind_text(s, 3, assignee && *assignee ? assignee : NULL);
    st_bind_text(s, 4, st->actor);
    sqlite3_bind_int64(s, 5, ward_store_now(st));
    r = st_step_done(st, s, err, "cannot add the task");
    int64_t tid = sqlite3_last_insert_rowid(st->db);
    char idb[32];
    snprintf(idb, sizeof idb, "%lld", (long long)tid);
    if (!r) r = st_touch(st, inc, err);
    if (!r)
        r = journal_kv(st, inc, "task.add", "task", idb, "title", title, "assignee",
                       assignee && *assignee ? assignee : NULL, NULL, NULL, err);
    if (!r && id) *id = tid;
    return finish(st, r, err);
}

static const char sql_task_get[] = "SELECT state FROM tasks WHERE id = ?1 AND incident_id = ?2";
static const char sql_task_set[] = "UPDATE tasks SET state = ?2, updated_at = ?3 WHERE id = ?1";

int ward_store_task_state(struct ward_store *st, int64_t inc, int64_t task, const char *state,
                          struct ward_err *err)
{
    static const char *const states[] = {"open", "doing", "done", "cancelled"};
    int ok = 0;
    for (int i = 0; i < 4; i++) ok |= state && strcmp(state, states[i]) == 0;
    if (!ok)
        return ward_err_set(err, WARD_EINVAL, "task state must be open, doing, done or cancelled");
    int r;
    if ((r = begin_on(st, inc, NULL, err))) return r;
    sqlite3_stmt *s = st_prep(st, sql_task_get, err);
    if (!s) return finish(st, WARD_EIO, err);
    sqlite3_bind_int64(s, 1, task);
    sqlite3_bind_int64(s, 2, inc);
    char was[32] = "";
    if (sqlite3_step(s) == SQLITE_ROW)
        ward_strlcpy(was, (const char *)sqlite3_column_text(s, 0), sizeof was);
    sqlite3_reset(s);
    if (!was[0])
        return finish(st,
                      ward_err_set(err, WARD_ENOTFOUND, "INC-%04lld has no task %lld",
                                   (long long)inc, (long long)task),
                      err);
    if (!(s = st_prep(st, sql_task_set, err))) return finish(st, WARD_EIO, err);
    sqlite3_bind_int64(s, 1, task);
    st_bind_text(s, 2, state);
    sqlite3_bind_int64(s, 3, ward_store_now(st));
    r = st_step_done(st, s, err, "cannot update the task");
    char idb[32];
    snprintf(idb, sizeof idb, "%lld", (long long)task);
    if (!r) r = st_touch(st, inc, err);
    if (!r)
        r = journal_kv(st, inc, "task.state", "task", idb, "from", was, "to", state, NULL, NULL,
                       err);
    return finish(st, r, err);
}

/* ---- observables ------------------------------------------------------------------------------
 */

static const char sql_obs_find[] =
    "SELECT id FROM observables WHERE incident_id = ?1 AND type = ?2 AND value = ?3";
static const char sql_obs_add[] =
    "INSERT INTO observables(incident_id, type, value, source, note, first_seen, sightings)"
    " VALUES(?1, ?2, ?3, 'analyst', ?4, ?5, 1)";

int ward_store_add_observable(struct ward_store *st, int64_t inc, const char *type,
                              const char *value, const char *note, int64_t *id, int *added,
                              struct ward_err *err)
{
    char norm[4100];
    int r = ward_observable_normalize(type, value, norm, sizeof norm, err);
    if (r) return r;
    if (note && strlen(note) > 65536) return ward_err_set(err, WARD_ELIMIT, "note too long");
    if ((r = begin_on(st, inc, NULL, err))) return r;
    if ((r = check_not_merged(st, inc, err))) return finish(st, r, err);
    sqlite3_stmt *s = st_prep(st, sql_obs_find, err);
    if (!s) return finish(st, WARD_EIO, err);
    sqlite3_bind_int64(s, 1, inc);
    st_bind_text(s, 2, type);
    st_bind_text(s, 3, norm);
    int64_t oid = 0;
    if (sqlite3_step(s) == SQLITE_ROW) oid = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (added) *added = 0;
    if (oid) {
        if (id) *id = oid;
        return finish(st, 0, err);
    }
    if (!(s = st_prep(st, sql_obs_add, err))) return finish(st, WARD_EIO, err);
    sqlite3_bind_int64(s, 1, inc);
    st_bind_text(s, 2, type);
    st_bind_text(s, 3, norm);
    st_bind_text(s, 4, note && *note ? note : NULL);
    sqlite3_bind_int64(s, 5, ward_store_now(st));
    r = st_step_done(st, s, err, "cannot add the observable");
    oid = sqlite3_last_insert_rowid(st->db);
    if (!r) r = st_touch(st, inc, err);
    if (!r)
        r = journal_kv(st, inc, "observable.add", "type", type, "value", norm, "note",
                       note && *note ? note : NULL, NULL, NULL, err);
    if (!r) {
        if (id) *id = oid;
        if (added) *added = 1;
    }
    return finish(st, r, err);
}

/* ---- evidence ------------------------------------------------------------------------------- */

static const char sql_ev_add[] =
    "INSERT INTO evidence(incident_id, path, abs_path, size, sha256, added_by, added_at, reason)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
static const char sql_custody[] =
    "INSERT INTO custody(evidence_id, ts, actor, action, reason, sha256)"
    " VALUES(?1, ?2, ?3, ?4, ?5, ?6)";

static int custody_row(struct ward_store *st, int64_t ev, const char *action, const char *reason,
                       const char *sha, struct ward_err *err)
{
    sqlite3_stmt *s = st_prep(st, sql_custody, err);
    if (!s) return WARD_EIO;
    sqlite3_bind_int64(s, 1, ev);
    sqlite3_bind_int64(s, 2, ward_store_now(st));
    st_bind_text(s, 3, st->actor);
    st_bind_text(s, 4, action);
    st_bind_text(s, 5, reason);
    st_bind_text(s, 6, sha);
    return st_step_done(st, s, err, "cannot record the custody step");
}

int ward_store_add_evidence(struct ward_store *st, int64_t inc, const char *path,
                            const char *reason, int64_t *id, struct ward_err *err)
{
    int r;
    if ((r = text_ok("the reason", reason, 65536, err))) return r;
    if ((r = text_ok("the path", path, 4096, err))) return r;
    char sha[65];
    uint64_t size = 0;
    /* hash before the transaction: files can be large, transactions stay short */
    if ((r = ward_sha256_file(path, sha, &size, err))) return r;
    char absb[PATH_MAX];
    const char *abs = realpath(path, absb) ? absb : path;
    if ((r = begin_on(st, inc, NULL, err))) return r;
    if ((r = check_not_merged(st, inc, err))) return finish(st, r, err);
    sqlite3_stmt *s = st_prep(st, sql_ev_add, err);
    if (!s) return finish(st, WARD_EIO, err);
    sqlite3_bind_int64(s, 1, inc);
    st_bind_text(s, 2, path);
    st_bind_text(s, 3, abs);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)size);
    st_bind_text(s, 5, sha);
    st_bind_text(s, 6, st->actor);
    sqlite3_bind_int64(s, 7, ward_store_now(st));
    st_bind_text(s, 8, reason);
    r = st_step_done(st, s, err, "cannot record the evidence");
    int64_t eid = sqlite3_last_insert_rowid(st->db);
    if (!r) r = custody_row(st, eid, "acquired", reason, sha, err);
    if (!r) r = st_touch(st, inc, err);
    char idb[32], szb[32];
    snprintf(idb, sizeof idb, "%lld", (long long)eid);
    snprintf(szb, sizeof szb, "%llu", (unsigned long long)size);
    if (!r)
        r = journal_kv(st, inc, "evidence.add", "evidence", idb, "path", path, "sha256", sha,
                       "reason", reason, err);
    if (!r && id) *id = eid;
    (void)szb;
    return finish(st, r, err);
}

static const char sql_ev_get[] = "SELECT incident_id, sha256 FROM evidence WHERE id = ?1";

int ward_store_evidence_custody(struct ward_store *st, int64_t inc, int64_t evidence,
                                const char *action, const char *reason, struct ward_err *err)
{
    int r;
    if ((r = text_ok("the action", action, 64, err))) return r;
    if ((r = text_ok("the reason", reason, 65536, err))) return r;
    if ((r = begin_on(st, inc, NULL, err))) return r;
    sqlite3_stmt *s = st_prep(st, sql_ev_get, err);
    if (!s) return finish(st, WARD_EIO, err);
    sqlite3_bind_int64(s, 1, evidence);
    int64_t owner = 0;
    if (sqlite3_step(s) == SQLITE_ROW) owner = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (owner != inc)
        return finish(st,
                      ward_err_set(err, WARD_ENOTFOUND, "INC-%04lld has no evidence %lld",
                                   (long long)inc, (long long)evidence),
                      err);
    r = custody_row(st, evidence, action, reason, NULL, err);
    char idb[32];
    snprintf(idb, sizeof idb, "%lld", (long long)evidence);
    if (!r)
        r = journal_kv(st, inc, "evidence.custody", "evidence", idb, "action", action, "reason",
                       reason, NULL, NULL, err);
    return finish(st, r, err);
}

static const char sql_ev_list[] =
    "SELECT id, incident_id, path, abs_path, sha256 FROM evidence"
    " WHERE (?1 = 0 OR incident_id = ?1) AND (?2 = 0 OR id = ?2) ORDER BY id";

int ward_store_evidence_verify(struct ward_store *st, int64_t inc, int64_t evidence,
                               struct ward_evidence_check **out, size_t *n, struct ward_err *err)
{
    *out = NULL;
    *n = 0;
    ward_arena_reset(&st->scratch);
    struct ward_evidence_check *v = NULL;
    int64_t *incs = NULL;
    size_t cnt = 0, cap = 0;
    int r = 0;
    if (inc) {
        int stv;
        if ((r = st_incident_status(st, inc, &stv, err))) return r;
    }
    sqlite3_stmt *s = st_prep(st, sql_ev_list, err);
    if (!s) return WARD_EIO;
    sqlite3_bind_int64(s, 1, inc);
    sqlite3_bind_int64(s, 2, evidence);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (cnt == cap) {
            size_t nc = cap ? cap * 2 : 8;
            struct ward_evidence_check *nv = realloc(v, nc * sizeof *nv);
            int64_t *ni = realloc(incs, nc * sizeof *ni);
            if (nv) v = nv;
            if (ni) incs = ni;
            if (!nv || !ni) {
                r = ward_err_set(err, WARD_ENOMEM, "out of memory");
                break;
            }
            cap = nc;
        }
        struct ward_evidence_check *c = &v[cnt];
        memset(c, 0, sizeof *c);
        c->id = sqlite3_column_int64(s, 0);
        incs[cnt] = sqlite3_column_int64(s, 1);
        const char *abs = (const char *)sqlite3_column_text(s, 3);
        const char *sha = (const char *)sqlite3_column_text(s, 4);
        c->path = ward_arena_strdup(&st->scratch, abs ? abs : "");
        c->expected = ward_arena_strdup(&st->scratch, sha ? sha : "");
        if (!c->path || !c->expected) {
            r = ward_err_set(err, WARD_ENOMEM, "out of memory");
            break;
        }
        cnt++;
    }
    if (!r && rc != SQLITE_DONE) r = st_dberr(st, err, "cannot read the evidence");
    sqlite3_reset(s);
    /* hash outside any transaction, then record the results in one */
    for (size_t i = 0; !r && i < cnt; i++) {
        struct ward_err e2;
        ward_err_clear(&e2);
        uint64_t size;
        if (ward_sha256_file(v[i].path, v[i].actual, &size, &e2)) {
            v[i].actual[0] = 0;
            ward_strlcpy(v[i].reason, e2.msg, sizeof v[i].reason);
        } else if (strcmp(v[i].actual, v[i].expected) != 0) {
            snprintf(v[i].reason, sizeof v[i].reason, "content changed (SHA-256 differs)");
        } else {
            v[i].ok = 1;
        }
    }
    if (!r && cnt) {
        if ((r = st_begin(st, err)) == 0) {
            for (size_t i = 0; !r && i < cnt; i++) {
                r = custody_row(st, v[i].id, v[i].ok ? "verified" : "verify-failed",
                                v[i].ok ? "SHA-256 re-computed and matches" : v[i].reason,
                                v[i].actual[0] ? v[i].actual : NULL, err);
                char idb[32];
                snprintf(idb, sizeof idb, "%lld", (long long)v[i].id);
                if (!r)
                    r = journal_kv(st, incs[i], "evidence.verify", "evidence", idb, "result",
                                   v[i].ok ? "ok" : "failed", "sha256",
                                   v[i].actual[0] ? v[i].actual : NULL, "reason",
                                   v[i].ok ? NULL : v[i].reason, err);
            }
            r = finish(st, r, err);
        }
    }
    free(incs);
    if (r) {
        free(v);
        return r;
    }
    *out = v;
    *n = cnt;
    return 0;
}

/* ---- merge ------------------------------------------------------------------------------- */

int ward_store_merge(struct ward_store *st, int64_t from, int64_t into, struct ward_err *err)
{
    if (from == into) return ward_err_set(err, WARD_EINVAL, "cannot merge an incident into itself");
    int sf, si, r;
    if ((r = begin_on(st, from, &sf, err))) return r;
    if ((r = st_incident_status(st, into, &si, err))) return finish(st, r, err);
    if ((r = check_not_merged(st, from, err)) || (r = check_not_merged(st, into, err)))
        return finish(st, r, err);
    if (si == WARD_ST_CLOSED)
        return finish(st,
                      ward_err_set(err, WARD_ESTATE,
                                   "INC-%04lld is closed: reopen it before merging into it",
                                   (long long)into),
                      err);
    /* statements with two parameters: ?1 = from, ?2 = into */
    static const char *const moves[] = {
        "UPDATE alerts SET incident_id = ?2 WHERE incident_id = ?1",
        "INSERT INTO entities(incident_id, key, first_seen, last_seen, alerts)"
        " SELECT ?2, key, first_seen, last_seen, alerts FROM entities WHERE incident_id = ?1"
        " AND true ON CONFLICT(key, incident_id) DO UPDATE SET"
        " first_seen = min(first_seen, excluded.first_seen),"
        " last_seen = max(last_seen, excluded.last_seen), alerts = alerts + excluded.alerts",
        "DELETE FROM entities WHERE incident_id = ?1",
        "INSERT INTO incident_attack(incident_id, kind, attack_id, name, alerts)"
        " SELECT ?2, kind, attack_id, name, alerts FROM incident_attack WHERE incident_id = ?1"
        " AND true ON CONFLICT(incident_id, kind, attack_id) DO UPDATE SET"
        " alerts = alerts + excluded.alerts",
        "DELETE FROM incident_attack WHERE incident_id = ?1",
        "INSERT INTO observables(incident_id, type, value, source, note, first_seen, sightings)"
        " SELECT ?2, type, value, source, note, first_seen, sightings FROM observables"
        " WHERE incident_id = ?1 AND true ON CONFLICT(incident_id, type, value) DO UPDATE SET"
        " sightings = sightings + excluded.sightings,"
        " first_seen = min(first_seen, excluded.first_seen)",
        "DELETE FROM observables WHERE incident_id = ?1",
        "UPDATE notes SET incident_id = ?2 WHERE incident_id = ?1",
        "UPDATE tasks SET incident_id = ?2 WHERE incident_id = ?1",
        "UPDATE evidence SET incident_id = ?2 WHERE incident_id = ?1",
        "UPDATE playbook_runs SET incident_id = ?2 WHERE incident_id = ?1",
        "UPDATE incidents SET"
        " severity = max(severity, (SELECT severity FROM incidents WHERE id = ?1)),"
        " first_seen = min(first_seen, (SELECT first_seen FROM incidents WHERE id = ?1)),"
        " last_seen = max(last_seen, (SELECT last_seen FROM incidents WHERE id = ?1)),"
        " alert_count = alert_count + (SELECT alert_count FROM incidents WHERE id = ?1),"
        " event_count = event_count + (SELECT event_count FROM incidents WHERE id = ?1)"
        " WHERE id = ?2",
        "UPDATE incidents SET status = 'closed', merged_into = ?2, alert_count = 0,"
        " event_count = 0, resolution = 'merged into INC-' || printf('%04d', ?2),"
        " root_cause = coalesce(root_cause, 'see INC-' || printf('%04d', ?2)),"
        " lessons = coalesce(lessons, 'see INC-' || printf('%04d', ?2))"
        " WHERE id = ?1",
    };
    for (size_t i = 0; !r && i < sizeof moves / sizeof moves[0]; i++) {
        sqlite3_stmt *s = st_prep(st, moves[i], err);
        if (!s) {
            r = WARD_EIO;
            break;
        }
        sqlite3_bind_int64(s, 1, from);
        sqlite3_bind_int64(s, 2, into);
        r = st_step_done(st, s, err, "cannot merge");
    }
    if (!r) {
        sqlite3_stmt *s = st_prep(st,
                                  "UPDATE incidents SET updated_at = ?2,"
                                  " closed_at = coalesce(closed_at, ?2) WHERE id = ?1",
                                  err);
        if (!s) r = WARD_EIO;
        if (s) {
            sqlite3_bind_int64(s, 1, from);
            sqlite3_bind_int64(s, 2, ward_store_now(st));
            r = st_step_done(st, s, err, "cannot merge");
        }
    }
    if (!r) r = st_touch(st, into, err);
    char fb[32], ib[32];
    snprintf(fb, sizeof fb, "INC-%04lld", (long long)from);
    snprintf(ib, sizeof ib, "INC-%04lld", (long long)into);
    if (!r)
        r = journal_kv(st, from, "merge.out", "into", ib, "from_status", ward_status_name(sf), NULL,
                       NULL, NULL, NULL, err);
    if (!r)
        r = journal_kv(st, into, "merge.in", "from", fb, NULL, NULL, NULL, NULL, NULL, NULL, err);
    return finish(st, r, err);
}
