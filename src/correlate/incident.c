/*
 * incident.c - the rules of incidents that do not need the store: level and status names,
 * the lifecycle transition table, observable validation and normalisation, the dedup key
 * and the grouping keys of alerts, and SHA-256 (OpenSSL libcrypto).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "ward/incident.h"

static const char *const level_names[] = {"informational", "low", "medium", "high", "critical"};

const char *ward_level_name(int level)
{
    return (level >= 0 && level <= 4) ? level_names[level] : "?";
}

int ward_level_parse(const char *s)
{
    if (!s) return -1;
    for (int i = 0; i <= 4; i++)
        if (strcasecmp(s, level_names[i]) == 0) return i;
    if (strcasecmp(s, "info") == 0) return 0;
    return -1;
}

static const char *const kind_names[] = {"host", "user",   "src_ip", "dst_ip", "hash",
                                         "file", "domain", "url",    "cmdline"};
static const char *const kind_obs[] = {"host", "user",   "ip",  "ip", "hash",
                                       "file", "domain", "url", NULL};

const char *ward_entity_kind_name(enum ward_entity_kind k)
{
    return (unsigned)k < WARD_ENT__COUNT ? kind_names[k] : "?";
}

const char *ward_entity_observable_type(enum ward_entity_kind k)
{
    return (unsigned)k < WARD_ENT__COUNT ? kind_obs[k] : NULL;
}

int ward_entity_groups(enum ward_entity_kind k)
{
    return k == WARD_ENT_HOST || k == WARD_ENT_USER || k == WARD_ENT_SRC_IP ||
           k == WARD_ENT_DST_IP || k == WARD_ENT_HASH;
}

/* ---- lifecycle ------------------------------------------------------------------------- */

static const char *const status_names[] = {"new",       "triage",  "assess", "contain",
                                           "eradicate", "recover", "learn",  "closed"};

const char *ward_status_name(int st)
{
    return (st >= 0 && st < WARD_ST__COUNT) ? status_names[st] : "?";
}

int ward_status_parse(const char *s)
{
    if (!s) return -1;
    for (int i = 0; i < WARD_ST__COUNT; i++)
        if (strcasecmp(s, status_names[i]) == 0) return i;
    return -1;
}

#define B(s) (1u << (s))
/* allowed[from] = set of phases reachable in one transition */
static const unsigned allowed[WARD_ST__COUNT] = {
    [WARD_ST_NEW] = B(WARD_ST_TRIAGE) | B(WARD_ST_CLOSED),
    [WARD_ST_TRIAGE] = B(WARD_ST_ASSESS) | B(WARD_ST_CONTAIN) | B(WARD_ST_CLOSED),
    [WARD_ST_ASSESS] =
        B(WARD_ST_TRIAGE) | B(WARD_ST_CONTAIN) | B(WARD_ST_LEARN) | B(WARD_ST_CLOSED),
    [WARD_ST_CONTAIN] = B(WARD_ST_ASSESS) | B(WARD_ST_ERADICATE) | B(WARD_ST_RECOVER),
    [WARD_ST_ERADICATE] = B(WARD_ST_ASSESS) | B(WARD_ST_CONTAIN) | B(WARD_ST_RECOVER),
    [WARD_ST_RECOVER] = B(WARD_ST_ASSESS) | B(WARD_ST_CONTAIN) | B(WARD_ST_LEARN),
    [WARD_ST_LEARN] = B(WARD_ST_ASSESS) | B(WARD_ST_CLOSED),
    [WARD_ST_CLOSED] = B(WARD_ST_TRIAGE),
};
#undef B

int ward_status_transition_ok(int from, int to)
{
    if (from < 0 || from >= WARD_ST__COUNT || to < 0 || to >= WARD_ST__COUNT) return 0;
    return (allowed[from] >> to) & 1u;
}

/* ---- observables ------------------------------------------------------------------------- */

static const char *const obs_types[] = {"ip", "domain", "url", "hash", "user", "host", "file"};

int ward_observable_type_ok(const char *type)
{
    if (!type) return 0;
    for (size_t i = 0; i < sizeof obs_types / sizeof obs_types[0]; i++)
        if (strcmp(type, obs_types[i]) == 0) return 1;
    return 0;
}

static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return 0;
    }
    return 1;
}

static int alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* LDH labels; with_underscore for host names (Windows names have them). */
static int check_name(const char *s, size_t n, int min_labels, int with_underscore)
{
    if (n == 0 || n > 253) return 0;
    if (s[n - 1] == '.') n--; /* fully qualified */
    size_t label = 0;
    int labels = 1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0 || s[i - 1] == '-') return 0;
            labels++;
            label = 0;
            continue;
        }
        if (!(alnum(c) || c == '-' || (with_underscore && c == '_'))) return 0;
        if (c == '-' && label == 0) return 0;
        if (++label > 63) return 0;
    }
    if (label == 0 || s[n - 1] == '-') return 0;
    return labels >= min_labels;
}

static int put_out(const char *v, size_t n, char *out, size_t outsz, struct ward_err *err)
{
    if (n + 1 > outsz) return ward_err_set(err, WARD_ELIMIT, "value too long (%zu bytes)", n);
    memcpy(out, v, n);
    out[n] = 0;
    return 0;
}

int ward_observable_normalize(const char *type, const char *value, char *out, size_t outsz,
                              struct ward_err *err)
{
    if (!ward_observable_type_ok(type))
        return ward_err_set(err, WARD_EINVAL, "unknown observable type '%s' (one of: %s)",
                            type ? type : "", WARD_OBS_TYPES);
    if (!value) return ward_err_set(err, WARD_EINVAL, "no value");
    /* trim surrounding blanks */
    while (*value == ' ' || *value == '\t') value++;
    size_t n = strlen(value);
    while (n && (value[n - 1] == ' ' || value[n - 1] == '\t')) n--;
    if (n == 0) return ward_err_set(err, WARD_EINVAL, "empty %s", type);
    if (n > 4096) return ward_err_set(err, WARD_ELIMIT, "%s longer than 4096 bytes", type);
    char tmp[4100];
    memcpy(tmp, value, n);
    tmp[n] = 0;
    if (has_ctl(tmp)) return ward_err_set(err, WARD_EINVAL, "%s has control characters", type);

    if (strcmp(type, "ip") == 0) {
        unsigned char bin[16];
        char buf[INET6_ADDRSTRLEN];
        char *v = tmp;
        if (v[0] == '[' && n > 2 && v[n - 1] == ']') {
            v[n - 1] = 0;
            v++;
        }
        if (inet_pton(AF_INET, v, bin) == 1) {
            inet_ntop(AF_INET, bin, buf, sizeof buf);
        } else if (inet_pton(AF_INET6, v, bin) == 1) {
            static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
            if (memcmp(bin, mapped, 12) == 0)
                inet_ntop(AF_INET, bin + 12, buf, sizeof buf);
            else
                inet_ntop(AF_INET6, bin, buf, sizeof buf);
        } else {
            return ward_err_set(err, WARD_EINVAL, "'%s' is not an IPv4 or IPv6 address", tmp);
        }
        return put_out(buf, strlen(buf), out, outsz, err);
    }
    if (strcmp(type, "hash") == 0) {
        if (!is_hex(tmp, n) || !(n == 32 || n == 40 || n == 64 || n == 128))
            return ward_err_set(err, WARD_EINVAL,
                                "'%s' is not a hex MD5, SHA-1, SHA-256 or SHA-512 hash", tmp);
        ward_ascii_lower(tmp, n);
        return put_out(tmp, n, out, outsz, err);
    }
    if (strcmp(type, "domain") == 0) {
        if (!check_name(tmp, n, 2, 1))
            return ward_err_set(err, WARD_EINVAL,
                                "'%s' is not a domain name (letters, digits, hyphens, dots; "
                                "at least two labels)",
                                tmp);
        if (tmp[n - 1] == '.') n--;
        ward_ascii_lower(tmp, n);
        return put_out(tmp, n, out, outsz, err);
    }
    if (strcmp(type, "host") == 0) {
        if (!check_name(tmp, n, 1, 1))
            return ward_err_set(err, WARD_EINVAL,
                                "'%s' is not a host name (letters, digits, hyphens, "
                                "underscores, dots)",
                                tmp);
        if (tmp[n - 1] == '.') n--;
        ward_ascii_lower(tmp, n);
        return put_out(tmp, n, out, outsz, err);
    }
    if (strcmp(type, "url") == 0) {
        const char *p = strstr(tmp, "://");
        if (!p || p == tmp) return ward_err_set(err, WARD_EINVAL, "'%s' is not a URL", tmp);
        for (const char *q = tmp; q < p; q++)
            if (!(alnum(*q) || *q == '+' || *q == '-' || *q == '.') || !alnum(tmp[0]))
                return ward_err_set(err, WARD_EINVAL, "'%s': bad URL scheme", tmp);
        const char *h = p + 3;
        size_t hl = strcspn(h, "/?#");
        if (hl == 0) return ward_err_set(err, WARD_EINVAL, "'%s': URL without a host", tmp);
        for (size_t i = 0; i < n; i++)
            if (tmp[i] == ' ') return ward_err_set(err, WARD_EINVAL, "'%s': URL with a space", tmp);
        /* lower-case the scheme only; the rest is case-sensitive */
        ward_ascii_lower(tmp, (size_t)(p - tmp));
        return put_out(tmp, n, out, outsz, err);
    }
    if (strcmp(type, "user") == 0) {
        if (n > 256) return ward_err_set(err, WARD_EINVAL, "user name longer than 256 bytes");
        ward_ascii_lower(tmp, n);
        return put_out(tmp, n, out, outsz, err);
    }
    /* file: any path without control characters */
    return put_out(tmp, n, out, outsz, err);
}

/* ---- grouping -------------------------------------------------------------------------- */

void ward_group_opts_default(struct ward_group_opts *o)
{
    o->dedup_window = (ward_time_t)3600 * 1000000000LL;
    o->group_window = (ward_time_t)24 * 3600 * 1000000000LL;
    o->group_by_host = 1;
}

/* Accounts that every Windows machine has: sharing one says nothing. */
static const char *const common_users[] = {
    "system",
    "nt authority\\system",
    "local service",
    "nt authority\\local service",
    "network service",
    "nt authority\\network service",
    "anonymous logon",
    "nt authority\\anonymous logon",
    "s-1-5-18",
    "s-1-5-19",
    "s-1-5-20",
    "s-1-5-7",
    "root",
    "nobody",
    "-",
};

int ward_entity_group_key(const struct ward_entity *e, const struct ward_group_opts *o, char *out,
                          size_t outsz)
{
    if (!e->value || !ward_entity_groups(e->kind)) return -1;
    if (e->kind == WARD_ENT_HOST && o && !o->group_by_host) return -1;
    const char *type = ward_entity_observable_type(e->kind);
    char norm[512];
    if (ward_observable_normalize(type, e->value, norm, sizeof norm, NULL)) return -1;
    if (e->kind == WARD_ENT_USER) {
        for (size_t i = 0; i < sizeof common_users / sizeof common_users[0]; i++)
            if (strcmp(norm, common_users[i]) == 0) return -1;
        if (strncmp(norm, "dwm-", 4) == 0 || strncmp(norm, "umfd-", 5) == 0) return -1;
        if (strncmp(norm, "font driver host\\", 17) == 0 ||
            strncmp(norm, "window manager\\", 15) == 0)
            return -1;
        size_t n = strlen(norm);
        if (n && norm[n - 1] == '$') return -1; /* machine accounts: the host groups */
    }
    if (e->kind == WARD_ENT_SRC_IP || e->kind == WARD_ENT_DST_IP) {
        if (strcmp(norm, "127.0.0.1") == 0 || strcmp(norm, "::1") == 0 ||
            strcmp(norm, "0.0.0.0") == 0 || strcmp(norm, "::") == 0 ||
            strcmp(norm, "255.255.255.255") == 0)
            return -1;
    }
    if (e->kind == WARD_ENT_HOST && (strcmp(norm, "localhost") == 0 || strcmp(norm, "-") == 0))
        return -1;
    int k = snprintf(out, outsz, "%s:%s", type, norm);
    return (k < 0 || (size_t)k >= outsz) ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void ward_alert_dedup_key(const struct ward_alert *a, char out[65])
{
    struct ward_buf b;
    ward_buf_init(&b, 1u << 20);
    char keys[64][300];
    const char *ptrs[64];
    size_t nk = 0;
    struct ward_group_opts o;
    ward_group_opts_default(&o);
    for (size_t i = 0; i < a->nentities && nk < 64; i++) {
        if (ward_entity_group_key(&a->entities[i], &o, keys[nk], sizeof keys[nk]) == 0)
            ptrs[nk] = keys[nk], nk++;
    }
    qsort(ptrs, nk, sizeof ptrs[0], cmp_str);
    int rc = ward_buf_puts(&b, a->rule.id ? a->rule.id : "");
    rc |= ward_buf_putc(&b, '\x1f');
    if (a->host) {
        char h[300];
        if (ward_observable_normalize("host", a->host, h, sizeof h, NULL) == 0)
            rc |= ward_buf_puts(&b, h);
    }
    for (size_t i = 0; i < nk; i++) {
        if (i && strcmp(ptrs[i], ptrs[i - 1]) == 0) continue;
        rc |= ward_buf_putc(&b, '\x1f');
        rc |= ward_buf_puts(&b, ptrs[i]);
    }
    if (rc || ward_sha256_hex(b.data ? b.data : "", b.len, out)) {
        /* out of memory: fall back to the rule id alone, still a valid key */
        const char *id = a->rule.id ? a->rule.id : "";
        if (ward_sha256_hex(id, strlen(id), out)) out[0] = 0;
    }
    ward_buf_free(&b);
}

/* ---- SHA-256 --------------------------------------------------------------------------- */

static void to_hex(const unsigned char *md, unsigned n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (unsigned i = 0; i < n; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[2 * n] = 0;
}

int ward_sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (!EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) || mdlen != 32) {
        out[0] = 0;
        return WARD_ENOMEM;
    }
    to_hex(md, mdlen, out);
    return 0;
}

int ward_sha256_file(const char *path, char out[65], uint64_t *size, struct ward_err *err)
{
    out[0] = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return ward_err_at(err, WARD_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc = 0;
    uint64_t total = 0;
    if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        rc = ward_err_set(err, WARD_ENOMEM, "cannot start SHA-256");
        goto out;
    }
    unsigned char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0) {
        if (!EVP_DigestUpdate(ctx, buf, k)) {
            rc = ward_err_set(err, WARD_ENOMEM, "SHA-256 failed");
            goto out;
        }
        total += k;
    }
    if (ferror(f)) {
        rc = ward_err_at(err, WARD_EIO, path, 0, 0, "read error: %s", strerror(errno));
        goto out;
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    if (!EVP_DigestFinal_ex(ctx, md, &mdlen) || mdlen != 32) {
        rc = ward_err_set(err, WARD_ENOMEM, "SHA-256 failed");
        goto out;
    }
    to_hex(md, mdlen, out);
    if (size) *size = total;
out:
    EVP_MD_CTX_free(ctx);
    fclose(f);
    return rc;
}
