/*
 * test_attack.c - the ATT&CK table and lookups: techniques by id (any case), tactics by
 * short name and TA id, Sigma tag parsing, labels (unknown ids such as ATT&CK v19's t1685
 * shown as themselves), the table's order, and its counts against the corpus bundle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ward/attack.h"
#include "test.h"

static void test_lookup(void)
{
    const struct ward_attack_db *db = ward_attack_builtin();
    const struct ward_attack_technique *t = ward_attack_technique(NULL, "T1059.001", 9);
    CHECK(t != NULL);
    if (t) {
        CHECK_STR(t->id, "T1059.001");
        CHECK_STR(t->name, "PowerShell");
        CHECK(t->flags & WARD_ATTACK_SUB);
        CHECK_STR(ward_attack_technique_tactic(db, t, 0)->shortname, "execution");
        CHECK(ward_attack_technique_tactic(db, t, 1) == NULL);
        const struct ward_attack_technique *p = ward_attack_parent(db, t);
        CHECK(p != NULL && strcmp(p->id, "T1059") == 0);
        CHECK(p && !(p->flags & WARD_ATTACK_SUB));
    }
    CHECK(ward_attack_technique(db, "t1059.001", 9) == t);
    CHECK(ward_attack_technique(db, "T1059.0011", 10) == NULL);
    CHECK(ward_attack_technique(db, "T105", 4) == NULL);
    CHECK(ward_attack_technique(db, "T1685", 5) == NULL);
    CHECK(ward_attack_technique(db, "", 0) == NULL);
    CHECK(ward_attack_technique(db, NULL, 0) == NULL);

    /* a technique in several tactics lists them in kill-chain order */
    const struct ward_attack_technique *v = ward_attack_technique(db, "T1078", 5);
    CHECK(v != NULL);
    if (v) {
        CHECK_STR(v->name, "Valid Accounts");
        const char *want[] = {"initial-access", "persistence", "privilege-escalation",
                              "defense-evasion"};
        unsigned i = 0;
        const struct ward_attack_tactic *tac;
        while ((tac = ward_attack_technique_tactic(db, v, i)) != NULL && i < 4) {
            CHECK_STR(tac->shortname, want[i]);
            i++;
        }
        CHECK_INT(i, 4);
    }

    /* revoked ids stay known, with their successor */
    const struct ward_attack_technique *r = ward_attack_technique(db, "T1086", 5);
    CHECK(r != NULL);
    if (r) {
        CHECK(r->flags & WARD_ATTACK_REVOKED);
        CHECK_STR(r->replaced_by, "T1059.001");
    }

    const struct ward_attack_tactic *ta = ward_attack_tactic(db, "defense-evasion", 15);
    CHECK(ta != NULL && strcmp(ta->id, "TA0005") == 0);
    CHECK(ward_attack_tactic(db, "Defense_Evasion", 15) == ta);
    CHECK(ward_attack_tactic(db, "ta0005", 6) == ta);
    CHECK(ward_attack_tactic(db, "defense", 7) == NULL);
    CHECK(ward_attack_tactic(db, "lateral-movement", 16) != NULL);
    CHECK_STR(ward_attack_tactic(db, "TA0043", 6)->shortname, "reconnaissance");
}

static void test_tags(void)
{
    struct ward_attack_tag tag;
    const char *s;

    s = "attack.t1059.001";
    CHECK_INT(ward_attack_tag_parse(NULL, s, strlen(s), &tag), 0);
    CHECK_INT(tag.kind, WARD_ATTACK_TAG_TECHNIQUE);
    CHECK_STR(tag.id, "T1059.001");
    CHECK(tag.technique && strcmp(tag.technique->name, "PowerShell") == 0);

    s = "ATTACK.Execution";
    CHECK_INT(ward_attack_tag_parse(NULL, s, strlen(s), &tag), 0);
    CHECK_INT(tag.kind, WARD_ATTACK_TAG_TACTIC);
    CHECK_STR(tag.id, "execution");
    CHECK(tag.tactic && strcmp(tag.tactic->id, "TA0002") == 0);

    s = "attack.defense_evasion"; /* older Sigma spelling */
    CHECK_INT(ward_attack_tag_parse(NULL, s, strlen(s), &tag), 0);
    CHECK_INT(tag.kind, WARD_ATTACK_TAG_TACTIC);
    CHECK_STR(tag.id, "defense-evasion");

    s = "attack.g0016";
    CHECK_INT(ward_attack_tag_parse(NULL, s, strlen(s), &tag), 0);
    CHECK_INT(tag.kind, WARD_ATTACK_TAG_GROUP);
    CHECK_STR(tag.id, "G0016");

    s = "attack.s0002";
    CHECK_INT(ward_attack_tag_parse(NULL, s, strlen(s), &tag), 0);
    CHECK_INT(tag.kind, WARD_ATTACK_TAG_SOFTWARE);
    CHECK_STR(tag.id, "S0002");

    s = "attack.c0024";
    CHECK_INT(ward_attack_tag_parse(NULL, s, strlen(s), &tag), 0);
    CHECK_INT(tag.kind, WARD_ATTACK_TAG_CAMPAIGN);

    /* a v19 id the v18.1 table does not know: kept, not dropped */
    s = "attack.t1685";
    CHECK_INT(ward_attack_tag_parse(NULL, s, strlen(s), &tag), 0);
    CHECK_INT(tag.kind, WARD_ATTACK_TAG_TECHNIQUE);
    CHECK_STR(tag.id, "T1685");
    CHECK(tag.technique == NULL);

    s = "attack.somethingnew";
    CHECK_INT(ward_attack_tag_parse(NULL, s, strlen(s), &tag), 0);
    CHECK_INT(tag.kind, WARD_ATTACK_TAG_OTHER);
    CHECK_STR(tag.id, "somethingnew");

    s = "cve.2021-1675";
    CHECK_INT(ward_attack_tag_parse(NULL, s, strlen(s), &tag), 0);
    CHECK_INT(tag.kind, WARD_ATTACK_TAG_NONE);

    s = "attack.";
    CHECK(ward_attack_tag_parse(NULL, s, strlen(s), &tag) < 0);
    CHECK(ward_attack_tag_parse(NULL, "", 0, &tag) < 0);
    char longtag[200];
    memset(longtag, 'a', sizeof longtag);
    memcpy(longtag, "attack.", 7);
    CHECK(ward_attack_tag_parse(NULL, longtag, sizeof longtag, &tag) < 0);
}

static void test_labels(void)
{
    char buf[160];
    const char *s;
    s = "attack.t1059.001";
    CHECK_STR(ward_attack_label(NULL, s, strlen(s), buf, sizeof buf),
              "T1059.001 Command and Scripting Interpreter: PowerShell");
    s = "t1003";
    CHECK_STR(ward_attack_label(NULL, s, strlen(s), buf, sizeof buf),
              "T1003 OS Credential Dumping");
    s = "t1685";
    CHECK_STR(ward_attack_label(NULL, s, strlen(s), buf, sizeof buf), "T1685");
    s = "attack.t1686";
    CHECK_STR(ward_attack_label(NULL, s, strlen(s), buf, sizeof buf), "T1686");
    s = "attack.t1685.002";
    CHECK_STR(ward_attack_label(NULL, s, strlen(s), buf, sizeof buf), "T1685.002");
    s = "attack.execution";
    CHECK_STR(ward_attack_label(NULL, s, strlen(s), buf, sizeof buf), "TA0002 Execution");
    s = "attack.g0016";
    CHECK_STR(ward_attack_label(NULL, s, strlen(s), buf, sizeof buf), "G0016");
    s = "attack.whatever";
    CHECK_STR(ward_attack_label(NULL, s, strlen(s), buf, sizeof buf), "whatever");
    s = "T1086";
    CHECK_STR(ward_attack_label(NULL, s, strlen(s), buf, sizeof buf),
              "T1086 PowerShell (revoked: now T1059.001)");
    /* truncation stays terminated */
    char small[8];
    s = "T1059.001";
    ward_attack_label(NULL, s, strlen(s), small, sizeof small);
    CHECK_INT(strlen(small), 7);
}

static void test_table_order(void)
{
    const struct ward_attack_db *db = ward_attack_builtin();
    CHECK(db->technique_count > 500);
    CHECK(db->tactic_count >= 14);
    CHECK(db->version && db->version[0]);
    size_t bad = 0, subs = 0;
    for (size_t i = 1; i < db->technique_count; i++)
        if (strcmp(db->techniques[i - 1].id, db->techniques[i].id) >= 0) bad++;
    for (size_t i = 0; i < db->technique_count; i++) {
        const struct ward_attack_technique *t = &db->techniques[i];
        if (t->flags & WARD_ATTACK_SUB) {
            subs++;
            if (!(t->flags & WARD_ATTACK_REVOKED) && !ward_attack_parent(db, t)) bad++;
        }
        /* every id is found by the lookup, in lower case too */
        char low[16];
        size_t n = strlen(t->id);
        for (size_t k = 0; k < n && k < sizeof low; k++)
            low[k] = (char)ward_lower((unsigned char)t->id[k]);
        if (ward_attack_technique(db, low, n) != t) bad++;
        /* active techniques have at least one tactic */
        if (!(t->flags & (WARD_ATTACK_REVOKED | WARD_ATTACK_DEPRECATED)) && t->tactics == 0) bad++;
    }
    CHECK_INT(bad, 0);
    CHECK(subs > 300);
    for (size_t i = 0; i < db->tactic_count; i++) CHECK_INT(db->tactics[i].order, i);
}

/* Counts occurrences of `"key":"value"` (with or without a space after the colon). */
static size_t count_pair(const char *text, const char *key, const char *value)
{
    char a[128], b[128];
    snprintf(a, sizeof a, "\"%s\":\"%s\"", key, value);
    snprintf(b, sizeof b, "\"%s\": \"%s\"", key, value);
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, a)) != NULL; p++) n++;
    for (const char *p = text; (p = strstr(p, b)) != NULL; p++) n++;
    return n;
}

/* The table against the bundle it was generated from: independent counts by a plain text
 * scan, and every "external_id" that looks like a technique id must be in the table. */
static void test_corpus_counts(const char *corpus)
{
    char path[1024];
    snprintf(path, sizeof path,
             "%s/mitre-attack/enterprise-attack-v18.1-techniques-tactics-stix21.json", corpus);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("note: %s is absent, counts against the bundle not checked\n", path);
        return;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    CHECK(text != NULL);
    if (!text) {
        fclose(f);
        return;
    }
    size_t got = fread(text, 1, (size_t)size, f);
    fclose(f);
    text[got] = '\0';

    const struct ward_attack_db *db = ward_attack_builtin();
    CHECK_INT(db->technique_count, count_pair(text, "type", "attack-pattern"));
    CHECK_INT(db->tactic_count, count_pair(text, "type", "x-mitre-tactic"));
    CHECK_STR(db->version, "18.1");

    size_t ids = 0, missing = 0;
    for (const char *p = text; (p = strstr(p, "\"external_id\":")) != NULL; p++) {
        const char *q = p + 14;
        while (*q == ' ') q++;
        if (*q != '"') continue;
        q++;
        const char *e = strchr(q, '"');
        if (!e) break;
        size_t n = (size_t)(e - q);
        if ((n == 5 || n == 9) && q[0] == 'T' && q[1] >= '0' && q[1] <= '9') {
            ids++;
            if (!ward_attack_technique(db, q, n)) {
                missing++;
                fprintf(stderr, "not in the table: %.*s\n", (int)n, q);
            }
        }
    }
    CHECK(ids >= db->technique_count);
    CHECK_INT(missing, 0);
    free(text);
}

/* Writes text to a temporary file; returns its path in buf. */
static const char *write_tmp(char *buf, size_t n, const char *text)
{
    snprintf(buf, n, "/tmp/ward_test_attack_XXXXXX");
    int fd = mkstemp(buf);
    if (fd < 0) return NULL;
    FILE *f = fdopen(fd, "w");
    if (!f) return NULL;
    fputs(text, f);
    fclose(f);
    return buf;
}

/* A small newer bundle: a tactic order, a v19-style technique and a revoked one. */
static const char small_bundle[] =
    "{\"type\": \"bundle\", \"id\": \"bundle--1\", \"objects\": [\n"
    " {\"type\": \"x-mitre-collection\", \"id\": \"x-mitre-collection--1\", "
    "\"x_mitre_version\": \"19.0\"},\n"
    " {\"type\": \"x-mitre-matrix\", \"id\": \"x-mitre-matrix--1\", \"tactic_refs\": "
    "[\"x-mitre-tactic--b\", \"x-mitre-tactic--a\"]},\n"
    " {\"type\": \"x-mitre-tactic\", \"id\": \"x-mitre-tactic--a\", \"name\": \"Defense "
    "Impairment\", \"x_mitre_shortname\": \"defense-impairment\", \"external_references\": "
    "[{\"source_name\": \"mitre-attack\", \"external_id\": \"TA0112\"}]},\n"
    " {\"type\": \"x-mitre-tactic\", \"id\": \"x-mitre-tactic--b\", \"name\": \"Execution\", "
    "\"x_mitre_shortname\": \"execution\", \"external_references\": [{\"source_name\": "
    "\"mitre-attack\", \"external_id\": \"TA0002\"}]},\n"
    " {\"type\": \"attack-pattern\", \"id\": \"attack-pattern--n\", \"name\": \"New "
    "\\u00c9vasion\", "
    "\"external_references\": [{\"source_name\": \"capec\", \"external_id\": \"CAPEC-1\"}, "
    "{\"source_name\": \"mitre-attack\", \"external_id\": \"T1685\"}], \"kill_chain_phases\": "
    "[{\"kill_chain_name\": \"mitre-attack\", \"phase_name\": \"defense-impairment\"}, "
    "{\"kill_chain_name\": \"mitre-attack\", \"phase_name\": \"execution\"}]},\n"
    " {\"type\": \"attack-pattern\", \"id\": \"attack-pattern--o\", \"name\": \"Old\", "
    "\"revoked\": true, \"external_references\": [{\"source_name\": \"mitre-attack\", "
    "\"external_id\": \"t1999\"}]},\n"
    " {\"type\": \"relationship\", \"id\": \"relationship--1\", \"relationship_type\": "
    "\"revoked-by\", \"source_ref\": \"attack-pattern--o\", \"target_ref\": "
    "\"attack-pattern--n\"},\n"
    " {\"type\": \"malware\", \"id\": \"malware--1\", \"name\": \"x\", \"labels\": [1, "
    "{\"a\": [\"]}\"]}]}\n"
    "]}\n";

static void test_load_small(void)
{
    char path[64];
    struct ward_attack_db *db = NULL;
    struct ward_err err;
    ward_err_clear(&err);
    CHECK(write_tmp(path, sizeof path, small_bundle) != NULL);
    int rc = ward_attack_load(path, &db, &err);
    CHECK_INT(rc, 0);
    if (rc == 0 && db) {
        CHECK_STR(db->version, "19.0");
        CHECK_INT(db->tactic_count, 2);
        CHECK_INT(db->technique_count, 2);
        CHECK_STR(db->tactics[0].shortname, "execution"); /* matrix order, not file order */
        CHECK_INT(db->tactics[1].order, 1);
        const struct ward_attack_technique *t = ward_attack_technique(db, "t1685", 5);
        CHECK(t != NULL);
        if (t) {
            CHECK_STR(t->name, "New \xc3\x89vasion");
            CHECK_INT(t->tactics, 3);
            CHECK_STR(ward_attack_technique_tactic(db, t, 0)->shortname, "execution");
            CHECK_STR(ward_attack_technique_tactic(db, t, 1)->shortname, "defense-impairment");
        }
        const struct ward_attack_technique *o = ward_attack_technique(db, "T1999", 5);
        CHECK(o && (o->flags & WARD_ATTACK_REVOKED) && o->replaced_by &&
              strcmp(o->replaced_by, "T1685") == 0);
        char buf[128];
        CHECK_STR(ward_attack_label(db, "attack.t1685", 12, buf, sizeof buf),
                  "T1685 New \xc3\x89vasion");
        struct ward_attack_tag tag;
        CHECK_INT(ward_attack_tag_parse(db, "attack.defense-impairment", 25, &tag), 0);
        CHECK_INT(tag.kind, WARD_ATTACK_TAG_TACTIC);
        /* the built-in table does not know the new tactic: kept as written */
        CHECK_INT(ward_attack_tag_parse(NULL, "attack.defense-impairment", 25, &tag), 0);
        CHECK_INT(tag.kind, WARD_ATTACK_TAG_OTHER);
        CHECK_STR(tag.id, "defense-impairment");
    }
    ward_attack_free(db);
    remove(path);

    /* errors: malformed JSON (located), no matrix, missing file, not a bundle */
    db = NULL;
    CHECK(write_tmp(path, sizeof path,
                    "{\"type\": \"bundle\",\n \"objects\": [\n {\"type\": \"attack-pattern\", "
                    "\"name\": tru}\n]}\n") != NULL);
    ward_err_clear(&err);
    rc = ward_attack_load(path, &db, &err);
    CHECK(rc < 0);
    CHECK(db == NULL);
    CHECK_INT(err.line, 3);
    remove(path);
    CHECK(write_tmp(path, sizeof path,
                    "{\"objects\": [{\"type\": \"attack-pattern\", \"id\": \"a\", "
                    "\"external_references\": [{\"source_name\": \"mitre-attack\", "
                    "\"external_id\": \"T1001\"}]}]}") != NULL);
    ward_err_clear(&err);
    CHECK_INT(ward_attack_load(path, &db, &err), WARD_EINVAL);
    CHECK(strstr(err.msg, "x-mitre-matrix") != NULL);
    remove(path);
    CHECK(write_tmp(path, sizeof path, "[1, 2, 3]") != NULL);
    CHECK(ward_attack_load(path, &db, &err) < 0);
    remove(path);
    CHECK(write_tmp(path, sizeof path, "{\"objects\": [{\"type\": \"x\"}") != NULL);
    CHECK(ward_attack_load(path, &db, &err) < 0);
    remove(path);
    CHECK(ward_attack_load("/nonexistent/ward/attack.json", &db, &err) < 0);
    ward_attack_free(NULL);
    struct ward_attack_db copy = *ward_attack_builtin();
    ward_attack_free(&copy); /* a table it does not own: nothing happens */
}

/* Loading the corpus bundles at run time gives the same table as the generated one. */
static void test_load_corpus(const char *corpus)
{
    const struct ward_attack_db *b = ward_attack_builtin();
    const char *names[] = {"enterprise-attack-v18.1-techniques-tactics-stix21.json",
                           "enterprise-attack-v18.1-stix21-converted.min.json.gz"};
    for (int k = 0; k < 2; k++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/mitre-attack/%s", corpus, names[k]);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        fclose(f);
        struct ward_attack_db *db = NULL;
        struct ward_err err;
        ward_err_clear(&err);
        int rc = ward_attack_load(path, &db, &err);
        if (rc) fprintf(stderr, "%s: %s\n", path, err.msg);
        CHECK_INT(rc, 0);
        if (!db) continue;
        CHECK_INT(db->technique_count, b->technique_count);
        CHECK_INT(db->tactic_count, b->tactic_count);
        size_t diff = 0;
        for (size_t i = 0; i < db->technique_count && i < b->technique_count; i++) {
            const struct ward_attack_technique *x = &db->techniques[i], *y = &b->techniques[i];
            if (strcmp(x->id, y->id) || strcmp(x->name, y->name) || x->tactics != y->tactics ||
                x->flags != y->flags)
                diff++;
            /* only the full bundle carries revoked-by relationships */
            if (k == 1 && ((x->replaced_by == NULL) != (y->replaced_by == NULL) ||
                           (x->replaced_by && strcmp(x->replaced_by, y->replaced_by))))
                diff++;
        }
        for (size_t i = 0; i < db->tactic_count && i < b->tactic_count; i++)
            if (strcmp(db->tactics[i].id, b->tactics[i].id) ||
                strcmp(db->tactics[i].shortname, b->tactics[i].shortname))
                diff++;
        CHECK_INT(diff, 0);
        ward_attack_free(db);
    }
}

int main(void)
{
    test_lookup();
    test_tags();
    test_labels();
    test_table_order();
    test_load_small();
    /* the corpus part only: the rest of the checks run without it */
    const char *c = getenv("WARD_CORPUS");
    struct stat st;
    if (c && stat(c, &st) == 0 && S_ISDIR(st.st_mode)) {
        test_load_corpus(c);
        test_corpus_counts(c);
    } else {
        printf("note: the shared corpus is not at %s, bundle comparisons skipped\n",
               c ? c : "(WARD_CORPUS unset)");
    }
    return test_done("test_attack");
}
