/*
 * intel.c - `ward intel`: threat intelligence indicators. `check` loads intel files and
 * reports what was loaded per type and every indicator that was not (with the reason);
 * `import` does the same and records the indicators (and what could not be loaded) in the
 * case store, where `ward hunt --store` finds them; `list` and `remove` show and drop the
 * store's indicators; `match` loads intel and prints one JSON line per indicator hit in
 * event files.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store_cli.h"
#include "ward/decode.h"
#include "ward/ioc.h"
#include "ward/json.h"

#define CLI_VALIDITY_PAD "                       "
static const char help[] =
    "usage: ward intel check [OPTIONS] FILE...\n"
    "       ward intel import [--store DB] [--source NAME] [OPTIONS] FILE...\n"
    "       ward intel list [--store DB] [--type T] [--source S] [--format table|json|csv]\n"
    "       ward intel remove [--store DB] --source S\n"
    "       ward intel match --intel FILE [--intel FILE...] [OPTIONS] EVENTS...\n"
    "\n"
    "Threat intelligence indicators: network addresses and CIDR ranges, domain names, URLs,\n"
    "file hashes (MD5, SHA-1, SHA-256, SHA-512) and e-mail addresses that are known to be\n"
    "hostile, read from:\n"
    "  - STIX 2.1 bundles (indicator objects; patterns that are an OR of comparisons\n"
    "    `[ipv4-addr:value = '...']`, `[domain-name:value = ...]`, `[url:value = ...]`,\n"
    "    `[file:hashes.'SHA-256' = ...]`, `[email-addr:value = ...]`, `ISSUBSET 'cidr'`,\n"
    "    `IN (...)`); validity (valid_from, valid_until), confidence, labels, TLP markings;\n"
    "  - MISP events (Event.Attribute and Event.Object.Attribute: ip-src, ip-dst, domain,\n"
    "    hostname, domain|ip, url, md5, sha1, sha256, sha512, filename|<hash>, email-src ...)\n"
    "    and MISP feed directories (manifest.json and the event files);\n"
    "  - CSV files with a header naming a value column (and optionally type, source, tlp,\n"
    "    confidence, valid_from, valid_until, first_seen, last_seen, name, id, labels, to_ids);\n"
    "  - plain lists, one value per line (type guessed; '#' comments; defanged values such\n"
    "    as hxxp:// and evil[.]com are accepted).\n"
    "A FILE may be a directory (read recursively; a MISP feed when it holds manifest.json).\n"
    "Nothing is dropped silently: every indicator or part of one that ward cannot match is\n"
    "reported as unsupported, invalid or skipped, with its file, id and the reason.\n"
    "\n"
    "Commands:\n"
    "  check FILE...   load the files, print the values loaded per type, the indicators\n"
    "                  loaded whole or in part, and every problem\n"
    "  import FILE...  the same, and record the values in the case store (one row per value\n"
    "                  and source, with its source id (STIX id, MISP attribute uuid), the\n"
    "                  first and last import that brought it, validity, confidence, TLP and\n"
    "                  labels; one transaction and one journal entry per FILE). The source\n"
    "                  name is --source, else the FILE's base name (a CSV `source` column\n"
    "                  wins). Importing the same indicator from the same source again\n"
    "                  refreshes its last_seen and context, it never adds a second row.\n"
    "                  What could not be loaded is printed and kept in the store too\n"
    "                  (`ward intel list --problems`). `ward hunt --store DB` matches the\n"
    "                  store's indicators\n"
    "  list            print the store's indicators (--type, --source, --value filter;\n"
    "                  --limit N), or with --problems what imports could not load\n"
    "  remove          remove every indicator of the source given with --source\n"
    "  match EVENTS... match the events of files and directories (any input format ward\n"
    "                  reads) against the indicators given with --intel; one JSON line per\n"
    "                  hit: the indicator with its context, the event's source, record and\n"
    "                  time, the field and the matched text\n"
    "\n"
    "Options:\n"
    "  -i, --intel FILE     (match) an intel file or directory; repeat for more\n"
    "  -j, --json           (check, import) print the report as one JSON object\n"
    "  -l, --list           (check) also print every loaded value as a JSON line\n"
    "  -f, --format FMT     check, import, match: read the intel as stix, misp, csv or list\n"
    "                       instead of detecting it; list: table (default), json (one\n"
    "                       array), jsonl or csv (re-importable by `ward intel import`)\n"
    "  -d, --store PATH     import, list, remove: the case store (default: $WARD_STORE,\n"
    "                       else ./ward.db); import creates it when missing\n"
    "      --actor NAME     who imports or removes, for the journal (default: $WARD_ACTOR,\n"
    "                       else the login name)\n"
    "      --type T         (list) only indicators of this type (ipv4, ipv6, domain, url,\n"
    "                       md5, sha1, sha256, sha512, email)\n"
    "      --value V        (list) only this (normalised) value\n"
    "      --limit N        (list) at most N indicators\n"
    "      --problems       (list) list the problems of the imports instead\n"
    "      --ids-only       MISP and CSV: skip values whose to_ids is false\n"
    "      --source NAME    name the source of the indicators (check, match: default the\n"
    "                       file path; import: the file's base name); list, remove: the\n"
    "                       source to show or remove\n"
    "      --tlp LEVEL      TLP for indicators that carry none (clear, green, amber, red)\n"
    "      --confidence N   confidence (0-100) for indicators that carry none\n"
    "      --strict         (check) exit 1 also when some indicator is unsupported or invalid\n"
    "  -c, --count          (match) print only the number of hits per events file\n"
    "      --validity MODE  (match) " CLI_VALIDITY_HELP
    "  -t, --input-format NAME  (match) force the events' format\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: check: 0 when every file was read and parsed, 1 when a file could not be\n"
    "read or parsed or a STIX pattern has a syntax error (unsupported, invalid and skipped\n"
    "indicators are reported but fail only with --strict); import: 0 when every file was\n"
    "read (unsupported, invalid and skipped indicators are reported and recorded, they do\n"
    "not fail the import), 65 some file could not be read or parsed (the others were\n"
    "imported), 74 the store could not be written; list, remove: 0, 66 no store; match: 0\n"
    "(with or without hits), 65 some event records were bad, 66 no events could be read;\n"
    "64 usage error, 74 output error.\n"
    "\n" STORE_CLI_ENV_HELP "\n"
    "Examples:\n"
    "  ward intel check feeds/apt1.json misp-feed/ blocklist.txt\n"
    "  ward intel check --json indicators.csv\n"
    "  ward intel import --store case.db feeds/apt1.json misp-feed/ blocklist.txt\n"
    "  ward intel list --store case.db --type domain --format csv\n"
    "  ward intel remove --store case.db --source blocklist.txt\n"
    "  ward hunt --store case.db logs/\n"
    "  ward intel match --intel apt1.json --intel iocs.csv logs/\n";

const struct ward_cmd ward_cmd_intel;

int cli_parse_validity(const char *s, int *mode)
{
    static const struct {
        const char *name;
        enum ward_ioc_validity mode;
    } v[] = {{"retro", WARD_IOC_VALID_RETRO},
             {"strict", WARD_IOC_VALID_STRICT},
             {"ignore", WARD_IOC_VALID_IGNORE}};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (strcmp(s, v[i].name) == 0) {
            *mode = (int)v[i].mode;
            return 0;
        }
    return -1;
}

struct opts {
    struct ward_ioc_load_opts load;
    int json, list, strict, count, problems;
    int validity;
    const char *in_format;
    const char *fmt; /* -f as given: the intel format, or list's output format */
    const char *store, *actor, *type, *value;
    size_t limit;
    char **intel;
    size_t nintel;
};

/* The source name of an imported FILE: its base name ("feeds/apt1.json" -> "apt1.json"). */
static const char *base_name(const char *path, char *buf, size_t cap)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    size_t b = n;
    while (b && path[b - 1] != '/') b--;
    if (n - b >= cap) n = b + cap - 1;
    memcpy(buf, path + b, n - b);
    buf[n - b] = 0;
    return buf[0] ? buf : path;
}

/* Per-type counts of the values loaded since `before`, as "ipv4 2, domain 1" or JSON. */
static int type_counts(struct ward_buf *b, const struct ward_ioc_stats *before,
                       const struct ward_ioc_stats *s, int json)
{
    struct ward_jw w;
    if (json) {
        ward_jw_init(&w, b);
        ward_jw_obj(&w);
    }
    int any = 0;
    for (int t = 0; t < WARD_IOC_NTYPES; t++) {
        uint64_t n = s->values[t] - before->values[t];
        if (json) {
            ward_jw_key(&w, ward_ioc_type_name((enum ward_ioc_type)t));
            ward_jw_uint(&w, n);
        } else if (n) {
            if (ward_buf_printf(b, "%s%s %llu", any ? ", " : "",
                                ward_ioc_type_name((enum ward_ioc_type)t), (unsigned long long)n))
                return -1;
            any = 1;
        }
    }
    if (json) {
        ward_jw_end(&w);
        return ward_jw_error(&w) ? -1 : 0;
    }
    return any ? 0 : ward_buf_printf(b, "none");
}

struct import_totals {
    uint64_t values_new, values_updated;
    int store_error;
};

/* Records the values and problems a file added to the set as one import. */
static int import_file(struct ward_store *st, struct ward_ioc_set *set, size_t first_value,
                       size_t first_problem, const char *path, const char *source,
                       const struct ward_ioc_stats *before, struct import_totals *tot,
                       struct ward_intel_import *res)
{
    struct ward_buf counts;
    ward_buf_init(&counts, 0);
    if (type_counts(&counts, before, ward_ioc_set_stats(set), 1) || ward_buf_putc(&counts, 0)) {
        ward_buf_free(&counts);
        ward_error("out of memory");
        return EX_SOFTWARE;
    }
    struct ward_err err;
    ward_err_clear(&err);
    int r = ward_store_intel_import(st, set, first_value, first_problem, path, source, counts.data,
                                    res, &err);
    ward_buf_free(&counts);
    if (r) {
        ward_log_err(WARD_LOG_ERROR, &err);
        tot->store_error = 1;
        return r == WARD_ENOMEM ? EX_SOFTWARE : EX_IOERR;
    }
    tot->values_new += res->values_new;
    tot->values_updated += res->values_updated;
    return 0;
}

static int load_all(struct ward_ioc_set *set, char **paths, size_t n,
                    const struct ward_ioc_load_opts *lo, int per_file_json, struct ward_jw *w,
                    struct ward_store *st, struct import_totals *tot)
{
    for (size_t i = 0; i < n; i++) {
        struct ward_ioc_stats before = *ward_ioc_set_stats(set);
        size_t first_value = ward_ioc_set_count(set);
        size_t first_problem = ward_ioc_set_problem_count(set);
        struct ward_err err;
        ward_err_clear(&err);
        struct ward_ioc_load_opts flo = *lo;
        char namebuf[256];
        const char *source = lo->source;
        if (st && !source) source = flo.source = base_name(paths[i], namebuf, sizeof namebuf);
        int rc = ward_ioc_load_path(set, paths[i], &flo, &err);
        if (rc == WARD_ENOMEM) {
            ward_error("out of memory loading %s", paths[i]);
            return EX_SOFTWARE;
        }
        const struct ward_ioc_stats *s = ward_ioc_set_stats(set);
        struct ward_intel_import res;
        memset(&res, 0, sizeof res);
        if (st && (rc = import_file(st, set, first_value, first_problem, paths[i], source, &before,
                                    tot, &res)))
            return rc;
        if (per_file_json && w) {
            ward_jw_obj(w);
            ward_jw_key(w, "path");
            ward_jw_str(w, paths[i]);
            if (st) {
                ward_jw_key(w, "source");
                ward_jw_str(w, source);
                ward_jw_key(w, "import");
                ward_jw_int(w, res.id);
                ward_jw_key(w, "new");
                ward_jw_uint(w, res.values_new);
                ward_jw_key(w, "updated");
                ward_jw_uint(w, res.values_updated);
            }
            ward_jw_key(w, "values");
            ward_jw_uint(w, s->total - before.total);
            ward_jw_key(w, "types");
            ward_jw_obj(w);
            for (int t = 0; t < WARD_IOC_NTYPES; t++) {
                ward_jw_key(w, ward_ioc_type_name((enum ward_ioc_type)t));
                ward_jw_uint(w, s->values[t] - before.values[t]);
            }
            ward_jw_end(w);
            ward_jw_key(w, "indicators");
            ward_jw_uint(w, s->objects - before.objects);
            ward_jw_key(w, "loaded");
            ward_jw_uint(w, s->objects_loaded - before.objects_loaded);
            ward_jw_key(w, "partial");
            ward_jw_uint(w, s->objects_partial - before.objects_partial);
            ward_jw_key(w, "unsupported");
            ward_jw_uint(w, s->unsupported - before.unsupported);
            ward_jw_key(w, "invalid");
            ward_jw_uint(w, s->invalid - before.invalid);
            ward_jw_key(w, "skipped");
            ward_jw_uint(w, s->skipped - before.skipped);
            ward_jw_key(w, "file_errors");
            ward_jw_uint(w, s->file_errors - before.file_errors);
            ward_jw_end(w);
        } else if (per_file_json == 0 && w == NULL && lo) {
            struct ward_buf types;
            ward_buf_init(&types, 0);
            if (type_counts(&types, &before, s, 0) || ward_buf_putc(&types, 0)) {
                ward_buf_free(&types);
                ward_error("out of memory");
                return EX_SOFTWARE;
            }
            printf("%s: %llu values (%s) from %llu indicators (%llu loaded whole, %llu in part); "
                   "%llu unsupported, %llu invalid, %llu skipped, %llu file errors\n",
                   paths[i], (unsigned long long)(s->total - before.total), types.data,
                   (unsigned long long)(s->objects - before.objects),
                   (unsigned long long)(s->objects_loaded - before.objects_loaded),
                   (unsigned long long)(s->objects_partial - before.objects_partial),
                   (unsigned long long)(s->unsupported - before.unsupported),
                   (unsigned long long)(s->invalid - before.invalid),
                   (unsigned long long)(s->skipped - before.skipped),
                   (unsigned long long)(s->file_errors - before.file_errors));
            ward_buf_free(&types);
            if (st)
                printf("%s: source \"%s\": %llu new, %llu already in the store (refreshed); "
                       "import %lld\n",
                       paths[i], source, (unsigned long long)res.values_new,
                       (unsigned long long)res.values_updated, (long long)res.id);
        }
    }
    return 0;
}

static void write_time(struct ward_jw *w, const char *key, ward_time_t t)
{
    if (t == WARD_TIME_NONE) return;
    char buf[40];
    ward_time_format(t, 3, buf, sizeof buf);
    ward_jw_key(w, key);
    ward_jw_str(w, buf);
}

static void write_indicator(struct ward_jw *w, const struct ward_ioc *ioc)
{
    const struct ward_ioc_meta *m = ioc->meta;
    ward_jw_obj(w);
    ward_jw_key(w, "value");
    ward_jw_strn(w, ioc->value, ioc->vlen);
    ward_jw_key(w, "type");
    ward_jw_str(w, ward_ioc_type_name((enum ward_ioc_type)ioc->type));
    if (m) {
        if (m->source) ward_jw_key(w, "source"), ward_jw_str(w, m->source);
        if (m->id) ward_jw_key(w, "id"), ward_jw_str(w, m->id);
        if (m->name) ward_jw_key(w, "name"), ward_jw_str(w, m->name);
        if (m->labels) ward_jw_key(w, "labels"), ward_jw_str(w, m->labels);
        if (m->pattern) ward_jw_key(w, "pattern"), ward_jw_str(w, m->pattern);
        if (m->event) ward_jw_key(w, "event"), ward_jw_str(w, m->event);
        if (m->confidence >= 0) ward_jw_key(w, "confidence"), ward_jw_int(w, m->confidence);
        if (m->tlp) ward_jw_key(w, "tlp"), ward_jw_str(w, ward_tlp_name((enum ward_tlp)m->tlp));
        write_time(w, "valid_from", m->valid_from);
        write_time(w, "valid_until", m->valid_until);
        write_time(w, "first_seen", m->first_seen);
        write_time(w, "last_seen", m->last_seen);
        if (m->flags & WARD_IOC_F_NOT_IDS) ward_jw_key(w, "to_ids"), ward_jw_bool(w, 0);
    }
    ward_jw_end(w);
}

static int flush_out(struct ward_buf *out, int force)
{
    if (!force && out->len < (1u << 16)) return 0;
    int rc = cli_write(out->data, out->len);
    ward_buf_reset(out);
    return rc;
}

/* check, and import when st is given */
static int run_check(struct opts *o, char **files, size_t nfiles, struct ward_store *st)
{
    struct ward_ioc_set *set;
    if (ward_ioc_set_new(&set)) return EX_SOFTWARE;
    struct import_totals tot;
    memset(&tot, 0, sizeof tot);
    struct ward_buf out;
    ward_buf_init(&out, 0);
    struct ward_jw w;
    ward_jw_init(&w, &out);
    int rc;
    if (o->json) {
        ward_jw_obj(&w);
        ward_jw_key(&w, "files");
        ward_jw_arr(&w);
        rc = load_all(set, files, nfiles, &o->load, 1, &w, st, &tot);
        ward_jw_end(&w);
    } else {
        rc = load_all(set, files, nfiles, &o->load, 0, NULL, st, &tot);
    }
    if (rc) goto done;
    const struct ward_ioc_stats *s = ward_ioc_set_stats(set);
    if (o->json) {
        ward_jw_key(&w, "values");
        ward_jw_obj(&w);
        for (int t = 0; t < WARD_IOC_NTYPES; t++) {
            ward_jw_key(&w, ward_ioc_type_name((enum ward_ioc_type)t));
            ward_jw_uint(&w, s->values[t]);
        }
        ward_jw_end(&w);
        ward_jw_key(&w, "cidr");
        ward_jw_obj(&w);
        ward_jw_key(&w, "ipv4");
        ward_jw_uint(&w, s->cidrs[0]);
        ward_jw_key(&w, "ipv6");
        ward_jw_uint(&w, s->cidrs[1]);
        ward_jw_end(&w);
#define NUM(k, v) ward_jw_key(&w, k), ward_jw_uint(&w, v)
        NUM("total", s->total);
        NUM("indicators", s->objects);
        NUM("loaded", s->objects_loaded);
        NUM("partial", s->objects_partial);
        NUM("unsupported", s->unsupported);
        NUM("invalid", s->invalid);
        NUM("skipped", s->skipped);
        NUM("file_errors", s->file_errors);
        if (st) {
            NUM("new", tot.values_new);
            NUM("updated", tot.values_updated);
        }
#undef NUM
        ward_jw_key(&w, "problems");
        ward_jw_arr(&w);
    } else {
        if (ward_buf_printf(&out, "values:") < 0) goto oom;
        for (int t = 0; t < WARD_IOC_NTYPES; t++)
            if (ward_buf_printf(&out, " %s %llu", ward_ioc_type_name((enum ward_ioc_type)t),
                                (unsigned long long)s->values[t]) < 0)
                goto oom;
        if (ward_buf_printf(&out,
                            " (ranges: ipv4 %llu, ipv6 %llu); total %llu\n"
                            "indicators: %llu, loaded whole %llu, in part %llu; problems: "
                            "unsupported %llu, invalid %llu, skipped %llu, file errors %llu\n",
                            (unsigned long long)s->cidrs[0], (unsigned long long)s->cidrs[1],
                            (unsigned long long)s->total, (unsigned long long)s->objects,
                            (unsigned long long)s->objects_loaded,
                            (unsigned long long)s->objects_partial,
                            (unsigned long long)s->unsupported, (unsigned long long)s->invalid,
                            (unsigned long long)s->skipped, (unsigned long long)s->file_errors) < 0)
            goto oom;
        if (st && ward_buf_printf(&out,
                                  "store: %llu new, %llu already there (refreshed) from %zu "
                                  "files\n",
                                  (unsigned long long)tot.values_new,
                                  (unsigned long long)tot.values_updated, nfiles) < 0)
            goto oom;
    }
    size_t np = ward_ioc_set_problem_count(set);
    for (size_t i = 0; i < np; i++) {
        const struct ward_ioc_problem *p = ward_ioc_set_problem(set, i);
        if (o->json) {
            ward_jw_obj(&w);
            ward_jw_key(&w, "kind");
            ward_jw_str(&w, ward_ioc_problem_kind_name((enum ward_ioc_problem_kind)p->kind));
            if (p->partial) ward_jw_key(&w, "partial"), ward_jw_bool(&w, 1);
            ward_jw_key(&w, "source");
            ward_jw_str(&w, p->source ? p->source : "");
            if (p->line) ward_jw_key(&w, "line"), ward_jw_uint(&w, p->line);
            if (p->id) ward_jw_key(&w, "id"), ward_jw_str(&w, p->id);
            if (p->text) ward_jw_key(&w, "text"), ward_jw_str(&w, p->text);
            ward_jw_key(&w, "reason");
            ward_jw_str(&w, p->reason);
            ward_jw_end(&w);
        } else {
            char loc[64] = "";
            if (p->line) snprintf(loc, sizeof loc, ":%llu", (unsigned long long)p->line);
            if (ward_buf_printf(&out, "%s%s %s: %s%s%s%s%s%s\n", p->source ? p->source : "", loc,
                                ward_ioc_problem_kind_name((enum ward_ioc_problem_kind)p->kind),
                                p->id ? p->id : "", p->id ? ": " : "", p->reason,
                                p->text ? " [" : "", p->text ? p->text : "",
                                p->text ? "]" : "") < 0)
                goto oom;
        }
        if ((rc = flush_out(&out, 0))) goto done;
    }
    if (o->json) {
        ward_jw_end(&w);
        ward_jw_end(&w);
        if (ward_buf_putc(&out, '\n')) goto oom;
    }
    if (o->list) {
        if (ward_ioc_set_compile(set)) goto oom;
        for (size_t i = 0; i < ward_ioc_set_count(set); i++) {
            struct ward_jw lw;
            ward_jw_init(&lw, &out);
            write_indicator(&lw, ward_ioc_set_get(set, i));
            if (ward_jw_error(&lw) || ward_buf_putc(&out, '\n')) goto oom;
            if ((rc = flush_out(&out, 0))) goto done;
        }
    }
    if (ward_jw_error(&w)) goto oom;
    rc = flush_out(&out, 1);
    int syntax_errors = 0;
    for (size_t i = 0; i < np; i++)
        if (strncmp(ward_ioc_set_problem(set, i)->reason, "pattern syntax error", 20) == 0)
            syntax_errors++;
    if (st) {
        /* import: only real errors fail it (unsupported patterns are reported and kept) */
        if (rc == 0 && s->file_errors) rc = EX_DATAERR;
    } else if (rc == 0 &&
               (s->file_errors || syntax_errors || (o->strict && (s->unsupported || s->invalid)))) {
        rc = 1;
    }
    goto done;
oom:
    ward_error("out of memory");
    rc = EX_SOFTWARE;
done:
    ward_buf_free(&out);
    ward_ioc_set_free(set);
    return rc;
}

struct match_ctx {
    struct ward_buf *out;
    struct ward_event *ev;
    uint64_t hits;
    int count_only;
    int err;
};

static int on_hit(void *vctx, const struct ward_ioc_hit *hit)
{
    struct match_ctx *c = vctx;
    c->hits++;
    if (c->count_only) return 0;
    struct ward_jw w;
    ward_jw_init(&w, c->out);
    ward_jw_obj(&w);
    ward_jw_key(&w, "indicator");
    write_indicator(&w, hit->ioc);
    ward_jw_key(&w, "event");
    ward_jw_obj(&w);
    ward_jw_key(&w, "path");
    ward_jw_str(&w, c->ev->path ? c->ev->path : "");
    ward_jw_key(&w, "record");
    ward_jw_uint(&w, c->ev->record);
    if (c->ev->line) ward_jw_key(&w, "line"), ward_jw_uint(&w, c->ev->line);
    write_time(&w, "time", c->ev->ts);
    ward_jw_end(&w);
    ward_jw_key(&w, "field");
    ward_jw_str(&w, hit->key);
    ward_jw_key(&w, "match");
    ward_jw_strn(&w, hit->value.ptr, hit->value.len);
    ward_jw_end(&w);
    if (ward_jw_error(&w) || ward_buf_putc(c->out, '\n')) c->err = 1;
    return 0;
}

static void path_err(void *ctx, const struct ward_err *e)
{
    (*(uint64_t *)ctx)++;
    ward_log_err(WARD_LOG_ERROR, e);
}

static int run_match(struct opts *o, char **inputs, size_t ninputs)
{
    if (!o->nintel) return cli_usage_error(&ward_cmd_intel, "match needs --intel FILE");
    struct ward_ioc_set *set;
    if (ward_ioc_set_new(&set)) return EX_SOFTWARE;
    int rc = load_all(set, o->intel, o->nintel, &o->load, -1, NULL, NULL, NULL);
    if (rc) {
        ward_ioc_set_free(set);
        return rc;
    }
    const struct ward_ioc_stats *s = ward_ioc_set_stats(set);
    if (s->file_errors) {
        for (size_t i = 0; i < ward_ioc_set_problem_count(set); i++) {
            const struct ward_ioc_problem *p = ward_ioc_set_problem(set, i);
            if (p->kind == WARD_IOC_FILE_ERROR)
                ward_error("%s: %s", p->source ? p->source : "", p->reason);
        }
    }
    if (s->unsupported || s->invalid)
        ward_warn("intel: %llu values loaded; %llu unsupported and %llu invalid indicators not "
                  "loaded (run 'ward intel check' for the list)",
                  (unsigned long long)s->total, (unsigned long long)s->unsupported,
                  (unsigned long long)s->invalid);
    ward_ioc_set_validity(set, (enum ward_ioc_validity)o->validity);
    if (ward_ioc_set_compile(set)) {
        ward_ioc_set_free(set);
        return EX_SOFTWARE;
    }
    uint64_t file_errors = 0;
    char **paths = NULL;
    size_t npaths = 0;
    if (ward_paths_expand(inputs, ninputs, &paths, &npaths, path_err, &file_errors)) {
        ward_ioc_set_free(set);
        return EX_SOFTWARE;
    }
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) {
        ward_paths_free(paths);
        ward_ioc_set_free(set);
        return EX_SOFTWARE;
    }
    struct ward_buf out;
    ward_buf_init(&out, 0);
    struct match_ctx mc = {&out, &ev, 0, o->count, 0};
    uint64_t bad = 0, opened = 0;
    rc = 0;
    for (size_t i = 0; i < npaths && rc == 0; i++) {
        struct ward_reader r;
        struct ward_err err;
        ward_err_clear(&err);
        if (ward_reader_open(&r, paths[i], o->in_format, NULL, &err)) {
            ward_log_err(WARD_LOG_ERROR, &err);
            file_errors++;
            continue;
        }
        opened++;
        uint64_t before = mc.hits;
        for (;;) {
            ward_err_clear(&err);
            int k = ward_reader_next(&r, &ev, &err);
            if (k == 0) break;
            if (k < 0) {
                ward_log_err(WARD_LOG_ERROR, &err);
                bad++;
                if (err.code == WARD_EIO || err.code == WARD_ENOMEM) break;
                continue;
            }
            if (ward_ioc_match_event(set, &ev, on_hit, &mc) < 0 || mc.err) {
                ward_error("out of memory");
                rc = EX_SOFTWARE;
                break;
            }
            if (rc == 0 && out.len >= (1u << 16)) rc = flush_out(&out, 1);
        }
        if (o->count) printf("%llu\t%s\n", (unsigned long long)(mc.hits - before), paths[i]);
        ward_reader_close(&r);
    }
    if (rc == 0) rc = flush_out(&out, 1);
    if (o->count && rc == 0) printf("%llu\ttotal\n", (unsigned long long)mc.hits);
    ward_buf_free(&out);
    ward_event_free(&ev);
    ward_paths_free(paths);
    ward_ioc_set_free(set);
    if (rc) return rc;
    if (opened == 0) return EX_NOINPUT;
    if (bad || file_errors) return EX_DATAERR;
    return EX_OK;
}

/* ---- the store's indicators --------------------------------------------------------------- */

enum list_fmt { LIST_TABLE, LIST_JSON, LIST_JSONL, LIST_CSV };

struct list_ctx {
    struct ward_buf *out;
    enum list_fmt fmt;
    uint64_t n;
    int err;
};

/* After a row of `ward intel list`: counts it, notes an error, flushes a full buffer.
 * Returns 1 to stop the listing. */
static int row_done(struct list_ctx *c, int r)
{
    c->n++;
    if (r) {
        c->err = EX_SOFTWARE;
        return 1;
    }
    if (c->out->len >= (1u << 16) && (c->err = flush_out(c->out, 1))) return 1;
    return 0;
}

/* RFC 3339 with as many fraction digits as the time has (0, 3, 6 or 9): csv round-trips */
static void fmt_time(ward_time_t t, char *buf, size_t cap)
{
    if (t == WARD_TIME_NONE) {
        buf[0] = 0;
        return;
    }
    int64_t frac = t % 1000000000;
    int digits = frac == 0 ? 0 : frac % 1000000 == 0 ? 3 : frac % 1000 == 0 ? 6 : 9;
    ward_time_format(t, digits, buf, cap);
}

static int csv_field(struct ward_buf *b, const char *v, int last)
{
    int r = 0;
    if (!v) v = "";
    if (strpbrk(v, ",\"\r\n")) {
        r |= ward_buf_putc(b, '"');
        for (const char *p = v; *p; p++) {
            if (*p == '"') r |= ward_buf_putc(b, '"');
            r |= ward_buf_putc(b, *p);
        }
        r |= ward_buf_putc(b, '"');
    } else {
        r |= ward_buf_append(b, v, strlen(v));
    }
    r |= ward_buf_putc(b, last ? '\n' : ',');
    return r;
}

static int on_indicator(void *vctx, const struct ward_indicator *ind)
{
    struct list_ctx *c = vctx;
    struct ward_buf *b = c->out;
    char fs[40], ls[40], vf[40], vu[40], conf[16] = "";
    fmt_time(ind->first_seen, fs, sizeof fs);
    fmt_time(ind->last_seen, ls, sizeof ls);
    fmt_time(ind->valid_from, vf, sizeof vf);
    fmt_time(ind->valid_until, vu, sizeof vu);
    if (ind->confidence >= 0) snprintf(conf, sizeof conf, "%d", ind->confidence);
    int r = 0;
    if (c->fmt == LIST_TABLE) { /* whole seconds are enough to read */
        if (ind->last_seen != WARD_TIME_NONE) ward_time_format(ind->last_seen, 0, ls, sizeof ls);
        if (ind->valid_until != WARD_TIME_NONE)
            ward_time_format(ind->valid_until, 0, vu, sizeof vu);
        r = ward_buf_printf(b, "%-7s %-40s %-20s %-12s %4s  %-20s %-20s %s\n", ind->type,
                            ind->value, ind->source, ind->tlp, conf[0] ? conf : "-", ls,
                            vu[0] ? vu : "-", ind->source_id[0] ? ind->source_id : "-");
    } else if (c->fmt == LIST_CSV) {
        r |= csv_field(b, ind->type, 0);
        r |= csv_field(b, ind->value, 0);
        r |= csv_field(b, ind->source, 0);
        r |= csv_field(b, ind->source_id, 0);
        r |= csv_field(b, strcmp(ind->tlp, "unknown") ? ind->tlp : "", 0);
        r |= csv_field(b, conf, 0);
        r |= csv_field(b, vf, 0);
        r |= csv_field(b, vu, 0);
        r |= csv_field(b, fs, 0);
        r |= csv_field(b, ls, 0);
        r |= csv_field(b, ind->labels, 0);
        r |= csv_field(b, (ind->flags & WARD_IOC_F_NOT_IDS) ? "false" : "true", 1);
    } else {
        if (c->fmt == LIST_JSON) r |= ward_buf_append(b, c->n ? ",\n" : "\n", c->n ? 2 : 1);
        struct ward_jw w;
        ward_jw_init(&w, b);
        ward_jw_obj(&w);
        ward_jw_key(&w, "type");
        ward_jw_str(&w, ind->type);
        ward_jw_key(&w, "value");
        ward_jw_str(&w, ind->value);
        ward_jw_key(&w, "source");
        ward_jw_str(&w, ind->source);
        if (ind->source_id[0]) ward_jw_key(&w, "id"), ward_jw_str(&w, ind->source_id);
        ward_jw_key(&w, "tlp");
        ward_jw_str(&w, ind->tlp);
        if (ind->confidence >= 0) ward_jw_key(&w, "confidence"), ward_jw_int(&w, ind->confidence);
        if (vf[0]) ward_jw_key(&w, "valid_from"), ward_jw_str(&w, vf);
        if (vu[0]) ward_jw_key(&w, "valid_until"), ward_jw_str(&w, vu);
        ward_jw_key(&w, "first_seen");
        ward_jw_str(&w, fs);
        ward_jw_key(&w, "last_seen");
        ward_jw_str(&w, ls);
        if (ind->labels) ward_jw_key(&w, "labels"), ward_jw_str(&w, ind->labels);
        if (ind->flags & WARD_IOC_F_NOT_IDS) ward_jw_key(&w, "to_ids"), ward_jw_bool(&w, 0);
        ward_jw_key(&w, "context");
        ward_jw_raw(&w, ind->context, strlen(ind->context));
        if (ind->import_id) ward_jw_key(&w, "import"), ward_jw_int(&w, ind->import_id);
        ward_jw_end(&w);
        r |= ward_jw_error(&w);
        if (c->fmt == LIST_JSONL) r |= ward_buf_putc(b, '\n');
    }
    return row_done(c, r);
}

static int on_problem(void *vctx, const struct ward_intel_problem *p)
{
    struct list_ctx *c = vctx;
    struct ward_buf *b = c->out;
    int r = 0;
    if (c->fmt == LIST_TABLE || c->fmt == LIST_CSV) {
        char loc[32] = "";
        if (p->line) snprintf(loc, sizeof loc, ":%llu", (unsigned long long)p->line);
        r = ward_buf_printf(b, "%s%s %s%s: %s%s%s [source %s, import %lld]%s%s%s\n",
                            p->path ? p->path : "", loc, p->kind, p->partial ? " (part)" : "",
                            p->source_id ? p->source_id : "", p->source_id ? ": " : "", p->reason,
                            p->source, (long long)p->import_id, p->text ? " [" : "",
                            p->text ? p->text : "", p->text ? "]" : "");
    } else {
        if (c->fmt == LIST_JSON) r |= ward_buf_append(b, c->n ? ",\n" : "\n", c->n ? 2 : 1);
        struct ward_jw w;
        ward_jw_init(&w, b);
        ward_jw_obj(&w);
        ward_jw_key(&w, "kind");
        ward_jw_str(&w, p->kind);
        if (p->partial) ward_jw_key(&w, "partial"), ward_jw_bool(&w, 1);
        ward_jw_key(&w, "source");
        ward_jw_str(&w, p->source);
        if (p->path) ward_jw_key(&w, "path"), ward_jw_str(&w, p->path);
        if (p->line) ward_jw_key(&w, "line"), ward_jw_uint(&w, p->line);
        if (p->source_id) ward_jw_key(&w, "id"), ward_jw_str(&w, p->source_id);
        if (p->text) ward_jw_key(&w, "text"), ward_jw_str(&w, p->text);
        ward_jw_key(&w, "reason");
        ward_jw_str(&w, p->reason);
        ward_jw_key(&w, "import");
        ward_jw_int(&w, p->import_id);
        ward_jw_end(&w);
        r |= ward_jw_error(&w);
        if (c->fmt == LIST_JSONL) r |= ward_buf_putc(b, '\n');
    }
    return row_done(c, r);
}

static int run_list(struct opts *o)
{
    enum list_fmt fmt = LIST_TABLE;
    if (o->fmt) {
        if (strcmp(o->fmt, "table") == 0)
            fmt = LIST_TABLE;
        else if (strcmp(o->fmt, "json") == 0)
            fmt = LIST_JSON;
        else if (strcmp(o->fmt, "jsonl") == 0)
            fmt = LIST_JSONL;
        else if (strcmp(o->fmt, "csv") == 0)
            fmt = LIST_CSV;
        else
            return cli_usage_error(&ward_cmd_intel, "list: --format must be table, json, jsonl or "
                                                    "csv");
    }
    if (o->type && ward_ioc_type_parse(o->type, strlen(o->type)) < 0)
        return cli_usage_error(&ward_cmd_intel, "unknown indicator type '%s'", o->type);
    struct ward_store *st = NULL;
    int rc = store_cli_open(store_cli_path(o->store), o->actor, 0, &st);
    if (rc) return rc;
    struct ward_indicator_filter f = {0};
    if (o->type) {
        int t = ward_ioc_type_parse(o->type, strlen(o->type));
        f.type = t >= 0 ? ward_ioc_type_name((enum ward_ioc_type)t) : o->type;
    }
    f.source = o->load.source;
    f.value = o->value;
    f.limit = o->limit;
    struct ward_buf out;
    ward_buf_init(&out, 0);
    struct list_ctx c = {&out, fmt, 0, 0};
    struct ward_err err;
    ward_err_clear(&err);
    int r = 0;
    if (fmt == LIST_JSON) r |= ward_buf_putc(&out, '[');
    if (fmt == LIST_TABLE && !o->problems)
        r |= ward_buf_printf(&out, "%-7s %-40s %-20s %-12s %4s  %-20s %-20s %s\n", "TYPE", "VALUE",
                             "SOURCE", "TLP", "CONF", "LAST SEEN", "VALID UNTIL", "ID");
    if (fmt == LIST_CSV && !o->problems)
        r |= ward_buf_printf(&out, "type,value,source,id,tlp,confidence,valid_from,valid_until,"
                                   "first_seen,last_seen,labels,to_ids\n");
    if (r) {
        rc = EX_SOFTWARE;
        goto done;
    }
    r = o->problems ? ward_store_intel_problems_each(st, o->load.source, on_problem, &c, &err)
                    : ward_store_indicators_each(st, &f, on_indicator, &c, &err);
    if (r) {
        rc = store_cli_fail("intel list", &err);
        goto done;
    }
    if (c.err) {
        rc = c.err;
        goto done;
    }
    if (fmt == LIST_JSON && ward_buf_append(&out, c.n ? "\n]\n" : "]\n", c.n ? 3 : 2)) {
        rc = EX_SOFTWARE;
        goto done;
    }
    rc = flush_out(&out, 1);
    if (rc == 0 && fmt == LIST_TABLE && cli_stdout_tty())
        fprintf(stderr, "%llu %s\n", (unsigned long long)c.n,
                o->problems ? "problems" : "indicators");
done:
    ward_buf_free(&out);
    ward_store_close(st);
    return rc;
}

static int run_remove(struct opts *o)
{
    if (!o->load.source || !*o->load.source)
        return cli_usage_error(&ward_cmd_intel, "remove needs --source NAME");
    struct ward_store *st = NULL;
    int rc = store_cli_open(store_cli_path(o->store), o->actor, 0, &st);
    if (rc) return rc;
    struct ward_err err;
    ward_err_clear(&err);
    int64_t n = 0;
    if (ward_store_indicators_remove(st, o->load.source, &n, &err))
        rc = store_cli_fail("intel remove", &err);
    else
        printf("removed %lld indicators of source \"%s\"\n", (long long)n, o->load.source);
    ward_store_close(st);
    return rc;
}

static int run_import(struct opts *o, char **files, size_t nfiles)
{
    struct ward_store *st = NULL;
    int rc = store_cli_open(store_cli_path(o->store), o->actor, 1, &st);
    if (rc) return rc;
    rc = run_check(o, files, nfiles, st);
    if (rc == 0 || rc == EX_DATAERR) {
        int64_t n = 0;
        struct ward_err err;
        ward_err_clear(&err);
        if (ward_store_indicators_count(st, NULL, &n, &err) == 0)
            fprintf(stderr, "intel: the store %s holds %lld indicators\n", store_cli_path(o->store),
                    (long long)n);
    }
    ward_store_close(st);
    return rc;
}

static int run(int argc, char **argv)
{
    static const struct option lopts[] = {
        {"intel", required_argument, NULL, 'i'},
        {"json", no_argument, NULL, 'j'},
        {"list", no_argument, NULL, 'l'},
        {"format", required_argument, NULL, 'f'},
        {"ids-only", no_argument, NULL, 'I'},
        {"source", required_argument, NULL, 'S'},
        {"tlp", required_argument, NULL, 'T'},
        {"confidence", required_argument, NULL, 'C'},
        {"strict", no_argument, NULL, 's'},
        {"count", no_argument, NULL, 'c'},
        {"input-format", required_argument, NULL, 't'},
        {"validity", required_argument, NULL, 'V'},
        {"store", required_argument, NULL, 'd'},
        {"actor", required_argument, NULL, 'A'},
        {"type", required_argument, NULL, 'y'},
        {"value", required_argument, NULL, 'v'},
        {"limit", required_argument, NULL, 'L'},
        {"problems", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct opts o;
    memset(&o, 0, sizeof o);
    ward_ioc_load_opts_default(&o.load);
    o.intel = calloc((size_t)argc + 1, sizeof *o.intel);
    if (!o.intel) return EX_SOFTWARE;
    int c, rc = EX_OK;
    while ((c = getopt_long(argc, argv, "i:jlf:ct:d:h", lopts, NULL)) != -1) {
        switch (c) {
        case 'i': o.intel[o.nintel++] = optarg; break;
        case 'j': o.json = 1; break;
        case 'l': o.list = 1; break;
        case 'f': o.fmt = optarg; break; /* checked once the command is known */
        case 'd': o.store = optarg; break;
        case 'A': o.actor = optarg; break;
        case 'y': o.type = optarg; break;
        case 'v': o.value = optarg; break;
        case 'P': o.problems = 1; break;
        case 'L': {
            char *end;
            long long v = strtoll(optarg, &end, 10);
            if (!*optarg || *end || v < 1) {
                rc = cli_usage_error(&ward_cmd_intel, "--limit takes a positive number");
                goto out;
            }
            o.limit = (size_t)v;
            break;
        }
        case 'I': o.load.ids_only = 1; break;
        case 'S': o.load.source = optarg; break;
        case 'T':
            o.load.tlp = (uint8_t)ward_tlp_parse(optarg, strlen(optarg));
            if (!o.load.tlp) {
                rc = cli_usage_error(&ward_cmd_intel, "--tlp must be clear, green, amber, "
                                                      "amber+strict or red");
                goto out;
            }
            break;
        case 'C': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 0 || v > 100) {
                rc = cli_usage_error(&ward_cmd_intel, "--confidence must be 0 to 100");
                goto out;
            }
            o.load.confidence = (int16_t)v;
            break;
        }
        case 's': o.strict = 1; break;
        case 'c': o.count = 1; break;
        case 't': o.in_format = optarg; break;
        case 'V':
            if (cli_parse_validity(optarg, &o.validity)) {
                rc = cli_usage_error(&ward_cmd_intel, "--validity must be retro, strict or ignore");
                goto out;
            }
            break;
        case 'h': cli_print_help(&ward_cmd_intel, stdout); goto out;
        default: rc = cli_usage_error(&ward_cmd_intel, "unknown option"); goto out;
        }
    }
    if (optind >= argc) {
        rc = cli_usage_error(&ward_cmd_intel,
                             "no command given (check, import, list, remove or match)");
        goto out;
    }
    /* getopt permutes: options may come before or after the command word */
    const char *cmd = argv[optind++];
    int is_list = strcmp(cmd, "list") == 0, is_remove = strcmp(cmd, "remove") == 0;
    if (o.fmt && !is_list) {
        if (strcmp(o.fmt, "stix") && strcmp(o.fmt, "misp") && strcmp(o.fmt, "csv") &&
            strcmp(o.fmt, "list") && strcmp(o.fmt, "json")) {
            rc = cli_usage_error(&ward_cmd_intel, "--format must be stix, misp, csv or list");
            goto out;
        }
        o.load.format = o.fmt;
    }
    if (is_list || is_remove) {
        if (optind < argc) {
            rc = cli_usage_error(&ward_cmd_intel, "%s takes no FILE (use --store)", cmd);
            goto out;
        }
        rc = is_list ? run_list(&o) : run_remove(&o);
        goto out;
    }
    if (optind >= argc) {
        rc = cli_usage_error(&ward_cmd_intel, "no FILE given");
        goto out;
    }
    if (strcmp(cmd, "check") == 0)
        rc = run_check(&o, argv + optind, (size_t)(argc - optind), NULL);
    else if (strcmp(cmd, "import") == 0)
        rc = run_import(&o, argv + optind, (size_t)(argc - optind));
    else if (strcmp(cmd, "match") == 0)
        rc = run_match(&o, argv + optind, (size_t)(argc - optind));
    else
        rc = cli_usage_error(&ward_cmd_intel,
                             "unknown command '%s' (check, import, list, remove or match)", cmd);
out:
    free(o.intel);
    return rc;
}

const struct ward_cmd ward_cmd_intel = {
    "intel",
    "threat intelligence (STIX, MISP, CSV, lists): check, import into the case store, match", help,
    run};
