/*  =========================================================================
    web_assets - the gateway's static files, compiled into the binary

    web/embed.cmake writes web_assets.c from web/assets/ at build time: one
    entry per file, served under /assets/NAME. Nothing is read from disk
    or fetched at run time.
    =========================================================================
*/
#ifndef CB_WEB_ASSETS_H_INCLUDED
#define CB_WEB_ASSETS_H_INCLUDED

#include <stddef.h>

typedef struct {
    const char *path;               //  "/assets/board.js"; NULL ends the table
    const char *mime;               //  Its Content-Type
    const unsigned char *data;      //  Its bytes
    size_t size;                    //  How many
} web_asset_t;

extern const web_asset_t web_assets [];

#endif
