/*  =========================================================================
    web_qr - a join link as a QR code: in the terminal, and as a PNG

    `catchball-web invite` prints the link as a QR code for a phone's
    camera, and writes it as a PNG to show on a slide or send. Both come
    from one QRcode of libqrencode, so they are the same symbol; the PNG is
    written with libpng.

    The link holds a single-use secret, so the PNG is written as the
    invites are: mode 0600, never readable by others even for a moment (a
    temporary file of mkstemp's, 0600 from birth, renamed over the name).
    =========================================================================
*/
#include <czmq.h>
#include <png.h>
#include <qrencode.h>

#include "web.h"

#define S_QUIET_PNG     4       //  The quiet zone the QR standard asks for, in modules
#define S_QUIET_TERM    2       //  In a terminal: enough for scanners, and saves lines
#define S_SCALE         8       //  Pixels per module in the PNG

//  The symbol of text: binary mode, level L (the smallest; a screen or a
//  sheet of paper is clean enough). NULL with errno set.
static QRcode *
s_encode (const char *text)
{
    return QRcode_encodeString (text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
}

//  True if the module at (x, y) is dark; outside the symbol, light.
static bool
s_dark (const QRcode *qr, int x, int y)
{
    if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
        return false;
    return qr->data [y * qr->width + x] & 1;
}

void
web_qr_print (FILE *out, const char *text)
{
    QRcode *qr = s_encode (text);
    if (!qr) {
        fprintf (out, "(no QR code: %s)\n", strerror (errno));
        return;
    }
    //  Two rows of modules per line with half blocks, light modules drawn
    //  (as `qrencode -t UTF8` does, for a terminal's dark background).
    const int quiet = S_QUIET_TERM, side = qr->width + 2 * quiet;
    for (int y = 0; y < side; y += 2) {
        for (int x = 0; x < side; x++) {
            bool top = s_dark (qr, x - quiet, y - quiet);
            bool bottom = y + 1 < side ? s_dark (qr, x - quiet, y + 1 - quiet) : false;
            fputs (!top && !bottom ? "\u2588" : !top ? "\u2580" : !bottom ? "\u2584" : " ",
                   out);
        }
        fputc ('\n', out);
    }
    QRcode_free (qr);
}

//  Writes the symbol to file as a 1-bit grey PNG, dark modules black. 0 or
//  -1; libpng's complaint goes to stderr.
static int
s_write_png (FILE *file, const QRcode *qr)
{
    png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct (png) : NULL;
    const int side = (qr->width + 2 * S_QUIET_PNG) * S_SCALE;
    //  volatile: it must survive libpng's longjmp back here on an error.
    png_bytep volatile row = NULL;
    if (!info || setjmp (png_jmpbuf (png))) {
        free (row);
        png_destroy_write_struct (&png, &info);
        return -1;
    }
    png_init_io (png, file);
    png_set_IHDR (png, info, side, side, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                  PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info (png, info);
    row = (png_bytep) malloc ((size_t) (side + 7) / 8);
    assert (row);
    for (int y = 0; y < side; y++) {
        memset (row, 0xff, (size_t) (side + 7) / 8);        //  Light: 1 bits
        for (int x = 0; x < side; x++)
            if (s_dark (qr, x / S_SCALE - S_QUIET_PNG, y / S_SCALE - S_QUIET_PNG))
                row [x / 8] &= (png_byte) ~(0x80 >> (x % 8));
        png_write_row (png, row);
    }
    png_write_end (png, NULL);
    free (row);
    png_destroy_write_struct (&png, &info);
    return 0;
}

int
web_qr_png (const char *text, const char *path, char *why, size_t why_size)
{
    QRcode *qr = s_encode (text);
    if (!qr) {
        snprintf (why, why_size, "no QR code: %s", strerror (errno));
        return -1;
    }
    //  Written aside, 0600 from the start, then renamed over path: no
    //  moment where the secret is in a file others may read, and never
    //  half a PNG under the name.
    char temp [4200];
    snprintf (temp, sizeof (temp), "%s.XXXXXX", path);
    int fd = mkstemp (temp);
    FILE *file = fd < 0 ? NULL : fdopen (fd, "wb");
    if (!file) {
        snprintf (why, why_size, "cannot write %s: %s", path, strerror (errno));
        if (fd >= 0) {
            close (fd);
            unlink (temp);
        }
        QRcode_free (qr);
        return -1;
    }
    int rc = s_write_png (file, qr);
    QRcode_free (qr);
    if (fclose (file) || rc || rename (temp, path)) {
        snprintf (why, why_size, "cannot write %s: %s", path,
                  rc ? "libpng failed" : strerror (errno));
        unlink (temp);
        return -1;
    }
    return 0;
}
