/* registry.c - the decoder table and format detection by content. */
#include <string.h>

#include "ward/decode.h"
#include "decoders.h"

const struct ward_decoder *const ward_decoders[] = {
    &ward_decoder_json,      &ward_decoder_syslog,
    &ward_decoder_zeek_json, &ward_decoder_cloudtrail,
    &ward_decoder_eve,       &ward_decoder_netflow,
    &ward_decoder_squid,     &ward_decoder_weblog,
    &ward_decoder_zeek,      &ward_decoder_leef,
    &ward_decoder_cef,       &ward_decoder_auditd,
    &ward_decoder_evtx,      NULL,
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
        }
    }
    return best;
}
