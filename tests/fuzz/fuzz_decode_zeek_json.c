/* fuzz_decode_zeek_json.c - libFuzzer target for the "zeek-json" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("zeek-json")
