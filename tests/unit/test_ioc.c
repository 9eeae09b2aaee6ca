/*
 * test_ioc.c - indicators: STIX pattern parsing (own cases and the OASIS validator's
 * pass/fail lists from the corpus), value normalisation and type guessing, CIDR edges for
 * IPv4 and IPv6, domain suffix matching, URL and hash matching inside event text,
 * validity windows, and the loaders (STIX with markings, MISP, CSV, plain lists) on
 * in-memory files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/ioc/ioc_pattern.h"
#include "test.h"
#include "ward/alert.h"
#include "ward/ioc.h"
#include "ward/json_reader.h"

/* ---- patterns ------------------------------------------------------------------------- */

static int pat_ok(const char *s)
{
    struct ioc_pattern p;
    int rc = ioc_pattern_parse(s, strlen(s), &p);
    ioc_pattern_free(&p);
    return rc == 0;
}

/* Number of matchable leaves, or -1 on a syntax error. */
static int pat_supported(const char *s, int *total)
{
    struct ioc_pattern p;
    int rc = ioc_pattern_parse(s, strlen(s), &p);
    int n = -1;
    if (rc == 0) {
        n = 0;
        for (size_t i = 0; i < p.n; i++)
            if (p.leaves[i].type >= 0) n++;
        if (total) *total = (int)p.n;
    }
    ioc_pattern_free(&p);
    return n;
}

#define MD5A "d41d8cd98f00b204e9800998ecf8427e"
#define SHA1A "da39a3ee5e6b4b0d3255bfef95601890afd80709"
#define SHA256A "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void test_patterns(void)
{
    int total = 0;
    CHECK_INT(pat_supported("[ipv4-addr:value = '1.2.3.4']", &total), 1);
    CHECK_INT(total, 1);
    CHECK_INT(pat_supported("[ ipv4-addr:value = '10.0.0.0' ]", NULL), 1);
    CHECK_INT(pat_supported("[file:hashes.'SHA-256' = '" SHA256A "']", NULL), 1);
    CHECK_INT(
        pat_supported("[file:hashes.MD5 = '" MD5A "' OR file:hashes.sha1 = '" SHA1A "']", NULL), 2);
    CHECK_INT(pat_supported("[domain-name:value = 'a.com'] OR [url:value = 'http://x/']", NULL), 2);
    CHECK_INT(pat_supported("[ipv4-addr:value ISSUBSET '10.0.0.0/8']", NULL), 1);
    CHECK_INT(pat_supported("[domain-name:value ISSUBSET 'a.com']", NULL), 0);
    CHECK_INT(pat_supported("[ipv4-addr:value IN ('1.1.1.1', '2.2.2.2', '3.3.3.3')]", &total), 3);
    CHECK_INT(total, 3);
    CHECK_INT(pat_supported("[email-addr:value = 'a@b.com']", NULL), 1);
    CHECK_INT(pat_supported("[network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']", NULL), 1);
    CHECK_INT(pat_supported("[network-traffic:dst_ref.type = 'ipv4-addr' AND "
                            "network-traffic:dst_ref.value = '203.0.113.33/32']",
                            NULL),
              0);
    /* AND, FOLLOWEDBY, qualifiers, NOT, MATCHES, LIKE, other paths: parsed, not matchable */
    CHECK_INT(pat_supported("[file:hashes.MD5 = '" MD5A "' AND file:name = 'x']", &total), 0);
    CHECK_INT(total, 2);
    CHECK_INT(
        pat_supported("[ipv4-addr:value = '1.1.1.1'] AND [domain-name:value = 'a.com']", NULL), 0);
    CHECK_INT(pat_supported(
                  "[ipv4-addr:value = '1.1.1.1'] FOLLOWEDBY [ipv4-addr:value = '2.2.2.2']", NULL),
              0);
    CHECK_INT(pat_supported("[ipv4-addr:value = '1.1.1.1'] WITHIN 5 SECONDS", NULL), 0);
    CHECK_INT(pat_supported("[ipv4-addr:value = '1.1.1.1'] REPEATS 5 TIMES", NULL), 0);
    CHECK_INT(pat_supported("[ipv4-addr:value = '1.1.1.1'] START t'2016-06-01T00:00:00Z' STOP "
                            "t'2016-07-01T00:00:00Z'",
                            NULL),
              0);
    CHECK_INT(pat_supported("[ipv4-addr:value NOT = '1.1.1.1']", NULL), 0);
    CHECK_INT(pat_supported("[ipv4-addr:value != '1.1.1.1']", NULL), 0);
    CHECK_INT(pat_supported("[url:value MATCHES '^http']", NULL), 0);
    CHECK_INT(pat_supported("[url:value LIKE 'http%']", NULL), 0);
    CHECK_INT(pat_supported("[file:name = 'x.exe']", NULL), 0);
    CHECK_INT(pat_supported("[file:size > 10]", NULL), 0);
    /* OR keeps the matchable side of a mixed pattern (sound: either side alone matches) */
    CHECK_INT(pat_supported("[file:name = 'x'] OR [file:hashes.MD5 = '" MD5A "']", &total), 1);
    CHECK_INT(total, 2);
    CHECK_INT(pat_supported("([ipv4-addr:value = '1.1.1.1'] AND [file:name = 'y']) OR "
                            "[domain-name:value = 'b.com']",
                            NULL),
              1);
    /* string escapes */
    {
        struct ioc_pattern p;
        const char *s = "[domain-name:value = 'it\\'s.com']";
        CHECK_INT(ioc_pattern_parse(s, strlen(s), &p), 0);
        CHECK(p.n == 1 && p.leaves[0].value && strcmp(p.leaves[0].value, "it's.com") == 0);
        ioc_pattern_free(&p);
    }
    /* syntax errors */
    CHECK(!pat_ok("ipv4-addr:value = '1.2.3.4'"));
    CHECK(!pat_ok("[ipv4-addr:value = ]"));
    CHECK(!pat_ok("[file.size = 1280]"));
    CHECK(!pat_ok("[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]"));
    CHECK(!pat_ok("[ipv4-addr:value = '1.2.3.4'"));
    CHECK(!pat_ok("[a:b = 'x'] junk"));
    CHECK(!pat_ok("[file:hashes.MD5 = 'abc']"));
    CHECK(!pat_ok("[a:b = b'===']"));
    CHECK(pat_ok("[a:b = b'AAA=']"));
    CHECK(!pat_ok("[a:b = 'x'] WITHIN 5 SECONDS WITHIN 6 SECONDS"));
    CHECK(pat_ok("([a:b = 'x']) WITHIN 5 SECONDS WITHIN 6 SECONDS"));
    CHECK(!pat_ok("[x:created = t'2024-13-01T12:00:00Z']"));
    CHECK(!pat_ok("[x:created = t'2024-01-15T25:00:00Z']"));
    CHECK(pat_ok("[x:created = t'2024-01-15T12:30:45.123Z']"));
    CHECK(pat_ok("[file:magic_number_hex = h'ffd8']"));
    CHECK(!pat_ok("[file:magic_number_hex = h'ffd']"));
    CHECK(pat_ok(
        "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']"));
    /* deep nesting is refused, not a stack overflow */
    char deep[2000];
    size_t k = 0;
    for (int i = 0; i < 500; i++) deep[k++] = '(';
    memcpy(deep + k, "[a:b = 'c']", 11);
    k += 11;
    for (int i = 0; i < 500; i++) deep[k++] = ')';
    deep[k] = 0;
    CHECK(!pat_ok(deep));
}

/* The OASIS pattern validator's lists: every PASS case parses, every FAIL case does not. */
static void test_validator_cases(const char *corpus)
{
    char path[1024];
    snprintf(path, sizeof path,
             "%s/threat-intel/stix21-pattern-validator-tests/stix2patterns/test/v21/"
             "validator_cases.json",
             corpus);
    struct ward_stream *s;
    struct ward_err err;
    ward_err_clear(&err);
    if (ward_stream_open_file(&s, path, &err)) {
        printf("note: %s absent, validator cases skipped\n", path);
        return;
    }
    struct ward_json_reader *r;
    CHECK_INT(ward_json_reader_open(&r, s, NULL, &err), 0);
    struct ward_event ev;
    CHECK_INT(ward_event_init(&ev, NULL), 0);
    int passes = 0, fails = 0;
    if (ward_json_reader_next(r, &ev, &err) == 1) {
        for (uint32_t i = 0; i < ev.nfields; i++) {
            struct ward_field *f = &ev.fields[i];
            const char *key = ward_field_key(&ev, f);
            struct ward_str v;
            if (ward_event_value(&ev, f, &v)) continue;
            int is_pass = strncmp(key, "PASS_CASES.", 11) == 0 ||
                          strncmp(key, "TIMESTAMP_PASS_CASES.", 21) == 0;
            /* FAIL entries are [pattern, message]: the pattern is element .0 */
            int is_fail = (strncmp(key, "FAIL_CASES.", 11) == 0 ||
                           strncmp(key, "TIMESTAMP_FAIL_CASES.", 21) == 0) &&
                          strlen(key) > 2 && strcmp(key + strlen(key) - 2, ".0") == 0;
            if (!is_pass && !is_fail) continue;
            struct ioc_pattern p;
            int rc = ioc_pattern_parse(v.ptr, v.len, &p);
            ioc_pattern_free(&p);
            if (is_pass) {
                passes++;
                if (rc != 0) fprintf(stderr, "PASS case rejected: %.*s\n", (int)v.len, v.ptr);
                CHECK_INT(rc, 0);
            } else {
                fails++;
                if (rc == 0) fprintf(stderr, "FAIL case accepted: %.*s\n", (int)v.len, v.ptr);
                CHECK(rc != 0);
            }
        }
    }
    CHECK(passes > 10);
    CHECK(fails > 10);
    ward_event_free(&ev);
    ward_json_reader_free(r);
    ward_stream_close(s);
}

static void test_spec_examples(const char *corpus)
{
    char path[1024];
    snprintf(
        path, sizeof path,
        "%s/threat-intel/stix21-pattern-validator-tests/stix2patterns/test/v21/spec_examples.txt",
        corpus);
    FILE *f = fopen(path, "r");
    if (!f) return;
    char line[4096];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        size_t l = strlen(line);
        while (l && (line[l - 1] == '\n' || line[l - 1] == '\r')) line[--l] = 0;
        if (!l) continue;
        n++;
        if (!pat_ok(line)) fprintf(stderr, "spec example rejected: %s\n", line);
        CHECK(pat_ok(line));
    }
    fclose(f);
    CHECK(n > 10);
}

/* ---- values ----------------------------------------------------------------------------- */

static const char *norm(int type, const char *v)
{
    static char buf[512];
    const char *why;
    long n = ward_ioc_normalize((enum ward_ioc_type)type, v, strlen(v), buf, sizeof buf, &why);
    return n < 0 ? "ERR" : buf;
}

static void test_values(void)
{
    CHECK_STR(norm(WARD_IOC_IPV4, "10.1.2.3"), "10.1.2.3");
    CHECK_STR(norm(WARD_IOC_IPV4, "10.1.2.3/8"), "10.0.0.0/8");
    CHECK_STR(norm(WARD_IOC_IPV4, "10.1.2.3/32"), "10.1.2.3");
    CHECK_STR(norm(WARD_IOC_IPV4, "0.0.0.0/0"), "0.0.0.0/0");
    CHECK_STR(norm(WARD_IOC_IPV4, "10.1.2.3/33"), "ERR");
    CHECK_STR(norm(WARD_IOC_IPV4, "256.1.2.3"), "ERR");
    CHECK_STR(norm(WARD_IOC_IPV4, "010.1.2.3"), "ERR");
    CHECK_STR(norm(WARD_IOC_IPV4, "1.2.3"), "ERR");
    CHECK_STR(norm(WARD_IOC_IPV4, "::1"), "ERR");
    CHECK_STR(norm(WARD_IOC_IPV6, "2001:DB8:0:0::1"), "2001:db8::1");
    CHECK_STR(norm(WARD_IOC_IPV6, "2001:db8:dead:beef::/64"), "2001:db8:dead:beef::/64");
    CHECK_STR(norm(WARD_IOC_IPV6, "2001:db8:dead:beef:1::/48"), "2001:db8:dead::/48");
    CHECK_STR(norm(WARD_IOC_IPV6, "::/129"), "ERR");
    CHECK_STR(norm(WARD_IOC_DOMAIN, "WWW.Evil.COM."), "www.evil.com");
    CHECK_STR(norm(WARD_IOC_DOMAIN, "*.evil.com"), "evil.com");
    CHECK_STR(norm(WARD_IOC_DOMAIN, "evil"), "ERR");
    CHECK_STR(norm(WARD_IOC_DOMAIN, "domain evil.com"), "ERR");
    CHECK_STR(norm(WARD_IOC_DOMAIN, "a..com"), "ERR");
    CHECK_STR(norm(WARD_IOC_URL, "HTTP://Evil.COM"), "http://evil.com/");
    CHECK_STR(norm(WARD_IOC_URL, "https://Evil.com/A/b?Q=1"), "https://evil.com/A/b?Q=1");
    CHECK_STR(norm(WARD_IOC_URL, "evil.com/a"), "ERR");
    CHECK_STR(norm(WARD_IOC_MD5, "D41D8CD98F00B204E9800998ECF8427E"),
              "d41d8cd98f00b204e9800998ecf8427e");
    CHECK_STR(norm(WARD_IOC_MD5, "d41d8cd98f00b204e9800998ecf8427"), "ERR");
    CHECK_STR(norm(WARD_IOC_SHA1, "zz1d8cd98f00b204e9800998ecf8427e00000000"), "ERR");
    CHECK_STR(norm(WARD_IOC_EMAIL, "Bad.Guy@Evil.COM"), "bad.guy@evil.com");
    CHECK_STR(norm(WARD_IOC_EMAIL, "a@b@c.com"), "ERR");
    CHECK_INT(ward_ioc_guess_type("1.2.3.4", 7), WARD_IOC_IPV4);
    CHECK_INT(ward_ioc_guess_type("1.2.3.0/24", 10), WARD_IOC_IPV4);
    CHECK_INT(ward_ioc_guess_type("fe80::1", 7), WARD_IOC_IPV6);
    CHECK_INT(ward_ioc_guess_type("evil.com", 8), WARD_IOC_DOMAIN);
    CHECK_INT(ward_ioc_guess_type("http://x.org/", 13), WARD_IOC_URL);
    CHECK_INT(ward_ioc_guess_type("a@x.org", 7), WARD_IOC_EMAIL);
    CHECK_INT(ward_ioc_guess_type("d41d8cd98f00b204e9800998ecf8427e", 32), WARD_IOC_MD5);
    CHECK_INT(ward_ioc_guess_type("da39a3ee5e6b4b0d3255bfef95601890afd80709", 40), WARD_IOC_SHA1);
    CHECK_INT(ward_ioc_guess_type("cmd.123", 7), -1);
    CHECK_INT(ward_ioc_guess_type("hello", 5), -1);
    char buf[128];
    size_t n = ward_ioc_refang("hxxp://evil[.]com/x", 19, buf, sizeof buf);
    CHECK_MEM(buf, n, "http://evil.com/x");
    n = ward_ioc_refang("1.2.3[.]4", 9, buf, sizeof buf);
    CHECK_MEM(buf, n, "1.2.3.4");
    n = ward_ioc_refang("bad[@]evil(.)com", 16, buf, sizeof buf);
    CHECK_MEM(buf, n, "bad@evil.com");
    CHECK_INT(ward_tlp_parse("tlp:amber", 9), WARD_TLP_AMBER);
    CHECK_INT(ward_tlp_parse("TLP:WHITE", 9), WARD_TLP_CLEAR);
    CHECK_INT(ward_tlp_parse("amber+strict", 12), WARD_TLP_AMBER_STRICT);
    CHECK_INT(ward_tlp_parse("osint:x", 7), WARD_TLP_NONE);
}

/* ---- matching --------------------------------------------------------------------------- */

struct hits {
    int n;
    char last[256];
    char key[64];
};

static int on_hit(void *ctx, const struct ward_ioc_hit *h)
{
    struct hits *x = ctx;
    x->n++;
    snprintf(x->last, sizeof x->last, "%s", h->ioc->value);
    snprintf(x->key, sizeof x->key, "%s", h->key);
    return 0;
}

struct alert_ctx {
    struct ward_event *ev;
    int built, with_value;
};

static int to_alert(void *ctx, const struct ward_ioc_hit *h)
{
    struct alert_ctx *a = ctx;
    struct ward_arena ar;
    ward_arena_init(&ar, 4096, 0);
    struct ward_alert al;
    if (ward_ioc_hit_alert(h, a->ev, &ar, &al) == 0 && al.rule.id && al.rule.title) {
        a->built++;
        for (size_t i = 0; i < al.nentities; i++)
            if (strncmp(al.entities[i].value, h->value.ptr, h->value.len) == 0) {
                a->with_value++;
                break;
            }
    }
    ward_arena_free(&ar);
    return 0;
}

static int hits_of(const struct ward_ioc_set *set, const char *text, ward_time_t ts, char *last)
{
    struct hits h = {0};
    int n = ward_ioc_match_value(set, "k", text, strlen(text), ts, on_hit, &h);
    if (last) strcpy(last, h.last);
    CHECK_INT(n, h.n);
    return h.n;
}

static void add(struct ward_ioc_set *set, int type, const char *v)
{
    struct ward_err err;
    ward_err_clear(&err);
    int rc = ward_ioc_add(set, type, v, strlen(v), NULL, &err);
    if (rc) fprintf(stderr, "add %s: %s\n", v, err.msg);
    CHECK_INT(rc, 0);
}

static void test_matching(void)
{
    struct ward_ioc_set *set;
    CHECK_INT(ward_ioc_set_new(&set), 0);
    add(set, -1, "10.0.0.0/8");
    add(set, -1, "192.168.1.7");
    add(set, -1, "172.16.5.0/24");
    add(set, -1, "0.0.0.0/1"); /* the lower half of IPv4 space */
    add(set, -1, "2001:db8:dead::/48");
    add(set, -1, "2001:db8::7");
    add(set, -1, "evil.com");
    add(set, -1, "bad.example.org");
    add(set, -1, "http://phish.example.net/login.php?id=1");
    add(set, -1, "d41d8cd98f00b204e9800998ecf8427e");
    add(set, -1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    add(set, -1, "attacker@mail.example.com");
    struct ward_err err;
    CHECK(ward_ioc_add(set, -1, "not a value", 11, NULL, &err) < 0);
    CHECK_INT(ward_ioc_set_compile(set), 0);
    CHECK_INT(ward_ioc_add(set, -1, "1.1.1.1", 7, NULL, &err), WARD_ESTATE);
    const struct ward_ioc_stats *st = ward_ioc_set_stats(set);
    CHECK_INT(st->values[WARD_IOC_IPV4], 4);
    CHECK_INT(st->cidrs[0], 3);
    CHECK_INT(st->cidrs[1], 1);
    char last[256];
    ward_time_t t0 = WARD_TIME_NONE;
    /* CIDR edges (10.0.0.0/8 and 0.0.0.0/1 both cover 10.x) */
    CHECK_INT(hits_of(set, "10.0.0.0", t0, last), 2);
    CHECK_INT(hits_of(set, "10.255.255.255", t0, last), 2);
    CHECK_INT(hits_of(set, "11.0.0.0", t0, last), 1);
    CHECK_STR(last, "0.0.0.0/1");
    CHECK_INT(hits_of(set, "127.255.255.255", t0, NULL), 1);
    CHECK_INT(hits_of(set, "128.0.0.0", t0, NULL), 0);
    CHECK_INT(hits_of(set, "172.16.5.255", t0, last), 0 + 1 + 0); /* /24 only; 172 > 127 */
    CHECK_STR(last, "172.16.5.0/24");
    CHECK_INT(hits_of(set, "172.16.6.0", t0, NULL), 0);
    CHECK_INT(hits_of(set, "192.168.1.7", t0, last), 1);
    CHECK_INT(hits_of(set, "192.168.1.70", t0, NULL), 0);
    CHECK_INT(hits_of(set, "from 192.168.1.7:4444 to x", t0, NULL), 1);
    CHECK_INT(hits_of(set, "::ffff:192.168.1.7", t0, last), 1); /* IPv4-mapped IPv6 */
    CHECK_STR(last, "192.168.1.7");
    CHECK_INT(hits_of(set, "2001:db8:dead:ffff::1", t0, last), 1);
    CHECK_STR(last, "2001:db8:dead::/48");
    CHECK_INT(hits_of(set, "2001:db8:deae::1", t0, NULL), 0);
    CHECK_INT(hits_of(set, "[2001:DB8:0::7]:443", t0, last), 1);
    CHECK_STR(last, "2001:db8::7");
    /* domains: the name and every name below it, case-insensitive, trailing dot */
    CHECK_INT(hits_of(set, "evil.com", t0, NULL), 1);
    CHECK_INT(hits_of(set, "WWW.EVIL.COM.", t0, NULL), 1);
    CHECK_INT(hits_of(set, "a.b.c.evil.com", t0, NULL), 1);
    CHECK_INT(hits_of(set, "notevil.com", t0, NULL), 0);
    CHECK_INT(hits_of(set, "evil.com.au", t0, NULL), 0);
    CHECK_INT(hits_of(set, "example.org", t0, NULL), 0);
    CHECK_INT(hits_of(set, "query: x.bad.example.org type A", t0, NULL), 1);
    CHECK_INT(hits_of(set, "evil.com:8080", t0, NULL), 1);
    /* URLs and their hosts */
    CHECK_INT(hits_of(set, "GET HTTP://Phish.Example.NET/login.php?id=1 HTTP/1.1", t0, last), 1);
    CHECK_STR(last, "http://phish.example.net/login.php?id=1");
    CHECK_INT(hits_of(set, "http://phish.example.net/login.php?id=2", t0, NULL), 0);
    CHECK_INT(hits_of(set, "https://cdn.evil.com/x.js", t0, last), 1);
    CHECK_STR(last, "evil.com");
    CHECK_INT(hits_of(set, "http://10.9.8.7:8080/a", t0, last), 2);
    /* hashes, alone and in Sysmon's Hashes string */
    CHECK_INT(hits_of(set, "D41D8CD98F00B204E9800998ECF8427E", t0, NULL), 1);
    CHECK_INT(
        hits_of(
            set,
            "SHA1=DA39A3EE5E6B4B0D3255BFEF95601890AFD80709,MD5=D41D8CD98F00B204E9800998ECF8427E,"
            "SHA256=E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855,IMPHASH="
            "00000000000000000000000000000000",
            t0, NULL),
        2);
    CHECK_INT(hits_of(set, "xd41d8cd98f00b204e9800998ecf8427e", t0, NULL), 0);
    CHECK_INT(hits_of(set, "md5:d41d8cd98f00b204e9800998ecf8427e", t0, NULL), 1);
    /* e-mail */
    CHECK_INT(hits_of(set, "From: <Attacker@Mail.Example.com>", t0, NULL), 1);
    /* the same indicator at most once per field */
    CHECK_INT(hits_of(set, "evil.com evil.com www.evil.com", t0, NULL), 1);
    /* no false shapes */
    CHECK_INT(hits_of(set, "4624 1.5 10.0 v10.0.0.1x", t0, NULL), 0);
    /* an event: every text field checked, numbers not */
    struct ward_event ev;
    CHECK_INT(ward_event_init(&ev, NULL), 0);
    CHECK_INT(ward_event_add(&ev, "a", 1, "nothing", 7, WARD_V_STR, 0), 0);
    CHECK_INT(ward_event_add(&ev, "dst", 3, "10.1.1.1", 8, WARD_V_STR, 0), 0);
    CHECK_INT(ward_event_add(&ev, "q", 1, "www.evil.com", 12, WARD_V_STR, 0), 0);
    struct hits h = {0};
    CHECK_INT(ward_ioc_match_event(set, &ev, on_hit, &h), 3);
    CHECK_STR(h.key, "q");
    /* a URL split over a host and a path field (web logs) */
    ward_event_reset(&ev);
    CHECK_INT(ward_event_add(&ev, "http.hostname", 13, "Phish.example.net", 17, WARD_V_STR, 0), 0);
    CHECK_INT(ward_event_add(&ev, "http.url", 8, "/login.php?id=1", 15, WARD_V_STR, 0), 0);
    struct hits hu = {0};
    CHECK_INT(ward_ioc_match_event(set, &ev, on_hit, &hu), 1);
    CHECK_STR(hu.last, "http://phish.example.net/login.php?id=1");
    CHECK_STR(hu.key, "http.url");
    ward_event_reset(&ev);
    CHECK_INT(ward_event_add(&ev, "a", 1, "nothing", 7, WARD_V_STR, 0), 0);
    CHECK_INT(ward_event_add(&ev, "dst", 3, "10.1.1.1", 8, WARD_V_STR, 0), 0);
    CHECK_INT(ward_event_add(&ev, "q", 1, "www.evil.com", 12, WARD_V_STR, 0), 0);
    /* a hit as a store alert: the matched value becomes an entity (observable) */
    struct alert_ctx ac = {&ev, 0, 0};
    CHECK_INT(ward_ioc_match_event(set, &ev, to_alert, &ac), 3);
    CHECK_INT(ac.built, 3);
    CHECK_INT(ac.with_value, 3);
    ward_event_free(&ev);
    ward_ioc_set_free(set);
}

/* Only ranges of /16 and longer: the IPv4 lookup starts from the jump table. */
static void test_deep_ranges(void)
{
    struct ward_ioc_set *set;
    CHECK_INT(ward_ioc_set_new(&set), 0);
    add(set, -1, "172.16.0.0/16");
    add(set, -1, "172.16.5.0/24");
    add(set, -1, "198.51.100.128/25");
    add(set, -1, "203.0.113.7");
    CHECK_INT(ward_ioc_set_compile(set), 0);
    char last[256];
    CHECK_INT(hits_of(set, "172.16.5.9", WARD_TIME_NONE, NULL), 2);
    CHECK_INT(hits_of(set, "172.16.255.255", WARD_TIME_NONE, last), 1);
    CHECK_STR(last, "172.16.0.0/16");
    CHECK_INT(hits_of(set, "172.17.0.0", WARD_TIME_NONE, NULL), 0);
    CHECK_INT(hits_of(set, "198.51.100.128", WARD_TIME_NONE, NULL), 1);
    CHECK_INT(hits_of(set, "198.51.100.127", WARD_TIME_NONE, NULL), 0);
    CHECK_INT(hits_of(set, "203.0.113.7", WARD_TIME_NONE, NULL), 1);
    ward_ioc_set_free(set);
}

static void test_validity(void)
{
    struct ward_ioc_set *set;
    CHECK_INT(ward_ioc_set_new(&set), 0);
    struct ward_ioc_meta m;
    memset(&m, 0, sizeof m);
    m.confidence = -1;
    m.first_seen = m.last_seen = WARD_TIME_NONE;
    CHECK_INT(ward_time_parse("2020-01-01T00:00:00Z", 20, &m.valid_from), 0);
    CHECK_INT(ward_time_parse("2020-02-01T00:00:00Z", 20, &m.valid_until), 0);
    struct ward_err err;
    CHECK_INT(ward_ioc_add(set, WARD_IOC_IPV4, "1.2.3.4", 7, &m, &err), 0);
    CHECK_INT(ward_ioc_set_compile(set), 0);
    ward_time_t before, from, until;
    CHECK_INT(ward_time_parse("2019-12-31T23:59:59Z", 20, &before), 0);
    CHECK_INT(ward_time_parse("2020-01-01T00:00:00Z", 20, &from), 0);
    CHECK_INT(ward_time_parse("2020-02-01T00:00:00Z", 20, &until), 0);
    /* the default (retro): earlier events match, expired indicators do not */
    CHECK_INT(hits_of(set, "1.2.3.4", before, NULL), 1);
    CHECK_INT(hits_of(set, "1.2.3.4", from, NULL), 1);
    CHECK_INT(hits_of(set, "1.2.3.4", until, NULL), 0);          /* valid_until is exclusive */
    CHECK_INT(hits_of(set, "1.2.3.4", WARD_TIME_NONE, NULL), 1); /* no event time: valid */
    ward_ioc_set_validity(set, WARD_IOC_VALID_STRICT);
    CHECK_INT(hits_of(set, "1.2.3.4", before, NULL), 0);
    CHECK_INT(hits_of(set, "1.2.3.4", from, NULL), 1);
    CHECK_INT(hits_of(set, "1.2.3.4", until, NULL), 0);
    ward_ioc_set_validity(set, WARD_IOC_VALID_IGNORE);
    CHECK_INT(hits_of(set, "1.2.3.4", until, NULL), 1);
    ward_ioc_set_free(set);
}

/* ---- loaders ---------------------------------------------------------------------------- */

static struct ward_ioc_set *load(const char *name, const char *text)
{
    struct ward_ioc_set *set;
    CHECK_INT(ward_ioc_set_new(&set), 0);
    struct ward_err err;
    ward_err_clear(&err);
    CHECK_INT(ward_ioc_load_mem(set, name, text, strlen(text), NULL, &err), 0);
    CHECK_INT(ward_ioc_set_compile(set), 0);
    return set;
}

static int has_problem(const struct ward_ioc_set *set, int kind, const char *id, const char *frag)
{
    for (size_t i = 0; i < ward_ioc_set_problem_count(set); i++) {
        const struct ward_ioc_problem *p = ward_ioc_set_problem(set, i);
        if (p->kind == kind && (!id || (p->id && strcmp(p->id, id) == 0)) &&
            (!frag || strstr(p->reason, frag)))
            return 1;
    }
    return 0;
}

static void test_stix_loader(void)
{
    const char *bundle =
        "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":["
        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--a\","
        "\"name\":\"C2\",\"pattern\":\"[ipv4-addr:value = '198.51.100.3'] OR "
        "[domain-name:value = 'c2.example.com']\",\"pattern_type\":\"stix\","
        "\"valid_from\":\"2020-01-01T00:00:00Z\",\"confidence\":85,"
        "\"indicator_types\":[\"malicious-activity\"],"
        "\"object_marking_refs\":[\"marking-definition--custom\"]},"
        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--b\","
        "\"pattern\":\"[file:name = 'x.exe' AND file:size = 3]\",\"pattern_type\":\"stix\"},"
        "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--c\","
        "\"pattern\":\"[file:hashes.'SHA-256' = "
        "'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855' OR file:name = 'y']\","
        "\"pattern_type\":\"stix\",\"object_marking_refs\":[\"marking-definition--f88d31f6-486f-"
        "44da-b317-01333bde0b82\"]},"
        "{\"type\":\"indicator\",\"id\":\"indicator--d\",\"pattern\":\"[bad\",\"pattern_type\":"
        "\"stix\"},"
        "{\"type\":\"indicator\",\"id\":\"indicator--e\",\"pattern\":\"alert tcp "
        "any\",\"pattern_type\":\"snort\"},"
        "{\"type\":\"indicator\",\"id\":\"indicator--f\",\"revoked\":true,\"pattern\":\"[ipv4-addr:"
        "value = '1.1.1.1']\"},"
        "{\"type\":\"malware\",\"id\":\"malware--x\",\"name\":\"m\"},"
        "{\"type\":\"marking-definition\",\"id\":\"marking-definition--custom\",\"name\":\"TLP:"
        "RED\"}"
        "]}";
    struct ward_ioc_set *set = load("b.json", bundle);
    const struct ward_ioc_stats *st = ward_ioc_set_stats(set);
    CHECK_INT(st->objects, 6);
    CHECK_INT(st->total, 3);
    CHECK_INT(st->values[WARD_IOC_IPV4], 1);
    CHECK_INT(st->values[WARD_IOC_DOMAIN], 1);
    CHECK_INT(st->values[WARD_IOC_SHA256], 1);
    CHECK_INT(st->objects_loaded, 1);
    CHECK_INT(st->objects_partial, 1);
    CHECK(has_problem(set, WARD_IOC_UNSUPPORTED, "indicator--b", "AND"));
    CHECK(has_problem(set, WARD_IOC_UNSUPPORTED, "indicator--c", "1 of 2"));
    CHECK(has_problem(set, WARD_IOC_INVALID, "indicator--d", "syntax"));
    CHECK(has_problem(set, WARD_IOC_UNSUPPORTED, "indicator--e", "snort"));
    CHECK(has_problem(set, WARD_IOC_SKIPPED, "indicator--f", "revoked"));
    const struct ward_ioc *a = ward_ioc_set_get(set, 0);
    CHECK_STR(a->value, "198.51.100.3");
    CHECK_INT(a->meta->confidence, 85);
    CHECK_INT(a->meta->tlp, WARD_TLP_RED); /* marking defined later in the bundle */
    CHECK_STR(a->meta->labels, "malicious-activity");
    CHECK_STR(a->meta->event, "bundle--1");
    CHECK(a->meta->valid_from != WARD_TIME_NONE);
    const struct ward_ioc *c = ward_ioc_set_get(set, 2);
    CHECK_INT(c->meta->tlp, WARD_TLP_AMBER);
    ward_ioc_set_free(set);
}

static void test_misp_loader(void)
{
    const char *ev =
        "{\"Event\":{\"uuid\":\"ev-1\",\"info\":\"Campaign X\",\"Attribute\":["
        "{\"type\":\"ip-dst\",\"value\":\"203.0.113.9\",\"to_ids\":true,\"uuid\":\"a1\"},"
        "{\"type\":\"domain|ip\",\"value\":\"bad.example.com|203.0.113.10\",\"uuid\":\"a2\"},"
        "{\"type\":\"filename|sha1\",\"value\":\"x.exe|da39a3ee5e6b4b0d3255bfef95601890afd80709\","
        "\"uuid\":\"a3\"},"
        "{\"type\":\"text\",\"value\":\"hello\",\"uuid\":\"a4\"},"
        "{\"type\":\"mutex\",\"value\":\"Global\\\\m\",\"uuid\":\"a5\"},"
        "{\"type\":\"md5\",\"value\":\"123\",\"uuid\":\"a6\"},"
        "{\"type\":\"url\",\"value\":\"http://x.example.com/p\",\"uuid\":\"a7\",\"deleted\":true},"
        "{\"type\":\"ip-src|port\",\"value\":\"2001:db8::5|443\",\"uuid\":\"a8\",\"to_ids\":false,"
        "\"Tag\":[{\"name\":\"tlp:green\"}]}],"
        "\"Object\":[{\"name\":\"file\",\"Attribute\":[{\"type\":\"sha256\",\"uuid\":\"o1\","
        "\"value\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}]}],"
        "\"Tag\":[{\"name\":\"tlp:amber\"}]}}";
    struct ward_ioc_set *set = load("m.json", ev);
    const struct ward_ioc_stats *st = ward_ioc_set_stats(set);
    CHECK_INT(st->objects, 9);
    CHECK_INT(st->total, 6);
    CHECK_INT(st->values[WARD_IOC_IPV4], 2);
    CHECK_INT(st->values[WARD_IOC_IPV6], 1);
    CHECK_INT(st->values[WARD_IOC_DOMAIN], 1);
    CHECK_INT(st->values[WARD_IOC_SHA1], 1);
    CHECK_INT(st->values[WARD_IOC_SHA256], 1);
    CHECK(has_problem(set, WARD_IOC_SKIPPED, "a4", "context"));
    CHECK(has_problem(set, WARD_IOC_UNSUPPORTED, "a5", NULL));
    CHECK(has_problem(set, WARD_IOC_INVALID, "a6", NULL));
    CHECK(has_problem(set, WARD_IOC_SKIPPED, "a7", "deleted"));
    const struct ward_ioc *first = ward_ioc_set_get(set, 0);
    CHECK_STR(first->meta->name, "Campaign X");
    CHECK_STR(first->meta->event, "ev-1");
    CHECK_INT(first->meta->tlp, WARD_TLP_AMBER); /* event tag after the attributes */
    for (size_t i = 0; i < ward_ioc_set_count(set); i++) {
        const struct ward_ioc *x = ward_ioc_set_get(set, i);
        if (x->type == WARD_IOC_IPV6) {
            CHECK_INT(x->meta->tlp, WARD_TLP_GREEN);
            CHECK(x->meta->flags & WARD_IOC_F_NOT_IDS);
        }
    }
    ward_ioc_set_free(set);
}

static void test_csv_and_list(void)
{
    const char *csv = "type,value,source,tlp,confidence\n"
                      "ip-dst,198.51.100.1,feedA,amber,70\n"
                      "domain,\"evil[.]example.com\",feedA,amber,70\n"
                      "sha256,nothex,feedB,red,10\n"
                      ",hxxp://bad.example.net/x,feedB,red,10\n"
                      "mutex,abc,feedB,red,10\n"
                      "ip:port,198.51.100.2:8443,feedC,,\n"
                      "FileHash-MD5," MD5A ",feedC,,\n";
    struct ward_ioc_set *set = load("x.csv", csv);
    const struct ward_ioc_stats *st = ward_ioc_set_stats(set);
    CHECK_INT(st->objects, 7);
    CHECK_INT(st->total, 5);
    CHECK_STR(ward_ioc_set_get(set, 3)->value, "198.51.100.2");
    CHECK_INT(st->values[WARD_IOC_URL], 1);
    CHECK_INT(st->invalid, 1);
    CHECK_INT(st->unsupported, 1);
    const struct ward_ioc *a = ward_ioc_set_get(set, 0), *b = ward_ioc_set_get(set, 1);
    CHECK_STR(a->meta->source, "feedA");
    CHECK_INT(a->meta->confidence, 70);
    CHECK(a->meta == b->meta); /* equal context is shared */
    CHECK_STR(b->value, "evil.example.com");
    ward_ioc_set_free(set);

    const char *list = "# a blocklist\n"
                       "198.51.100.0/24\n"
                       "evil[.]org   # comment\n"
                       "\n"
                       "da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
                       "what is this\n"
                       "2001:db8::/32\r\n";
    set = load("l.txt", list);
    st = ward_ioc_set_stats(set);
    CHECK_INT(st->total, 4);
    CHECK_INT(st->cidrs[0], 1);
    CHECK_INT(st->cidrs[1], 1);
    CHECK_INT(st->invalid, 1);
    CHECK_INT(ward_ioc_set_problem(set, 0)->line, 6);
    ward_ioc_set_free(set);
}

int main(void)
{
    test_patterns();
    test_values();
    test_matching();
    test_validity();
    test_deep_ranges();
    test_stix_loader();
    test_misp_loader();
    test_csv_and_list();
    const char *c = getenv("WARD_CORPUS");
    if (!c) c = "../shared/corpus";
    struct stat sb;
    if (stat(c, &sb) == 0) {
        test_validator_cases(c);
        test_spec_examples(c);
    } else {
        printf("note: corpus absent; OASIS validator cases not run\n");
    }
    return test_done("test_ioc");
}
