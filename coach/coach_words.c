/*  =========================================================================
    coach_words - the coach's word lists: coach.words read and indexed

    coach.words is sections of entries ("[task_verbs]", then a word or a
    phrase a line, "=> " and a suggestion template or a verb form after
    it); an organisation may add its own file after ours
    (CATCHBALL_COACH_WORDS="ours:theirs"). Each list is indexed by its
    entries' first byte, so a match looks at one bucket (coach_text.c).
    The lists are read once, at cb_coach_new, never per key result.
    =========================================================================
*/
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "coach_int.h"

//  Where cmake --install puts coach.words; CMake sets it from the prefix.
#ifndef CB_COACH_DATADIR
#   define CB_COACH_DATADIR "/usr/local/share/catchball"
#endif

//  Each list's section name in coach.words, in coach_list_id_t's order.
static const char *s_list_names [L_COUNT] = {
    "task_verbs", "participles", "task_nouns", "result_verbs", "guardrail_verbs",
    "continue", "vague", "result_states", "activity_nouns", "metric_nouns", "fillers",
    "months", "date_words", "measure_words", "number_words", "light_verbs", "determiners",
    "quantifiers"
};

static void
s_error (char *error, size_t size, const char *format, ...)
{
    if (!error || !size)
        return;
    va_list args;
    va_start (args, format);
    vsnprintf (error, size, format, args);
    va_end (args);
}

char *
coach_strdup (const char *text, size_t length)
{
    char *copy = malloc (length + 1);
    if (!copy)
        abort ();
    memcpy (copy, text, length);
    copy [length] = 0;
    return copy;
}

char *
coach_dup (const char *text)
{
    return coach_strdup (text, strlen (text));
}

//  Adds one line's entry to list: "coordinate with => {rest} is approved".
//  -1 if the line has too many words or too long a word.
static int
s_list_add (coach_list_t *list, char *line)
{
    coach_entry_t entry = { { 0 }, 0, NULL };
    char *arrow = strstr (line, " => ");
    if (arrow) {
        *arrow = 0;
        entry.extra = coach_dup (arrow + 4);
    }
    char *save = NULL;
    for (char *word = strtok_r (line, " \t", &save); word; word = strtok_r (NULL, " \t", &save)) {
        if (entry.count == COACH_PHRASE_MAX || strlen (word) >= COACH_WORD_MAX) {
            for (size_t i = 0; i < entry.count; i++)
                free (entry.words [i]);
            free (entry.extra);
            return -1;
        }
        for (char *c = word; *c; c++)
            *c = (char) tolower ((unsigned char) *c);
        entry.words [entry.count++] = coach_dup (word);
    }
    if (entry.count == 0) {
        free (entry.extra);
        return 0;
    }
    if (list->size == list->capacity) {
        list->capacity = list->capacity ? list->capacity * 2 : 32;
        list->entries = realloc (list->entries, list->capacity * sizeof (coach_entry_t));
        if (!list->entries)
            abort ();
    }
    list->entries [list->size++] = entry;
    return 0;
}

//  Reads one words file into the lists. -1 with the reason in error.
static int
s_load (cb_coach_t *self, const char *path, char *error, size_t size)
{
    FILE *file = fopen (path, "r");
    if (!file) {
        s_error (error, size, "cannot read the coach's words %s: %s", path, strerror (errno));
        return -1;
    }
    char line [512];
    int number = 0, rc = 0;
    coach_list_t *list = NULL;
    while (rc == 0 && fgets (line, sizeof (line), file)) {
        number++;
        if (!strchr (line, '\n') && !feof (file)) {
            s_error (error, size, "%s:%d: a line longer than %zu bytes", path, number,
                     sizeof (line) - 2);
            rc = -1;
            break;
        }
        char *comment = strchr (line, '#');
        if (comment)
            *comment = 0;
        size_t length = strlen (line);
        while (length && isspace ((unsigned char) line [length - 1]))
            line [--length] = 0;
        char *start = line;
        while (isspace ((unsigned char) *start))
            start++;
        if (!*start)
            continue;
        if (*start == '[') {
            list = NULL;
            for (int l = 0; l < L_COUNT; l++)
                if (strlen (start) == strlen (s_list_names [l]) + 2
                &&  strncmp (start + 1, s_list_names [l], strlen (s_list_names [l])) == 0
                &&  start [strlen (start) - 1] == ']')
                    list = &self->lists [l];
            if (!list) {
                s_error (error, size, "%s:%d: unknown section %s", path, number, start);
                rc = -1;
            }
        }
        else
        if (!list) {
            s_error (error, size, "%s:%d: an entry before any [section]", path, number);
            rc = -1;
        }
        else
        if (s_list_add (list, start)) {
            s_error (error, size, "%s:%d: at most %d words of at most %d bytes", path, number,
                     COACH_PHRASE_MAX, COACH_WORD_MAX - 1);
            rc = -1;
        }
    }
    fclose (file);
    return rc;
}

//  --------------------------------------------------------------------------
//  Constructor and destructor

//  The list's buckets by first byte (a counting sort: stable, so each
//  bucket keeps the file's order, and the longest-then-first rule of
//  coach_match gives what a scan of the whole list gives). An entry whose first
//  word is empty matches no token and goes in no bucket.
static void
s_index (coach_list_t *list)
{
    uint32_t count [257] = { 0 };
    for (size_t e = 0; e < list->size; e++) {
        const char *first = list->entries [e].count ? list->entries [e].words [0] : "";
        if (*first)
            count [(unsigned char) *first + 1]++;
    }
    for (int c = 1; c < 257; c++)
        count [c] += count [c - 1];
    memcpy (list->start, count, sizeof (count));
    list->order = malloc ((list->size ? list->size : 1) * sizeof (uint32_t));
    if (!list->order)
        abort ();
    for (size_t e = 0; e < list->size; e++) {
        const char *first = list->entries [e].count ? list->entries [e].words [0] : "";
        if (*first)
            list->order [count [(unsigned char) *first]++] = (uint32_t) e;
    }
}

cb_coach_t *
cb_coach_new (const char *path, char *error, size_t size)
{
    char *found = path ? coach_dup (path) : cb_coach_words_path ();
    if (!found) {
        s_error (error, size, "no coach.words found: set CATCHBALL_COACH_WORDS, or install "
                 "catchball (cmake --install puts it in %s)", CB_COACH_DATADIR);
        return NULL;
    }
    cb_coach_t *self = calloc (1, sizeof (cb_coach_t));
    if (!self)
        abort ();
    int rc = 0;
    char *save = NULL;
    for (char *file = strtok_r (found, ":", &save); file && rc == 0;
         file = strtok_r (NULL, ":", &save))
        rc = s_load (self, file, error, size);
    free (found);
    if (rc)
        cb_coach_destroy (&self);
    for (int l = 0; self && l < L_COUNT; l++)
        s_index (&self->lists [l]);
    return self;
}

void
cb_coach_destroy (cb_coach_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    cb_coach_t *self = *self_p;
    for (int l = 0; l < L_COUNT; l++) {
        for (size_t e = 0; e < self->lists [l].size; e++) {
            coach_entry_t *entry = &self->lists [l].entries [e];
            for (size_t w = 0; w < entry->count; w++)
                free (entry->words [w]);
            free (entry->extra);
        }
        free (self->lists [l].entries);
        free (self->lists [l].order);
    }
    free (self);
    *self_p = NULL;
}

char *
cb_coach_words_path (void)
{
    const char *env = getenv ("CATCHBALL_COACH_WORDS");
    if (env && *env)
        return coach_dup (env);
    //  The build tree: cmake copies coach.words next to the programs.
    char self [PATH_MAX];
    ssize_t length = readlink ("/proc/self/exe", self, sizeof (self) - 1);
    if (length > 0) {
        self [length] = 0;
        char *slash = strrchr (self, '/');
        if (slash && (size_t) (slash - self) + sizeof ("/coach.words") < sizeof (self)) {
            strcpy (slash, "/coach.words");
            if (access (self, R_OK) == 0)
                return coach_dup (self);
        }
    }
    const char *installed = CB_COACH_DATADIR "/coach.words";
    if (access (installed, R_OK) == 0)
        return coach_dup (installed);
    return NULL;
}
