/* fuzz_decode_auditd.c - libFuzzer target for the "auditd" decoder (see fuzz_decode.h). */
#include "fuzz_decode.h"

WARD_FUZZ_DECODER("auditd")
