/*  =========================================================================
    test_diff - the field-level difference between two revisions

    server/diff.c on its own: the order of the changes (objective,
    narrative, aligned_to, then key results in the newer revision's order,
    then the removed ones), fields appearing and disappearing (nil on the
    missing side), every key result field compared, and no change listed
    for what did not change.
    =========================================================================
*/
#include <czmq.h>

#include "diff.h"
#include "testjson.h"
#include "testutil.h"

//  The diff of two contents given as JSON, as compact JSON-like text of
//  the changes: "objective:a>b kr2+ kr1- kr3~target:60>70".
static void
s_summary (const char *a_json, const char *b_json, char *out, size_t size)
{
    cb_value_t *a = tj_json (a_json), *b = tj_json (b_json);
    cb_value_t *diff = cb_diff_content (a, b);
    REQUIRE (cb_value_type (diff) == CB_ARRAY);
    out [0] = 0;
    for (size_t i = 0; i < cb_value_size (diff); i++) {
        cb_value_t *change = cb_value_at (diff, i);
        char item [256] = "";
        const char *field = cb_value_get_str (change, "field");
        const char *kr = cb_value_get_str (change, "kr");
        const char *what = cb_value_get_str (change, "change");
        if (field) {
            const char *from = cb_value_type (cb_value_get (change, "from")) == CB_NIL ? "nil"
                             : cb_value_get_str_or (change, "from", "map");
            const char *to = cb_value_type (cb_value_get (change, "to")) == CB_NIL ? "nil"
                           : cb_value_get_str_or (change, "to", "map");
            snprintf (item, sizeof (item), "%s:%s>%s", field, from, to);
        }
        else
        if (kr && streq (what, "added"))
            snprintf (item, sizeof (item), "%s+%s", kr,
                      cb_value_get_str (cb_value_get (change, "value"), "text"));
        else
        if (kr && streq (what, "removed"))
            snprintf (item, sizeof (item), "%s-%s", kr,
                      cb_value_get_str (cb_value_get (change, "value"), "text"));
        else
        if (kr && streq (what, "changed")) {
            snprintf (item, sizeof (item), "%s~", kr);
            cb_value_t *fields = cb_value_get (change, "fields");
            for (size_t f = 0; f < cb_value_size (fields); f++) {
                cb_value_t *one = cb_value_at (fields, f);
                char part [64];
                cb_value_t *from = cb_value_get (one, "from"), *to = cb_value_get (one, "to");
                snprintf (part, sizeof (part), "%s%s:%s>%s", f ? "," : "",
                          cb_value_get_str (one, "field"),
                          cb_value_type (from) == CB_NIL ? "nil"
                          : cb_value_is_number (from) ? "n" : "v",
                          cb_value_type (to) == CB_NIL ? "nil"
                          : cb_value_is_number (to) ? "n" : "v");
                strncat (item, part, sizeof (item) - strlen (item) - 1);
            }
        }
        else
            snprintf (item, sizeof (item), "?");
        if (*out)
            strncat (out, " ", size - strlen (out) - 1);
        strncat (out, item, size - strlen (out) - 1);
    }
    cb_value_destroy (&diff);
    cb_value_destroy (&a);
    cb_value_destroy (&b);
}

int
main (void)
{
    char got [1024];
    const char *base = "{\"objective\":\"a\",\"key_results\":["
        "{\"id\":\"kr1\",\"text\":\"one\",\"target\":1},"
        "{\"id\":\"kr2\",\"text\":\"two\",\"target\":2,\"unit\":\"%\"},"
        "{\"id\":\"kr3\",\"text\":\"three\",\"target\":3}]}";

    //  The same content: no change.
    s_summary (base, base, got, sizeof (got));
    CHECK_STR (got, "");

    //  Everything at once, in the documented order: content fields first
    //  (a narrative appearing, aligned_to as a map), then the newer
    //  revision's KRs in its order (kr4 added before kr2 changed), then
    //  the removed ones.
    s_summary (base,
        "{\"objective\":\"b\",\"narrative\":\"why\",\"aligned_to\":{\"draft\":\"d1\"},"
        "\"key_results\":["
        "{\"id\":\"kr4\",\"text\":\"four\",\"target\":4},"
        "{\"id\":\"kr2\",\"text\":\"two\",\"target\":20,\"baseline\":0},"
        "{\"id\":\"kr3\",\"text\":\"three\",\"target\":3}]}", got, sizeof (got));
    CHECK_STR (got, "objective:a>b narrative:nil>why aligned_to:nil>map kr4+four "
                    "kr2~baseline:nil>n,target:n>n,unit:v>nil kr1-one");

    //  Every KR field is compared, and a field going away is a change to nil.
    s_summary ("{\"objective\":\"a\",\"narrative\":\"x\",\"key_results\":[{\"id\":\"kr1\","
               "\"text\":\"t\",\"target\":1,\"leads\":[\"ana\"],"
               "\"shared_with\":{\"draft\":\"d2\",\"kr\":\"kr1\"}}]}",
               "{\"objective\":\"a\",\"key_results\":[{\"id\":\"kr1\",\"text\":\"u\","
               "\"target\":1,\"leads\":[\"bo\"]}]}", got, sizeof (got));
    CHECK_STR (got, "narrative:x>nil kr1~text:v>v,leads:v>v,shared_with:v>nil");

    //  1 and 1.0 are different values to the diff as to the codec.
    s_summary ("{\"objective\":\"a\",\"key_results\":[{\"id\":\"kr1\",\"text\":\"t\",\"target\":1}]}",
               "{\"objective\":\"a\",\"key_results\":[{\"id\":\"kr1\",\"text\":\"t\",\"target\":1.5}]}",
               got, sizeof (got));
    CHECK_STR (got, "kr1~target:n>n");
    return TEST_DONE ();
}
