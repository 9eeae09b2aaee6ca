/* decoders.h - the decoder rows, one per format file in src/decode (private). */
#ifndef WARD_DECODERS_H
#define WARD_DECODERS_H

#include "ward/decode.h"

extern const struct ward_decoder ward_decoder_evtx;
extern const struct ward_decoder ward_decoder_json;

#endif
