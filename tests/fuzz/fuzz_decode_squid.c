/* fuzz_decode_squid.c - libFuzzer target for the "squid" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("squid")
