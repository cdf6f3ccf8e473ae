/*  =========================================================================
    cli_value - how the command line reads values out of reply bodies and
    writes numbers and times for people

    Every renderer (cli_render, cli_report, cli_graph, cli_console) and the
    commands use these, and these use nothing of theirs: the arrows run
    from the renderers and commands to here, never back.
    =========================================================================
*/
#ifndef CB_CLI_VALUE_H_INCLUDED
#define CB_CLI_VALUE_H_INCLUDED

#include <stdint.h>

#include "catchball/catchball.h"

//  Readers for reply bodies: a missing field reads as "" or 0, never NULL.
#define cli_str(map, key) cb_value_get_str_or ((map), (key), "")
#define cli_int(map, key) cb_value_get_int_or ((map), (key), 0)

//  True if the array of strings holds `name`.
bool cli_has (const cb_value_t *array, const char *name);

//  Big enough for any number cli_number writes.
#define CLI_NUMBER_MAX 32

//  A number exactly: an integer (or a float with an integer's value below
//  2^63) without a decimal point, any other float as the shortest decimal
//  that reads back to the same double (1234567.5, 0.1, 1e-07). Anything
//  else reads as 0, as cli_int does. Writes into buf and returns it.
const char *cli_number (const cb_value_t *value, char *buf, size_t size);

//  The same for a plain double.
const char *cli_number_double (double number, char *buf, size_t size);

//  Which clock a time is written in (ISO 8601 in each case):
//  CLI_TIME_LOCAL  "2026-11-25T19:40+01:00", for people at this machine;
//  CLI_TIME_UTC    "2026-11-25T09:00Z", for reports read in many zones;
//  CLI_TIME_CLOCK  "19:40:03", the local time of day (the console's feed).
typedef enum { CLI_TIME_LOCAL, CLI_TIME_UTC, CLI_TIME_CLOCK } cli_time_zone_t;

//  Big enough for any time cli_time writes.
#define CLI_TIME_MAX 32

//  A time in ms since the epoch (as the broker sends them) in the zone
//  given. Writes into buf and returns it.
const char *cli_time (int64_t ms, cli_time_zone_t zone, char *buf, size_t size);

#endif
