/*  =========================================================================
    coach_text - a key result's text as tokens, and the word lists matched
    against them

    Tokens are words (lower case, inner apostrophes and hyphens kept),
    numbers (with the letters glued to them: "24h"), years (a date, not a
    measure) and symbols. A list entry matches at a token if its words do,
    the first in any inflected form when asked ("prepared" matches
    "prepare"); the longest entry wins, the file's first among equals.
    =========================================================================
*/
#include <ctype.h>
#include <stdlib.h>

#include "coach_int.h"

//  Bytes of UTF-8 that start a word: ASCII letters, and every non-ASCII
//  character but punctuation and symbols (s_symbol_size).
static bool
s_is_letter (unsigned char c)
{
    return isalpha (c) || c >= 0x80;
}

//  The size of a punctuation mark or symbol at p, in bytes, or 0: U+0080
//  to U+00BF (no-break space, the pound, guillemets...) and U+2000 to
//  U+2FFF (dashes, curly quotes, bullets, the euro, arrows, "≥"), so that
//  "• Meet with..." starts with its verb.
static size_t
s_symbol_size (const char *p)
{
    unsigned char c = p [0], next = p [1];
    if (c == 0xC2 && next >= 0x80 && next <= 0xBF)
        return 2;
    if (c == 0xE2 && next >= 0x80 && next <= 0xBF && (unsigned char) p [2] >= 0x80)
        return 3;
    return 0;
}

//  True at a curly apostrophe (U+2019) followed by a letter or digit:
//  "we’ll" is "we'll".
static bool
s_is_curly_apostrophe (const char *p)
{
    return (unsigned char) p [0] == 0xE2 && (unsigned char) p [1] == 0x80
        && (unsigned char) p [2] == 0x99 && isalnum ((unsigned char) p [3]);
}

//  Splits source into tokens; the caller frees text->tokens.
void
coach_tokenize (coach_text_t *text, const char *source)
{
    size_t length = strlen (source);
    text->source = source;
    text->tokens = calloc (length + 1, sizeof (coach_token_t));
    if (!text->tokens)
        abort ();
    text->size = 0;
    text->lead = 0;
    size_t i = 0;
    while (i < length) {
        unsigned char c = source [i];
        size_t symbol = s_symbol_size (source + i);
        if (isspace (c) || (symbol == 2 && (unsigned char) source [i + 1] == 0xA0)) {
            i += symbol ? symbol : 1;
            continue;
        }
        coach_token_t *token = &text->tokens [text->size++];
        token->start = i;
        if (symbol) {
            token->kind = T_SYMBOL;
            i += symbol;
        }
        else
        if (s_is_letter (c)) {
            token->kind = T_WORD;
            //  Inner apostrophes and hyphens stay: "we'll", "set-up".
            while (i < length) {
                if (s_is_curly_apostrophe (source + i))
                    i += 3;
                else
                if ((source [i] == '\'' || source [i] == '-')
                &&  isalnum ((unsigned char) source [i + 1]))
                    i++;
                else
                if ((isalnum ((unsigned char) source [i]) || s_is_letter (source [i]))
                &&  !s_symbol_size (source + i))
                    i++;
                else
                    break;
            }
        }
        else
        if (isdigit (c)) {
            token->kind = T_NUMBER;
            while (i < length && (isdigit ((unsigned char) source [i])
                                  || ((source [i] == '.' || source [i] == ',')
                                      && i + 1 < length
                                      && isdigit ((unsigned char) source [i + 1]))))
                i++;
            //  A year is a date, not a measure: "the 2028 budget".
            size_t digits = i - token->start;
            long value = strtol (source + token->start, NULL, 10);
            if (digits == 4 && value >= 1900 && value <= 2100
            &&  !(i < length && (s_is_letter (source [i]) || source [i] == '%')))
                token->kind = T_YEAR;
            //  "24h", "10k", "3rd": the letters stay with their number.
            while (i < length && s_is_letter (source [i]))
                i++;
        }
        else {
            token->kind = T_SYMBOL;
            i++;
        }
        token->end = i;
        //  Lower case, the curly apostrophe straight: what the lists hold.
        size_t out = 0;
        for (size_t k = token->start; k < token->end && out < COACH_WORD_MAX - 1; k++) {
            if (token->kind == T_WORD && s_is_curly_apostrophe (source + k)) {
                token->text [out++] = '\'';
                k += 2;
            }
            else
                token->text [out++] = (char) tolower ((unsigned char) source [k]);
        }
    }
}

//  --------------------------------------------------------------------------
//  Matching words

//  How a word inflects a base form: 'b' the base, 's' -s/-es, 'd' -ed/-d,
//  'g' -ing; 0 if it does not. "prepared", "preparing", "shipped",
//  "studies" all match their base.
static char
s_inflects (const char *word, const char *base)
{
    size_t w = strlen (word), b = strlen (base);
    if (streq (word, base))
        return 'b';
    if (b < 2 || w <= b - 1)
        return 0;
    char last = base [b - 1];
    //  Forms that change the base's end: prepare -> preparing, study -> studied.
    if (strncmp (word, base, b - 1) == 0) {
        const char *rest = word + b - 1;
        if (last == 'e' && streq (rest, "ing"))
            return 'g';
        if (last == 'y' && streq (rest, "ies"))
            return 's';
        if (last == 'y' && streq (rest, "ied"))
            return 'd';
    }
    if (w <= b || strncmp (word, base, b) != 0)
        return 0;
    const char *suffix = word + b;
    if (streq (suffix, "s") || streq (suffix, "es"))
        return 's';
    if (streq (suffix, "ed") || (last == 'e' && streq (suffix, "d")))
        return 'd';
    if (streq (suffix, "ing"))
        return 'g';
    //  A doubled final consonant: ship -> shipped, run -> running.
    if (suffix [0] == last && !strchr ("aeiouy", last)) {
        if (streq (suffix + 1, "ed"))
            return 'd';
        if (streq (suffix + 1, "ing"))
            return 'g';
    }
    return 0;
}

//  How many tokens of text from index the entry covers (its first word in
//  any form if inflect, else exactly; the others exactly), 0 if none.
//  *form is the first word's form.
static size_t
s_match_entry (const coach_entry_t *entry, const coach_text_t *text, size_t index, bool inflect,
               char *form)
{
    if (index + entry->count > text->size)
        return 0;
    for (size_t w = 0; w < entry->count; w++) {
        const coach_token_t *token = &text->tokens [index + w];
        if (token->kind != T_WORD && token->kind != T_NUMBER)
            return 0;
        if (w == 0 && inflect) {
            *form = s_inflects (token->text, entry->words [0]);
            if (!*form)
                return 0;
        }
        else
        if (!streq (token->text, entry->words [w]))
            return 0;
        else
        if (w == 0)
            *form = 'b';
    }
    return entry->count;
}


//  The longest entry of list that matches text at index.
coach_match_t
coach_match (const cb_coach_t *self, coach_list_id_t list, const coach_text_t *text,
             size_t index, bool inflect)
{
    coach_match_t best = { NULL, 0, 0 };
    const coach_list_t *l = &self->lists [list];
    if (index >= text->size)
        return best;
    unsigned char first = (unsigned char) text->tokens [index].text [0];
    for (uint32_t i = l->start [first]; i < l->start [first + 1]; i++) {
        const coach_entry_t *entry = &l->entries [l->order [i]];
        char form = 0;
        size_t length = s_match_entry (entry, text, index, inflect, &form);
        if (length > best.length) {
            best.entry = entry;
            best.length = length;
            best.form = form;
        }
    }
    return best;
}

bool
coach_is (const cb_coach_t *self, coach_list_id_t list, const coach_text_t *text, size_t index)
{
    return coach_match (self, list, text, index, false).entry != NULL;
}

//  True if word is one of words (NULL-terminated): the few grammar words
//  the rules name themselves, not for an organisation to change.
bool
coach_one_of (const char *word, const char *const *words)
{
    for (; *words; words++)
        if (streq (word, *words))
            return true;
    return false;
}
