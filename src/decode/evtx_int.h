/*
 * evtx_int.h - private interface between the EVTX framing (evtx.c: file header, chunks,
 * records, checksums) and the BinXML engine (evtx_binxml.c: tokens, templates,
 * substitutions, values, and the flattening of the XML tree into event fields).
 */
#ifndef WARD_EVTX_INT_H
#define WARD_EVTX_INT_H

#include <stdint.h>

#include "ward/decode.h"

#define EVTX_FILE_HEADER 4096u
#define EVTX_CHUNK_SIZE 65536u
#define EVTX_CHUNK_HEADER 512u
#define EVTX_RECORD_HEADER 24u

/* Hard limits on one record, whatever the options say (a record is at most a chunk, but
 * templates can expand it). */
#define EVTX_MAX_NODES (1u << 20)    /* XML nodes of one record after expansion */
#define EVTX_MAX_TOKENS (4u << 20)   /* BinXML tokens read for one record */
#define EVTX_MAX_SUBS 65536u         /* substitution values of one template instance */
#define EVTX_MAX_KEY 16384u          /* bytes of one flattened key */
#define EVTX_MAX_TEMPLATE_NESTING 32 /* template instances inside template values */

static inline uint16_t evtx_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t evtx_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t evtx_u64(const uint8_t *p)
{
    return (uint64_t)evtx_u32(p) | ((uint64_t)evtx_u32(p + 4) << 32);
}

struct evtx_node;
struct evtx_sub;
struct evtx_plan;
struct evtx_pentry;
struct rendered;

struct evtx_inst {
    uint32_t pos;   /* chunk offset of the template instance token */
    uint32_t sbase; /* its first value in the pre-parsed values */
};

/* Whether records of a known template shape take the compiled fast path (default 1;
 * tests turn it off to compare both paths). Set before decoding starts. */
extern int evtx_use_plans;

/* The BinXML engine's state: per-chunk name cache and per-record scratch. */
struct evtx_bx {
    const uint8_t *c; /* the chunk */
    uint32_t clen;    /* its valid bytes */
    /* name cache: chunk offset of a name structure -> its UTF-8 text in names */
    uint32_t *nc_key; /* offset + 1, 0 = empty */
    uint32_t *nc_off;
    uint32_t *nc_len;
    uint32_t nc_cap, nc_count;
    char *names;
    size_t names_len, names_cap;
    /* per record */
    struct evtx_node *nodes;
    uint32_t nnodes, nodes_cap;
    char *txt; /* value text (UTF-8); event values point here */
    size_t txt_len, txt_cap;
    struct evtx_sub *subs;
    uint32_t nsubs, subs_cap;
    char *key; /* the flattened key being built */
    size_t key_cap;
    uint32_t *scratch; /* sibling bookkeeping while flattening */
    size_t scratch_len, scratch_cap;
    uint64_t tokens;
    /* compiled templates ("plans"), per chunk, by template definition offset */
    struct evtx_plan **plans; /* open addressing, plans_cap slots */
    uint32_t plans_cap, nplans;
    struct ward_arena plan_arena;
    /* recording a plan while flattening a record the slow way */
    uint32_t cur_src; /* source of the values being added: 0 text, 1 + substitution */
    int plan_ok;
    int recording;
    struct evtx_pentry *pe;
    size_t npe, pe_cap;
    char *pkeys;
    size_t pkeys_len, pkeys_cap;
    char *ptext;
    size_t ptext_len, ptext_cap;
    struct rendered *rv; /* fast path: the rendered values of a record */
    size_t rv_cap;
    struct evtx_inst *inst; /* the record's template instances, pre-parsed */
    size_t inst_cap;
    uint32_t ninst, cur_inst;
    struct evtx_sub *psubs; /* their values */
    uint32_t psubs_cap;
    uint8_t *sigbuf; /* the record's shape */
    size_t siglen, sigcap;
    unsigned max_depth;
    size_t max_txt;
    char msg[256]; /* what was wrong, when a record fails */
};

/* CRC-32 as zlib's crc32(crc, p, n) computes it (start with crc 0), faster on CPUs with
 * carry-less multiplication (evtx_crc.c). */
uint32_t evtx_crc32(uint32_t crc, const uint8_t *p, size_t n);

void evtx_bx_init(struct evtx_bx *bx, const struct ward_decode_opts *o);
void evtx_bx_free(struct evtx_bx *bx);
/* Readies an engine used for an earlier file for a new one: buffers kept, limits from o,
 * caches and counts cleared as evtx_bx_init leaves them. */
void evtx_bx_reuse(struct evtx_bx *bx, const struct ward_decode_opts *o);
/* Bytes held by the engine's buffers. */
size_t evtx_bx_bytes(const struct evtx_bx *bx);
/* Starts a new chunk (c borrowed, clen valid bytes): forgets the cached names. */
void evtx_bx_chunk(struct evtx_bx *bx, const uint8_t *c, uint32_t clen);
/*
 * Decodes the BinXML of one record (chunk offsets [pos, end)) into ev's fields. Values
 * point into bx and stay valid until the next call. Returns 0, or a negative WARD_E* with
 * bx->msg saying what was wrong (ev may then hold a partial set of fields).
 */
int evtx_bx_record(struct evtx_bx *bx, uint32_t pos, uint32_t end, struct ward_event *ev);

#endif
