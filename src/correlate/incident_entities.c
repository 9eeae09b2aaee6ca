/*
 * incident_entities.c - entity extraction: which fields of an event name hosts, users,
 * addresses, hashes, files, domains, URLs and the command line. Keys are matched on their
 * last path component (case-insensitive), or whole for dotted names (ECS, Zeek).
 */
#include <string.h>
#include <strings.h>

#include "ward/alert.h"
#include "ward/event.h"

struct field_rule {
    const char *name;
    enum ward_entity_kind kind;
    int whole; /* match the whole key, not its last component */
};

static const struct field_rule field_rules[] = {
    /* hosts */
    {"Computer", WARD_ENT_HOST, 0},
    {"ComputerName", WARD_ENT_HOST, 0},
    {"Hostname", WARD_ENT_HOST, 0},
    {"host", WARD_ENT_HOST, 0},
    {"host.name", WARD_ENT_HOST, 1},
    {"host.hostname", WARD_ENT_HOST, 1},
    {"WorkstationName", WARD_ENT_HOST, 0},
    {"Workstation", WARD_ENT_HOST, 0},
    {"SourceHostname", WARD_ENT_HOST, 0},
    {"DestinationHostname", WARD_ENT_HOST, 0},
    /* users */
    {"User", WARD_ENT_USER, 0},
    {"UserName", WARD_ENT_USER, 0},
    {"TargetUserName", WARD_ENT_USER, 0},
    {"SubjectUserName", WARD_ENT_USER, 0},
    {"TargetUser", WARD_ENT_USER, 0},
    {"SourceUser", WARD_ENT_USER, 0},
    {"AccountName", WARD_ENT_USER, 0},
    {"SamAccountName", WARD_ENT_USER, 0},
    {"user", WARD_ENT_USER, 0},
    {"username", WARD_ENT_USER, 0},
    {"user.name", WARD_ENT_USER, 1},
    {"userIdentity.userName", WARD_ENT_USER, 1},
    /* source addresses */
    {"IpAddress", WARD_ENT_SRC_IP, 0},
    {"SourceIp", WARD_ENT_SRC_IP, 0},
    {"SourceAddress", WARD_ENT_SRC_IP, 0},
    {"ClientAddress", WARD_ENT_SRC_IP, 0},
    {"ClientIP", WARD_ENT_SRC_IP, 0},
    {"client_ip", WARD_ENT_SRC_IP, 0},
    {"src_ip", WARD_ENT_SRC_IP, 0},
    {"srcip", WARD_ENT_SRC_IP, 0},
    {"src", WARD_ENT_SRC_IP, 0},
    {"sourceIPAddress", WARD_ENT_SRC_IP, 0},
    {"id.orig_h", WARD_ENT_SRC_IP, 1},
    {"source.ip", WARD_ENT_SRC_IP, 1},
    /* destination addresses */
    {"DestinationIp", WARD_ENT_DST_IP, 0},
    {"DestinationAddress", WARD_ENT_DST_IP, 0},
    {"DestAddress", WARD_ENT_DST_IP, 0},
    {"dst_ip", WARD_ENT_DST_IP, 0},
    {"dest_ip", WARD_ENT_DST_IP, 0},
    {"dstip", WARD_ENT_DST_IP, 0},
    {"dst", WARD_ENT_DST_IP, 0},
    {"id.resp_h", WARD_ENT_DST_IP, 1},
    {"destination.ip", WARD_ENT_DST_IP, 1},
    /* hashes ("Hashes" may hold "SHA256=...,MD5=...") */
    {"Hashes", WARD_ENT_HASH, 0},
    {"Hash", WARD_ENT_HASH, 0},
    {"md5", WARD_ENT_HASH, 0},
    {"sha1", WARD_ENT_HASH, 0},
    {"sha256", WARD_ENT_HASH, 0},
    {"sha512", WARD_ENT_HASH, 0},
    /* files */
    {"Image", WARD_ENT_FILE, 0},
    {"ParentImage", WARD_ENT_FILE, 0},
    {"TargetImage", WARD_ENT_FILE, 0},
    {"SourceImage", WARD_ENT_FILE, 0},
    {"ImageLoaded", WARD_ENT_FILE, 0},
    {"TargetFilename", WARD_ENT_FILE, 0},
    {"NewProcessName", WARD_ENT_FILE, 0},
    {"ParentProcessName", WARD_ENT_FILE, 0},
    {"ServiceFileName", WARD_ENT_FILE, 0},
    {"ImagePath", WARD_ENT_FILE, 0},
    {"file.path", WARD_ENT_FILE, 1},
    {"process.executable", WARD_ENT_FILE, 1},
    /* domains and URLs */
    {"QueryName", WARD_ENT_DOMAIN, 0},
    {"query", WARD_ENT_DOMAIN, 0},
    {"rrname", WARD_ENT_DOMAIN, 0},
    {"dns.question.name", WARD_ENT_DOMAIN, 1},
    {"url", WARD_ENT_URL, 0},
    {"request_url", WARD_ENT_URL, 0},
    {"url.full", WARD_ENT_URL, 1},
    /* command lines */
    {"CommandLine", WARD_ENT_CMDLINE, 0},
    {"ProcessCommandLine", WARD_ENT_CMDLINE, 0},
    {"command_line", WARD_ENT_CMDLINE, 0},
    {"cmdline", WARD_ENT_CMDLINE, 0},
    {"process.command_line", WARD_ENT_CMDLINE, 1},
};

/* Whether a value is a log's way of saying "none" ("-", "N/A", "(null)" ...): not an entity. */
static int no_value_marker(const char *v, size_t n)
{
    static const char *const none[] = {"-", "N/A", "null", "(null)", "none", "unknown", "?"};
    if (n == 0) return 1;
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
        if (strlen(none[i]) == n && strncasecmp(v, none[i], n) == 0) return 1;
    return 0;
}

struct collect {
    struct ward_arena *arena;
    struct ward_entity *items;
    size_t n, max;
};

static int add(struct collect *c, enum ward_entity_kind kind, const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t' || *v == '"')) v++, n--;
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '"' || v[n - 1] == '\r' ||
                 v[n - 1] == '\n'))
        n--;
    if (no_value_marker(v, n) || c->n >= c->max) return 0;
    if (n > 8192) n = 8192;
    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].kind == kind && strlen(c->items[i].value) == n &&
            memcmp(c->items[i].value, v, n) == 0)
            return 0;
    char *s = ward_arena_strndup(c->arena, v, n);
    if (!s) return WARD_ENOMEM;
    c->items[c->n].kind = kind;
    c->items[c->n].value = s;
    c->n++;
    return 0;
}

static int is_hexs(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')))
            return 0;
    }
    return 1;
}

/* "SHA1=..,MD5=..,SHA256=..,IMPHASH=.." or a bare hex digest */
static int add_hashes(struct collect *c, const char *v, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && v[j] != ',' && v[j] != ';' && v[j] != ' ') j++;
        const char *item = v + i;
        size_t len = j - i;
        const char *eq = memchr(item, '=', len);
        int imphash = 0;
        if (eq) {
            size_t nl = (size_t)(eq - item);
            imphash = nl == 7 && strncasecmp(item, "IMPHASH", 7) == 0;
            len -= nl + 1;
            item = eq + 1;
        }
        if (!imphash && (len == 32 || len == 40 || len == 64 || len == 128) && is_hexs(item, len)) {
            int rc = add(c, WARD_ENT_HASH, item, len);
            if (rc) return rc;
        }
        i = j + 1;
    }
    return 0;
}

/* Paths named on a command line: tokens (quoted or not) that look like a Windows or Unix
 * path to a file with an extension. */
static int add_cmdline_files(struct collect *c, const char *v, size_t n)
{
    size_t i = 0, found = 0;
    while (i < n && found < 8) {
        while (i < n && (v[i] == ' ' || v[i] == '\t')) i++;
        if (i >= n) break;
        size_t start, end;
        if (v[i] == '"') {
            start = ++i;
            while (i < n && v[i] != '"') i++;
            end = i;
            if (i < n) i++;
        } else {
            start = i;
            while (i < n && v[i] != ' ' && v[i] != '\t') i++;
            end = i;
        }
        size_t len = end - start;
        const char *t = v + start;
        if (len < 4) continue;
        int winpath = len > 3 && ((t[1] == ':' && (t[2] == '\\' || t[2] == '/')) ||
                                  (t[0] == '\\' && t[1] == '\\'));
        int unixpath = t[0] == '/' && len > 1;
        if (!winpath && !unixpath) continue;
        /* an extension of 1-5 letters/digits after the last separator */
        size_t k = len;
        while (k > 0 && t[k - 1] != '\\' && t[k - 1] != '/') k--;
        const char *dot = NULL;
        for (size_t m = k; m < len; m++)
            if (t[m] == '.') dot = t + m;
        if (!dot) continue;
        size_t extl = (size_t)(t + len - dot - 1);
        if (extl < 1 || extl > 5) continue;
        int ok = 1;
        for (size_t m = 1; m <= extl; m++) {
            char ch = dot[m];
            if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
                ok = 0;
        }
        if (!ok) continue;
        int rc = add(c, WARD_ENT_FILE, t, len);
        if (rc) return rc;
        found++;
    }
    return 0;
}

static const struct field_rule *match_key(const char *key, size_t klen)
{
    const char *last = key;
    for (size_t i = 0; i < klen; i++)
        if (key[i] == '.') last = key + i + 1;
    size_t lastlen = klen - (size_t)(last - key);
    /* arrays keep their index ("Hashes.0"): look at the component before it */
    if (lastlen && last[0] >= '0' && last[0] <= '9' && last > key + 1) {
        const char *p = last - 1; /* the dot */
        const char *q = p;
        while (q > key && q[-1] != '.') q--;
        last = q;
        lastlen = (size_t)(p - q);
    }
    for (size_t i = 0; i < sizeof field_rules / sizeof field_rules[0]; i++) {
        const struct field_rule *r = &field_rules[i];
        size_t rl = strlen(r->name);
        if (r->whole) {
            if (rl == klen && strncasecmp(key, r->name, klen) == 0) return r;
            /* "event.host.name": a dotted name at the end of the key */
            if (klen > rl && key[klen - rl - 1] == '.' &&
                strncasecmp(key + klen - rl, r->name, rl) == 0)
                return r;
        } else if (rl == lastlen && strncasecmp(last, r->name, rl) == 0) {
            return r;
        }
    }
    return NULL;
}

int ward_entities_from_event(struct ward_event *ev, struct ward_arena *arena, size_t max,
                             struct ward_entity **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    if (max == 0) return 0;
    if (max > 4096) max = 4096;
    struct collect c = {arena, NULL, 0, max};
    c.items = ward_arena_alloc(arena, max * sizeof *c.items);
    if (!c.items) return WARD_ENOMEM;
    for (uint32_t i = 0; i < ev->nfields; i++) {
        struct ward_field *f = &ev->fields[i];
        const struct field_rule *r = match_key(ward_field_key(ev, f), f->klen);
        if (!r) continue;
        if (f->type == WARD_V_NULL || f->type == WARD_V_BOOL) continue;
        struct ward_str v;
        if (ward_event_value(ev, f, &v)) return WARD_ENOMEM;
        int rc;
        if (r->kind == WARD_ENT_HASH)
            rc = add_hashes(&c, v.ptr, v.len);
        else
            rc = add(&c, r->kind, v.ptr, v.len);
        if (!rc && r->kind == WARD_ENT_CMDLINE) rc = add_cmdline_files(&c, v.ptr, v.len);
        if (rc) return rc;
    }
    *out = c.items;
    *count = c.n;
    return 0;
}
