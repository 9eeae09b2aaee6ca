/* fuzz_decode_cef.c - libFuzzer target for the "cef" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("cef")
