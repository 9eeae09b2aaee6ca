/* fuzz_decode_w3c.c - libFuzzer target for the "w3c" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("w3c")
