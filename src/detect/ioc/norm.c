/*
 * norm.c - indicator values: type names, TLP names, IP address parsing, normalisation,
 * type guessing and refanging. Shared by the loaders (values from intel) and the matcher
 * (tokens from events), so both sides agree on what a value is.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "ward/ioc.h"

static const char *const type_names[WARD_IOC_NTYPES] = {
    "ipv4", "ipv6", "domain", "url", "md5", "sha1", "sha256", "sha512", "email",
};

const char *ward_ioc_type_name(enum ward_ioc_type t)
{
    return (unsigned)t < WARD_IOC_NTYPES ? type_names[t] : "?";
}

static const struct {
    const char *name;
    int type;
} type_alias[] = {
    {"ip", -2}, /* either family: decided by the value */
    {"ipv4", WARD_IOC_IPV4},
    {"ipv4-addr", WARD_IOC_IPV4},
    {"ipv6", WARD_IOC_IPV6},
    {"ipv6-addr", WARD_IOC_IPV6},
    {"ip-src", -2},
    {"ip-dst", -2},
    {"cidr", -2},
    {"ip-address", -2},
    {"domain", WARD_IOC_DOMAIN},
    {"domain-name", WARD_IOC_DOMAIN},
    {"hostname", WARD_IOC_DOMAIN},
    {"fqdn", WARD_IOC_DOMAIN},
    {"url", WARD_IOC_URL},
    {"link-url", WARD_IOC_URL},
    {"md5", WARD_IOC_MD5},
    {"sha1", WARD_IOC_SHA1},
    {"sha-1", WARD_IOC_SHA1},
    {"sha256", WARD_IOC_SHA256},
    {"sha-256", WARD_IOC_SHA256},
    {"sha512", WARD_IOC_SHA512},
    {"sha-512", WARD_IOC_SHA512},
    {"email", WARD_IOC_EMAIL},
    {"email-addr", WARD_IOC_EMAIL},
    {"email-src", WARD_IOC_EMAIL},
    {"email-dst", WARD_IOC_EMAIL},
    /* other feeds' spellings (OTX, ThreatFox, generic exports) */
    {"filehash-md5", WARD_IOC_MD5},
    {"filehash-sha1", WARD_IOC_SHA1},
    {"filehash-sha256", WARD_IOC_SHA256},
    {"filehash-sha512", WARD_IOC_SHA512},
    {"md5_hash", WARD_IOC_MD5},
    {"sha1_hash", WARD_IOC_SHA1},
    {"sha256_hash", WARD_IOC_SHA256},
    {"sha512_hash", WARD_IOC_SHA512},
    {"ip:port", -2},
    {"ipv4:port", -2},
    {"ip_address", -2},
    {"ipaddress", -2},
    {"ipv4-cidr", WARD_IOC_IPV4},
    {"ipv6-cidr", WARD_IOC_IPV6},
    {"email-address", WARD_IOC_EMAIL},
    {"hash", -3}, /* any hash: decided by the length */
    {"auto", -4},
};

int ward_ioc_type_parse(const char *name, size_t n)
{
    for (size_t i = 0; i < sizeof type_alias / sizeof type_alias[0]; i++)
        if (ward_str_ieq_c(ward_str_make(name, n), type_alias[i].name)) return type_alias[i].type;
    return -1;
}

static const char *const tlp_names[] = {"", "clear", "green", "amber", "amber+strict", "red"};

const char *ward_tlp_name(enum ward_tlp t)
{
    return (unsigned)t <= WARD_TLP_RED ? tlp_names[t] : "";
}

enum ward_tlp ward_tlp_parse(const char *s, size_t n)
{
    struct ward_str v = ward_str_make(s, n);
    while (v.len && (v.ptr[0] == ' ' || v.ptr[0] == '"')) v.ptr++, v.len--;
    while (v.len && (v.ptr[v.len - 1] == ' ' || v.ptr[v.len - 1] == '"')) v.len--;
    if (v.len >= 4 && ward_str_ieq_c(ward_str_make(v.ptr, 4), "tlp:")) v.ptr += 4, v.len -= 4;
    if (ward_str_ieq_c(v, "white") || ward_str_ieq_c(v, "clear")) return WARD_TLP_CLEAR;
    if (ward_str_ieq_c(v, "green")) return WARD_TLP_GREEN;
    if (ward_str_ieq_c(v, "amber")) return WARD_TLP_AMBER;
    if (ward_str_ieq_c(v, "amber+strict")) return WARD_TLP_AMBER_STRICT;
    if (ward_str_ieq_c(v, "red")) return WARD_TLP_RED;
    return WARD_TLP_NONE;
}

const char *ward_ioc_problem_kind_name(enum ward_ioc_problem_kind k)
{
    switch (k) {
    case WARD_IOC_UNSUPPORTED: return "unsupported";
    case WARD_IOC_INVALID: return "invalid";
    case WARD_IOC_SKIPPED: return "skipped";
    case WARD_IOC_FILE_ERROR: return "file-error";
    }
    return "?";
}

/* ---- IP addresses ------------------------------------------------------------------------ */

static int parse_v4(const char *s, size_t n, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (i >= n || s[i] != '.') return -1;
            i++;
        }
        unsigned v = 0, digits = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (unsigned)(s[i] - '0');
            if (++digits > 3 || v > 255) return -1;
            i++;
        }
        if (!digits) return -1;
        /* no leading zeros beyond "0" itself: 010 is ambiguous (octal) */
        if (digits > 1 && s[i - digits] == '0') return -1;
        out[part] = (uint8_t)v;
    }
    return i == n ? 0 : -1;
}

int ward_ioc_parse_ip(const char *s, size_t n, uint8_t addr[16], int *family, int *prefix)
{
    const char *slash = memchr(s, '/', n);
    size_t alen = slash ? (size_t)(slash - s) : n;
    int pfx = -1;
    if (slash) {
        size_t plen = n - alen - 1;
        if (plen == 0 || plen > 3) return WARD_EINVAL;
        pfx = 0;
        for (size_t i = 0; i < plen; i++) {
            char c = slash[1 + i];
            if (c < '0' || c > '9') return WARD_EINVAL;
            pfx = pfx * 10 + (c - '0');
        }
    }
    memset(addr, 0, 16);
    if (alen >= 7 && alen <= 15 && !memchr(s, ':', alen)) {
        if (parse_v4(s, alen, addr)) return WARD_EINVAL;
        if (pfx > 32) return WARD_EINVAL;
        *family = 4;
        *prefix = pfx < 0 ? 32 : pfx;
        return 0;
    }
    if (alen < 2 || alen > 45) return WARD_EINVAL;
    char buf[64];
    size_t blen = alen;
    const char *pct = memchr(s, '%', alen); /* zone index: fe80::1%eth0 */
    if (pct) blen = (size_t)(pct - s);
    memcpy(buf, s, blen);
    buf[blen] = 0;
    if (inet_pton(AF_INET6, buf, addr) != 1) return WARD_EINVAL;
    if (pfx > 128) return WARD_EINVAL;
    *family = 6;
    *prefix = pfx < 0 ? 128 : pfx;
    return 0;
}

static void mask_addr(uint8_t addr[16], int bits, int total)
{
    for (int i = 0; i < total / 8; i++) {
        int keep = bits - i * 8;
        if (keep >= 8) continue;
        addr[i] &= keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
    }
}

/* ---- normalisation ------------------------------------------------------------------------ */

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hash_len(enum ward_ioc_type t)
{
    switch (t) {
    case WARD_IOC_MD5: return 32;
    case WARD_IOC_SHA1: return 40;
    case WARD_IOC_SHA256: return 64;
    case WARD_IOC_SHA512: return 128;
    default: return 0;
    }
}

/* A host name: labels of letters, digits, '-' and '_' (and UTF-8 bytes), at least two
 * labels, none empty or longer than 63, at most 253 bytes, not all digits. */
static int domain_ok(const char *s, size_t n, const char **why)
{
    if (n == 0) return *why = "empty domain name", 0;
    if (n > 253) return *why = "domain name longer than 253 bytes", 0;
    size_t label = 0, labels = 1;
    int alpha = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.') {
            if (label == 0) return *why = "domain name has an empty label", 0;
            label = 0;
            labels++;
            continue;
        }
        if (++label > 63) return *why = "domain name label longer than 63 bytes", 0;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80) {
            alpha = 1;
            continue;
        }
        if ((c >= '0' && c <= '9') || c == '-' || c == '_') continue;
        return *why = "domain name has a character that is not a letter, digit, '-' or '_'", 0;
    }
    if (label == 0) return *why = "domain name has an empty label", 0;
    if (labels < 2) return *why = "domain name has a single label", 0;
    if (!alpha) return *why = "domain name is all digits", 0;
    return 1;
}

long ward_ioc_normalize(enum ward_ioc_type t, const char *s, size_t n, char *out, size_t cap,
                        const char **why)
{
    static const char *dummy;
    if (!why) why = &dummy;
    /* surrounding white space is never part of a value */
    while (n && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n')) n--;
    if (n == 0) return *why = "empty value", WARD_EINVAL;
    switch (t) {
    case WARD_IOC_IPV4:
    case WARD_IOC_IPV6: {
        uint8_t a[16];
        int fam, pfx;
        if (ward_ioc_parse_ip(s, n, a, &fam, &pfx))
            return *why = "not an IP address or CIDR range", WARD_EINVAL;
        if ((t == WARD_IOC_IPV4) != (fam == 4))
            return *why = t == WARD_IOC_IPV4 ? "an IPv6 value where IPv4 was expected"
                                             : "an IPv4 value where IPv6 was expected",
                   WARD_EINVAL;
        mask_addr(a, pfx, fam == 4 ? 32 : 128);
        char buf[INET6_ADDRSTRLEN + 8];
        if (!inet_ntop(fam == 4 ? AF_INET : AF_INET6, a, buf, sizeof buf))
            return *why = "bad address", WARD_EINVAL;
        size_t len = strlen(buf);
        if (pfx != (fam == 4 ? 32 : 128)) len += (size_t)snprintf(buf + len, 8, "/%d", pfx);
        if (len + 1 > cap) return *why = "value too long", WARD_EINVAL;
        memcpy(out, buf, len + 1);
        return (long)len;
    }
    case WARD_IOC_MD5:
    case WARD_IOC_SHA1:
    case WARD_IOC_SHA256:
    case WARD_IOC_SHA512: {
        if ((int)n != hash_len(t))
            return *why = "hash has the wrong number of hex digits", WARD_EINVAL;
        if (n + 1 > cap) return *why = "value too long", WARD_EINVAL;
        for (size_t i = 0; i < n; i++) {
            if (!is_hex((unsigned char)s[i]))
                return *why = "hash has a non-hex character", WARD_EINVAL;
            out[i] = (char)ward_lower((unsigned char)s[i]);
        }
        out[n] = 0;
        return (long)n;
    }
    case WARD_IOC_DOMAIN: {
        if (n >= 2 && s[0] == '*' && s[1] == '.') s += 2, n -= 2; /* *.evil.com = evil.com */
        if (n && s[n - 1] == '.') n--;
        if (!domain_ok(s, n, why)) return WARD_EINVAL;
        if (n + 1 > cap) return *why = "value too long", WARD_EINVAL;
        for (size_t i = 0; i < n; i++) out[i] = (char)ward_lower((unsigned char)s[i]);
        out[n] = 0;
        return (long)n;
    }
    case WARD_IOC_EMAIL: {
        const char *at = memchr(s, '@', n);
        if (!at || at == s) return *why = "e-mail address without local part and '@'", WARD_EINVAL;
        if (memchr(at + 1, '@', n - (size_t)(at - s) - 1))
            return *why = "e-mail address with two '@'", WARD_EINVAL;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] <= ' ' || s[i] == '<' || s[i] == '>' || s[i] == ',')
                return *why = "e-mail address with a space or separator", WARD_EINVAL;
        size_t dlen = n - (size_t)(at - s) - 1;
        if (!domain_ok(at + 1, dlen, why)) return WARD_EINVAL;
        if (n + 1 > cap) return *why = "value too long", WARD_EINVAL;
        for (size_t i = 0; i < n; i++) out[i] = (char)ward_lower((unsigned char)s[i]);
        out[n] = 0;
        return (long)n;
    }
    case WARD_IOC_URL: {
        const char *sep = NULL;
        for (size_t i = 0; i + 2 < n && i < 32; i++)
            if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
                sep = s + i;
                break;
            }
        if (!sep || sep == s) return *why = "URL without a scheme (scheme://host/...)", WARD_EINVAL;
        for (const char *p = s; p < sep; p++) {
            char c = *p;
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '-' || c == '.'))
                return *why = "URL scheme has a bad character", WARD_EINVAL;
        }
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] <= ' ') return *why = "URL with white space", WARD_EINVAL;
        size_t hstart = (size_t)(sep - s) + 3, hend = hstart;
        while (hend < n && s[hend] != '/' && s[hend] != '?' && s[hend] != '#') hend++;
        if (hend == hstart) return *why = "URL without a host", WARD_EINVAL;
        int add_slash = hend == n;
        if (n + 2 > cap) return *why = "value too long", WARD_EINVAL;
        for (size_t i = 0; i < hend; i++) out[i] = (char)ward_lower((unsigned char)s[i]);
        memcpy(out + hend, s + hend, n - hend);
        size_t len = n;
        if (add_slash) out[len++] = '/';
        out[len] = 0;
        return (long)len;
    }
    default: break;
    }
    return *why = "unknown indicator type", WARD_EINVAL;
}

int ward_ioc_guess_type(const char *s, size_t n)
{
    while (n && (s[0] == ' ' || s[0] == '\t')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    if (n == 0) return -1;
    uint8_t a[16];
    int fam, pfx;
    if (ward_ioc_parse_ip(s, n, a, &fam, &pfx) == 0)
        return fam == 4 ? WARD_IOC_IPV4 : WARD_IOC_IPV6;
    size_t hex = 0;
    while (hex < n && is_hex((unsigned char)s[hex])) hex++;
    if (hex == n) {
        if (n == 32) return WARD_IOC_MD5;
        if (n == 40) return WARD_IOC_SHA1;
        if (n == 64) return WARD_IOC_SHA256;
        if (n == 128) return WARD_IOC_SHA512;
    }
    for (size_t i = 0; i + 2 < n && i < 32; i++)
        if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') return WARD_IOC_URL;
    const char *why;
    if (memchr(s, '@', n)) {
        char tmp[512];
        return ward_ioc_normalize(WARD_IOC_EMAIL, s, n, tmp, sizeof tmp, &why) >= 0 ? WARD_IOC_EMAIL
                                                                                    : -1;
    }
    if (n && s[n - 1] == '.') n--;
    size_t start = (n >= 2 && s[0] == '*' && s[1] == '.') ? 2 : 0;
    /* a domain's last label (the TLD) has a letter */
    size_t dot = n;
    while (dot > start && s[dot - 1] != '.') dot--;
    int tld_alpha = 0;
    for (size_t i = dot; i < n; i++)
        if ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z') tld_alpha = 1;
    if (tld_alpha && domain_ok(s + start, n - start, &why)) return WARD_IOC_DOMAIN;
    return -1;
}

size_t ward_ioc_refang(const char *s, size_t n, char *out, size_t cap)
{
    static const struct {
        const char *from;
        const char *to;
    } subst[] = {
        {"[.]", "."},       {"(.)", "."},     {"{.}", "."},   {"[dot]", "."}, {"(dot)", "."},
        {"[:]", ":"},       {"[://]", "://"}, {"[@]", "@"},   {"[at]", "@"},  {"(at)", "@"},
        {"hxxps", "https"}, {"hxxp", "http"}, {"fxp", "ftp"},
    };
    size_t o = 0;
    /* the common case: nothing defanged */
    if (n + 1 <= cap && !memchr(s, '[', n) && !memchr(s, '(', n) && !memchr(s, '{', n) &&
        !(n && ((s[0] | 32) == 'h' || (s[0] | 32) == 'f'))) {
        memcpy(out, s, n);
        out[n] = 0;
        return n;
    }
    for (size_t i = 0; i < n && o + 8 < cap;) {
        int done = 0;
        if (s[i] == '[' || s[i] == '(' || s[i] == '{' || ((s[i] | 32) == 'h' && i == 0) ||
            ((s[i] | 32) == 'f' && i == 0)) {
            for (size_t k = 0; k < sizeof subst / sizeof subst[0]; k++) {
                size_t fl = strlen(subst[k].from);
                if (fl <= n - i && ward_str_ieq_c(ward_str_make(s + i, fl), subst[k].from)) {
                    size_t tl = strlen(subst[k].to);
                    memcpy(out + o, subst[k].to, tl);
                    o += tl;
                    i += fl;
                    done = 1;
                    break;
                }
            }
        }
        if (!done) out[o++] = s[i++];
    }
    out[o] = 0;
    return o;
}
