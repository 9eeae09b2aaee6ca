/* fuzz_decode_netflow.c - libFuzzer target for the "netflow" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("netflow")
