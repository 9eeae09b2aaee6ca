/*
 * hunt.c - `ward hunt`: offline hunting over evidence. Files and directories are decoded
 * (format detected per file), every event runs through the compiled Sigma rule set on
 * worker threads, and the alerts come out as a timeline in a deterministic order (event
 * time, then source path, record and rule) whatever the thread count, followed by a
 * summary. Alerts are kept in a bounded in-memory buffer that spills sorted runs to an
 * anonymous temporary file, so memory stays flat as the input grows.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "hunt.h"
#include "ward/attack.h"
#include "ward/decode.h"
#include "ward/embed.h"
#include "ward/ioc.h"
#include "ward/json.h"
#include "ward/sigma.h"
#include "ward/store.h"

#define CLI_VALIDITY_PAD "                          "
static const char help[] =
    "usage: ward hunt [OPTIONS] PATH...\n"
    "\n"
    "Hunts through evidence: decodes files and directories (recursively; the format of\n"
    "each file is detected from its content: EVTX, JSON Lines, JSON arrays and documents,\n"
    "and the other decoders of `ward dump --list-formats`; gzip and zstd are read\n"
    "transparently), runs every event through the Sigma rules, and prints the alerts as a\n"
    "timeline with their ATT&CK tactics and techniques, then a summary.\n"
    "\n"
    "Rules:\n"
    "  -r, --rules PATH        Sigma rules (file or directory; repeatable). Default: ward's\n"
    "                          own rule pack, built into the binary\n"
    "  -l, --min-level LEVEL   only rules of this level or above: informational, low,\n"
    "                          medium, high, critical\n"
    "      --rule-id ID        only this rule (repeatable)\n"
    "      --exclude-rule ID   leave this rule out (repeatable)\n"
    "      --taxonomy FILE     logsource taxonomy and field mapping (default: built in)\n"
    "      --placeholders FILE values for the |expand modifier's placeholders\n"
    "      --attack FILE       a newer ATT&CK STIX 2.1 bundle for technique names\n"
    "      --no-correlation    do not apply Sigma correlation rules (filters still apply)\n"
    "      --lateness DURATION how far out of time order matches may reach the correlation\n"
    "                          engine (e.g. 30s, 5m; default 0: hunt feeds it in time order)\n"
    "      --corr-max-groups N correlation groups kept at once (default 100000); beyond it\n"
    "                          the least recently updated group is dropped (and counted)\n"
    "      --intel PATH        threat intelligence to match every event against (STIX 2.1\n"
    "                          bundles, MISP events or feeds, CSV, plain lists; repeatable):\n"
    "                          a hit is an alert of the rule \"Threat intelligence indicator\n"
    "                          match\" carrying the indicator's context\n"
    "      --validity MODE     indicators (--intel's and the store's) at the event's time:\n"
    "                          " CLI_VALIDITY_HELP "\n"
    "Input:\n"
    "  -t, --input-format NAME force the input format instead of detecting it\n"
    "      --since TIME        only events at or after TIME (RFC 3339, e.g. 2026-01-31T08:00Z)\n"
    "      --until TIME        only events before TIME (events without a time are skipped\n"
    "                          when --since or --until is given)\n"
    "  -j, --threads N         worker threads (default: all cores)\n"
    "\n"
    "Output:\n"
    "  -f, --format FMT        table (default), csv, jsonl or json\n"
    "  -o, --output FILE       write the alerts to FILE instead of standard output\n"
    "      --no-summary        leave the summary out\n"
    "      --color WHEN        auto (default: only on a terminal), always or never\n"
    "      --store DB          also record the alerts in the case store DB (SQLite; created\n"
    "                          if missing): repeats are counted on one alert, alerts that\n"
    "                          share an entity (host, user, address, hash) group into\n"
    "                          incidents; see `ward case`. The indicators the store holds\n"
    "                          (`ward intel import`) are matched too, besides --intel's\n"
    "                          files\n"
    "      --no-store-intel    do not match the store's indicators\n"
    "  -h, --help              show this help\n"
    "\n"
    "The table shows time (UTC), host, level, rule, ATT&CK technique and the key fields of\n"
    "the event. jsonl prints one alert per line: timestamp, host, rule {id, title, level,\n"
    "tags}, attack {tactics, techniques with names}, source {path, record, format} and the\n"
    "event's fields; json prints {\"alerts\": [...], \"summary\": {...}}. For table output\n"
    "the summary follows the table on the same stream; for csv and jsonl it goes to\n"
    "standard error. Alerts are ordered by event time, then source path, record and rule,\n"
    "whatever the number of threads. Progress is shown on standard error when it is a\n"
    "terminal.\n"
    "\n"
    "Sigma correlation rules and filters among the rules are applied: a filter drops the\n"
    "matches of the rules it names where its condition does not hold; a correlation alert\n"
    "(event_count, value_count, temporal, temporal_ordered, value_sum, value_avg,\n"
    "value_percentile) takes its place in the timeline at the time of its last correlated\n"
    "event, with its group-by values, its count or value and the alerts it correlates. The\n"
    "matches of rules used only by correlations with `generate: false` (the default) are\n"
    "not shown on their own. --min-level, --rule-id and --exclude-rule select correlations\n"
    "like other rules; the rules a selected correlation uses are loaded for it.\n"
    "\n"
    "Exit status: 0 the hunt ran (with or without alerts), 65 some files or records could\n"
    "not be decoded (the rest was hunted and the errors are in the summary), 66 no input\n"
    "could be read, 64 usage error, 78 the rules could not be loaded, 74 output error.\n"
    "\n"
    "Examples:\n"
    "  ward hunt examples/intrusion\n"
    "  ward hunt --rules sigma/rules/windows --min-level high -j 2 evidence/\n"
    "  ward hunt --format jsonl --output alerts.jsonl Security.evtx\n";

/* ---- options ---------------------------------------------------------------------------- */

struct hunt_opts {
    char **rules;
    size_t nrules;
    char **only_ids;
    size_t nonly;
    char **excl_ids;
    size_t nexcl;
    enum ward_sigma_level min_level;
    const char *taxonomy;
    const char *placeholders;
    const char *attack;
    const char *in_format;
    ward_time_t since, until;
    int threads;
    enum hunt_format format;
    const char *output;
    const char *store;
    char **intel;
    size_t nintel;
    int no_store_intel;
    int validity; /* enum ward_ioc_validity */
    int summary;
    int color;
    int no_correlation;
    ward_time_t lateness;
    size_t corr_max_groups;
};

static int push_arg(char ***v, size_t *n, char *s)
{
    char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv) return -1;
    nv[(*n)++] = s;
    *v = nv;
    return 0;
}

int hunt_parse_level(const char *s, enum ward_sigma_level *out)
{
    static const char *const names[] = {"informational", "low", "medium", "high", "critical"};
    for (int i = 0; i < 5; i++) {
        if (strcasecmp(s, names[i]) == 0 || (i == 0 && strcasecmp(s, "info") == 0)) {
            *out = (enum ward_sigma_level)(WARD_LEVEL_INFORMATIONAL + i);
            return 0;
        }
    }
    return -1;
}

/* ---- per-rule output data, computed once ---------------------------------------------------- */

static int rule_attack(const struct ward_attack_db *db, const struct ward_sigma_rule *r,
                       struct hunt_rule *hr)
{
    struct ward_buf tac, tech, tacj, techj;
    ward_buf_init(&tac, 0);
    ward_buf_init(&tech, 0);
    ward_buf_init(&tacj, 0);
    ward_buf_init(&techj, 0);
    struct ward_jw wt, wq;
    ward_jw_init(&wt, &tacj);
    ward_jw_init(&wq, &techj);
    ward_jw_arr(&wt);
    ward_jw_arr(&wq);
    int rc = 0;
    uint32_t tactic_seen = 0;
    for (size_t i = 0; i < r->ntags && !rc; i++) {
        struct ward_attack_tag tag;
        if (ward_attack_tag_parse(db, r->tags[i], strlen(r->tags[i]), &tag) != 0) continue;
        if (tag.kind == WARD_ATTACK_TAG_TECHNIQUE) {
            char label[256];
            const char *name = tag.technique ? tag.technique->name : NULL;
            const struct ward_attack_technique *parent =
                tag.technique ? ward_attack_parent(db, tag.technique) : NULL;
            if (parent && name) {
                snprintf(label, sizeof label, "%s: %s", parent->name, name);
                name = label;
            }
            ward_jw_obj(&wq);
            ward_jw_key(&wq, "id");
            ward_jw_str(&wq, tag.id);
            ward_jw_key(&wq, "name");
            if (name)
                ward_jw_str(&wq, name);
            else
                ward_jw_null(&wq);
            ward_jw_end(&wq);
            if (tech.len) rc |= ward_buf_puts(&tech, " ");
            rc |= ward_buf_puts(&tech, tag.id);
            char **ids = realloc(hr->tech_ids, (hr->ntech + 1) * sizeof *ids);
            if (ids) hr->tech_ids = ids;
            char **names = realloc(hr->tech_names, (hr->ntech + 1) * sizeof *names);
            if (names) hr->tech_names = names;
            if (!ids || !names) {
                rc = WARD_ENOMEM;
                break;
            }
            ids[hr->ntech] = strdup(tag.id);
            names[hr->ntech] = name ? strdup(name) : NULL;
            if (!ids[hr->ntech] || (name && !names[hr->ntech])) rc = WARD_ENOMEM;
            hr->ntech++;
            if (!hr->technique_name && name) hr->technique_name = strdup(name);
            /* the technique's own tactics count too, when the rule names none */
            if (tag.technique) tactic_seen |= tag.technique->tactics << 16;
        } else if (tag.kind == WARD_ATTACK_TAG_TACTIC && tag.tactic) {
            tactic_seen |= 1u << (tag.tactic->order & 15);
        }
    }
    /* tactics: those the rule names; if none, those of its techniques */
    uint32_t named = tactic_seen & 0xFFFF;
    uint32_t mask = named ? named : (tactic_seen >> 16);
    const struct ward_attack_db *d = db ? db : ward_attack_builtin();
    for (size_t i = 0; i < d->tactic_count && i < 16; i++) {
        if (!(mask & (1u << i))) continue;
        const struct ward_attack_tactic *t = &d->tactics[i];
        ward_jw_obj(&wt);
        ward_jw_key(&wt, "id");
        ward_jw_str(&wt, t->id);
        ward_jw_key(&wt, "name");
        ward_jw_str(&wt, t->name);
        ward_jw_end(&wt);
        if (tac.len) rc |= ward_buf_puts(&tac, ", ");
        rc |= ward_buf_puts(&tac, t->name);
        const char **tn = realloc(hr->tactic_names, (hr->ntactics + 1) * sizeof *tn);
        if (!tn) {
            rc = WARD_ENOMEM;
            break;
        }
        hr->tactic_names = tn;
        tn[hr->ntactics++] = t->shortname;
    }
    ward_jw_end(&wt);
    ward_jw_end(&wq);
    rc |= ward_jw_error(&wt) | ward_jw_error(&wq);
    hr->tactics = ward_buf_take(&tac);
    hr->techniques = ward_buf_take(&tech);
    hr->tactics_json = ward_buf_take(&tacj);
    hr->techniques_json = ward_buf_take(&techj);
    hr->tactic_mask = mask;
    return rc ? WARD_ENOMEM : 0;
}

/* A unit of work: a whole file, or a segment [off, off+len) of a large plain JSON Lines
 * file starting at line line_base+1. Segments have a fixed size, so the split (and the
 * output) does not depend on the thread count. */
struct hunt_unit {
    size_t file;
    int whole;
    uint64_t off, len, line_base;
};

#define SPLIT_MIN (64u << 20) /* files above this are split ... */
#define SPLIT_SEG (32u << 20) /* ... into segments of about this size */

/* ---- shared state ---------------------------------------------------------------------- */

struct hunt {
    struct hunt_opts o;
    const struct ward_attack_db *attack;
    struct ward_ruleset *rs;
    struct ward_taxonomy *tax;
    struct hunt_rule *rules; /* per compiled rule, then the intel rule when intel is loaded,
                                then the correlation rules */
    size_t nout;             /* entries of rules */
    size_t nrules;           /* compiled Sigma rules */
    struct ward_ioc_set *intel;
    char **paths;
    size_t npaths;
    struct hunt_file_stat *files;
    struct hunt_unit *units; /* work: whole files, or segments of large JSON Lines files */
    size_t nunits;
    struct hunt_file_stat *ustats; /* per unit, folded into files at the end */
    atomic_size_t next_file;
    atomic_size_t files_done;
    atomic_uint_fast64_t events;
    atomic_uint_fast64_t alerts;
    atomic_uint_fast64_t bytes;
    struct hunt_sorter sorter;
    int need_event_json;
    struct hunt_corr corr;                /* correlation rules and filters */
    const struct ward_sigma_rule **quiet; /* rules loaded only for a correlation */
    size_t nquiet;
};

/* The key fields shown in the table and CSV, in order of preference. */
static const char *const detail_keys[] = {
    "CommandLine",
    "Image",
    "ParentImage",
    "TargetFilename",
    "TargetObject",
    "Details",
    "ImageLoaded",
    "TargetImage",
    "GrantedAccess",
    "QueryName",
    "DestinationIp",
    "DestinationPort",
    "DestinationHostname",
    "PipeName",
    "ServiceName",
    "ImagePath",
    "ServiceFileName",
    "TaskName",
    "TargetUserName",
    "SubjectUserName",
    "LogonType",
    "IpAddress",
    "WorkstationName",
    "ShareName",
    "RelativeTargetName",
    "ObjectName",
    "ProcessName",
    "NewProcessName",
    "ScriptBlockText",
    "Payload",
    "HostApplication",
    "Message",
    "message",
    "msg",
    "query",
    "uri",
    "url",
    "c-uri",
    "cs-uri-query",
    "eventName",
    NULL,
};

static const char *const host_keys[] = {
    "Event.System.Computer",
    "host.name",
    "hostname",
    "host",
    "Computer",
    "ComputerName",
    "computer_name",
    "device.hostname",
    "agent.hostname",
    "_hostname",
    NULL,
};

static const char *leaf(const char *key, size_t klen, size_t *out_len)
{
    const char *dot = NULL;
    for (size_t i = klen; i > 0; i--) {
        if (key[i - 1] == '.') {
            dot = key + i;
            break;
        }
    }
    const char *l = dot ? dot : key;
    *out_len = klen - (size_t)(l - key);
    return l;
}

/* Fills the details line: "Key=Value  Key=Value" from the event's key fields. */
static int render_details(struct ward_event *ev, struct ward_buf *out)
{
    int n = 0;
    for (int k = 0; detail_keys[k] && n < 4; k++) {
        size_t want = strlen(detail_keys[k]);
        for (uint32_t i = 0; i < ev->nfields; i++) {
            struct ward_field *f = &ev->fields[i];
            size_t ll;
            const char *l = leaf(ward_field_key(ev, f), f->klen, &ll);
            if (ll != want || memcmp(l, detail_keys[k], want) != 0) continue;
            /* only the event's own data: skip System keys and attributes */
            struct ward_str v;
            if (ward_event_value(ev, f, &v)) return WARD_ENOMEM;
            if (v.len == 0 || (v.len == 1 && v.ptr[0] == '-')) break;
            if (out->len && ward_buf_puts(out, "  ")) return WARD_ENOMEM;
            if (ward_buf_append(out, l, ll) || ward_buf_putc(out, '=')) return WARD_ENOMEM;
            size_t vl = v.len > 400 ? 400 : v.len;
            for (size_t j = 0; j < vl; j++) {
                char c = v.ptr[j];
                if (c == '\n' || c == '\r' || c == '\t') c = ' ';
                if (ward_buf_putc(out, c)) return WARD_ENOMEM;
            }
            if (vl < v.len && ward_buf_puts(out, "...")) return WARD_ENOMEM;
            n++;
            break;
        }
    }
    return 0;
}

static void find_host(struct ward_event *ev, struct ward_str *host)
{
    host->ptr = "";
    host->len = 0;
    for (int k = 0; host_keys[k]; k++) {
        struct ward_field *f = ward_event_find(ev, host_keys[k], strlen(host_keys[k]));
        if (!f) continue;
        if (ward_event_value(ev, f, host) == 0 && host->len) return;
    }
    host->ptr = "";
    host->len = 0;
}

/* ---- workers --------------------------------------------------------------------------- */

struct worker {
    struct hunt *h;
    struct ward_matcher *m;
    struct ward_event ev;
    struct ward_buf rec;     /* one serialised alert */
    struct ward_buf details; /* scratch */
    struct ward_buf json;    /* scratch: event JSON */
    struct ward_buf ents;    /* scratch: entities for the store */
    struct ward_buf extra;   /* scratch: an intel hit's context (JSON), details, entities */
    struct ward_buf cx;      /* scratch: a match's extract for the correlation engine */
    struct ward_ioc_hit *ihits;
    size_t nihits, capihits;
    size_t file;
    int err;
    /* per event: the hits */
    uint32_t *hits;
    size_t nhits, caphits;
};

static void on_hit(void *ctx, size_t rule_index)
{
    struct worker *w = ctx;
    if (w->nhits == w->caphits) {
        size_t cap = w->caphits ? w->caphits * 2 : 16;
        uint32_t *nh = realloc(w->hits, cap * sizeof *nh);
        if (!nh) {
            w->err = WARD_ENOMEM;
            return;
        }
        w->hits = nh;
        w->caphits = cap;
    }
    w->hits[w->nhits++] = (uint32_t)rule_index;
}

/* The rule that indicator hits are alerts of. */
static char intel_title[] = "Threat intelligence indicator match";
static char intel_id[] = "ward-intel-match";
static char intel_desc[] = "A value in the event is a known indicator of compromise in the "
                           "threat intelligence given with --intel or held in the case store.";
static struct ward_sigma_rule intel_rule = {
    .title = intel_title,
    .id = intel_id,
    .description = intel_desc,
    .level = WARD_LEVEL_HIGH,
};

#define MAX_INTEL_HITS_PER_EVENT 32

static int on_intel(void *ctx, const struct ward_ioc_hit *hit)
{
    struct worker *w = ctx;
    if (w->nihits == MAX_INTEL_HITS_PER_EVENT) return 1;
    if (w->nihits == w->capihits) {
        size_t cap = w->capihits ? w->capihits * 2 : 4;
        struct ward_ioc_hit *n = realloc(w->ihits, cap * sizeof *n);
        if (!n) {
            w->err = WARD_ENOMEM;
            return 1;
        }
        w->ihits = n;
        w->capihits = cap;
    }
    w->ihits[w->nihits++] = *hit;
    return 0;
}

/* The entity kind a matched indicator becomes on the incident. */
static const char *intel_entity_kind(const struct ward_ioc_hit *hit)
{
    switch (hit->ioc->type) {
    case WARD_IOC_IPV4:
    case WARD_IOC_IPV6: {
        const char *k = hit->key;
        return (strcasestr(k, "src") || strcasestr(k, "source") || strcasestr(k, "IpAddress") ||
                strcasestr(k, "client"))
                   ? "src_ip"
                   : "dst_ip";
    }
    case WARD_IOC_DOMAIN: return "domain";
    case WARD_IOC_URL: return "url";
    case WARD_IOC_MD5:
    case WARD_IOC_SHA1:
    case WARD_IOC_SHA256:
    case WARD_IOC_SHA512: return "hash";
    default: return NULL;
    }
}

/* Renders one intel hit: context JSON at [0, *json_len), then details, then entities. */
static int render_intel(struct worker *w, const struct ward_ioc_hit *hit, size_t *json_len,
                        size_t *details_len)
{
    struct ward_buf *b = &w->extra;
    const struct ward_ioc *ioc = hit->ioc;
    const struct ward_ioc_meta *m = ioc->meta;
    ward_buf_reset(b);
    struct ward_jw j;
    ward_jw_init(&j, b);
    ward_jw_obj(&j);
    ward_jw_key(&j, "type");
    ward_jw_str(&j, ward_ioc_type_name((enum ward_ioc_type)ioc->type));
    ward_jw_key(&j, "indicator");
    ward_jw_strn(&j, ioc->value, ioc->vlen);
    ward_jw_key(&j, "field");
    ward_jw_str(&j, hit->key);
    ward_jw_key(&j, "matched");
    ward_jw_strn(&j, hit->value.ptr, hit->value.len);
    if (m) {
        const char *keys[] = {"source", "id", "name", "labels", "event"};
        const char *vals[] = {m->source, m->id, m->name, m->labels, m->event};
        for (int i = 0; i < 5; i++) {
            if (!vals[i]) continue;
            ward_jw_key(&j, keys[i]);
            ward_jw_str(&j, vals[i]);
        }
        if (m->confidence >= 0) {
            ward_jw_key(&j, "confidence");
            ward_jw_int(&j, m->confidence);
        }
        if (m->tlp) {
            ward_jw_key(&j, "tlp");
            ward_jw_str(&j, ward_tlp_name((enum ward_tlp)m->tlp));
        }
    }
    ward_jw_end(&j);
    if (ward_jw_error(&j)) return WARD_ENOMEM;
    *json_len = b->len;
    size_t klen;
    const char *k = leaf(hit->key, strlen(hit->key), &klen);
    int rc = ward_buf_printf(b, "intel %s %.*s in %.*s", ward_ioc_type_name(ioc->type),
                             (int)ioc->vlen, ioc->value, (int)klen, k);
    if (!rc && m && m->name) rc = ward_buf_printf(b, ": %.120s", m->name);
    if (!rc && m && m->source) rc = ward_buf_printf(b, " [%s]", m->source);
    *details_len = b->len - *json_len;
    const char *kind = intel_entity_kind(hit);
    if (!rc && w->ents.len) rc = ward_buf_append(b, w->ents.data, w->ents.len);
    if (!rc && kind && !memchr(hit->value.ptr, '\n', hit->value.len))
        rc = ward_buf_printf(b, "%s\t%.*s\n", kind, (int)hit->value.len, hit->value.ptr);
    return rc;
}

static int emit_alerts(struct worker *w)
{
    struct hunt *h = w->h;
    struct ward_event *ev = &w->ev;
    struct ward_str host;
    find_host(ev, &host);
    ward_buf_reset(&w->details);
    ward_buf_reset(&w->json);
    if (render_details(ev, &w->details)) return WARD_ENOMEM;
    ward_buf_reset(&w->ents);
    if (h->o.store && hunt_store_entities(ev, &w->ents)) return WARD_ENOMEM;
    if (h->need_event_json) {
        struct ward_jw jw;
        ward_jw_init(&jw, &w->json);
        if (ward_json_write_event(&jw, ev, 0)) return WARD_ENOMEM;
    }
    for (size_t i = 0; i < w->nhits; i++) {
        if (hunt_corr_extract(&h->corr, w->hits[i], ev, &w->cx)) return WARD_ENOMEM;
        struct hunt_alert a = {
            .ts = ev->ts,
            .file = (uint32_t)w->file,
            .rule = w->hits[i],
            .record = ev->line ? ev->line : ev->record,
            .offset = ev->offset,
            .host = host.ptr,
            .host_len = host.len,
            .details = w->details.data ? w->details.data : "",
            .details_len = w->details.len,
            .event_json = w->json.data ? w->json.data : "",
            .event_json_len = w->json.len,
            .format = ev->format,
            .entities = w->ents.data ? w->ents.data : "",
            .entities_len = w->ents.len,
            .corr = w->cx.data,
            .corr_len = w->cx.len,
        };
        int rc = hunt_sorter_add(&h->sorter, &a, &w->rec);
        if (rc) return rc;
    }
    for (size_t i = 0; i < w->nihits; i++) {
        size_t jl, dl;
        if (render_intel(w, &w->ihits[i], &jl, &dl)) return WARD_ENOMEM;
        struct hunt_alert a = {
            .ts = ev->ts,
            .file = (uint32_t)w->file,
            .rule = (uint32_t)h->nrules,
            .record = ev->line ? ev->line : ev->record,
            .offset = ev->offset,
            .host = host.ptr,
            .host_len = host.len,
            .details = w->extra.data + jl,
            .details_len = dl,
            .event_json = w->json.data ? w->json.data : "",
            .event_json_len = w->json.len,
            .format = ev->format,
            .entities = w->extra.data + jl + dl,
            .entities_len = w->extra.len - jl - dl,
            .extra_json = w->extra.data,
            .extra_json_len = jl,
            .seq = (uint32_t)i,
        };
        int rc = hunt_sorter_add(&h->sorter, &a, &w->rec);
        if (rc) return rc;
    }
    return 0;
}

static void hunt_unit(struct worker *w, size_t uidx)
{
    struct hunt *h = w->h;
    const struct hunt_unit *u = &h->units[uidx];
    size_t idx = u->file;
    struct hunt_file_stat *fs = &h->ustats[uidx];
    fs->first = fs->last = WARD_TIME_NONE;
    struct ward_reader r;
    struct ward_err err;
    struct ward_decode_opts dopts;
    ward_decode_opts_default(&dopts);
    ward_err_clear(&err);
    w->file = idx;
    int orc = u->whole ? ward_reader_open(&r, h->paths[idx], h->o.in_format, &dopts, &err)
                       : ward_reader_open_range(&r, h->paths[idx], u->off, u->len, u->line_base,
                                                h->o.in_format, &dopts, &err);
    if (orc) {
        char msg[WARD_ERR_MSG_MAX + WARD_ERR_PATH_MAX + 32];
        ward_err_format(&err, msg, sizeof msg);
        if (orc == WARD_EUNSUPPORTED && !h->o.in_format) {
            /* not a log format ward knows (a README, a pcap ...): skipped, not an error */
            ward_info("skipped: %s", msg);
            fs->skipped = 1;
            return;
        }
        ward_warn("%s", msg);
        fs->unreadable = 1;
        fs->errors++;
        fs->first_error = strdup(msg);
        return;
    }
    uint64_t before = r.stream ? r.stream->consumed : 0;
    for (;;) {
        ward_err_clear(&err);
        int k = ward_reader_next(&r, &w->ev, &err);
        if (k == 0) break;
        if (k < 0) {
            fs->errors++;
            char msg[WARD_ERR_MSG_MAX + WARD_ERR_PATH_MAX + 32];
            ward_err_format(&err, msg, sizeof msg);
            if (fs->errors <= 3) ward_warn("%s", msg);
            if (!fs->first_error) fs->first_error = strdup(msg);
            if (err.code == WARD_EIO || err.code == WARD_ENOMEM) break;
            continue;
        }
        fs->events++;
        atomic_fetch_add_explicit(&h->events, 1, memory_order_relaxed);
        ward_time_t ts = w->ev.ts;
        if (ts != WARD_TIME_NONE) {
            if (fs->first == WARD_TIME_NONE || ts < fs->first) fs->first = ts;
            if (fs->last == WARD_TIME_NONE || ts > fs->last) fs->last = ts;
        }
        if (h->o.since != WARD_TIME_NONE || h->o.until != WARD_TIME_NONE) {
            if (ts == WARD_TIME_NONE) continue;
            if (h->o.since != WARD_TIME_NONE && ts < h->o.since) continue;
            if (h->o.until != WARD_TIME_NONE && ts >= h->o.until) continue;
        }
        w->nhits = 0;
        w->nihits = 0;
        int n = ward_matcher_run(w->m, &w->ev, on_hit, w);
        if (n >= 0 && h->intel) n = ward_ioc_match_event(h->intel, &w->ev, on_intel, w);
        if (n < 0 || w->err) {
            w->err = n < 0 ? n : w->err;
            break;
        }
        if (w->nhits && h->corr.nfiltered) {
            /* filters drop the matches of the rules they name where their condition fails */
            size_t keep = 0;
            for (size_t i = 0; i < w->nhits; i++)
                if (hunt_corr_keep(&h->corr, w->hits[i], &w->ev)) w->hits[keep++] = w->hits[i];
            w->nhits = keep;
        }
        if (w->nhits || w->nihits) {
            fs->alerts += w->nhits + w->nihits;
            atomic_fetch_add_explicit(&h->alerts, w->nhits + w->nihits, memory_order_relaxed);
            int rc = emit_alerts(w);
            if (rc) {
                w->err = rc;
                break;
            }
        }
    }
    if (r.stream) {
        /* decoders that read the file themselves (EVTX uses pread) bypass the stream's
         * count: then the file's size is what was read */
        uint64_t got = r.stream->consumed - before;
        if (u->whole && r.stream->size > got && !r.stream->encoding) got = r.stream->size;
        fs->bytes = got;
        atomic_fetch_add(&h->bytes, fs->bytes);
    }
    ward_reader_close(&r);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct hunt *h = w->h;
    for (;;) {
        size_t i = atomic_fetch_add(&h->next_file, 1);
        if (i >= h->nunits || w->err) break;
        hunt_unit(w, i);
        atomic_fetch_add(&h->files_done, 1);
    }
    return NULL;
}

/* ---- planning: which files are split into segments ------------------------------------------ */

/* Whether a plain file looks like JSON Lines: its first line is one JSON object. */
static int looks_jsonl(int fd)
{
    char buf[65536];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    if (n < 4) return 0;
    if ((unsigned char)buf[0] == 0x1f || (unsigned char)buf[0] == 0x28) return 0; /* gz, zstd */
    char *nl = memchr(buf, '\n', (size_t)n);
    if (!nl) return 0;
    char *b = buf, *e = nl;
    while (b < e && (*b == ' ' || *b == '\t')) b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\t')) e--;
    return e - b >= 2 && b[0] == '{' && e[-1] == '}';
}

static int add_unit(struct hunt *h, size_t *cap, struct hunt_unit u)
{
    if (h->nunits == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        struct hunt_unit *nu = realloc(h->units, nc * sizeof *nu);
        if (!nu) return WARD_ENOMEM;
        h->units = nu;
        *cap = nc;
    }
    h->units[h->nunits++] = u;
    return 0;
}

/* Splits a large JSON Lines file at the first line start after every SPLIT_SEG bytes,
 * counting lines on the way (one sequential read, which also warms the page cache). */
static int split_file(struct hunt *h, size_t *cap, size_t file, int fd, uint64_t size)
{
    static char buf[1u << 20];
    uint64_t pos = 0, lines = 0, seg_start = 0, seg_lines = 0;
    uint64_t next_cut = SPLIT_SEG;
    int rc = 0;
    while (pos < size && !rc) {
        ssize_t n = pread(fd, buf, sizeof buf, (off_t)pos);
        if (n <= 0) break;
        const char *p = buf, *end = buf + n;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl) break;
            lines++;
            uint64_t line_start = pos + (uint64_t)(nl - buf) + 1;
            if (line_start >= next_cut && line_start < size) {
                struct hunt_unit u = {file, 0, seg_start, line_start - seg_start, seg_lines};
                rc = add_unit(h, cap, u);
                seg_start = line_start;
                seg_lines = lines;
                next_cut = line_start + SPLIT_SEG;
            }
            p = nl + 1;
        }
        pos += (uint64_t)n;
    }
    if (!rc) {
        struct hunt_unit u = {file, 0, seg_start, size - seg_start, seg_lines};
        rc = add_unit(h, cap, u);
    }
    return rc;
}

static int plan_units(struct hunt *h)
{
    size_t cap = 0;
    for (size_t i = 0; i < h->npaths; i++) {
        struct stat st;
        int split = 0;
        int fd = -1;
        if (!h->o.in_format || strcmp(h->o.in_format, "json") == 0) {
            if (strcmp(h->paths[i], "-") != 0 && stat(h->paths[i], &st) == 0 &&
                S_ISREG(st.st_mode) && (uint64_t)st.st_size > SPLIT_MIN) {
                fd = open(h->paths[i], O_RDONLY | O_CLOEXEC);
                split = fd >= 0 && looks_jsonl(fd);
            }
        }
        int rc = split ? split_file(h, &cap, i, fd, (uint64_t)st.st_size)
                       : add_unit(h, &cap, (struct hunt_unit){i, 1, 0, 0, 0});
        if (fd >= 0) close(fd);
        if (rc) return rc;
    }
    return 0;
}

/* Folds the per-unit results into per-file ones. */
static void fold_stats(struct hunt *h)
{
    for (size_t u = 0; u < h->nunits; u++) {
        struct hunt_file_stat *src = &h->ustats[u], *dst = &h->files[h->units[u].file];
        dst->events += src->events;
        dst->errors += src->errors;
        dst->alerts += src->alerts;
        dst->bytes += src->bytes;
        dst->unreadable |= src->unreadable;
        dst->skipped |= src->skipped;
        if (src->first != WARD_TIME_NONE &&
            (dst->first == WARD_TIME_NONE || src->first < dst->first))
            dst->first = src->first;
        if (src->last != WARD_TIME_NONE && (dst->last == WARD_TIME_NONE || src->last > dst->last))
            dst->last = src->last;
        if (src->first_error && !dst->first_error) {
            dst->first_error = src->first_error;
            src->first_error = NULL;
        }
    }
}

/* ---- rules ------------------------------------------------------------------------------ */

static int id_in(const char *id, char **list, size_t n)
{
    if (!id) return 0;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(id, list[i]) == 0) return 1;
    return 0;
}

static int load_rules(struct hunt *h, struct ward_sigma_rules **out)
{
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_sigma_opts so = {.placeholders_path = h->o.placeholders};
    struct ward_sigma_rules *set = NULL;
    int rc;
    if (h->o.nrules) {
        rc = ward_sigma_rules_load(h->o.rules, h->o.nrules, &so, &set, &err);
    } else {
        rc = ward_sigma_rules_new(&set);
        for (size_t i = 0; !rc && ward_rule_pack[i].path; i++)
            rc = ward_sigma_rules_parse_text(set, ward_rule_pack[i].path, ward_rule_pack[i].data,
                                             ward_rule_pack[i].len, &so, &err);
    }
    if (rc) {
        ward_log_err(WARD_LOG_ERROR, &err);
        ward_sigma_rules_free(set);
        return rc;
    }
    for (size_t i = 0; i < set->ndiags; i++) {
        const struct ward_sigma_diag *d = &set->diags[i];
        ward_info("rule rejected: %s:%u: %s", d->path ? d->path : "?", d->line, d->reason);
    }
    /* keep the rules the options select (filters unless excluded by id), and the rules
     * that the selected correlations use, transitively: those are loaded quietly */
    size_t n = set->nrules;
    uint8_t *sel = calloc(n ? n : 1, 1);
    if (!sel) {
        ward_sigma_rules_free(set);
        return WARD_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const struct ward_sigma_rule *r = set->rules[i];
        int keep = 1;
        if (h->o.nexcl && id_in(r->id, h->o.excl_ids, h->o.nexcl)) keep = 0;
        if (r->kind != WARD_RULE_FILTER) {
            if (h->o.nonly && !id_in(r->id, h->o.only_ids, h->o.nonly)) keep = 0;
            if (h->o.min_level != WARD_LEVEL_NONE && r->level < h->o.min_level) keep = 0;
        }
        if (r->kind == WARD_RULE_CORRELATION && h->o.no_correlation) keep = 0;
        sel[i] = (uint8_t)keep;
    }
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < n; i++) {
            const struct ward_sigma_rule *r = set->rules[i];
            if (!sel[i] || r->kind != WARD_RULE_CORRELATION || !r->extra) continue;
            const struct ward_sigma_correlation *c = r->extra;
            for (size_t k = 0; k < c->nrules; k++)
                for (size_t j = 0; j < n; j++) {
                    const struct ward_sigma_rule *q = set->rules[j];
                    if (sel[j] || q->kind == WARD_RULE_FILTER) continue;
                    if ((q->id && strcmp(q->id, c->rules[k]) == 0) ||
                        (q->name && strcmp(q->name, c->rules[k]) == 0)) {
                        sel[j] = 2; /* quiet */
                        changed = 1;
                    }
                }
        }
    }
    size_t keep = 0;
    for (size_t i = 0; i < n; i++) {
        if (!sel[i]) continue;
        if (sel[i] == 2) {
            const struct ward_sigma_rule **q =
                realloc(h->quiet, (h->nquiet + 1) * sizeof *h->quiet);
            if (!q) {
                free(sel);
                ward_sigma_rules_free(set);
                return WARD_ENOMEM;
            }
            h->quiet = q;
            h->quiet[h->nquiet++] = set->rules[i];
        }
        set->rules[keep++] = set->rules[i];
    }
    free(sel);
    set->nrules = keep;
    *out = set;
    return 0;
}

/* ---- progress -------------------------------------------------------------------------- */

static void progress(struct hunt *h, uint64_t start_ns, int final)
{
    uint64_t ns = ward_clock_ns() - start_ns;
    double secs = (double)ns / 1e9;
    uint64_t ev = atomic_load(&h->events);
    fprintf(stderr, "\r\033[Khunt: %zu/%zu parts  %llu events  %.0f events/s  %llu alerts",
            atomic_load(&h->files_done), h->nunits, (unsigned long long)ev,
            secs > 0 ? (double)ev / secs : 0.0, (unsigned long long)atomic_load(&h->alerts));
    if (final) fputs("\r\033[K", stderr);
    fflush(stderr);
}

/* ---- main ------------------------------------------------------------------------------- */

static void path_err(void *ctx, const struct ward_err *e)
{
    int *n = ctx;
    (*n)++;
    ward_log_err(WARD_LOG_ERROR, e);
}

/* "0", "30s", "5m", "2h", "1d" (a number and a unit; a bare number is seconds). */
static int parse_duration(const char *s, ward_time_t *out)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end == s || n < 0 || n > 366LL * 86400) return -1;
    long long unit = 1;
    if (*end == 's')
        end++;
    else if (*end == 'm')
        unit = 60, end++;
    else if (*end == 'h')
        unit = 3600, end++;
    else if (*end == 'd')
        unit = 86400, end++;
    if (*end || n * unit > 366LL * 86400) return -1;
    *out = (ward_time_t)(n * unit) * 1000000000LL;
    return 0;
}

static int parse_time_opt(const char *s, ward_time_t *out)
{
    return ward_time_parse(s, strlen(s), out) == 0 ? 0 : -1;
}

/* Loads and compiles the --intel files. Returns a sysexits code. */
static int load_intel(struct hunt *h)
{
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_ioc_set_new(&h->intel)) return EX_OSERR;
    struct ward_ioc_load_opts lo;
    ward_ioc_load_opts_default(&lo);
    for (size_t i = 0; i < h->o.nintel; i++) {
        if (ward_ioc_load_path(h->intel, h->o.intel[i], &lo, &err)) {
            ward_log_err(WARD_LOG_ERROR, &err);
            return EX_CONFIG;
        }
    }
    size_t nstore = 0; /* the case store's indicators (ward intel import) */
    if (h->o.store && !h->o.no_store_intel) {
        if (ward_store_intel_load(h->o.store, h->intel, &nstore, &err)) {
            ward_log_err(WARD_LOG_ERROR, &err);
            return EX_CONFIG;
        }
        if (nstore)
            fprintf(stderr, "intel: %zu indicators from the store %s\n", nstore, h->o.store);
    }
    if (!h->o.nintel && !nstore) {
        ward_ioc_set_free(h->intel);
        h->intel = NULL;
        return 0;
    }
    ward_ioc_set_validity(h->intel, (enum ward_ioc_validity)h->o.validity);
    if (ward_ioc_set_compile(h->intel)) return EX_OSERR;
    const struct ward_ioc_stats *st = ward_ioc_set_stats(h->intel);
    ward_info("intel: %llu indicator values from %llu files", (unsigned long long)st->total,
              (unsigned long long)st->files);
    uint64_t problems = st->unsupported + st->invalid + st->file_errors;
    if (problems)
        ward_warn("intel: %llu indicators could not be used (%llu unsupported, %llu invalid, "
                  "%llu file errors); `ward intel check` lists them",
                  (unsigned long long)problems, (unsigned long long)st->unsupported,
                  (unsigned long long)st->invalid, (unsigned long long)st->file_errors);
    if (st->total == 0) ward_warn("intel: no indicator could be loaded");
    return 0;
}

static int hunt_execute(struct hunt *h, char **inputs, size_t ninputs)
{
    struct hunt_opts *o = &h->o;
    int rc = EX_OK;
    struct ward_err err;
    ward_err_clear(&err);
    struct ward_sigma_rules *set = NULL;
    struct ward_attack_db *loaded_attack = NULL;
    struct worker *workers = NULL;
    pthread_t *tids = NULL;
    FILE *out = stdout;
    struct hunt_out w;
    memset(&w, 0, sizeof w);
    int sorter_ready = 0, out_ready = 0, corr_ready = 0;
    struct hunt_store *hstore = NULL;
    int path_errors = 0;

    h->attack = ward_attack_builtin();
    if (o->attack) {
        if (ward_attack_load(o->attack, &loaded_attack, &err)) {
            ward_log_err(WARD_LOG_ERROR, &err);
            rc = EX_CONFIG;
            goto out;
        }
        h->attack = loaded_attack;
    }
    if (o->taxonomy ? ward_taxonomy_load(o->taxonomy, &h->tax, &err)
                    : ward_taxonomy_default(&h->tax, &err)) {
        ward_log_err(WARD_LOG_ERROR, &err);
        rc = EX_CONFIG;
        goto out;
    }
    if (load_rules(h, &set)) {
        rc = EX_CONFIG;
        goto out;
    }
    if (ward_ruleset_compile(set, h->tax, &h->rs, &err)) {
        ward_log_err(WARD_LOG_ERROR, &err);
        rc = EX_CONFIG;
        goto out;
    }
    h->nrules = ward_ruleset_count(h->rs);
    if (set->ndiags)
        ward_warn("%zu rules were rejected (run with -v, or `ward rules check`, for reasons)",
                  set->ndiags);
    if (h->nrules == 0) {
        ward_error("no rules to hunt with");
        rc = EX_CONFIG;
        goto out;
    }
    if (o->nintel || (o->store && !o->no_store_intel)) {
        rc = load_intel(h);
        if (rc) goto out;
    }
    if (ward_paths_expand(inputs, ninputs, &h->paths, &h->npaths, path_err, &path_errors)) goto oom;
    if (h->npaths == 0) {
        ward_error("no input files");
        rc = EX_NOINPUT;
        goto out;
    }
    struct hunt_corr_opts copts = {
        .correlate = !o->no_correlation,
        .lateness = o->lateness,
        .max_groups = o->corr_max_groups,
        .quiet = h->quiet,
        .nquiet = h->nquiet,
    };
    corr_ready = 1;
    if (hunt_corr_init(&h->corr, &copts, set, h->rs, h->tax, h->paths, h->npaths)) {
        ward_error("the correlation rules could not be loaded");
        rc = EX_CONFIG;
        goto out;
    }
    size_t nout = h->nrules + (h->intel ? 1 : 0);
    size_t ncorr = hunt_corr_count(&h->corr);
    h->corr.rule_first = (uint32_t)nout;
    h->rules = calloc(nout + ncorr, sizeof *h->rules);
    if (!h->rules) goto oom;
    h->nout = nout + ncorr;
    for (size_t i = 0; i < nout + ncorr; i++) {
        h->rules[i].r = i < h->nrules ? ward_ruleset_rule(h->rs, i)
                        : i < nout    ? &intel_rule
                                      : hunt_corr_rule(&h->corr, i - nout);
        if (rule_attack(h->attack, h->rules[i].r, &h->rules[i])) goto oom;
    }
    h->files = calloc(h->npaths, sizeof *h->files);
    if (!h->files || plan_units(h)) goto oom;
    h->ustats = calloc(h->nunits, sizeof *h->ustats);
    if (!h->ustats) goto oom;
    for (size_t i = 0; i < h->npaths; i++) h->files[i].first = h->files[i].last = WARD_TIME_NONE;
    h->need_event_json = o->format == HUNT_JSONL || o->format == HUNT_JSON || o->store;
    if (hunt_sorter_init(&h->sorter, h->paths, 8u << 20)) goto oom;
    sorter_ready = 1;

    if (o->output) {
        out = fopen(o->output, "w");
        if (!out) {
            ward_error("cannot write %s: %s", o->output, strerror(errno));
            rc = EX_CANTCREAT;
            goto out;
        }
    }
    int tty_out = !o->output && cli_stdout_tty();
    w.out = out;
    w.format = o->format;
    w.color = o->color < 0 ? tty_out : o->color;
    if (tty_out) {
        struct winsize ws;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 40) w.width = ws.ws_col;
    }
    w.attack = h->attack;
    w.rules = h->rules;
    w.nrules = h->nout;
    w.corr_first = h->corr.rule_first;
    w.paths = h->paths;
    w.npaths = h->npaths;
    w.summary_out = !o->summary ? NULL : o->format == HUNT_TABLE ? out : stderr;
    if (hunt_out_init(&w)) goto oom;
    out_ready = 1;
    if (o->store) {
        rc = hunt_store_open(o->store, &hstore);
        if (rc) goto out;
        w.store = hstore;
    }

    size_t nthreads = (size_t)o->threads;
    if (nthreads > h->nunits) nthreads = h->nunits;
    workers = calloc(nthreads, sizeof *workers);
    tids = calloc(nthreads, sizeof *tids);
    if (!workers || !tids) goto oom;
    for (size_t i = 0; i < nthreads; i++) {
        workers[i].h = h;
        if (ward_event_init(&workers[i].ev, ward_ruleset_fields(h->rs)) ||
            ward_matcher_new(h->rs, &workers[i].m))
            goto oom;
        ward_buf_init(&workers[i].rec, 0);
        ward_buf_init(&workers[i].details, 0);
        ward_buf_init(&workers[i].json, 0);
        ward_buf_init(&workers[i].ents, 0);
        ward_buf_init(&workers[i].extra, 0);
        ward_buf_init(&workers[i].cx, 0);
    }
    uint64_t start = ward_clock_ns();
    size_t started = 0;
    for (; started < nthreads; started++)
        if (pthread_create(&tids[started], NULL, worker_main, &workers[started])) break;
    if (started == 0) {
        ward_error("cannot start worker threads");
        rc = EX_OSERR;
        goto out;
    }
    int show_progress = ward_stderr_is_tty() && ward_log_get_level() >= WARD_LOG_WARN;
    while (show_progress && atomic_load(&h->files_done) < h->nunits) {
        int failed = 0;
        for (size_t i = 0; i < started; i++) failed |= workers[i].err;
        if (failed) break;
        progress(h, start, 0);
        struct timespec ts = {0, 200 * 1000000L};
        nanosleep(&ts, NULL);
    }
    for (size_t i = 0; i < started; i++) pthread_join(tids[i], NULL);
    if (show_progress) progress(h, start, 1);
    double secs = (double)(ward_clock_ns() - start) / 1e9;
    fold_stats(h);
    for (size_t i = 0; i < started; i++) {
        if (workers[i].err) {
            ward_error("hunt failed: %s", ward_strerror(workers[i].err));
            rc = EX_SOFTWARE;
            goto out;
        }
    }
    int crc = hunt_corr_run(&h->corr, &h->sorter);
    if (crc) {
        ward_error("correlation failed: %s", ward_strerror(crc));
        rc = EX_SOFTWARE;
        goto out;
    }
    if (hunt_out_begin(&w) || hunt_corr_write(&h->corr, &h->sorter, hunt_out_alert, &w) ||
        hunt_out_end(&w, h->files, atomic_load(&h->events), atomic_load(&h->bytes), secs,
                     (int)started) ||
        (hstore && hunt_store_finish(hstore, w.summary_out ? w.summary_out : stderr)) ||
        fflush(out) != 0 || ferror(out)) {
        ward_error("cannot write the alerts%s%s: %s", o->output ? " to " : "",
                   o->output ? o->output : "", strerror(errno));
        rc = EX_IOERR;
        goto out;
    }
    uint64_t bad = (uint64_t)path_errors;
    int readable = 0;
    for (size_t i = 0; i < h->npaths; i++) {
        bad += h->files[i].errors;
        if (!h->files[i].unreadable && !h->files[i].skipped) readable = 1;
    }
    if (!readable)
        rc = EX_NOINPUT;
    else if (bad)
        rc = EX_DATAERR;
    goto out;
oom:
    ward_error("out of memory");
    rc = EX_OSERR;
out:
    if (workers) {
        for (size_t i = 0; i < (size_t)o->threads && i < h->nunits; i++) {
            ward_matcher_free(workers[i].m);
            ward_event_free(&workers[i].ev);
            ward_buf_free(&workers[i].rec);
            ward_buf_free(&workers[i].details);
            ward_buf_free(&workers[i].json);
            ward_buf_free(&workers[i].ents);
            ward_buf_free(&workers[i].extra);
            ward_buf_free(&workers[i].cx);
            free(workers[i].ihits);
            free(workers[i].hits);
        }
    }
    free(workers);
    free(tids);
    if (out_ready) hunt_out_free(&w);
    hunt_store_free(hstore);
    if (out && out != stdout) fclose(out);
    if (sorter_ready) hunt_sorter_free(&h->sorter);
    if (h->files)
        for (size_t i = 0; i < h->npaths; i++) free(h->files[i].first_error);
    free(h->files);
    if (h->ustats)
        for (size_t i = 0; i < h->nunits; i++) free(h->ustats[i].first_error);
    free(h->ustats);
    free(h->units);
    ward_paths_free(h->paths);
    if (corr_ready) hunt_corr_free(&h->corr);
    free(h->quiet);
    if (h->rules)
        for (size_t i = 0; i < h->nout; i++) {
            free(h->rules[i].tactics);
            free(h->rules[i].techniques);
            free(h->rules[i].technique_name);
            free(h->rules[i].tactics_json);
            free(h->rules[i].techniques_json);
            for (size_t k = 0; k < h->rules[i].ntech; k++) {
                free(h->rules[i].tech_ids[k]);
                free(h->rules[i].tech_names[k]);
            }
            free(h->rules[i].tech_ids);
            free(h->rules[i].tech_names);
            free(h->rules[i].tactic_names);
        }
    free(h->rules);
    ward_ruleset_free(h->rs);
    ward_ioc_set_free(h->intel);
    ward_sigma_rules_free(set);
    ward_taxonomy_free(h->tax);
    ward_attack_free(loaded_attack);
    return rc;
}

static int run(int argc, char **argv)
{
    enum {
        OPT_RULE_ID = 1000,
        OPT_EXCL,
        OPT_TAX,
        OPT_PH,
        OPT_ATTACK,
        OPT_SINCE,
        OPT_UNTIL,
        OPT_NOSUM,
        OPT_COLOR,
        OPT_STORE,
        OPT_INTEL,
        OPT_NOCORR,
        OPT_LATENESS,
        OPT_CORR_GROUPS,
        OPT_NO_STORE_INTEL,
        OPT_VALIDITY,
    };
    static const struct option opts[] = {
        {"rules", required_argument, NULL, 'r'},
        {"min-level", required_argument, NULL, 'l'},
        {"rule-id", required_argument, NULL, OPT_RULE_ID},
        {"exclude-rule", required_argument, NULL, OPT_EXCL},
        {"taxonomy", required_argument, NULL, OPT_TAX},
        {"placeholders", required_argument, NULL, OPT_PH},
        {"attack", required_argument, NULL, OPT_ATTACK},
        {"input-format", required_argument, NULL, 't'},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"threads", required_argument, NULL, 'j'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"no-summary", no_argument, NULL, OPT_NOSUM},
        {"color", required_argument, NULL, OPT_COLOR},
        {"colour", required_argument, NULL, OPT_COLOR},
        {"store", required_argument, NULL, OPT_STORE},
        {"intel", required_argument, NULL, OPT_INTEL},
        {"no-correlation", no_argument, NULL, OPT_NOCORR},
        {"lateness", required_argument, NULL, OPT_LATENESS},
        {"corr-max-groups", required_argument, NULL, OPT_CORR_GROUPS},
        {"no-store-intel", no_argument, NULL, OPT_NO_STORE_INTEL},
        {"validity", required_argument, NULL, OPT_VALIDITY},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct hunt *h = calloc(1, sizeof *h);
    if (!h) return EX_OSERR;
    struct hunt_opts *o = &h->o;
    o->since = o->until = WARD_TIME_NONE;
    o->summary = 1;
    o->color = -1;
    o->format = HUNT_TABLE;
    long nproc = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = nproc > 0 ? (int)nproc : 1;
    int c, rc = EX_OK;
    const struct ward_cmd *me = &ward_cmd_hunt;
    while ((c = getopt_long(argc, argv, "r:l:t:j:f:o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (push_arg(&o->rules, &o->nrules, optarg)) rc = EX_OSERR;
            break;
        case 'l':
            if (hunt_parse_level(optarg, &o->min_level))
                rc = cli_usage_error(me, "bad --min-level '%s'", optarg);
            break;
        case OPT_RULE_ID:
            if (push_arg(&o->only_ids, &o->nonly, optarg)) rc = EX_OSERR;
            break;
        case OPT_EXCL:
            if (push_arg(&o->excl_ids, &o->nexcl, optarg)) rc = EX_OSERR;
            break;
        case OPT_TAX: o->taxonomy = optarg; break;
        case OPT_PH: o->placeholders = optarg; break;
        case OPT_ATTACK: o->attack = optarg; break;
        case 't': o->in_format = optarg; break;
        case OPT_SINCE:
            if (parse_time_opt(optarg, &o->since))
                rc = cli_usage_error(me, "bad --since time '%s'", optarg);
            break;
        case OPT_UNTIL:
            if (parse_time_opt(optarg, &o->until))
                rc = cli_usage_error(me, "bad --until time '%s'", optarg);
            break;
        case 'j': {
            char *end;
            long n = strtol(optarg, &end, 10);
            if (*end || n < 1 || n > 256)
                rc = cli_usage_error(me, "--threads takes 1 to 256");
            else
                o->threads = (int)n;
            break;
        }
        case 'f':
            if (hunt_parse_format(optarg, &o->format))
                rc = cli_usage_error(me, "--format must be table, csv, jsonl or json");
            break;
        case 'o': o->output = optarg; break;
        case OPT_STORE: o->store = optarg; break;
        case OPT_INTEL:
            if (push_arg(&o->intel, &o->nintel, optarg)) rc = EX_OSERR;
            break;
        case OPT_NO_STORE_INTEL: o->no_store_intel = 1; break;
        case OPT_VALIDITY:
            if (cli_parse_validity(optarg, &o->validity))
                rc = cli_usage_error(me, "--validity must be retro, strict or ignore");
            break;
        case OPT_NOSUM: o->summary = 0; break;
        case OPT_NOCORR: o->no_correlation = 1; break;
        case OPT_LATENESS:
            if (parse_duration(optarg, &o->lateness))
                rc = cli_usage_error(me, "bad --lateness '%s' (e.g. 0, 30s, 5m, 1h)", optarg);
            break;
        case OPT_CORR_GROUPS: {
            char *end;
            long long n = strtoll(optarg, &end, 10);
            if (*end || n < 1 || n > 100000000)
                rc = cli_usage_error(me, "--corr-max-groups takes 1 to 100000000");
            else
                o->corr_max_groups = (size_t)n;
            break;
        }
        case OPT_COLOR:
            if (strcmp(optarg, "auto") == 0)
                o->color = -1;
            else if (strcmp(optarg, "always") == 0)
                o->color = 1;
            else if (strcmp(optarg, "never") == 0)
                o->color = 0;
            else
                rc = cli_usage_error(me, "--color takes auto, always or never");
            break;
        case 'h': cli_print_help(me, stdout); goto done;
        default: rc = cli_usage_error(me, "unknown option"); break;
        }
        if (rc) goto done;
    }
    if (o->in_format && !ward_decoder_find(o->in_format)) {
        rc = cli_usage_error(me, "unknown input format '%s'", o->in_format);
        goto done;
    }
    if (optind >= argc) {
        rc = cli_usage_error(me, "no PATH given");
        goto done;
    }
    rc = hunt_execute(h, argv + optind, (size_t)(argc - optind));
done:
    free(o->rules);
    free(o->only_ids);
    free(o->excl_ids);
    free(o->intel);
    free(h);
    return rc;
}

const struct ward_cmd ward_cmd_hunt = {
    "hunt", "hunt through evidence with Sigma rules (timeline of alerts)", help, run};
