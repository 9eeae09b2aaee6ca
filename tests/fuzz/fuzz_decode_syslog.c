/* fuzz_decode_syslog.c - libFuzzer target for the "syslog" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("syslog")
