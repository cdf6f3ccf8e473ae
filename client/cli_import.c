/*  =========================================================================
    cli_import - catchball import: OKRs from a spreadsheet's CSV file, one
    draft per objective, as one change (draft.import)

    The file is read with libcsv (quoting, newlines inside quoted cells, a
    UTF-8 byte order mark, ',' ';' or tab as the delimiter, found from the
    header row or given with --delimiter). Every row is checked here for
    its form first, and every problem is printed as FILE:LINE:COLUMN (the
    line where the row starts; the column counted from 1, as a
    spreadsheet's A, B, C...). Only a file without a problem goes to the
    broker, which checks the content and stores every draft or none. Its
    refusal is mapped back to the row and column it is about.

    The columns are the table s_columns below, and README.md's "Import and
    export"; export (cli_export.c) writes the same columns.
    =========================================================================
*/
#include <csv.h>
#include <math.h>

#include "cli_cmd.h"

//  The most problems printed before "and N more".
#define S_MAX_SHOWN 50

//  --------------------------------------------------------------------------
//  The columns

typedef enum {
    S_KEY, S_OBJECTIVE, S_NARRATIVE, S_ALIGNED_TO, S_KR_ID, S_KR, S_BASELINE, S_TARGET,
    S_UNIT, S_LEADS, S_SHARED_WITH, S_OWNER, S_STATE, S_REV, S_COACH, S_COLUMNS
} s_col_t;

//  A column of the file: its name in the header row, whether a file must
//  have it, and whether import reads it (the last five are export's, for
//  people: read and ignored).
static const struct {
    const char *name;
    bool required;
    bool ignored;
} s_columns [S_COLUMNS] = {
    [S_KEY]         = { "key", false, false },
    [S_OBJECTIVE]   = { "objective", true, false },
    [S_NARRATIVE]   = { "narrative", false, false },
    [S_ALIGNED_TO]  = { "aligned_to", false, false },
    [S_KR_ID]       = { "kr_id", false, false },
    [S_KR]          = { "kr", true, false },
    [S_BASELINE]    = { "baseline", false, false },
    [S_TARGET]      = { "target", true, false },
    [S_UNIT]        = { "unit", false, false },
    [S_LEADS]       = { "leads", false, false },
    [S_SHARED_WITH] = { "shared_with", false, true },
    [S_OWNER]       = { "owner", false, true },
    [S_STATE]       = { "state", false, true },
    [S_REV]         = { "rev", false, true },
    [S_COACH]       = { "coach", false, true },
};

const char *
cli_import_column (int index)
{
    return index >= 0 && index < S_COLUMNS ? s_columns [index].name : NULL;
}

//  --------------------------------------------------------------------------
//  Reading the file: rows of cells, each row with the line it starts on

typedef struct {
    int line;                   //  The line the row starts on, from 1
    size_t count;               //  Cells
    char **cells;               //  Each a string, the row's
} s_row_t;

typedef struct {
    const char *path;           //  For messages
    s_row_t *rows;              //  The rows read
    size_t count;               //  How many
    size_t alloc;               //  Room for
    s_row_t current;            //  The row being read
    size_t newlines;            //  Newlines inside the current row's cells
    char eol;                   //  What ends a line: '\n', or '\r' in a file
                                //  without any '\n' (old Mac line ends)
    int line;                   //  The line being fed to the parser
    int problems;               //  How many were printed
} s_csv_t;

//  Prints one problem as FILE:LINE:COLUMN: TEXT (no column if col is 0,
//  no line if line is 0), and counts it.
static void
s_problem (s_csv_t *csv, int line, int col, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

static void
s_problem (s_csv_t *csv, int line, int col, const char *fmt, ...)
{
    if (csv->problems++ >= S_MAX_SHOWN)
        return;
    char text [1024];
    va_list args;
    va_start (args, fmt);
    vsnprintf (text, sizeof (text), fmt, args);
    va_end (args);
    if (line && col)
        fprintf (stderr, "%s:%d:%d: %s\n", csv->path, line, col, text);
    else
    if (line)
        fprintf (stderr, "%s:%d: %s\n", csv->path, line, text);
    else
        fprintf (stderr, "%s: %s\n", csv->path, text);
}

//  True if text is valid UTF-8 (shortest forms, no surrogates).
static bool
s_utf8_valid (const char *text)
{
    const unsigned char *p = (const unsigned char *) text;
    while (*p) {
        size_t n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
                 : (*p & 0xF8) == 0xF0 ? 3 : 9;
        if (n == 9 || (n == 1 && *p < 0xC2) || (n == 3 && *p > 0xF4))
            return false;
        uint32_t c = n ? *p & (0x3F >> n) : *p;
        for (size_t i = 1; i <= n; i++) {
            if ((p [i] & 0xC0) != 0x80)
                return false;
            c = (c << 6) | (p [i] & 0x3F);
        }
        if ((n == 2 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF)))
        ||  (n == 3 && (c < 0x10000 || c > 0x10FFFF)))
            return false;
        p += n + 1;
    }
    return true;
}

static void
s_cell_end (void *data, size_t size, void *arg)
{
    s_csv_t *csv = (s_csv_t *) arg;
    char *cell = malloc (size + 1);
    assert (cell);
    //  A line break inside a quoted cell is kept as one '\n', whichever
    //  system wrote it.
    size_t n = 0, newlines = 0;
    const char *in = (const char *) data;
    for (size_t i = 0; i < size; i++) {
        newlines += in [i] == csv->eol;
        if (in [i] != '\r' || i + 1 >= size || in [i + 1] != '\n')
            cell [n++] = in [i] == '\r' ? '\n' : in [i];
    }
    cell [n] = 0;
    csv->newlines += newlines;
    //  The broker takes UTF-8 without NUL only: say where, rather than
    //  sending what it cannot read.
    const char *bad = memchr (data, 0, size) ? "a NUL byte" : s_utf8_valid (cell) ? NULL
                    : "text that is not UTF-8 (save the sheet as \"CSV UTF-8\")";
    if (bad)
        s_problem (csv, csv->line - (int) newlines, (int) csv->current.count + 1,
                   "%s", bad);
    csv->current.cells = realloc (csv->current.cells,
                                  (csv->current.count + 1) * sizeof (char *));
    assert (csv->current.cells);
    csv->current.cells [csv->current.count++] = cell;
}

static void
s_row_end (int terminator, void *arg)
{
    s_csv_t *csv = (s_csv_t *) arg;
    if (csv->count == csv->alloc) {
        csv->alloc = csv->alloc ? csv->alloc * 2 : 64;
        csv->rows = realloc (csv->rows, csv->alloc * sizeof (s_row_t));
        assert (csv->rows);
    }
    //  The row ended on the line being fed: it began as many lines above
    //  as its quoted cells hold newlines.
    csv->current.line = csv->line - (int) csv->newlines;
    csv->rows [csv->count++] = csv->current;
    memset (&csv->current, 0, sizeof (csv->current));
    csv->newlines = 0;
}

static void
s_csv_free (s_csv_t *csv)
{
    for (size_t r = 0; r < csv->count; r++) {
        for (size_t c = 0; c < csv->rows [r].count; c++)
            free (csv->rows [r].cells [c]);
        free (csv->rows [r].cells);
    }
    for (size_t c = 0; c < csv->current.count; c++)
        free (csv->current.cells [c]);
    free (csv->current.cells);
    free (csv->rows);
}

//  The delimiter of a header line: the most frequent of ',' ';' and tab
//  outside quotes (',' on a tie).
static char
s_detect (const char *text, size_t size)
{
    size_t comma = 0, semicolon = 0, tab = 0;
    bool quoted = false;
    for (size_t i = 0; i < size && (quoted || (text [i] != '\n' && text [i] != '\r')); i++) {
        if (text [i] == '"')
            quoted = !quoted;
        else
        if (!quoted) {
            comma += text [i] == ',';
            semicolon += text [i] == ';';
            tab += text [i] == '\t';
        }
    }
    if (semicolon > comma && semicolon >= tab)
        return ';';
    if (tab > comma && tab > semicolon)
        return '\t';
    return ',';
}

//  Reads the whole file into rows. 0, or -1 with the problem printed
//  (a file that does not read: *status 2; malformed CSV: 1).
static int
s_csv_read (s_csv_t *csv, const char *delimiter, char *used, int *status)
{
    FILE *file = streq (csv->path, "-") ? stdin : fopen (csv->path, "rb");
    if (!file) {
        fprintf (stderr, "catchball: cannot read %s: %s\n", csv->path, strerror (errno));
        *status = 2;
        return -1;
    }
    size_t size = 0, alloc = 65536;
    char *text = malloc (alloc);
    assert (text);
    size_t n;
    while ((n = fread (text + size, 1, alloc - size, file)) > 0) {
        size += n;
        if (size == alloc) {
            alloc *= 2;
            text = realloc (text, alloc);
            assert (text);
        }
    }
    if (file != stdin)
        fclose (file);
    *status = 1;
    //  A spreadsheet's "CSV UTF-8" starts with a byte order mark.
    size_t start = size >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    bool blank = true;
    for (size_t i = start; i < size && blank; i++)
        blank = isspace ((unsigned char) text [i]);
    if (blank) {
        s_problem (csv, 0, 0, "the file is empty: a header row (objective, kr, target...) "
                              "and a row per key result are expected");
        free (text);
        return -1;
    }
    char delim = delimiter ? (streq (delimiter, "tab") ? '\t' : delimiter [0])
                           : s_detect (text + start, size - start);
    *used = delim;
    struct csv_parser parser;
    csv_init (&parser, CSV_STRICT | CSV_STRICT_FINI);
    csv_set_delim (&parser, (unsigned char) delim);
    int rc = 0;
    //  Fed a line at a time, so that a row's line is known when it ends.
    size_t at = start;
    csv->line = 0;
    csv->eol = memchr (text + start, '\n', size - start) ? '\n' : '\r';
    while (at < size && rc == 0) {
        const char *eol = memchr (text + at, csv->eol, size - at);
        size_t len = eol ? (size_t) (eol - (text + at)) + 1 : size - at;
        csv->line++;
        if (csv_parse (&parser, text + at, len, s_cell_end, s_row_end, csv) != len)
            rc = -1;
        at += len;
    }
    if (rc == 0 && csv_fini (&parser, s_cell_end, s_row_end, csv) != 0)
        rc = -1;
    if (rc)
        s_problem (csv, csv->line, (int) csv->current.count + 1, "malformed CSV: %s%s",
                   csv_strerror (csv_error (&parser)),
                   csv_error (&parser) == CSV_EPARSE
                   ? " (a quote inside a cell must be doubled, and a quoted cell closed)" : "");
    csv_free (&parser);
    free (text);
    return rc;
}

//  --------------------------------------------------------------------------
//  From rows to drafts

//  One objective of the file: a draft to be.
typedef struct {
    char *name;                 //  Its key, or its objective text
    int line;                   //  Its first row's line
    const char *cells [S_COLUMNS];  //  objective, narrative, aligned_to: lent
    int lines [S_COLUMNS];      //  The line each of those came from
    size_t krs;                 //  Its key results
    int kr_lines [8];           //  The line of each (CB's limit is 7)
    cb_value_t *key_results;    //  [KeyResult]
    int target;                 //  The group it aligns to in the file, or -1
    int order;                  //  Its position in the request, or -1
    int mark;                   //  For the ordering: 0, 1 visiting, 2 done
} s_group_t;

typedef struct {
    s_csv_t csv;                //  The file
    int col [S_COLUMNS];        //  Where each column is (from 0), or -1
    s_group_t *groups;          //  The objectives, in the order of the file
    size_t count;               //  How many
    int *order;                 //  Group indexes in request order
    size_t ordered;             //  How many so far
    bool comma_decimal;         //  ';' files may write 52,5
    int ignored_shared;         //  Rows whose shared_with was not imported
} s_import_t;

//  Lowercase, spaces and dashes as underscores: "Aligned to" is aligned_to.
static void
s_header_name (const char *cell, char *out, size_t size)
{
    size_t n = 0;
    while (*cell && isspace ((unsigned char) *cell))
        cell++;
    for (; *cell && n + 1 < size; cell++)
        out [n++] = *cell == ' ' || *cell == '-' ? '_' : (char) tolower ((unsigned char) *cell);
    while (n && out [n - 1] == '_')
        n--;
    out [n] = 0;
    if (streq (out, "key_result"))
        snprintf (out, size, "kr");
}

static int
s_header (s_import_t *imp)
{
    s_csv_t *csv = &imp->csv;
    for (int c = 0; c < S_COLUMNS; c++)
        imp->col [c] = -1;
    s_row_t *header = &csv->rows [0];
    int before = csv->problems;
    for (size_t i = 0; i < header->count; i++) {
        char name [64];
        s_header_name (header->cells [i], name, sizeof (name));
        int found = -1;
        for (int c = 0; c < S_COLUMNS; c++)
            if (streq (name, s_columns [c].name))
                found = c;
        if (found < 0) {
            char known [256] = "";
            for (int c = 0; c < S_COLUMNS; c++)
                snprintf (known + strlen (known), sizeof (known) - strlen (known), "%s%s",
                          c ? ", " : "", s_columns [c].name);
            s_problem (csv, header->line, (int) i + 1, "unknown column '%s' (the columns are: "
                       "%s)", header->cells [i], known);
        }
        else
        if (imp->col [found] >= 0)
            s_problem (csv, header->line, (int) i + 1, "column '%s' appears twice (also "
                       "column %d)", s_columns [found].name, imp->col [found] + 1);
        else
            imp->col [found] = (int) i;
    }
    for (int c = 0; c < S_COLUMNS; c++)
        if (s_columns [c].required && imp->col [c] < 0)
            s_problem (csv, header->line, 0, "no '%s' column: the header row needs objective, "
                       "kr and target", s_columns [c].name);
    return csv->problems > before ? -1 : 0;
}

//  A row's cell of a column: "" if the column or the cell is missing.
static const char *
s_cell (s_import_t *imp, const s_row_t *row, s_col_t col)
{
    int i = imp->col [col];
    return i >= 0 && (size_t) i < row->count ? row->cells [i] : "";
}

//  The column number of a column, for messages (from 1), or 0.
static int
s_colno (s_import_t *imp, s_col_t col)
{
    return imp->col [col] + 1;
}

//  Characters in a UTF-8 string, as the broker counts them.
static size_t
s_chars (const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += ((unsigned char) *text & 0xC0) != 0x80;
    return n;
}

//  A number cell into a value (an integer when it is one); NULL if the
//  cell is not a number.
static cb_value_t *
s_number (s_import_t *imp, const char *cell)
{
    char text [64];
    snprintf (text, sizeof (text), "%s", cell);
    if (imp->comma_decimal && !strchr (text, '.')) {
        char *comma = strchr (text, ',');
        if (comma && !strchr (comma + 1, ','))
            *comma = '.';
    }
    //  Plain decimal numbers only: strtod would read 0x10, inf and nan too.
    for (const char *p = text; *p; p++)
        if (!isdigit ((unsigned char) *p) && !strchr ("+-.eE ", *p))
            return NULL;
    char *end;
    errno = 0;
    double d = strtod (text, &end);
    while (*end && isspace ((unsigned char) *end))
        end++;
    if (end == text || *end || errno || !isfinite (d) || strlen (cell) >= sizeof (text))
        return NULL;
    if (d == floor (d) && fabs (d) < 9007199254740992.0)
        return cb_value_new_int ((int64_t) d);
    return cb_value_new_float (d);
}

//  The group a row belongs to, made if new; -1 if none can be told.
static int
s_group_of (s_import_t *imp, const s_row_t *row, int previous)
{
    const char *key = s_cell (imp, row, S_KEY);
    const char *objective = s_cell (imp, row, S_OBJECTIVE);
    char name [400];
    if (*key)
        snprintf (name, sizeof (name), "k:%s", key);
    else
    if (*objective && (previous < 0 || imp->col [S_KEY] < 0
                       || !streq (objective, imp->groups [previous].cells [S_OBJECTIVE]
                                         ? imp->groups [previous].cells [S_OBJECTIVE] : "")))
        snprintf (name, sizeof (name), "o:%s", objective);
    else
        return previous;    //  A row that goes on with the objective above
    for (size_t g = 0; g < imp->count; g++)
        if (streq (imp->groups [g].name, name))
            return (int) g;
    imp->groups = realloc (imp->groups, (imp->count + 1) * sizeof (s_group_t));
    assert (imp->groups);
    s_group_t *group = &imp->groups [imp->count];
    memset (group, 0, sizeof (*group));
    group->name = strdup (name);
    group->line = row->line;
    group->key_results = cb_value_new_array ();
    group->target = -1;
    group->order = -1;
    return (int) imp->count++;
}

//  A cell that must be the same on every row of an objective that gives it.
static void
s_same (s_import_t *imp, s_group_t *group, const s_row_t *row, s_col_t col)
{
    const char *cell = s_cell (imp, row, col);
    if (!*cell)
        return;
    if (!group->cells [col]) {
        group->cells [col] = cell;
        group->lines [col] = row->line;
    }
    else
    if (!streq (group->cells [col], cell))
        s_problem (&imp->csv, row->line, s_colno (imp, col), "%s differs from line %d's: one "
                   "objective has one %s (rows of another objective need their own key)",
                   s_columns [col].name, group->lines [col], s_columns [col].name);
}

//  A key result id, "kr3": true if the text is one.
static bool
s_kr_id (const char *text)
{
    if (strncmp (text, "kr", 2) || !text [2] || text [2] == '0')
        return false;
    for (const char *p = text + 2; *p; p++)
        if (!isdigit ((unsigned char) *p))
            return false;
    return strlen (text) <= 12;
}

//  One row's key result, added to its group.
static void
s_key_result (s_import_t *imp, s_group_t *group, const s_row_t *row)
{
    s_csv_t *csv = &imp->csv;
    int before = csv->problems;
    cb_value_t *kr = cb_value_new_map ();
    const char *id = s_cell (imp, row, S_KR_ID);
    if (*id && !s_kr_id (id))
        s_problem (csv, row->line, s_colno (imp, S_KR_ID), "kr_id must be like kr3 (or "
                   "empty), not '%s'", id);
    else
    if (*id)
        cb_value_set_str (kr, "id", id);
    const char *text = s_cell (imp, row, S_KR);
    if (!*text)
        s_problem (csv, row->line, s_colno (imp, S_KR), "the key result's text is empty");
    else
    if (s_chars (text) > 200)
        s_problem (csv, row->line, s_colno (imp, S_KR), "the key result is %zu characters "
                   "long; at most 200", s_chars (text));
    cb_value_set_str (kr, "text", text);
    s_col_t numbers [] = { S_BASELINE, S_TARGET };
    for (int i = 0; i < 2; i++) {
        const char *cell = s_cell (imp, row, numbers [i]);
        cb_value_t *number = *cell ? s_number (imp, cell) : NULL;
        if (!*cell && numbers [i] == S_TARGET)
            s_problem (csv, row->line, s_colno (imp, S_TARGET), "the target is empty: a key "
                       "result needs a number to reach");
        else
        if (*cell && !number)
            s_problem (csv, row->line, s_colno (imp, numbers [i]), "%s must be a number, not "
                       "'%s'", s_columns [numbers [i]].name, cell);
        if (number)
            cb_value_set (kr, s_columns [numbers [i]].name, &number);
    }
    const char *unit = s_cell (imp, row, S_UNIT);
    if (s_chars (unit) > 16)
        s_problem (csv, row->line, s_colno (imp, S_UNIT), "the unit is %zu characters long; "
                   "at most 16", s_chars (unit));
    if (*unit)
        cb_value_set_str (kr, "unit", unit);
    const char *leads = s_cell (imp, row, S_LEADS);
    if (*leads) {
        cb_value_t *list = cb_value_new_array ();
        char *copy = strdup (leads), *save = NULL;
        for (char *name = strtok_r (copy, ",", &save); name; name = strtok_r (NULL, ",", &save)) {
            while (isspace ((unsigned char) *name))
                name++;
            size_t n = strlen (name);
            while (n && isspace ((unsigned char) name [n - 1]))
                name [--n] = 0;
            if (*name) {
                cb_value_t *lead = cb_value_new_str (name);
                cb_value_push (list, &lead);
            }
            if (s_chars (name) > 64)
                s_problem (csv, row->line, s_colno (imp, S_LEADS), "a lead's name is at most "
                           "64 characters");
        }
        free (copy);
        if (cb_value_size (list) > 4)
            s_problem (csv, row->line, s_colno (imp, S_LEADS), "at most 4 leads, separated "
                       "by commas, not %zu", cb_value_size (list));
        cb_value_set (kr, "leads", &list);
    }
    if (*s_cell (imp, row, S_SHARED_WITH))
        imp->ignored_shared++;
    if (group->krs == 7)
        s_problem (csv, row->line, s_colno (imp, S_KR), "a draft has at most 7 key results: "
                   "this is the 8th of the objective of line %d", group->line);
    if (csv->problems == before && group->krs < 7) {
        group->kr_lines [group->krs++] = row->line;
        cb_value_push (group->key_results, &kr);
    }
    cb_value_destroy (&kr);
}

//  Splits an aligned_to cell "d1/kr2", "d1", "KEY/kr2" or "KEY" into its
//  draft part (into out) and its kr (lent, or NULL). -1 if malformed.
static int
s_aligned_split (const char *cell, char *out, size_t size, const char **kr)
{
    const char *slash = strrchr (cell, '/');
    *kr = NULL;
    size_t n = slash ? (size_t) (slash - cell) : strlen (cell);
    if (n == 0 || n >= size)
        return -1;
    memcpy (out, cell, n);
    out [n] = 0;
    if (slash) {
        if (!s_kr_id (slash + 1))
            return -1;
        *kr = slash + 1;
    }
    return 0;
}

//  True if text is a draft id like d12.
static bool
s_draft_id (const char *text)
{
    if (text [0] != 'd' || !text [1] || text [1] == '0')
        return false;
    for (const char *p = text + 1; *p; p++)
        if (!isdigit ((unsigned char) *p))
            return false;
    return true;
}

//  Each group's aligned_to: to a group of the file (by its key), else to
//  a stored draft.
static void
s_resolve (s_import_t *imp)
{
    for (size_t g = 0; g < imp->count; g++) {
        s_group_t *group = &imp->groups [g];
        const char *cell = group->cells [S_ALIGNED_TO];
        if (!group->cells [S_OBJECTIVE])
            s_problem (&imp->csv, group->line, s_colno (imp, S_OBJECTIVE),
                       "the objective of key '%s' is empty", group->name + 2);
        if (!cell)
            continue;
        char draft [128], name [140];
        const char *kr;
        if (s_aligned_split (cell, draft, sizeof (draft), &kr)) {
            s_problem (&imp->csv, group->lines [S_ALIGNED_TO], s_colno (imp, S_ALIGNED_TO),
                       "aligned_to must be DRAFT or DRAFT/krN (d1/kr2, or a key of this "
                       "file), not '%s'", cell);
            continue;
        }
        snprintf (name, sizeof (name), "k:%s", draft);
        for (size_t t = 0; t < imp->count && imp->col [S_KEY] >= 0; t++)
            if (streq (imp->groups [t].name, name))
                group->target = (int) t;
        if (group->target == (int) g)
            s_problem (&imp->csv, group->lines [S_ALIGNED_TO], s_colno (imp, S_ALIGNED_TO),
                       "an objective cannot align to itself");
        else
        if (group->target < 0 && !s_draft_id (draft))
            s_problem (&imp->csv, group->lines [S_ALIGNED_TO], s_colno (imp, S_ALIGNED_TO),
                       "aligned_to: '%s' is neither a key of this file nor a draft id like d1",
                       draft);
    }
}

//  Puts group g in the request after the groups it aligns to (a draft of
//  the import may only align to one made before it).
static void
s_order (s_import_t *imp, int g)
{
    s_group_t *group = &imp->groups [g];
    if (group->mark == 2)
        return;
    if (group->mark == 1) {
        s_problem (&imp->csv, group->lines [S_ALIGNED_TO], s_colno (imp, S_ALIGNED_TO),
                   "the objectives of this file align to each other in a circle");
        return;
    }
    group->mark = 1;
    if (group->target >= 0 && group->target != g)
        s_order (imp, group->target);
    group->mark = 2;
    group->order = (int) imp->ordered;
    imp->order [imp->ordered++] = g;
}

//  The group's content, for the request.
static cb_value_t *
s_content (s_import_t *imp, s_group_t *group)
{
    cb_value_t *content = cb_value_new_map ();
    cb_value_set_str (content, "objective", group->cells [S_OBJECTIVE]);
    if (group->cells [S_NARRATIVE])
        cb_value_set_str (content, "narrative", group->cells [S_NARRATIVE]);
    const char *cell = group->cells [S_ALIGNED_TO];
    if (cell) {
        char draft [128];
        const char *kr;
        s_aligned_split (cell, draft, sizeof (draft), &kr);
        if (group->target >= 0)
            snprintf (draft, sizeof (draft), "#%d", imp->groups [group->target].order + 1);
        cb_value_t *aligned = cb_value_new_map ();
        cb_value_set_str (aligned, "draft", draft);
        if (kr)
            cb_value_set_str (aligned, "kr", kr);
        cb_value_set (content, "aligned_to", &aligned);
    }
    cb_value_t *krs = cb_value_dup (group->key_results);
    cb_value_set (content, "key_results", &krs);
    return content;
}

//  Reads and checks the file; the list of drafts' content in request
//  order, or NULL with every problem printed.
static cb_value_t *
s_drafts (s_import_t *imp, const char *delimiter, int *status)
{
    s_csv_t *csv = &imp->csv;
    char used = ',';
    if (s_csv_read (csv, delimiter, &used, status))
        return NULL;
    imp->comma_decimal = used == ';';
    if (s_header (imp))
        return NULL;
    int previous = -1;
    for (size_t r = 1; r < csv->count; r++) {
        s_row_t *row = &csv->rows [r];
        bool empty = true;
        for (size_t c = 0; c < row->count; c++) {
            const char *p = row->cells [c];
            while (*p && isspace ((unsigned char) *p))
                p++;
            empty = empty && !*p;
            if (*p && c >= csv->rows [0].count)
                s_problem (csv, row->line, (int) c + 1, "a cell beyond the header's %zu "
                           "columns", csv->rows [0].count);
        }
        if (empty)
            continue;       //  Spreadsheets leave empty rows between blocks
        int g = s_group_of (imp, row, previous);
        if (g < 0) {
            s_problem (csv, row->line, s_colno (imp, S_OBJECTIVE), "the objective is empty, "
                       "and there is no objective above to go on with");
            continue;
        }
        previous = g;
        s_group_t *group = &imp->groups [g];
        s_same (imp, group, row, S_OBJECTIVE);
        s_same (imp, group, row, S_NARRATIVE);
        s_same (imp, group, row, S_ALIGNED_TO);
        s_key_result (imp, group, row);
    }
    if (imp->count == 0 && csv->problems == 0)
        s_problem (csv, csv->rows [0].line, 0, "no key results: the header row is the only "
                   "row");
    if (imp->count > 100)
        s_problem (csv, imp->groups [100].line, 0, "an import makes at most 100 drafts; "
                   "this is the 101st objective");
    for (size_t g = 0; g < imp->count; g++) {
        s_group_t *group = &imp->groups [g];
        if (group->cells [S_OBJECTIVE] && s_chars (group->cells [S_OBJECTIVE]) > 280)
            s_problem (csv, group->lines [S_OBJECTIVE], s_colno (imp, S_OBJECTIVE),
                       "the objective is %zu characters long; at most 280",
                       s_chars (group->cells [S_OBJECTIVE]));
        if (group->cells [S_NARRATIVE] && s_chars (group->cells [S_NARRATIVE]) > 4000)
            s_problem (csv, group->lines [S_NARRATIVE], s_colno (imp, S_NARRATIVE),
                       "the narrative is %zu characters long; at most 4000",
                       s_chars (group->cells [S_NARRATIVE]));
    }
    s_resolve (imp);
    imp->order = calloc (imp->count + 1, sizeof (int));
    assert (imp->order);
    for (size_t g = 0; g < imp->count && csv->problems == 0; g++)
        s_order (imp, (int) g);
    if (csv->problems) {
        if (csv->problems > S_MAX_SHOWN)
            fprintf (stderr, "%s: and %d more problems\n", csv->path,
                     csv->problems - S_MAX_SHOWN);
        fprintf (stderr, "catchball: %s: %d problem%s; nothing was imported\n", csv->path,
                 csv->problems, csv->problems > 1 ? "s" : "");
        *status = 1;
        return NULL;
    }
    cb_value_t *list = cb_value_new_array ();
    for (size_t i = 0; i < imp->ordered; i++) {
        cb_value_t *content = s_content (imp, &imp->groups [imp->order [i]]);
        cb_value_push (list, &content);
    }
    return list;
}

static void
s_import_free (s_import_t *imp)
{
    for (size_t g = 0; g < imp->count; g++) {
        free (imp->groups [g].name);
        cb_value_destroy (&imp->groups [g].key_results);
    }
    free (imp->groups);
    free (imp->order);
    s_csv_free (&imp->csv);
}

//  --------------------------------------------------------------------------
//  The broker's answer

//  The broker's refusal "drafts[I]: key_results[J]: ... 'target' ..." as
//  FILE:LINE:COLUMN: the message.
static void
s_refused (s_import_t *imp, const char *message)
{
    unsigned draft = 0, kr = 0;
    int used = 0;
    if (sscanf (message, "drafts[%u]: %n", &draft, &used) != 1 || used == 0
    ||  draft >= imp->ordered) {
        fprintf (stderr, "%s: refused: %s\n", imp->csv.path, message);
        return;
    }
    s_group_t *group = &imp->groups [imp->order [draft]];
    const char *rest = message + used;
    int line = group->line, col = 0;
    int krused = 0;
    if (sscanf (rest, "key_results[%u]%n", &kr, &krused) == 1 && krused && kr < group->krs) {
        line = group->kr_lines [kr];
        col = s_colno (imp, S_KR);
        static const struct { const char *word; s_col_t col; } fields [] = {
            { "'target'", S_TARGET }, { "'baseline'", S_BASELINE }, { "'unit'", S_UNIT },
            { "leads", S_LEADS }, { "id", S_KR_ID }
        };
        for (size_t i = 0; i < sizeof (fields) / sizeof (fields [0]); i++)
            if (strstr (rest + krused, fields [i].word)) {
                col = s_colno (imp, fields [i].col);
                break;
            }
    }
    else {
        static const s_col_t cols [] = { S_ALIGNED_TO, S_NARRATIVE, S_OBJECTIVE };
        static const char *words [] = { "aligned_to", "narrative", "objective" };
        if (strncmp (rest, "no draft ", 9) == 0 && group->lines [S_ALIGNED_TO]) {
            line = group->lines [S_ALIGNED_TO];
            col = s_colno (imp, S_ALIGNED_TO);
        }
        for (size_t i = 0; i < 3 && !col; i++)
            if (strstr (rest, words [i]) && group->lines [cols [i]]) {
                line = group->lines [cols [i]];
                col = s_colno (imp, cols [i]);
            }
        //  A text of a key result too long: its own message has no index
        if (!col && strstr (rest, "'text'"))
            col = s_colno (imp, S_KR);
    }
    imp->csv.problems = 0;
    s_problem (&imp->csv, line, col, "refused by the broker: %s", rest);
}

//  What was (or would be) created, a line per draft.
static void
s_report (s_import_t *imp, const cb_value_t *reply, const char *cycle, bool dry_run)
{
    cb_value_t *drafts = cb_value_get_array (reply, "drafts");
    printf ("%s %zu draft%s in cycle %s from %s%s\n", dry_run ? "would create" : "created",
            cb_value_size (drafts), cb_value_size (drafts) == 1 ? "" : "s", cycle,
            imp->csv.path, dry_run ? " (dry run: nothing stored)" : ":");
    for (size_t i = 0; i < cb_value_size (drafts) && i < imp->ordered; i++) {
        cb_value_t *d = cb_value_at (drafts, i);
        s_group_t *group = &imp->groups [imp->order [i]];
        const char *id = cb_value_get_str (d, "draft");
        char name [32];
        snprintf (name, sizeof (name), "#%zu", i + 1);
        printf ("  %-5s line %-4d %s (", id ? id : name, group->line, cli_str (d, "objective"));
        cb_value_t *ids = cb_value_get_array (d, "key_results");
        for (size_t k = 0; k < cb_value_size (ids); k++)
            printf ("%s%s", k ? ", " : "", cb_value_str (cb_value_at (ids, k)));
        printf (")");
        if (group->cells [S_ALIGNED_TO])
            printf (", aligned to %s", group->cells [S_ALIGNED_TO]);
        printf ("\n");
    }
}

//  --------------------------------------------------------------------------
//  catchball import FILE --cycle C [--dry-run] [--delimiter D] [--message M]

static int
s_import (cli_t *cli, cli_args_t *a)
{
    const char *cycle = a->o [CLI_O_CYCLE], *delimiter = a->o [CLI_O_DELIMITER];
    if (!cycle)
        return cli_fail_usage ("%s: --cycle C is required", "import");
    if (delimiter && !streq (delimiter, ",") && !streq (delimiter, ";")
    &&  !streq (delimiter, "tab"))
        return cli_fail_usage ("--delimiter is ',', ';' or tab, not '%s'", delimiter);
    s_import_t imp;
    memset (&imp, 0, sizeof (imp));
    imp.csv.path = a->argv [0];
    int status = 0;
    cb_value_t *drafts = s_drafts (&imp, delimiter, &status);
    if (!drafts) {
        s_import_free (&imp);
        return status;
    }
    bool dry_run = a->o [CLI_O_DRY_RUN] != NULL;
    cb_value_t *body = cb_value_new_map ();
    cb_value_set_str (body, "cycle", cycle);
    cb_value_set (body, "drafts", &drafts);
    if (a->o [CLI_O_MESSAGE])
        cb_value_set_str (body, "message", a->o [CLI_O_MESSAGE]);
    cb_value_set_bool (body, "dry_run", dry_run);
    cb_value_t *reply = cli_request (cli, "draft.import", &body, &status);
    if (!reply && status == 1) {
        //  Said again by row and column, as the file's own problems are
        s_refused (&imp, cb_client_error_message (cli->client));
        fprintf (stderr, "catchball: %s: nothing was imported\n", imp.csv.path);
    }
    if (reply) {
        if (imp.ignored_shared)
            fprintf (stderr, "%s: note: shared_with is set only by an agreed ask or offer: "
                     "not imported (%d row%s)\n", imp.csv.path, imp.ignored_shared,
                     imp.ignored_shared > 1 ? "s" : "");
        if (cli->json)
            cli_json_print (stdout, reply, false);
        else
            s_report (&imp, reply, cycle, dry_run);
        cb_value_destroy (&reply);
        status = 0;
    }
    s_import_free (&imp);
    return status;
}

//  --------------------------------------------------------------------------
//  The table

const cli_command_t cli_import_commands [] = {
    { "import", NULL,
      "import FILE.csv --cycle C [--dry-run] [--delimiter D] [--message M]",
      "drafts from a spreadsheet: one per objective",
      "Creates one draft per objective of FILE.csv (- for stdin), a spreadsheet saved as "
      "CSV with a header row and a row per key result. Columns (any order, case and "
      "spaces as you like): objective, kr and target are required; key, narrative, "
      "aligned_to, kr_id, baseline, unit and leads are optional; shared_with, owner, "
      "state and rev, which export writes, are read and ignored; any other is refused. "
      "The rows of one objective share its key, or without a key column its objective "
      "text (a row whose objective is empty goes on with the one above). aligned_to is "
      "d1 or d1/kr2, or the key of another objective of the file (KEY/kr2). leads are "
      "names separated by commas; kr_id (kr3) keeps a key result's id. UTF-8, with or "
      "without a byte order mark; the delimiter (',', ';' or tab) is found from the "
      "header row; with ';' a number may have a decimal comma. Every row is checked "
      "first, and every problem printed as FILE:LINE:COLUMN; the drafts are then made "
      "in one change by the broker, which checks them again: all of them, or none. At "
      "most 100 objectives (and 256 KiB of request) per import.",
      1, false, { { CLI_O_CYCLE, "the cycle of every draft (required)" },
                  { CLI_O_DRY_RUN, "" }, { CLI_O_DELIMITER, "" },
                  { CLI_O_MESSAGE, "the message of each draft's revision 1 "
                                   "(default \"imported\")" } },
      s_import },
    { "export", NULL, "export --cycle C [--format csv|md|json]",
      "every draft of a cycle, for a spreadsheet, a wiki or a program",
      "Writes every draft of cycle C: its head revision (on a final draft, the final "
      "OKR) with its key results' ids, alignment and shared key results, and the asks "
      "and offers of the cycle's events. csv (the default) has import's columns, one row "
      "per key result, and imports again into an empty store to the same drafts; md is "
      "a Markdown document for a wiki; json is the drafts and asks as the broker "
      "holds them.",
      0, false, { { CLI_O_CYCLE, "the cycle to export (required)" },
                  { CLI_O_FORMAT, "csv (the default), md or json" } },
      cli_export },
    { NULL }
};
