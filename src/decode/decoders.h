/* decoders.h - the decoder rows, one per format file in src/decode (private). */
#ifndef WARD_DECODERS_H
#define WARD_DECODERS_H

#include "ward/decode.h"

extern const struct ward_decoder ward_decoder_evtx;
extern const struct ward_decoder ward_decoder_json;
extern const struct ward_decoder ward_decoder_syslog;
extern const struct ward_decoder ward_decoder_w3c;
extern const struct ward_decoder ward_decoder_zeek_json;
extern const struct ward_decoder ward_decoder_cloudtrail;
extern const struct ward_decoder ward_decoder_eve;
extern const struct ward_decoder ward_decoder_netflow;
extern const struct ward_decoder ward_decoder_squid;
extern const struct ward_decoder ward_decoder_weblog;
extern const struct ward_decoder ward_decoder_zeek;
extern const struct ward_decoder ward_decoder_leef;
extern const struct ward_decoder ward_decoder_cef;
extern const struct ward_decoder ward_decoder_auditd;

#endif
