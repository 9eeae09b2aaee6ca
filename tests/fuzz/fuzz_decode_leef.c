/* fuzz_decode_leef.c - libFuzzer target for the "leef" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("leef")
