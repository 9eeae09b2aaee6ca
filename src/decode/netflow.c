/*
 * netflow.c - NetFlow v5, NetFlow v9 and IPFIX (RFC 7011) export datagrams, one flow record
 * per event. Templates and options templates are kept per exporter and observation domain
 * (v9 source id, IPFIX observation domain id) across the datagrams of one input; data sets
 * whose template is not known yet are skipped. Variable-length fields, reduced-size
 * encoding and enterprise elements are handled; enterprise elements ward does not know are
 * skipped. Field names follow the NetFlow v9 names (in_bytes, ipv4_src_addr ...) for v5 and
 * v9 and the IANA IPFIX names (octetDeltaCount, sourceIPv4Address ...) for IPFIX.
 *
 * Input framing (see docs/internals/decoders.md): a file is either one raw datagram as
 * received on UDP (v5 and IPFIX datagrams may also follow each other, their headers give
 * their length; a raw v9 datagram runs to the end of the input), or a stream of datagrams
 * each preceded by its length as a 4-byte big-endian number (the first two bytes are then
 * zero, which no NetFlow version is).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decoders.h"
#include "ward/decode.h"

enum nf_kind {
    K_NUM,
    K_IP4,
    K_IP6,
    K_MAC,
    K_STR,
    K_FLOAT,
    K_INT,
    K_HEX,
    K_SKIP,
    K_SECS,
    K_MSECS,
    K_USECS,
    K_NSECS,
    K_SYSUP,
    K_APPID,
    K_FWD,
    K_MPLS,
    K_ACL,
};

struct nf_ie {
    uint32_t pen;
    uint16_t id;
    uint8_t kind;
    const char *name;
};

#include "decode/netflow_ie.h"

#define NF_MAX_DATAGRAM 65535u
#define NF_MAX_RAW_V9 (1u << 20)
#define NF_MAX_TEMPLATE_FIELDS 1024u
#define NF_MAX_TEMPLATES 65536u
#define NF_BUCKETS 4096u
#define PEN_REVERSE 29305u
#define NF_MAX_IFACES 64u
#define NF_MAX_EXPORTERS 4095u
#define NF_MAX_PACKET (256u * 1024)

struct tfield {
    uint32_t pen;
    uint16_t id;
    uint16_t len;  /* 65535 = variable */
    uint8_t scope; /* v9 options: scope field type (1 system ...), else 0 */
    /* resolved when the template is stored */
    uint8_t kind;
    uint8_t skip;
    const char *name; /* static, or nbuf */
    char nbuf[40];
};

struct tmpl {
    struct tmpl *next;
    uint64_t key;
    uint32_t nfields;
    uint32_t minlen; /* smallest record size */
    int dup_ids;     /* some element appears twice */
    struct tfield f[];
};

struct nf_state {
    struct ward_stream *s;
    unsigned char *in;
    size_t in_len, in_pos, in_cap;
    uint64_t in_base; /* stream offset of in[0] */
    int eof;
    int framing; /* 0 undecided, 1 raw, 2 length-prefixed, 3 pcap, 4 pcapng */
    /* packet captures: byte order, link types, the exporters seen (address + port) */
    int pcap_swap;
    uint32_t pcap_link;
    uint32_t ng_link[NF_MAX_IFACES];
    unsigned ng_nifaces;
    unsigned char exporters[NF_MAX_EXPORTERS][18];
    unsigned nexporters;
    unsigned exporter; /* index of the current datagram's exporter, 0 = unknown */
    int stop;          /* no more datagrams can be framed */

    unsigned char *dg; /* current datagram (points into in[]) */
    size_t dg_len;
    uint64_t dg_offset;
    int have_dg;
    size_t next_msg; /* bytes of further IPFIX messages after the current one */

    /* header of the current datagram */
    unsigned version;
    uint32_t uptime, unix_secs, unix_nsecs, seq, domain;
    unsigned count;
    uint8_t engine_type, engine_id, sampling_algorithm;
    uint16_t sampling_interval;

    /* position */
    size_t pos;     /* next set (v9/IPFIX) or next record index (v5) */
    size_t set_end; /* end of the data set being read, 0 when none */
    size_t rec_pos; /* next record in that set */
    struct tmpl *cur;
    unsigned set_id;

    struct tmpl *buckets[NF_BUCKETS];
    unsigned ntemplates;
};

/* ---- element lookup ---- */

static const struct nf_ie *find_ie(const struct nf_ie *t, size_t n, uint32_t pen, uint16_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t[mid].pen < pen || (t[mid].pen == pen && t[mid].id < id))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && t[lo].pen == pen && t[lo].id == id) return &t[lo];
    return NULL;
}

#define NV9 (sizeof nf_v9 / sizeof nf_v9[0])
#define NIPFIX (sizeof nf_ipfix / sizeof nf_ipfix[0])

/* Name and kind of an element; the name goes to buf when built. 0 when it is to be skipped. */
static int element(unsigned version, const struct tfield *f, char *buf, size_t bufsz,
                   const char **name, enum nf_kind *kind)
{
    const struct nf_ie *ie = NULL;
    if (f->scope) {
        static const char *const scopes[] = {"scope_system", "scope_interface", "scope_line_card",
                                             "scope_netflow_cache", "scope_template"};
        if (f->scope >= 1 && f->scope <= 5) {
            *name = scopes[f->scope - 1];
        } else {
            snprintf(buf, bufsz, "scope_%u", f->scope);
            *name = buf;
        }
        *kind = K_NUM;
        return 1;
    }
    if (version == 9) {
        ie = find_ie(nf_v9, NV9, 0, f->id);
        if (!ie) {
            ie = find_ie(nf_ipfix, NIPFIX, 0, f->id);
            if (ie) {
                /* IPFIX names for elements v9 lists no name of its own; values stay raw */
                *name = ie->name;
                *kind =
                    (ie->kind >= K_SECS && ie->kind <= K_NSECS) ? K_NUM : (enum nf_kind)ie->kind;
                return *kind != K_SKIP;
            }
        }
    } else if (f->pen == PEN_REVERSE) {
        ie = find_ie(nf_ipfix, NIPFIX, 0, f->id);
        if (!ie || ie->kind == K_SKIP) return 0;
        snprintf(buf, bufsz, "reverse%c%s",
                 ie->name[0] >= 'a' && ie->name[0] <= 'z' ? ie->name[0] - 32 : ie->name[0],
                 ie->name + 1);
        *name = buf;
        *kind = (enum nf_kind)ie->kind;
        return 1;
    } else {
        ie = find_ie(nf_ipfix, NIPFIX, f->pen, f->id);
    }
    if (ie) {
        *name = ie->name;
        *kind = (enum nf_kind)ie->kind;
        return ie->kind != K_SKIP;
    }
    if (f->pen == 5951) {
        snprintf(buf, bufsz, "netscalerUnknown%u", f->id);
    } else if (f->pen == 6876) {
        snprintf(buf, bufsz, "vmwareUnknown%u", f->id);
    } else if (f->pen == 0) {
        /* an IANA or v9 element without a name here: kept under its number */
        snprintf(buf, bufsz, "%s%u", version == 9 ? "v9_field_" : "ipfix_field_", f->id);
    } else {
        return 0; /* unknown enterprise element: skipped */
    }
    *name = buf;
    *kind = K_NUM;
    return 1;
}

/* ---- reading bytes ---- */

static uint16_t be16(const unsigned char *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t ben(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v = v << 8 | p[i];
    return v;
}

/* Ensures at least need bytes are buffered from in_pos; returns 1 when they are, 0 when the
 * input ends first, negative on a read error. */
static int need(struct nf_state *st, size_t n, struct ward_err *err)
{
    while (st->in_len - st->in_pos < n) {
        if (st->eof) return 0;
        if (st->in_pos > 0) {
            memmove(st->in, st->in + st->in_pos, st->in_len - st->in_pos);
            st->in_len -= st->in_pos;
            st->in_base += st->in_pos;
            st->in_pos = 0;
        }
        if (st->in_cap - st->in_len < 65536) {
            size_t cap = st->in_cap * 2;
            if (cap > NF_MAX_RAW_V9 + 131072) cap = NF_MAX_RAW_V9 + 131072;
            if (cap <= st->in_cap && st->in_cap - st->in_len == 0) return 0;
            if (cap > st->in_cap) {
                unsigned char *b = realloc(st->in, cap);
                if (!b) return ward_err_set(err, WARD_ENOMEM, "out of memory");
                st->in = b;
                st->in_cap = cap;
            }
        }
        ssize_t k = ward_stream_read(st->s, st->in + st->in_len, st->in_cap - st->in_len, err);
        if (k < 0) {
            st->eof = 1;
            return (int)k;
        }
        if (k == 0) st->eof = 1;
        st->in_len += (size_t)k;
    }
    return 1;
}

/* ---- packet captures (pcap, pcapng): NetFlow in UDP datagrams ---- */

static uint32_t sw32(int swap, const unsigned char *p)
{
    return swap ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]
                : be32(p);
}

static uint32_t cap32(const struct nf_state *st, const unsigned char *p)
{
    return sw32(st->pcap_swap, p);
}

static uint16_t cap16(const struct nf_state *st, const unsigned char *p)
{
    return st->pcap_swap ? (uint16_t)(p[1] << 8 | p[0]) : be16(p);
}

/* The exporter index of an address (4 or 16 bytes) and port; 1-based, NF_MAX_EXPORTERS
 * shared by all exporters past the limit. */
static unsigned exporter_index(struct nf_state *st, const unsigned char *addr, size_t alen,
                               uint16_t port)
{
    unsigned char k[18] = {0};
    memcpy(k, addr, alen);
    k[16] = (unsigned char)(port >> 8);
    k[17] = (unsigned char)port;
    for (unsigned i = 0; i < st->nexporters; i++)
        if (memcmp(st->exporters[i], k, sizeof k) == 0) return i + 1;
    if (st->nexporters >= NF_MAX_EXPORTERS - 1) return NF_MAX_EXPORTERS;
    memcpy(st->exporters[st->nexporters++], k, sizeof k);
    return st->nexporters;
}

/* Finds the UDP payload of a captured frame; 1 with it, 0 when the frame is not a whole
 * UDP datagram (it is skipped). */
static int udp_payload(struct nf_state *st, uint32_t link, const unsigned char *f, size_t n,
                       const unsigned char **payload, size_t *plen)
{
    size_t off = 0;
    unsigned proto = 0; /* 4 or 6 */
    switch (link) {
    case 1: { /* Ethernet, with up to two VLAN tags */
        if (n < 14) return 0;
        unsigned et = be16(f + 12);
        off = 14;
        for (int i = 0; i < 2 && (et == 0x8100 || et == 0x88a8); i++) {
            if (n < off + 4) return 0;
            et = be16(f + off + 2);
            off += 4;
        }
        proto = et == 0x0800 ? 4 : et == 0x86dd ? 6 : 0;
        break;
    }
    case 0:
    case 108: /* BSD loopback: 4-byte address family in either byte order */
        if (n < 4) return 0;
        off = 4;
        proto = (f[0] == 2 || f[3] == 2) ? 4 : 6;
        break;
    case 113: /* Linux cooked */
        if (n < 16) return 0;
        off = 16;
        proto = be16(f + 14) == 0x0800 ? 4 : be16(f + 14) == 0x86dd ? 6 : 0;
        break;
    case 276: /* Linux cooked v2 */
        if (n < 20) return 0;
        off = 20;
        proto = be16(f) == 0x0800 ? 4 : be16(f) == 0x86dd ? 6 : 0;
        break;
    case 12:
    case 14:
    case 101: /* raw IP */
        if (n < 1) return 0;
        proto = f[0] >> 4 == 4 ? 4 : f[0] >> 4 == 6 ? 6 : 0;
        break;
    default: return 0;
    }
    const unsigned char *ip = f + off, *src;
    size_t ilen = n - off, alen, hl;
    if (proto == 4) {
        if (ilen < 20 || ip[0] >> 4 != 4) return 0;
        hl = (size_t)(ip[0] & 15) * 4;
        size_t tot = be16(ip + 2);
        if (hl < 20 || tot < hl || tot > ilen || ip[9] != 17) return 0;
        if (be16(ip + 6) & 0x3fff) return 0; /* a fragment: not reassembled */
        ilen = tot;
        src = ip + 12;
        alen = 4;
    } else if (proto == 6) {
        if (ilen < 40 || ip[0] >> 4 != 6 || ip[6] != 17) return 0;
        size_t plen6 = be16(ip + 4);
        if (40 + plen6 > ilen) return 0;
        ilen = 40 + plen6;
        hl = 40;
        src = ip + 8;
        alen = 16;
    } else {
        return 0;
    }
    const unsigned char *udp = ip + hl;
    if (ilen < hl + 8) return 0;
    size_t ulen = be16(udp + 4);
    if (ulen < 8 || ulen > ilen - hl) return 0;
    if (st) st->exporter = exporter_index(st, src, alen, be16(udp));
    *payload = udp + 8;
    *plen = ulen - 8;
    return 1;
}

/* The next NetFlow datagram of a pcap or pcapng capture; other packets are skipped. */
static int next_packet(struct nf_state *st, struct ward_err *err)
{
    int rc;
    if (st->framing == 3 && st->in_base + st->in_pos == 0) {
        if ((rc = need(st, 24, err)) <= 0) goto short_input;
        uint32_t m = be32(st->in);
        st->pcap_swap = (m == 0xd4c3b2a1u || m == 0x4d3cb2a1u);
        st->pcap_link = cap32(st, st->in + 20) & 0xffff;
        st->in_pos = 24;
    }
    for (;;) {
        const unsigned char *frame;
        size_t flen, block;
        uint32_t link = st->pcap_link;
        if ((rc = need(st, 1, err)) <= 0) return rc;
        if (st->framing == 3) {
            if ((rc = need(st, 16, err)) <= 0) goto short_input;
            size_t incl = cap32(st, st->in + st->in_pos + 8);
            if (incl > NF_MAX_PACKET) goto bad_capture;
            if ((rc = need(st, 16 + incl, err)) <= 0) goto short_input;
            frame = st->in + st->in_pos + 16;
            flen = incl;
            block = 16 + incl;
        } else {
            if ((rc = need(st, 12, err)) <= 0) goto short_input;
            const unsigned char *b = st->in + st->in_pos;
            if (be32(b) == 0x0a0d0d0au) {
                /* section header: its byte-order magic decides the order of the rest */
                uint32_t bom = be32(b + 8);
                if (bom != 0x1a2b3c4du && bom != 0x4d3c2b1au) goto bad_capture;
                st->pcap_swap = bom == 0x4d3c2b1au;
                st->ng_nifaces = 0;
            }
            block = cap32(st, b + 4);
            if (block < 12 || block > NF_MAX_PACKET || (block & 3)) goto bad_capture;
            if ((rc = need(st, block, err)) <= 0) goto short_input;
            b = st->in + st->in_pos;
            uint32_t type = cap32(st, b);
            frame = NULL;
            flen = 0;
            if (type == 1 && block >= 20) { /* interface description */
                if (st->ng_nifaces < NF_MAX_IFACES)
                    st->ng_link[st->ng_nifaces++] = cap16(st, b + 8);
            } else if (type == 6 && block >= 32) { /* enhanced packet */
                uint32_t ifc = cap32(st, b + 8);
                size_t cap = cap32(st, b + 20);
                if (cap <= block - 32) {
                    frame = b + 28;
                    flen = cap;
                    link = ifc < st->ng_nifaces ? st->ng_link[ifc] : 0xffffffffu;
                }
            } else if (type == 3 && block >= 16) { /* simple packet */
                frame = b + 12;
                flen = block - 16;
                link = st->ng_nifaces ? st->ng_link[0] : 0xffffffffu;
            }
        }
        const unsigned char *pl;
        size_t plen;
        size_t at = st->in_pos;
        st->in_pos += block;
        if (!frame || !udp_payload(st, link, frame, flen, &pl, &plen)) continue;
        if (plen < 4) continue;
        unsigned ver = be16(pl);
        if (ver != 5 && ver != 9 && ver != 10) continue;
        st->dg = (unsigned char *)(uintptr_t)pl;
        st->dg_len = plen;
        st->dg_offset = st->in_base + at + (size_t)(pl - (st->in + at));
        return 1;
    }
short_input:
    if (rc < 0) return rc;
    if (st->in_len == st->in_pos) return 0;
    st->stop = 1;
    return ward_err_at(err, WARD_ESYNTAX, st->s->path, 0, 0, "capture cut short at offset %llu",
                       (unsigned long long)(st->in_base + st->in_pos));
bad_capture:
    st->stop = 1;
    return ward_err_at(err, WARD_ESYNTAX, st->s->path, 0, 0, "bad capture record at offset %llu",
                       (unsigned long long)(st->in_base + st->in_pos));
}

/* Frames the next datagram into st->dg. 1 with one, 0 at the end, negative on error. */
static int next_datagram(struct nf_state *st, struct ward_err *err)
{
    if (st->stop) return 0;
    int rc = need(st, 2, err);
    if (rc <= 0) {
        if (rc == 0 && st->in_len > st->in_pos)
            return st->stop = 1,
                   ward_err_at(err, WARD_ESYNTAX, st->s->path, 0, 0, "trailing byte at offset %llu",
                               (unsigned long long)(st->in_base + st->in_pos));
        return rc;
    }
    const unsigned char *p = st->in + st->in_pos;
    if (st->framing == 0) {
        if (need(st, 4, err) == 1) {
            uint32_t m = be32(st->in + st->in_pos);
            if (m == 0xa1b2c3d4u || m == 0xd4c3b2a1u || m == 0xa1b23c4du || m == 0x4d3cb2a1u)
                st->framing = 3;
            else if (m == 0x0a0d0d0au)
                st->framing = 4;
        }
        p = st->in + st->in_pos;
        if (st->framing == 0) st->framing = (p[0] == 0 && p[1] == 0) ? 2 : 1;
    }
    if (st->framing >= 3) return next_packet(st, err);
    size_t len;
    size_t skip = 0;
    if (st->framing == 2) {
        rc = need(st, 4, err);
        if (rc <= 0) goto short_input;
        len = be32(st->in + st->in_pos);
        skip = 4;
        if (len > NF_MAX_DATAGRAM || len < 4) {
            st->stop = 1;
            return ward_err_at(err, WARD_ESYNTAX, st->s->path, 0, 0,
                               "datagram length %zu at offset %llu is out of range (4..65535)", len,
                               (unsigned long long)(st->in_base + st->in_pos));
        }
    } else {
        rc = need(st, 4, err);
        if (rc <= 0) goto short_input;
        p = st->in + st->in_pos;
        unsigned ver = be16(p);
        if (ver == 5) {
            unsigned cnt = be16(p + 2);
            len = 24 + (size_t)cnt * 48;
        } else if (ver == 10) {
            len = be16(p + 2);
        } else if (ver == 9) {
            /* a raw v9 datagram has no length: it runs to the end of the input */
            while ((rc = need(st, st->in_len - st->in_pos + 65536, err)) == 1) {
                if (st->in_len - st->in_pos > NF_MAX_RAW_V9) break;
            }
            if (rc < 0) return rc;
            len = st->in_len - st->in_pos;
            if (len > NF_MAX_RAW_V9) {
                st->stop = 1;
                return ward_err_at(err, WARD_ELIMIT, st->s->path, 0, 0,
                                   "raw NetFlow v9 input over %u bytes (use length-prefixed "
                                   "datagrams)",
                                   NF_MAX_RAW_V9);
            }
        } else {
            st->stop = 1;
            return ward_err_at(err, WARD_ESYNTAX, st->s->path, 0, 0,
                               "unsupported NetFlow version %u at offset %llu (expected 5, 9 "
                               "or 10)",
                               ver, (unsigned long long)(st->in_base + st->in_pos));
        }
        if (len < 4) {
            st->stop = 1;
            return ward_err_at(err, WARD_ESYNTAX, st->s->path, 0, 0, "datagram too short");
        }
    }
    rc = need(st, skip + len, err);
    if (rc < 0) return rc;
    if (rc == 0) {
        size_t have = st->in_len - st->in_pos;
        st->stop = 1;
        st->in_pos = st->in_len;
        return ward_err_at(err, WARD_ESYNTAX, st->s->path, 0, 0,
                           "truncated datagram: %zu bytes announced, %zu present", len,
                           have > skip ? have - skip : 0);
    }
    st->dg = st->in + st->in_pos + skip;
    st->dg_len = len;
    st->dg_offset = st->in_base + st->in_pos + skip;
    st->in_pos += skip + len;
    return 1;
short_input:
    if (rc < 0) return rc;
    st->stop = 1;
    return ward_err_at(err, WARD_ESYNTAX, st->s->path, 0, 0, "truncated datagram header");
}

/* ---- templates ---- */

/* Template key: NetFlow version, exporter (packet captures; 0 otherwise), observation
 * domain or source id, template id. */
static uint64_t tkey_x(unsigned version, unsigned exporter, uint32_t domain, unsigned tid)
{
    return (uint64_t)(version & 15) << 60 | (uint64_t)(exporter & 0xfff) << 48 |
           (uint64_t)domain << 16 | tid;
}

static struct tmpl **bucket(struct nf_state *st, uint64_t key)
{
    return &st->buckets[(key * 0x9E3779B97F4A7C15ull) >> 52 & (NF_BUCKETS - 1)];
}

static struct tmpl *tfind(struct nf_state *st, uint64_t key)
{
    for (struct tmpl *t = *bucket(st, key); t; t = t->next)
        if (t->key == key) return t;
    return NULL;
}

static void tremove(struct nf_state *st, uint64_t key)
{
    struct tmpl **pp = bucket(st, key);
    while (*pp) {
        if ((*pp)->key == key) {
            struct tmpl *t = *pp;
            *pp = t->next;
            if (st->cur == t) st->cur = NULL;
            free(t);
            st->ntemplates--;
            return;
        }
        pp = &(*pp)->next;
    }
}

static int tstore(struct nf_state *st, uint64_t key, const struct tfield *f, uint32_t n,
                  struct ward_err *err)
{
    tremove(st, key);
    if (st->ntemplates >= NF_MAX_TEMPLATES)
        return ward_err_at(err, WARD_ELIMIT, st->s->path, 0, 0, "more than %u templates",
                           NF_MAX_TEMPLATES);
    struct tmpl *t = malloc(sizeof *t + n * sizeof *f);
    if (!t) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    t->key = key;
    t->nfields = n;
    t->minlen = 0;
    t->dup_ids = 0;
    memcpy(t->f, f, n * sizeof *f);
    for (uint32_t i = 0; i < n; i++) {
        enum nf_kind kind = K_NUM;
        const char *name = NULL;
        t->f[i].skip = !element((unsigned)(key >> 60), &t->f[i], t->f[i].nbuf, sizeof t->f[i].nbuf,
                                &name, &kind);
        t->f[i].name = name == NULL ? "" : name;
        t->f[i].kind = (uint8_t)kind;
    }
    for (uint32_t i = 0; i < n; i++) {
        t->minlen += f[i].len == 65535 ? 1 : f[i].len;
        for (uint32_t j = 0; j < i && !t->dup_ids; j++)
            if (f[j].id == f[i].id && f[j].pen == f[i].pen && f[j].scope == f[i].scope)
                t->dup_ids = 1;
    }
    struct tmpl **b = bucket(st, key);
    t->next = *b;
    *b = t;
    st->ntemplates++;
    return 0;
}

static int bad(struct nf_state *st, struct ward_err *err, const char *what, size_t at)
{
    return ward_err_at(err, WARD_ESYNTAX, st->s->path, 0, 0, "%s at offset %llu", what,
                       (unsigned long long)(st->dg_offset + at));
}

/* v9 template flowset (0) and options template flowset (1). */
static int v9_templates(struct nf_state *st, size_t p, size_t end, int options,
                        struct ward_err *err)
{
    struct tfield fields[NF_MAX_TEMPLATE_FIELDS];
    const unsigned char *d = st->dg;
    while (end - p >= (options ? 6u : 4u)) {
        unsigned tid = be16(d + p);
        if (tid < 256) break; /* padding */
        uint32_t n = 0;
        if (!options) {
            unsigned cnt = be16(d + p + 2);
            p += 4;
            if ((size_t)cnt * 4 > end - p) return bad(st, err, "template runs past its flowset", p);
            if (cnt > NF_MAX_TEMPLATE_FIELDS)
                return bad(st, err, "template with too many fields", p);
            for (unsigned i = 0; i < cnt; i++, p += 4) {
                fields[n].pen = 0;
                fields[n].id = be16(d + p);
                fields[n].len = be16(d + p + 2);
                fields[n].scope = 0;
                n++;
            }
        } else {
            unsigned slen = be16(d + p + 2), olen = be16(d + p + 4);
            p += 6;
            if ((size_t)slen + olen > end - p)
                return bad(st, err, "options template runs past its flowset", p);
            if ((slen + olen) / 4 > NF_MAX_TEMPLATE_FIELDS)
                return bad(st, err, "options template with too many fields", p);
            for (unsigned i = 0; i < slen / 4; i++) {
                unsigned type = be16(d + p + 4 * i);
                fields[n].pen = 0;
                fields[n].id = (uint16_t)type;
                fields[n].len = be16(d + p + 4 * i + 2);
                fields[n].scope = (uint8_t)(type > 255 ? 255 : type ? type : 255);
                n++;
            }
            p += slen;
            for (unsigned i = 0; i < olen / 4; i++) {
                fields[n].pen = 0;
                fields[n].id = be16(d + p + 4 * i);
                fields[n].len = be16(d + p + 4 * i + 2);
                fields[n].scope = 0;
                n++;
            }
            p += olen;
        }
        int rc = tstore(st, tkey_x(9, st->exporter, st->domain, tid), fields, n, err);
        if (rc) return rc;
        if (options) break; /* the rest of an options flowset is padding */
    }
    return 0;
}

/* IPFIX template set (2) and options template set (3). */
static int ipfix_templates(struct nf_state *st, size_t p, size_t end, int options,
                           struct ward_err *err)
{
    struct tfield fields[NF_MAX_TEMPLATE_FIELDS];
    const unsigned char *d = st->dg;
    while (end - p >= 4) {
        unsigned tid = be16(d + p);
        unsigned cnt = be16(d + p + 2);
        if (tid < 256) {
            if (tid == 0 && cnt == 0) break; /* padding */
            if (tid == 2 || tid == 3) {
                /* withdraw all templates of this domain: rare; templates are replaced anyway */
                p += 4;
                continue;
            }
            return bad(st, err, "template id below 256", p);
        }
        p += 4;
        if (cnt == 0) {
            tremove(st, tkey_x(10, st->exporter, st->domain, tid));
            continue;
        }
        unsigned scnt = 0;
        if (options) {
            if (end - p < 2) return bad(st, err, "options template header cut short", p);
            scnt = be16(d + p);
            p += 2;
            if (scnt == 0 || scnt > cnt)
                return bad(st, err, "options template with a bad scope count", p);
        }
        if (cnt > NF_MAX_TEMPLATE_FIELDS) return bad(st, err, "template with too many fields", p);
        for (unsigned i = 0; i < cnt; i++) {
            if (end - p < 4) return bad(st, err, "template runs past its set", p);
            unsigned id = be16(d + p);
            fields[i].len = be16(d + p + 2);
            fields[i].scope = 0;
            p += 4;
            if (id & 0x8000) {
                if (end - p < 4) return bad(st, err, "enterprise number cut short", p);
                fields[i].pen = be32(d + p);
                p += 4;
            } else {
                fields[i].pen = 0;
            }
            fields[i].id = (uint16_t)(id & 0x7fff);
        }
        int rc = tstore(st, tkey_x(10, st->exporter, st->domain, tid), fields, cnt, err);
        if (rc) return rc;
    }
    return 0;
}

/* ---- values ---- */

static int add_str(struct ward_event *ev, const char *key, const char *v, size_t n,
                   enum ward_vtype t)
{
    return ward_event_add_copy(ev, key, strlen(key), v, n, t);
}

static int add_u64(struct ward_event *ev, const char *key, uint64_t v)
{
    char b[24], *p = b + sizeof b;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return add_str(ev, key, p, (size_t)(b + sizeof b - p), WARD_V_NUM);
}

static int add_iso_ms(struct ward_event *ev, const char *key, int64_t ms)
{
    char b[48];
    size_t n = ward_time_format((ward_time_t)ms * 1000000LL, 3, b, sizeof b);
    return add_str(ev, key, b, n, WARD_V_STR);
}

static int add_hex(struct ward_event *ev, const char *key, const unsigned char *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    char *b = ward_event_alloc(ev, 2 * n + 1);
    if (!b) return WARD_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        b[2 * i] = hx[p[i] >> 4];
        b[2 * i + 1] = hx[p[i] & 15];
    }
    b[2 * n] = 0;
    return ward_event_add(ev, key, strlen(key), b, 2 * n, WARD_V_STR, 0);
}

static int64_t ntp_to_ms(uint64_t v)
{
    int64_t secs = (int64_t)(v >> 32) - 2208988800LL;
    int64_t frac_ms = (int64_t)(((v & 0xffffffffu) * 1000) >> 32);
    return secs * 1000 + frac_ms;
}

static int add_value(struct nf_state *st, struct ward_event *ev, const char *key, enum nf_kind kind,
                     const unsigned char *p, size_t n)
{
    char b[128];
    int k;
    if (n == 0) return kind == K_STR ? add_str(ev, key, "", 0, WARD_V_STR) : 0;
    switch (kind) {
    case K_SKIP: return 0;
    case K_IP4:
        if (n != 4) break;
        k = 0;
        for (int i = 0; i < 4; i++) {
            unsigned o = p[i];
            if (o >= 100) b[k++] = (char)('0' + o / 100);
            if (o >= 10) b[k++] = (char)('0' + o / 10 % 10);
            b[k++] = (char)('0' + o % 10);
            if (i < 3) b[k++] = '.';
        }
        return add_str(ev, key, b, (size_t)k, WARD_V_STR);
    case K_IP6:
        if (n != 16 || !inet_ntop(AF_INET6, p, b, sizeof b)) break;
        return add_str(ev, key, b, strlen(b), WARD_V_STR);
    case K_MAC:
        if (n != 6) break;
        k = snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", p[0], p[1], p[2], p[3], p[4],
                     p[5]);
        return add_str(ev, key, b, (size_t)k, WARD_V_STR);
    case K_STR: {
        while (n && p[n - 1] == 0) n--;
        if (ward_utf8_check((const char *)p, n) == 0)
            return add_str(ev, key, (const char *)p, n, WARD_V_STR);
        /* not UTF-8: read the bytes as ISO 8859-1 */
        char *c = ward_event_alloc(ev, 2 * n + 1);
        if (!c) return WARD_ENOMEM;
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i] < 0x80) {
                c[o++] = (char)p[i];
            } else {
                c[o++] = (char)(0xC0 | p[i] >> 6);
                c[o++] = (char)(0x80 | (p[i] & 0x3F));
            }
        }
        c[o] = 0;
        return ward_event_add(ev, key, strlen(key), c, o, WARD_V_STR, 0);
    }
    case K_HEX: return add_hex(ev, key, p, n);
    case K_FLOAT:
        if (n == 4) {
            uint32_t u = be32(p);
            float f;
            memcpy(&f, &u, 4);
            k = snprintf(b, sizeof b, "%.9g", (double)f);
        } else if (n == 8) {
            uint64_t u = ben(p, 8);
            double d;
            memcpy(&d, &u, 8);
            k = snprintf(b, sizeof b, "%.17g", d);
        } else {
            break;
        }
        return add_str(ev, key, b, (size_t)k, WARD_V_NUM);
    case K_INT:
        if (n > 8) break;
        {
            uint64_t u = ben(p, n);
            if (n < 8 && (u >> (8 * n - 1)) & 1) u |= ~0ull << (8 * n);
            k = snprintf(b, sizeof b, "%lld", (long long)u);
            return add_str(ev, key, b, (size_t)k, WARD_V_NUM);
        }
    case K_SECS:
        if (n > 8) break;
        return add_iso_ms(ev, key, (int64_t)ben(p, n) * 1000);
    case K_MSECS:
        if (n > 8) break;
        return add_iso_ms(ev, key, (int64_t)ben(p, n));
    case K_USECS:
    case K_NSECS:
        if (n != 8) break;
        return add_iso_ms(ev, key, ntp_to_ms(ben(p, 8)));
    case K_SYSUP:
        if (n > 4) break;
        return add_iso_ms(ev, key,
                          (int64_t)st->unix_secs * 1000 - (int64_t)st->uptime + (int64_t)ben(p, n));
    case K_APPID:
        if (n < 2 || n > 9) break;
        if (p[0] == 20 && n >= 6) {
            k = snprintf(b, sizeof b, "%u..%u..%llu", p[0], be32(p + 1),
                         (unsigned long long)ben(p + 5, n - 5));
        } else {
            k = snprintf(b, sizeof b, "%u..%llu", p[0], (unsigned long long)ben(p + 1, n - 1));
        }
        return add_str(ev, key, b, (size_t)k, WARD_V_STR);
    case K_FWD: {
        char k1[96], k2[96];
        snprintf(k1, sizeof k1, "%s.status", key);
        snprintf(k2, sizeof k2, "%s.reason", key);
        int rc = add_u64(ev, k1, p[0] >> 6);
        return rc ? rc : add_u64(ev, k2, p[0] & 63);
    }
    case K_MPLS: {
        if (n != 4) break;
        char kk[96];
        uint32_t v = be32(p);
        int rc;
        snprintf(kk, sizeof kk, "%s.label", key);
        if ((rc = add_u64(ev, kk, v >> 12))) return rc;
        snprintf(kk, sizeof kk, "%s.experimental", key);
        if ((rc = add_u64(ev, kk, (v >> 9) & 7))) return rc;
        snprintf(kk, sizeof kk, "%s.bottom_of_stack", key);
        if ((rc = add_u64(ev, kk, (v >> 8) & 1))) return rc;
        snprintf(kk, sizeof kk, "%s.ttl", key);
        return add_u64(ev, kk, v & 255);
    }
    case K_ACL:
        if (n != 12) break;
        k = snprintf(b, sizeof b, "%08x-%08x-%08x", be32(p), be32(p + 4), be32(p + 8));
        return add_str(ev, key, b, (size_t)k, WARD_V_STR);
    case K_NUM: break;
    }
    /* numbers, and anything whose length does not fit its kind */
    if (n <= 8) return add_u64(ev, key, ben(p, n));
    return add_hex(ev, key, p, n);
}

/* ---- records ---- */

static int v5_record(struct nf_state *st, struct ward_event *ev, size_t idx)
{
    const unsigned char *r = st->dg + 24 + idx * 48;
    int rc = 0;
    char b[24];
    ev->ts = (ward_time_t)st->unix_secs * 1000000000LL +
             (ward_time_t)(st->unix_nsecs / 1000000) * 1000000;
#define U(key, v)                                                                                  \
    if (!rc) rc = add_u64(ev, key, v)
#define IP(key, p)                                                                                 \
    if (!rc) rc = add_value(st, ev, key, K_IP4, p, 4)
    U("version", 5);
    U("flow_seq_num", st->seq);
    U("engine_type", st->engine_type);
    U("engine_id", st->engine_id);
    U("sampling_algorithm", st->sampling_algorithm);
    U("sampling_interval", st->sampling_interval);
    U("flow_records", st->count);
    IP("ipv4_src_addr", r);
    IP("ipv4_dst_addr", r + 4);
    IP("ipv4_next_hop", r + 8);
    U("input_snmp", be16(r + 12));
    U("output_snmp", be16(r + 14));
    U("in_pkts", be32(r + 16));
    U("in_bytes", be32(r + 20));
    int64_t base = (int64_t)st->unix_secs * 1000 + st->unix_nsecs / 1000000 - (int64_t)st->uptime;
    if (!rc) rc = add_iso_ms(ev, "first_switched", base + be32(r + 24));
    if (!rc) rc = add_iso_ms(ev, "last_switched", base + be32(r + 28));
    U("l4_src_port", be16(r + 32));
    U("l4_dst_port", be16(r + 34));
    U("tcp_flags", r[37]);
    U("protocol", r[38]);
    U("src_tos", r[39]);
    U("src_as", be16(r + 40));
    U("dst_as", be16(r + 42));
    U("src_mask", r[44]);
    U("dst_mask", r[45]);
#undef U
#undef IP
    (void)b;
    return rc;
}

/* Decodes one data record of the current set at rec_pos. 1 done, 0 no complete record left. */
static int data_record(struct nf_state *st, struct ward_event *ev, struct ward_err *err)
{
    struct tmpl *t = st->cur;
    const unsigned char *d = st->dg;
    size_t p = st->rec_pos, end = st->set_end;
    if (!t || t->minlen == 0 || end - p < t->minlen) return 0;
    /* first pass: check the record fits (variable-length fields) */
    size_t q = p;
    for (uint32_t i = 0; i < t->nfields; i++) {
        size_t len = t->f[i].len;
        if (len == 65535) {
            if (q >= end) return 0;
            len = d[q++];
            if (len == 255) {
                if (end - q < 2) return 0;
                len = be16(d + q);
                q += 2;
            }
        }
        if (end - q < len) return 0;
        q += len;
    }
    st->rec_pos = q;
    int rc = add_u64(ev, "version", st->version);
    if (!rc) rc = add_u64(ev, "flow_seq_num", st->seq);
    if (!rc) rc = add_u64(ev, "flowset_id", st->set_id);
    for (uint32_t i = 0; i < t->nfields && !rc; i++) {
        size_t len = t->f[i].len;
        if (len == 65535) {
            len = d[p++];
            if (len == 255) {
                len = be16(d + p);
                p += 2;
            }
        }
        const struct tfield *tf = &t->f[i];
        if (!tf->skip && !(t->dup_ids && ward_event_find(ev, tf->name, strlen(tf->name))))
            rc = add_value(st, ev, tf->name, (enum nf_kind)tf->kind, d + p, len);
        p += len;
    }
    if (rc) return ward_err_at(err, rc, st->s->path, 0, 0, "cannot build the flow event");
    ev->ts = (ward_time_t)st->unix_secs * 1000000000LL;
    return 1;
}

/* Reads the header of the current datagram. */
static int header(struct nf_state *st, struct ward_err *err)
{
    const unsigned char *d = st->dg;
    st->version = be16(d);
    if (st->version == 5) {
        if (st->dg_len < 24) return bad(st, err, "NetFlow v5 header cut short", 0);
        st->count = be16(d + 2);
        if (st->count < 1 || st->count > 30 || 24 + (size_t)st->count * 48 > st->dg_len)
            return bad(st, err, "NetFlow v5 datagram with a bad record count", 2);
        st->uptime = be32(d + 4);
        st->unix_secs = be32(d + 8);
        st->unix_nsecs = be32(d + 12);
        st->seq = be32(d + 16);
        st->engine_type = d[20];
        st->engine_id = d[21];
        st->sampling_algorithm = d[22] >> 6;
        st->sampling_interval = be16(d + 22) & 0x3fff;
        st->pos = 0;
    } else if (st->version == 9) {
        if (st->dg_len < 20) return bad(st, err, "NetFlow v9 header cut short", 0);
        st->count = be16(d + 2);
        st->uptime = be32(d + 4);
        st->unix_secs = be32(d + 8);
        st->unix_nsecs = 0;
        st->seq = be32(d + 12);
        st->domain = be32(d + 16);
        st->pos = 20;
    } else if (st->version == 10) {
        if (st->dg_len < 16) return bad(st, err, "IPFIX header cut short", 0);
        size_t mlen = be16(d + 2);
        if (mlen < 16 || mlen > st->dg_len)
            return bad(st, err, "IPFIX message length out of range", 2);
        /* a datagram may carry further messages after this one */
        st->next_msg = st->dg_len - mlen;
        st->dg_len = mlen;
        st->uptime = 0;
        st->unix_secs = be32(d + 4);
        st->unix_nsecs = 0;
        st->seq = be32(d + 8);
        st->domain = be32(d + 12);
        st->pos = 16;
    } else {
        return bad(st, err, "unsupported NetFlow version", 0);
    }
    st->set_end = 0;
    st->cur = NULL;
    return 0;
}

/* Moves to the next IPFIX message of the same datagram; 1 when there is one. */
static int next_message(struct nf_state *st)
{
    if (st->next_msg < 16) return 0;
    st->dg += st->dg_len;
    st->dg_offset += st->dg_len;
    st->dg_len = st->next_msg;
    st->next_msg = 0;
    return be16(st->dg) == 10;
}

static int nf_next(void *state, struct ward_event *ev, struct ward_err *err)
{
    struct nf_state *st = state;
    for (;;) {
        if (!st->have_dg) {
            int rc = 1;
            if (!next_message(st)) {
                st->next_msg = 0;
                rc = next_datagram(st, err);
            }
            if (rc <= 0) return rc;
            st->have_dg = 1;
            rc = header(st, err);
            if (rc) {
                st->have_dg = 0;
                return rc;
            }
        }
        ev->offset = st->dg_offset;
        ev->product = "netflow";
        ev->category = "network";
        if (st->version == 5) {
            if (st->pos < st->count) {
                int rc = v5_record(st, ev, st->pos++);
                if (rc)
                    return ward_err_at(err, rc, st->s->path, 0, 0, "cannot build the flow event");
                return 1;
            }
            st->have_dg = 0;
            continue;
        }
        /* inside a data set */
        if (st->set_end) {
            int rc = data_record(st, ev, err);
            if (rc) return rc;
            st->pos = st->set_end;
            st->set_end = 0;
            continue;
        }
        /* next set */
        const unsigned char *d = st->dg;
        if (st->dg_len - st->pos < 4) {
            st->have_dg = 0;
            continue;
        }
        unsigned id = be16(d + st->pos), len = be16(d + st->pos + 2);
        if (len < 4 || len > st->dg_len - st->pos) {
            /* zero padding after the last flowset is common (v9); anything else is an error */
            int zero = 1;
            for (size_t i = st->pos; i < st->dg_len && zero; i++) zero = d[i] == 0;
            st->have_dg = 0;
            if (zero) continue;
            return bad(st, err, "set length out of range", st->pos + 2);
        }
        size_t body = st->pos + 4, end = st->pos + len;
        int rc = 0;
        if (st->version == 9 && (id == 0 || id == 1)) {
            rc = v9_templates(st, body, end, id == 1, err);
        } else if (st->version == 10 && (id == 2 || id == 3)) {
            rc = ipfix_templates(st, body, end, id == 3, err);
        } else if (id >= 256) {
            st->cur = tfind(st, tkey_x(st->version, st->exporter, st->domain, id));
            if (st->cur) {
                st->set_id = id;
                st->rec_pos = body;
                st->set_end = end;
                continue;
            }
            /* data before its template: skipped, as collectors do */
        }
        st->pos = end;
        if (rc) {
            /* a bad template set: the rest of this datagram is skipped */
            st->have_dg = 0;
            return rc;
        }
    }
}

/* Whether a UDP payload looks like the start of a NetFlow/IPFIX export. */
static int looks_like_export(const unsigned char *p, size_t n)
{
    if (n < 20) return 0;
    unsigned ver = be16(p);
    if (ver == 5) return be16(p + 2) >= 1 && be16(p + 2) <= 30 && n >= 24 + 48u * be16(p + 2);
    if (ver == 9) return n >= 24 && (be16(p + 20) <= 1 || be16(p + 20) >= 256);
    if (ver == 10)
        return be16(p + 2) <= n && be16(p + 2) >= 16 &&
               (be16(p + 16) == 2 || be16(p + 16) == 3 || be16(p + 16) >= 256);
    return 0;
}

/* Whether a pcap or pcapng head holds a NetFlow/IPFIX datagram. */
static int probe_capture(const unsigned char *h, size_t n)
{
    const unsigned char *pl;
    size_t plen;
    uint32_t m = be32(h);
    if (m != 0x0a0d0d0au) {
        int swap = (m == 0xd4c3b2a1u || m == 0x4d3cb2a1u);
        uint32_t link = sw32(swap, h + 20) & 0xffff;
        for (size_t off = 24; off + 16 <= n;) {
            size_t incl = sw32(swap, h + off + 8);
            if (incl > NF_MAX_PACKET || off + 16 + incl > n) break;
            if (udp_payload(NULL, link, h + off + 16, incl, &pl, &plen) &&
                looks_like_export(pl, plen))
                return 1;
            off += 16 + incl;
        }
        return 0;
    }
    int swap = 0;
    uint32_t links[NF_MAX_IFACES];
    unsigned nl = 0;
    for (size_t off = 0; off + 12 <= n;) {
        const unsigned char *b = h + off;
        if (be32(b) == 0x0a0d0d0au) {
            swap = be32(b + 8) == 0x4d3c2b1au;
            nl = 0;
        }
        size_t len = sw32(swap, b + 4);
        if (len < 12 || (len & 3) || off + len > n) break;
        uint32_t type = sw32(swap, b);
        if (type == 1 && len >= 20 && nl < NF_MAX_IFACES)
            links[nl++] = swap ? (uint32_t)(b[9] << 8 | b[8]) : be16(b + 8);
        if (type == 6 && len >= 32) {
            uint32_t ifc = sw32(swap, b + 8);
            size_t cap = sw32(swap, b + 20);
            if (ifc < nl && cap <= len - 32 &&
                udp_payload(NULL, links[ifc], b + 28, cap, &pl, &plen) &&
                looks_like_export(pl, plen))
                return 1;
        }
        off += len;
    }
    return 0;
}

static int nf_probe(const unsigned char *h, size_t n)
{
    /* a packet capture: NetFlow when a UDP payload in the head looks like an export */
    if (n >= 24) {
        uint32_t m = be32(h);
        if (m == 0xa1b2c3d4u || m == 0xd4c3b2a1u || m == 0xa1b23c4du || m == 0x4d3cb2a1u ||
            m == 0x0a0d0d0au)
            return probe_capture(h, n) ? 65 : 0;
    }
    if (n >= 6 && h[0] == 0 && h[1] == 0) {
        /* length-prefixed */
        uint32_t len = be32(h);
        unsigned ver = be16(h + 4);
        if (len >= 16 && len <= NF_MAX_DATAGRAM && (ver == 5 || ver == 9 || ver == 10)) return 70;
        return 0;
    }
    if (n < 16) return 0;
    unsigned ver = be16(h);
    if (ver == 5) {
        unsigned cnt = be16(h + 2);
        if (cnt >= 1 && cnt <= 30 && n >= 24)
            return (24 + (size_t)cnt * 48 <= n || n == WARD_STREAM_HEAD) ? 60 : 30;
    } else if (ver == 9 && n >= 24) {
        unsigned fs = be16(h + 20), fl = be16(h + 22);
        if ((fs == 0 || fs == 1 || fs >= 256) && fl >= 4) return 60;
    } else if (ver == 10) {
        unsigned len = be16(h + 2);
        unsigned fs = n >= 18 ? be16(h + 16) : 2;
        if (len >= 16 && (fs == 2 || fs == 3 || fs >= 256)) return 60;
    }
    return 0;
}

static int nf_open(struct ward_stream *s, const struct ward_decode_opts *o, void **state,
                   struct ward_err *err)
{
    (void)o;
    struct nf_state *st = calloc(1, sizeof *st);
    if (!st) return ward_err_set(err, WARD_ENOMEM, "out of memory");
    st->s = s;
    st->in_cap = 262144;
    st->in = malloc(st->in_cap);
    if (!st->in) {
        free(st);
        return ward_err_set(err, WARD_ENOMEM, "out of memory");
    }
    *state = st;
    return 0;
}

static void nf_close(void *state)
{
    struct nf_state *st = state;
    if (!st) return;
    for (unsigned i = 0; i < NF_BUCKETS; i++) {
        struct tmpl *t = st->buckets[i];
        while (t) {
            struct tmpl *n = t->next;
            free(t);
            t = n;
        }
    }
    free(st->in);
    free(st);
}

const struct ward_decoder ward_decoder_netflow = {
    "netflow", "NetFlow v5, v9 and IPFIX (raw or length-prefixed datagrams, pcap, pcapng)",
    nf_probe,  nf_open,
    nf_next,   nf_close,
};
