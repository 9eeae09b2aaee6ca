/* fuzz_decode_eve.c - libFuzzer target for the "eve" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("eve")
