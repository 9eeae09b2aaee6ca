/* attack_int.h - the built-in ATT&CK table (generated attack_data.c), private to detect/. */
#ifndef WARD_ATTACK_INT_H
#define WARD_ATTACK_INT_H

#include "ward/attack.h"

extern const char ward_attack_builtin_version[];
extern const struct ward_attack_tactic ward_attack_builtin_tactics[];
extern const size_t ward_attack_builtin_tactic_count;
extern const struct ward_attack_technique ward_attack_builtin_techniques[];
extern const size_t ward_attack_builtin_technique_count;
extern const struct ward_attack_db ward_attack_builtin_db;

#endif
