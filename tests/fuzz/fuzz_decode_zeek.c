/* fuzz_decode_zeek.c - libFuzzer target for the "zeek" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("zeek")
