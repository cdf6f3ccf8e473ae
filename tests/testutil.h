/*  =========================================================================
    testutil - the few assertions catchball's test programs share

    Each CHECK prints the file, line and expression when it fails, and the
    program exits non-zero at the end (or at once with REQUIRE). Tests poll
    with timeouts; nothing here sleeps.
    =========================================================================
*/
#ifndef CB_TESTUTIL_H_INCLUDED
#define CB_TESTUTIL_H_INCLUDED

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tu_failures = 0;
static int tu_checks = 0;

#define CHECK(expr) do { \
    tu_checks++; \
    if (!(expr)) { \
        tu_failures++; \
        fprintf (stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
    } \
} while (0)

#define REQUIRE(expr) do { \
    tu_checks++; \
    if (!(expr)) { \
        fprintf (stderr, "%s:%d: REQUIRE failed: %s\n", __FILE__, __LINE__, #expr); \
        exit (1); \
    } \
} while (0)

#define CHECK_STR(a, b) do { \
    const char *tu_a = (a), *tu_b = (b); \
    tu_checks++; \
    if (!tu_a || !tu_b || strcmp (tu_a, tu_b) != 0) { \
        tu_failures++; \
        fprintf (stderr, "%s:%d: CHECK_STR failed: %s is \"%s\", expected \"%s\"\n", \
                 __FILE__, __LINE__, #a, tu_a ? tu_a : "(null)", tu_b ? tu_b : "(null)"); \
    } \
} while (0)

#define CHECK_INT(a, b) do { \
    long long tu_a = (long long) (a), tu_b = (long long) (b); \
    tu_checks++; \
    if (tu_a != tu_b) { \
        tu_failures++; \
        fprintf (stderr, "%s:%d: CHECK_INT failed: %s is %lld, expected %lld\n", \
                 __FILE__, __LINE__, #a, tu_a, tu_b); \
    } \
} while (0)

//  Print the tally and give the exit status.
#define TEST_DONE() ( \
    printf ("%s: %d checks, %d failed\n", __FILE__, tu_checks, tu_failures), \
    tu_failures ? 1 : 0)

#endif
