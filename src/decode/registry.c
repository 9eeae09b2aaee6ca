/* registry.c - the decoder table and format detection by content. */
#include <string.h>

#include "ward/decode.h"
#include "decoders.h"

/* One row per format; detection asks every probe and takes the highest score. */
const struct ward_decoder *const ward_decoders[] = {
    &ward_decoder_evtx,       /* evtx.c */
    &ward_decoder_json,       /* json.c */
    &ward_decoder_syslog,     /* syslog.c */
    &ward_decoder_w3c,        /* w3c.c */
    &ward_decoder_zeek_json,  /* zeek.c */
    &ward_decoder_cloudtrail, /* cloudtrail.c */
    &ward_decoder_eve,        /* eve.c */
    &ward_decoder_netflow,    /* netflow.c */
    &ward_decoder_squid,      /* squid.c */
    &ward_decoder_weblog,     /* weblog.c */
    &ward_decoder_zeek,       /* zeek.c */
    &ward_decoder_leef,       /* leef.c */
    &ward_decoder_cef,        /* cef.c */
    &ward_decoder_auditd,     /* auditd.c */
    NULL,
};

void ward_decode_opts_default(struct ward_decode_opts *o)
{
    o->max_record = 16u << 20;
    o->max_depth = 64;
    o->max_fields = WARD_EVENT_MAX_FIELDS_DEFAULT;
}

const struct ward_decoder *ward_decoder_find(const char *name)
{
    for (size_t i = 0; ward_decoders[i]; i++)
        if (strcmp(ward_decoders[i]->name, name) == 0) return ward_decoders[i];
    return NULL;
}

const struct ward_decoder *ward_decoder_detect(const unsigned char *head, size_t n)
{
    const struct ward_decoder *best = NULL;
    int best_score = 0;
    for (size_t i = 0; ward_decoders[i]; i++) {
        int sc = ward_decoders[i]->probe(head, n);
        if (sc > best_score) {
            best_score = sc;
            best = ward_decoders[i];
            if (sc >= 100) break; /* certain: no later probe can score higher */
        }
    }
    return best;
}
