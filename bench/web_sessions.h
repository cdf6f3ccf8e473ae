/*  bench/web_sessions.h - benchmark 7: catchball-web with 200 sessions,
    against the same requests from libcatchball (web_sessions.c)
*/
#ifndef BENCH_WEB_SESSIONS_H_INCLUDED
#define BENCH_WEB_SESSIONS_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

//  What benchmark 7 measured
typedef struct {
    int sessions;               //  Sessions through the gateway, and clients of the library
    int requests;               //  Timed requests of each
    bool live;                  //  Each session held its live page (SSE) open too
    double web_p50, web_p99;    //  Through the gateway: microseconds
    double lib_p50, lib_p99;    //  From libcatchball: microseconds
    double web_rate, lib_rate;  //  Requests a second, all sessions together
    double idle_kb;             //  The gateway's resident memory serving, before any join
    double joined_kb;           //  With every session joined, no connection open
    double active_kb;           //  With every session's connection open, after the load
    double peak_kb;             //  Its peak resident memory (VmHWM)
    size_t request_size;        //  The HTTP request, bytes
    size_t reply_size;          //  The HTTP reply's body (JSON), bytes
    int reconnects;             //  Timed requests after which the gateway closed the connection
} bench_web_t;

//  Starts web_bin (catchball-web) against the running broker at endpoint,
//  with its directory under tmpdir; invites and joins `sessions` team
//  nodes; throws them rounds from a leadership node; then times
//  `requests` round.show reads from each session at once, through
//  GET /api/read on keep-alive connections, and the same reads from as
//  many libcatchball clients (other team nodes, the same rounds). With
//  live, each session also holds its live page (GET /live/me) open, as a
//  browser's page does. Stops the gateway. Dies with a message on any
//  failure.
void bench_web_sessions (const char *endpoint, const char *web_bin, const char *tmpdir,
                         int sessions, int requests, bool live, bench_web_t *out);

#endif
