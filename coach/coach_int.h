/*  =========================================================================
    coach_int - what the coach's three files share

    cb_coach.c reads key results by its rules; coach_words.c loads the
    word lists from coach.words and indexes them by first byte;
    coach_text.c splits a text into tokens and matches the lists against
    them. These are their types: a list and its entries, a text's tokens,
    a match. Nothing outside coach/ includes this header.
    =========================================================================
*/
#ifndef CB_COACH_INT_H_INCLUDED
#define CB_COACH_INT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cb_coach.h"

#define streq(a, b) (strcmp ((a), (b)) == 0)

//  --------------------------------------------------------------------------
//  The word lists

typedef enum {
    L_TASK_VERBS, L_PARTICIPLES, L_TASK_NOUNS, L_RESULT_VERBS, L_GUARDRAIL_VERBS,
    L_CONTINUE, L_VAGUE, L_RESULT_STATES, L_ACTIVITY_NOUNS, L_METRIC_NOUNS, L_FILLERS,
    L_MONTHS, L_DATE_WORDS, L_MEASURE_WORDS, L_NUMBER_WORDS, L_LIGHT_VERBS,
    L_DETERMINERS, L_QUANTIFIERS, L_COUNT
} coach_list_id_t;

#define COACH_PHRASE_MAX 4          //  Words in one entry, at most
#define COACH_WORD_MAX 48           //  Bytes in one word, at most

//  An entry of a list: a word or a phrase, and what follows ' => '.
typedef struct {
    char *words [COACH_PHRASE_MAX]; //  Lower case
    size_t count;               //  How many words
    char *extra;                //  A suggestion template or a verb form; NULL
} coach_entry_t;

typedef struct {
    coach_entry_t *entries;     //  In the file's order
    size_t size;                //  How many
    size_t capacity;            //  Allocated
    //  The entries by their first word's first byte, each bucket in the
    //  file's order: bucket c is order [start [c]] to order [start [c + 1]].
    //  A word matches an entry only if they share that byte (an exact
    //  match, or an inflection, which keeps all but the base's last
    //  letter: s_inflects), so coach_match looks at one bucket, not the list.
    uint32_t *order;
    uint32_t start [257];
} coach_list_t;

struct _cb_coach_t {
    coach_list_t lists [L_COUNT];   //  The word lists by coach_list_id_t
};

//  --------------------------------------------------------------------------
//  Tokens

typedef enum { T_WORD, T_NUMBER, T_YEAR, T_SYMBOL } coach_kind_t;

typedef struct {
    coach_kind_t kind;          //  What it is
    char text [COACH_WORD_MAX]; //  Lower case (cut at COACH_WORD_MAX - 1 bytes)
    size_t start;               //  Its bytes in the source
    size_t end;
} coach_token_t;

typedef struct {
    const char *source;         //  The text, lent
    coach_token_t *tokens;      //  Its tokens
    size_t size;                //  How many
    size_t lead;                //  The first token after fillers
} coach_text_t;

//  A match of a list at a token: the entry, how many tokens, the form.
typedef struct {
    const coach_entry_t *entry; //  NULL if none matched
    size_t length;              //  Tokens covered
    char form;                  //  The first word's form
} coach_match_t;

//  --------------------------------------------------------------------------
//  coach_words.c

//  A copy of length bytes of text, or of text, terminated (abort if no
//  memory: the coach's strings are a few hundred bytes).
char *coach_strdup (const char *text, size_t length);
char *coach_dup (const char *text);

//  --------------------------------------------------------------------------
//  coach_text.c

//  Splits source into tokens (source lent, not copied); the caller frees
//  text->tokens.
void coach_tokenize (coach_text_t *text, const char *source);
//  The longest entry of list that matches text at index: its first word in
//  any form if inflect, else exactly (coach_match_t.entry NULL if none).
coach_match_t coach_match (const cb_coach_t *self, coach_list_id_t list,
                           const coach_text_t *text, size_t index, bool inflect);
//  True if an entry of list matches text at index exactly.
bool coach_is (const cb_coach_t *self, coach_list_id_t list, const coach_text_t *text,
               size_t index);
//  True if word is one of words (NULL-terminated).
bool coach_one_of (const char *word, const char *const *words);

#endif
