/* fuzz_decode_cloudtrail.c - libFuzzer target for the "cloudtrail" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("cloudtrail")
