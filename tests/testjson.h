/*  =========================================================================
    testjson - JSON text to a cb_value, for the test programs that state
    their input as JSON (with the command line's converter, cli_json.c)
    =========================================================================
*/
#ifndef CB_TESTJSON_H_INCLUDED
#define CB_TESTJSON_H_INCLUDED

#include <jansson.h>

#include "catchball/cb_value.h"
#include "testutil.h"

cb_value_t *cli_json_to_value (const json_t *json);

//  JSON text -> a new value; the test stops if the text is not JSON.
static inline cb_value_t *
tj_json (const char *text)
{
    json_error_t error;
    json_t *json = json_loads (text, JSON_DECODE_ANY, &error);
    if (!json)
        fprintf (stderr, "bad JSON in the test: %s: %s\n", error.text, text);
    REQUIRE (json);
    cb_value_t *value = cli_json_to_value (json);
    json_decref (json);
    REQUIRE (value);
    return value;
}

#endif
