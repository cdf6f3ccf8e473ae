/*  =========================================================================
    cli_json - JSON (jansson) <-> cb_value for the command line: draft
    files in, --json out
    =========================================================================
*/
#include <errno.h>

#include "cli.h"

cb_value_t *
cli_json_to_value (const json_t *json)
{
    switch (json_typeof (json)) {
        case JSON_OBJECT: {
            cb_value_t *map = cb_value_new_map ();
            const char *key;
            json_t *item;
            json_object_foreach ((json_t *) json, key, item) {
                cb_value_t *v = cli_json_to_value (item);
                cb_value_set (map, key, &v);
            }
            return map;
        }
        case JSON_ARRAY: {
            cb_value_t *array = cb_value_new_array ();
            size_t i;
            json_t *item;
            json_array_foreach (json, i, item) {
                cb_value_t *v = cli_json_to_value (item);
                cb_value_push (array, &v);
            }
            return array;
        }
        case JSON_STRING:
            return cb_value_new_strn (json_string_value (json), json_string_length (json));
        case JSON_INTEGER:
            return cb_value_new_int (json_integer_value (json));
        case JSON_REAL:
            return cb_value_new_float (json_real_value (json));
        case JSON_TRUE:
            return cb_value_new_bool (true);
        case JSON_FALSE:
            return cb_value_new_bool (false);
        default:
            return cb_value_new_nil ();
    }
}

json_t *
cli_value_to_json (const cb_value_t *value)
{
    switch (cb_value_type (value)) {
        case CB_NIL:   return json_null ();
        case CB_BOOL:  return json_boolean (cb_value_bool (value));
        case CB_INT:   return json_integer (cb_value_int (value));
        case CB_FLOAT: return json_real (cb_value_float (value));
        case CB_STR:   return json_stringn (cb_value_str (value), cb_value_len (value));
        case CB_ARRAY: {
            json_t *array = json_array ();
            for (size_t i = 0; i < cb_value_size (value); i++)
                json_array_append_new (array, cli_value_to_json (cb_value_at (value, i)));
            return array;
        }
        case CB_MAP: {
            json_t *object = json_object ();
            for (size_t i = 0; i < cb_value_size (value); i++)
                json_object_set_new (object, cb_value_key_at (value, i),
                                     cli_value_to_json (cb_value_val_at (value, i)));
            return object;
        }
    }
    return json_null ();
}

cb_value_t *
cli_json_load (const char *path)
{
    json_error_t error;
    FILE *file = streq (path, "-") ? stdin : fopen (path, "r");
    if (!file) {
        fprintf (stderr, "catchball: cannot read %s: %s\n", path, strerror (errno));
        return NULL;
    }
    json_t *json = json_loadf (file, 0, &error);
    if (file != stdin)
        fclose (file);
    if (!json) {
        fprintf (stderr, "catchball: %s:%d:%d: %s\n", path, error.line, error.column,
                 error.text);
        return NULL;
    }
    cb_value_t *value = cli_json_to_value (json);
    json_decref (json);
    return value;
}

void
cli_json_print (FILE *out, const cb_value_t *value, bool compact)
{
    json_t *json = cli_value_to_json (value);
    json_dumpf (json, out, (compact ? JSON_COMPACT : JSON_INDENT (2)) | JSON_PRESERVE_ORDER
                | JSON_ENCODE_ANY);
    fputc ('\n', out);
    json_decref (json);
}
