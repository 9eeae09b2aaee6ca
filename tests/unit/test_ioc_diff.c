/*
 * test_ioc_diff.c - the indicator matcher against the reference matcher (differential test).
 *
 * ward_ioc_match_event skips, by cheap tests, the values and tokens that cannot hold an
 * indicator (no '.', ':' or '@' and no 32-digit hex run, timestamps, GUIDs, dotted words
 * whose last label no domain indicator has, ...). ioc_match_event_plain has none of those
 * filters: it unescapes every value, takes apart every token and looks up every parent name.
 * Both must report the same hits (indicator, field, token text) for every event:
 *
 *  - the corpus' event logs (EVTX samples as JSON lines, Suricata EVE logs, OpenSSH lines),
 *    with indicators taken from the values of those events (a third of the candidates, so
 *    that most tokens miss), their parent domains, /24 and /16 ranges of their addresses,
 *    and generated indicators;
 *  - generated events whose values mix those indicators (in other cases, with ports, inside
 *    URLs, paths, command lines and JSON escapes such as \u002e and \/) with drive letters,
 *    timestamps (also a date followed by an indicator), GUIDs, hex runs of every length near
 *    a hash's and punctuation;
 *  - the same generated texts through ward_ioc_match_value and ioc_match_value_plain.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "detect/ioc/ioc_int.h"
#include "test.h"
#include "ward/decode.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ---- hits as sortable lines ------------------------------------------------------------ */

struct hits {
    char **line;
    size_t n, cap;
};

static int on_hit(void *ctx, const struct ward_ioc_hit *h)
{
    struct hits *hs = ctx;
    if (hs->n == hs->cap) {
        hs->cap = hs->cap ? hs->cap * 2 : 16;
        hs->line = realloc(hs->line, hs->cap * sizeof *hs->line);
        if (!hs->line) abort();
    }
    size_t need = strlen(h->key ? h->key : "") + h->value.len + h->ioc->vlen + 32;
    char *l = malloc(need);
    if (!l) abort();
    snprintf(l, need, "%s\t%.*s\t%.*s\t%d", h->key ? h->key : "", (int)h->ioc->vlen, h->ioc->value,
             (int)h->value.len, h->value.ptr, h->ioc->type);
    hs->line[hs->n++] = l;
    return 0;
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void hits_clear(struct hits *hs)
{
    for (size_t i = 0; i < hs->n; i++) free(hs->line[i]);
    hs->n = 0;
}

static size_t compared, total_hits, mismatches;

/* Both lists sorted and equal; the first differences are printed. */
static void same_hits(struct hits *fast, struct hits *plain, const char *where, uint64_t rec)
{
    qsort(fast->line, fast->n, sizeof *fast->line, cmp_line);
    qsort(plain->line, plain->n, sizeof *plain->line, cmp_line);
    int same = fast->n == plain->n;
    for (size_t i = 0; same && i < fast->n; i++) same = strcmp(fast->line[i], plain->line[i]) == 0;
    compared++;
    total_hits += plain->n;
    if (!same && mismatches++ < 5) {
        fprintf(stderr, "%s record %llu: the matcher reports %zu hits, the reference %zu\n", where,
                (unsigned long long)rec, fast->n, plain->n);
        for (size_t i = 0; i < fast->n && i < 20; i++)
            fprintf(stderr, "  matcher:   %s\n", fast->line[i]);
        for (size_t i = 0; i < plain->n && i < 20; i++)
            fprintf(stderr, "  reference: %s\n", plain->line[i]);
    }
    hits_clear(fast);
    hits_clear(plain);
}

/* ---- indicators from event values ------------------------------------------------------ */

static int delim(unsigned char c)
{
    return c <= ' ' || strchr("\"',;()<>[]{}|=\\`^!*", c) != NULL;
}

static int hexd(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* candidate values of a text: tokens with '.', ':' or '@' (trimmed), their parent names and
 * the hex runs of a hash's length; a third of them go into the set */
#define SEEN_SLOTS (1u << 20)
struct harvest {
    struct ward_ioc_set *set;
    char **kept; /* for the generated events */
    size_t nkept, capkept;
    uint64_t *seen; /* hashes of the candidates looked at: each once */
};

static void keep(struct harvest *hv, const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    h |= 1;
    for (size_t i = h & (SEEN_SLOTS - 1);; i = (i + 1) & (SEEN_SLOTS - 1)) {
        if (hv->seen[i] == h) return;
        if (!hv->seen[i]) {
            hv->seen[i] = h;
            break;
        }
    }
    if (rnd() % 3) return;
    if (ward_ioc_add(hv->set, -1, s, n, NULL, NULL)) return;
    if (hv->nkept == hv->capkept) {
        hv->capkept = hv->capkept ? hv->capkept * 2 : 256;
        hv->kept = realloc(hv->kept, hv->capkept * sizeof *hv->kept);
        if (!hv->kept) abort();
    }
    char *c = malloc(n + 1);
    if (!c) abort();
    memcpy(c, s, n);
    c[n] = 0;
    hv->kept[hv->nkept++] = c;
    /* the address's ranges, sometimes */
    int dots = 0, digits = 1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.')
            dots++;
        else if (s[i] < '0' || s[i] > '9')
            digits = 0;
    }
    if (dots == 3 && digits && rnd() % 4 == 0) {
        char r[64];
        snprintf(r, sizeof r, "%.*s/%d", (int)n, s, rnd() & 1 ? 24 : 16);
        if (ward_ioc_add(hv->set, WARD_IOC_IPV4, r, strlen(r), NULL, NULL)) return;
    }
}

static void harvest_text(struct harvest *hv, const char *v, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (hexd((unsigned char)v[i])) {
            size_t j = i;
            while (j < n && hexd((unsigned char)v[j])) j++;
            if (j - i == 32 || j - i == 40 || j - i == 64 || j - i == 128) keep(hv, v + i, j - i);
            i = j;
        } else {
            i++;
        }
    }
    for (size_t i = 0; i < n;) {
        if (delim((unsigned char)v[i])) {
            i++;
            continue;
        }
        size_t s = i;
        while (i < n && !delim((unsigned char)v[i])) i++;
        size_t e = i;
        while (s < e && strchr(".:/?#&+~%$", v[s])) s++;
        while (e > s && strchr(".:?&#", v[e - 1])) e--;
        if (e - s < 3 || (!memchr(v + s, '.', e - s) && !memchr(v + s, ':', e - s) &&
                          !memchr(v + s, '@', e - s)))
            continue;
        keep(hv, v + s, e - s);
        /* a URL's host, a parent name */
        const char *sep = memmem(v + s, e - s, "://", 3);
        if (sep) {
            const char *h = sep + 3, *he = h;
            while (he < v + e && *he != '/' && *he != ':' && *he != '?') he++;
            if (he > h) keep(hv, h, (size_t)(he - h));
        } else {
            const char *dot = memchr(v + s, '.', e - s);
            if (dot && dot + 1 < v + e && memchr(dot + 1, '.', (size_t)(v + e - dot - 1)))
                keep(hv, dot + 1, (size_t)(v + e - dot - 1));
        }
    }
}

static void generated_indicators(struct ward_ioc_set *set, int n)
{
    static const char *const tlds[] = {"com", "net", "org", "ru", "io", "local", "exe", "dll"};
    for (int i = 0; i < n; i++) {
        char v[160];
        uint64_t r = rnd();
        switch (r % 7) {
        case 0:
            snprintf(v, sizeof v, "%u.%u.%u.%u", (unsigned)(r >> 8) & 255,
                     (unsigned)(r >> 16) & 255, (unsigned)(r >> 24) & 255,
                     (unsigned)(r >> 32) & 255);
            break;
        case 1:
            snprintf(v, sizeof v, "h%x.example-%u.%s", (unsigned)(r >> 20) & 0xffff,
                     (unsigned)(r & 63), tlds[(r >> 12) & 7]);
            break;
        case 2:
            snprintf(v, sizeof v, "http://u%x.example.%s/p/%u.php", (unsigned)(r >> 24) & 0xfff,
                     tlds[(r >> 12) & 7], (unsigned)(r & 255));
            break;
        case 3:
            snprintf(v, sizeof v, "2001:db8:%x::%x", (unsigned)(r >> 8) & 0xffff,
                     (unsigned)(r >> 40) & 0xffff);
            break;
        case 4:
            snprintf(v, sizeof v, "u%x@mail.example.%s", (unsigned)(r >> 28) & 0xfff,
                     tlds[(r >> 12) & 7]);
            break;
        default: {
            int len = r % 3 == 0 ? 32 : r % 3 == 1 ? 40 : 64;
            for (int j = 0; j < len; j++) v[j] = "0123456789abcdef"[rnd() & 15];
            v[len] = 0;
        }
        }
        if (ward_ioc_add(set, -1, v, strlen(v), NULL, NULL)) continue; /* (some collide) */
    }
}

/* ---- events ---------------------------------------------------------------------------- */

static int read_events(const char *path, struct harvest *hv, const struct ward_ioc_set *set,
                       long max)
{
    struct ward_reader r;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_reader_open(&r, path, NULL, NULL, &err)) return -1;
    struct ward_event ev;
    if (ward_event_init(&ev, NULL)) abort();
    struct hits fast = {0}, plain = {0};
    long k = 0;
    for (;;) {
        int rc = ward_reader_next(&r, &ev, &err);
        if (rc == 0) break;
        if (rc < 0) continue;
        if (max >= 0 && k++ >= max) break;
        if (hv) {
            for (uint32_t i = 0; i < ev.nfields; i++) {
                struct ward_field *f = &ev.fields[i];
                struct ward_str v;
                if (f->type == WARD_V_STR && !ward_event_value(&ev, f, &v))
                    harvest_text(hv, v.ptr, v.len);
            }
            continue;
        }
        /* the matcher first: it sees the fields as the decoder left them (raw) */
        CHECK(ward_ioc_match_event(set, &ev, on_hit, &fast) >= 0);
        CHECK(ioc_match_event_plain(set, &ev, on_hit, &plain) >= 0);
        size_t before = mismatches;
        same_hits(&fast, &plain, path, ev.record);
        for (uint32_t i = 0; mismatches != before && before < 5 && i < ev.nfields; i++)
            if (ev.fields[i].type == WARD_V_STR)
                fprintf(stderr, "  field %s: %.*s\n", ward_field_key(&ev, &ev.fields[i]),
                        (int)ev.fields[i].vlen, ev.fields[i].val);
    }
    free(fast.line);
    free(plain.line);
    ward_event_free(&ev);
    ward_reader_close(&r);
    return 0;
}

/* a piece of a generated value, as JSON string content (escapes written out) */
static void piece(struct harvest *hv, char *out, size_t cap)
{
    static const char *const fixed[] = {
        "C:\\\\Windows\\\\System32\\\\svchost.exe",
        "c:\\\\users\\\\x\\\\AppData\\\\Local\\\\Temp\\\\a.ps1",
        "\\\"C:\\\\Program Files\\\\x.exe\\\" -k netsvcs",
        "2019-04-27 15:57:25.868",
        "2021-06-01T10:11:12.123Z",
        "15:57:25.868",
        "{365abb72-7acc-5cc4-0000-0010b2470300}",
        "::ffff:10.0.2.15",
        "::1",
        "fe80::79bf:8ee2:433c:2567",
        "10.0.17763.1",
        "ntdll.dll",
        "Microsoft.NET",
        "http://[2001:db8::1]:8080/x",
        "https://user:pw@host.example.com:443/a?b=c#d",
        "hxxp://evil[.]com",
        "\\u002e",
        "\\/",
        "\\n",
        "\\t",
        "\\\\",
        "\\u0041",
        "SHA1=",
        "MD5=",
        "IMPHASH=",
        ":",
        "::",
        "@",
        "..",
        "/",
        "://",
    };
    uint64_t r = rnd();
    const char *src;
    char tmp[220];
    switch (r % 6) {
    case 0:
    case 1:
        if (hv->nkept) {
            src = hv->kept[(r >> 8) % hv->nkept];
            /* in another case now and then; with a port or a path */
            size_t n = strlen(src);
            if (n > 150) n = 150;
            memcpy(tmp, src, n);
            tmp[n] = 0;
            if ((r >> 20) % 4 == 0)
                for (size_t i = 0; i < n; i++)
                    if (tmp[i] >= 'a' && tmp[i] <= 'z') tmp[i] = (char)(tmp[i] - 32);
            if ((r >> 24) % 5 == 0) snprintf(tmp + n, sizeof tmp - n, ":%u", (unsigned)(r % 65536));
            if ((r >> 24) % 5 == 1) snprintf(tmp + n, sizeof tmp - n, "/index.html");
            if ((r >> 24) % 5 == 2) {
                char t2[220];
                snprintf(t2, sizeof t2, "http://%.150s/x", tmp);
                memcpy(tmp, t2, sizeof tmp);
                tmp[sizeof tmp - 1] = 0;
            }
            /* JSON content: escape '"' and '\' of the value; now and then its dots too
             * (\u002e: a value whose only '.' are escaped) */
            int dots = (r >> 24) % 5 == 3;
            size_t o = 0;
            for (size_t i = 0; tmp[i] && o + 8 < cap; i++) {
                if (dots && tmp[i] == '.') {
                    memcpy(out + o, "\\u002e", 6);
                    o += 6;
                    continue;
                }
                if (tmp[i] == '"' || tmp[i] == '\\') out[o++] = '\\';
                out[o++] = tmp[i];
            }
            out[o] = 0;
            return;
        }
        /* fall through */
    case 2: snprintf(out, cap, "%s", fixed[(r >> 8) % (sizeof fixed / sizeof *fixed)]); return;
    case 3: { /* a hex run of about a hash's length */
        static const int lens[] = {31, 32, 33, 39, 40, 41, 63, 64, 65, 128, 8};
        int len = lens[(r >> 8) % 11];
        size_t o = 0;
        for (int i = 0; i < len && o + 1 < cap; i++)
            out[o++] = "0123456789abcdefABCDEF"[rnd() % 22];
        out[o] = 0;
        return;
    }
    case 4: { /* a word */
        int len = 1 + (int)((r >> 8) % 12);
        size_t o = 0;
        for (int i = 0; i < len && o + 1 < cap; i++)
            out[o++] = "abcdefghijklmnopqrstuvwxyzABCDEFZ0123456789-_."[rnd() % 47];
        out[o] = 0;
        return;
    }
    default: { /* punctuation */
        static const char punct[] = ".:@/-_=,;()[]{}| #?&+~%$*^!<>'";
        out[0] = punct[(r >> 8) % (sizeof punct - 1)];
        out[1] = 0;
        if ((r >> 16) % 3 == 0) snprintf(out, cap, "\\\"");
        if ((r >> 16) % 7 == 1) snprintf(out, cap, "\\\\");
        return;
    }
    }
}

static void gen_value(struct harvest *hv, char *v, size_t cap)
{
    size_t o = 0;
    int np = 1 + (int)(rnd() % 8);
    v[0] = 0;
    for (int i = 0; i < np; i++) {
        char p[400];
        piece(hv, p, sizeof p);
        size_t pl = strlen(p);
        if (o + pl + 2 >= cap) break;
        memcpy(v + o, p, pl);
        o += pl;
        if (rnd() % 3) v[o++] = " :,;=|/"[rnd() % 7];
        v[o] = 0;
    }
}

/* JSON lines of generated events into path */
static void gen_events(struct harvest *hv, const char *path, int nevents)
{
    static const char *const keys[] = {"CommandLine", "Image",   "url",      "host",
                                       "hostname",    "Details", "Hashes",   "DestinationIp",
                                       "message",     "query",   "uri_path", "Computer"};
    FILE *f = fopen(path, "w");
    if (!f) abort();
    for (int e = 0; e < nevents; e++) {
        int nf = 1 + (int)(rnd() % 6);
        fputc('{', f);
        for (int i = 0; i < nf; i++) {
            char v[1200];
            uint64_t r = rnd();
            if (r % 9 == 0) { /* a web log's path */
                snprintf(v, sizeof v, "/p/%u.php", (unsigned)(r >> 8) % 300);
            } else if (r % 9 == 1) { /* a date and a time, or a date and something else */
                static const char *const times[] = {"15:57:25.868", "15:57:25Z", "15:57:25+02:00",
                                                    "15:57", "15:57:25.1234567-0500"};
                const char *t = times[(r >> 8) % 5];
                if ((r >> 12) % 2 && hv->nkept) t = hv->kept[(r >> 16) % hv->nkept];
                snprintf(v, sizeof v, "2019-04-27%c%.100s", (r >> 20) % 2 ? ' ' : 'T', t);
            } else {
                gen_value(hv, v, sizeof v);
            }
            fprintf(f, "%s\"%s%d\": \"%s\"", i ? ", " : "", keys[(r >> 16) % 12], i, v);
        }
        fputs("}\n", f);
    }
    fclose(f);
}

/* The generated texts as values: ward_ioc_match_value against the reference. */
static void values(struct harvest *hv, const struct ward_ioc_set *set, int n)
{
    struct hits fast = {0}, plain = {0};
    for (int i = 0; i < n; i++) {
        char v[1200];
        gen_value(hv, v, sizeof v);
        size_t len = strlen(v);
        ward_ioc_match_value(set, "v", v, len, WARD_TIME_NONE, on_hit, &fast);
        ioc_match_value_plain(set, "v", v, len, WARD_TIME_NONE, on_hit, &plain);
        same_hits(&fast, &plain, "value", (uint64_t)i);
    }
    free(fast.line);
    free(plain.line);
}

static void run(const char *corpus)
{
    static const char *const logs[] = {
        "bench/evtx-attack-samples.jsonl",
        "network/attack-pcaps/evtx-attack-samples_dns_txt_c2.eve.generated.json",
        "network/attack-pcaps/otrf_log4shell_jndi_reference.eve.generated.json",
        "linux-logs/loghub/OpenSSH/OpenSSH_2k.log",
    };
    struct harvest hv = {0};
    hv.seen = calloc(SEEN_SLOTS, sizeof *hv.seen);
    if (!hv.seen || ward_ioc_set_new(&hv.set)) abort();
    char path[4096];
    for (size_t i = 0; i < sizeof logs / sizeof *logs; i++) {
        snprintf(path, sizeof path, "%s/%s", corpus, logs[i]);
        if (read_events(path, &hv, NULL, -1)) fprintf(stderr, "note: %s not read\n", path);
    }
    generated_indicators(hv.set, 20000);
    size_t nset = ward_ioc_set_count(hv.set);
    CHECK(nset > 20000);
    CHECK_INT(ward_ioc_set_compile(hv.set), 0);
    size_t c0 = compared, h0 = total_hits;
    for (size_t i = 0; i < sizeof logs / sizeof *logs; i++) {
        snprintf(path, sizeof path, "%s/%s", corpus, logs[i]);
        (void)read_events(path, NULL, hv.set, -1);
    }
    char gen[] = "/tmp/test_ioc_diff_XXXXXX";
    int fd = mkstemp(gen);
    CHECK(fd >= 0);
    if (fd >= 0) {
        close(fd);
        gen_events(&hv, gen, 10000);
        CHECK_INT(read_events(gen, NULL, hv.set, -1), 0);
        unlink(gen);
    }
    values(&hv, hv.set, 10000);
    printf("%zu indicators, %zu events and values compared, %zu hits each\n", nset, compared - c0,
           total_hits - h0);
    CHECK(total_hits - h0 > 1000); /* the comparison is not of empty lists */
    for (size_t i = 0; i < hv.nkept; i++) free(hv.kept[i]);
    free(hv.kept);
    free(hv.seen);
    ward_ioc_set_free(hv.set);
}

int main(void)
{
    const char *corpus = test_corpus();
    run(corpus);
    CHECK_INT(mismatches, 0);
    return test_done("test_ioc_diff");
}
