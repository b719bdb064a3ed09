/*
 * Functions this project does not call, made compile errors. CMake force-includes this
 * header into every C file of ours (-include, see aidf_banned() in CMakeLists.txt), and
 * tests/tools/check-banned.sh proves that each ban fires.
 *
 *   strcpy, strcat, sprintf, vsprintf, gets: unbounded writes; use snprintf / aidf_buf.
 *   strtok: hidden static state (not reentrant); use strtok_r or strsep.
 *   atoi, atol: no error reporting, undefined on overflow; use strtol / strtoll.
 *   gmtime, localtime: a shared static result (not thread-safe); use gmtime_r / localtime_r.
 *
 * A call expands to an identifier such as sorry_sprintf_is_a_banned_function, so the
 * compiler error names the ban. The system headers that declare these functions are
 * included first: their include guards keep later #includes from seeing the macros, so
 * the declarations (and glibc's _FORTIFY_SOURCE inline wrappers) still compile.
 */
#ifndef AIDF_BANNED_H
#define AIDF_BANNED_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define AIDF_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(...) AIDF_BANNED(strcpy)
#undef strcat
#define strcat(...) AIDF_BANNED(strcat)
#undef sprintf
#define sprintf(...) AIDF_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) AIDF_BANNED(vsprintf)
#undef strtok
#define strtok(...) AIDF_BANNED(strtok)
#undef gets
#define gets(...) AIDF_BANNED(gets)
#undef atoi
#define atoi(...) AIDF_BANNED(atoi)
#undef atol
#define atol(...) AIDF_BANNED(atol)
#undef gmtime
#define gmtime(...) AIDF_BANNED(gmtime)
#undef localtime
#define localtime(...) AIDF_BANNED(localtime)

#endif
