/*  =========================================================================
    cb_broker - catchballd's loop: the ROUTER socket, node sessions, group
    commit, replies and inbox deliveries, round deadlines

    Data flows one way: socket -> decode -> validate -> apply in one write
    transaction per batch -> commit -> replies and deliveries. Nothing is
    answered before the transaction holding it has committed.
    =========================================================================
*/
#ifndef CB_BROKER_H_INCLUDED
#define CB_BROKER_H_INCLUDED

#include <czmq.h>

typedef struct {
    const char *endpoint;       //  Where to bind
    const char *store;          //  Store directory
    size_t mapsize;             //  Initial LMDB map size (0: default)
    size_t mapmax;              //  Largest map size (0: default)
    int window;                 //  Deliveries in flight per node (0: default)
    int batch;                  //  Most messages per transaction (0: default)
    bool verbose;               //  Log every request
    const char *key;            //  CURVE: the broker's secret certificate file
    const char *certs;          //  CURVE: the directory of node certificates
    bool insecure;              //  Allow a non-loopback bind without CURVE
    int rate;                   //  Requests per second per node (0: default, <0: off)
    size_t peer_bytes;          //  Bytes held for one TCP peer, each way (0: default)
    int hello_timeout;          //  Seconds a connection may stay without a hello (0: default)
    int max_connections;        //  Connections open at once (0: from the descriptor limit)
    bool new_store;             //  Make a new, empty store where the old one's data
                                //  file is missing or empty (else refused)
    const char *clock;          //  Tests: the file the broker's time is read from
                                //  (clock.h); NULL: the wall clock
} cb_broker_config_t;

typedef struct _cb_broker_t cb_broker_t;

//  Open the store and bind. NULL on failure (logged).
cb_broker_t *cb_broker_new (const cb_broker_config_t *config);
void cb_broker_destroy (cb_broker_t **self_p);
//  Serve until zsys_interrupted is set. 0 on a clean stop.
int cb_broker_run (cb_broker_t *self);
//  The endpoint actually bound (useful with port 0 or '*').
const char *cb_broker_endpoint (cb_broker_t *self);

#endif
