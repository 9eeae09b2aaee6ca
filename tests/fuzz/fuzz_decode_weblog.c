/* fuzz_decode_weblog.c - libFuzzer target for the "weblog" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("weblog")
