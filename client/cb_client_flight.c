/*  =========================================================================
    cb_client_flight - libcatchball's requests in flight: requests that do
    not wait for their reply

    cb_client_send queues a request; cb_client_pump, which the caller runs
    in its own loop, sends what is due (only while the link is up: a
    request sent into a dead link would wait in the socket and go twice),
    resends with the same message id, says hello when the broker asks for
    it or after a new connection, times out what waited too long and fails
    everything at once while the link is refused. Each finished request,
    its reply or its error, goes to a list that cb_client_done empties.
    The client's own housekeeping (hello, ping, log.subscribe, log.ack)
    goes the same way, its outcome taking effect here. See cb_client.c for
    the socket and the link.
    =========================================================================
*/
#include "cb_client_int.h"

//  A request in flight, encoded now; sent by the next cb_flight_due.
static cb_value_t *s_error_reply (const char *mid, int code, const char *message);
static void s_flight_finish (cb_client_t *self, cb_flight_t *flight, cb_value_t **reply_p);

//  Returns its ticket (0 for the client's own).
uint64_t
cb_flight_new (cb_client_t *self, cb_purpose_t purpose, const char *type,
               cb_value_t **body_p, int timeout_ms, int64_t value)
{
    cb_flight_t *flight = (cb_flight_t *) zmalloc (sizeof (cb_flight_t));
    flight->ticket = purpose == CB_FOR_CALLER ? ++self->ticket_next : 0;
    flight->purpose = purpose;
    flight->value = value;
    cb_client_next_mid (self, flight->mid, sizeof (flight->mid));
    snprintf (flight->type, sizeof (flight->type), "%s", type);
    cb_value_t *msg = cb_value_new_map ();
    cb_value_set_int (msg, "cb", 1);
    cb_value_set_str (msg, "type", type);
    cb_value_set_str (msg, "mid", flight->mid);
    cb_value_t *body = body_p && *body_p ? *body_p : cb_value_new_map ();
    if (body_p)
        *body_p = NULL;
    cb_value_set (msg, "body", &body);
    flight->data = cb_codec_encode (msg, &flight->size);
    cb_value_destroy (&msg);
    flight->deadline = zclock_mono () + timeout_ms;
    flight->interval = self->retry;
    zlist_append (self->flights, flight);
    char why [320];
    if (!cb_client_frame_ok (flight->data, flight->size, why, sizeof (why))) {
        //  Finished at once: the broker could not even say which it refused
        cb_value_t *reply = s_error_reply (flight->mid, CB_E_BAD_MESSAGE, why);
        uint64_t ticket = flight->ticket;
        s_flight_finish (self, flight, &reply);
        return ticket;
    }
    return flight->ticket;
}

bool
cb_flight_flying (cb_client_t *self, cb_purpose_t purpose)
{
    for (cb_flight_t *f = (cb_flight_t *) zlist_first (self->flights); f;
         f = (cb_flight_t *) zlist_next (self->flights))
        if (f->purpose == purpose)
            return true;
    return false;
}

//  A reply made here, for a request the broker could not answer.
static cb_value_t *
s_error_reply (const char *mid, int code, const char *message)
{
    cb_value_t *reply = cb_value_new_map ();
    cb_value_set_str (reply, "type", "error");
    cb_value_set_str (reply, "mid", mid);
    cb_value_set_int (reply, "code", code);
    cb_value_set_str (reply, "name", cb_err_name (code));
    cb_value_set_str (reply, "message", message && *message ? message : cb_strerror (code));
    return reply;
}

static void s_fail_callers (cb_client_t *self, const cb_value_t *error);

//  A request in flight is finished with this reply (taken): the caller's
//  goes to the done list; the client's own takes effect here.
static void
s_flight_finish (cb_client_t *self, cb_flight_t *flight, cb_value_t **reply_p)
{
    zlist_remove (self->flights, flight);
    cb_value_t *reply = *reply_p;
    *reply_p = NULL;
    bool ok = streq (cb_value_get_str_or (reply, "type", ""), "ok");
    cb_value_t *body = cb_value_get_map (reply, "body");
    switch (flight->purpose) {
        case CB_FOR_CALLER:
            cb_value_set_int (reply, "ticket", (int64_t) flight->ticket);
            zlist_append (self->done, reply);
            reply = NULL;
            break;
        case CB_FOR_HELLO:
            if (ok) {
                int64_t last = 0, acked = 0;
                cb_value_get_int (cb_value_get_map (body, "inbox"), "last", &last);
                cb_value_get_int (cb_value_get_map (body, "inbox"), "acked", &acked);
                self->inbox_last = (uint64_t) last;
                self->inbox_acked = (uint64_t) acked;
                self->hello = true;
                //  A subscription lives with its session: renew it.
                if (self->subscribed && !cb_flight_flying (self, CB_FOR_SUBSCRIBE)) {
                    cb_value_t *sub = cb_value_new_map ();
                    cb_value_set_int (sub, "from", (int64_t) self->log_next);
                    if (self->log_filter) {
                        cb_value_t *filter = cb_value_dup (self->log_filter);
                        cb_value_set (sub, "filter", &filter);
                    }
                    cb_flight_new (self, CB_FOR_SUBSCRIBE, "log.subscribe", &sub,
                                  CB_CLIENT_HOUSEKEEPING, (int64_t) self->log_next);
                }
            }
            else
            if (cb_value_get (reply, "code")) {
                int64_t code = 0;
                cb_value_get_int (reply, "code", &code);
                //  Refused by the broker (not a time-out, which is tried
                //  again): nothing waiting for the hello can be sent.
                if (code != CB_E_TIMEOUT && code != CB_E_REFUSED)
                    s_fail_callers (self, reply);
            }
            break;
        case CB_FOR_SUBSCRIBE:
            if (ok)
                self->log_acked = (uint64_t) flight->value - 1;
            break;
        case CB_FOR_ACK:
            if (ok && (uint64_t) flight->value > self->log_acked)
                self->log_acked = (uint64_t) flight->value;
            break;
        case CB_FOR_PING:
            break;
    }
    cb_value_destroy (&reply);
    free (flight->data);
    free (flight);
}

//  Every caller's request in flight ends with a copy of this error.
static void
s_fail_callers (cb_client_t *self, const cb_value_t *error)
{
    cb_flight_t *f = (cb_flight_t *) zlist_first (self->flights);
    while (f) {
        cb_flight_t *next = (cb_flight_t *) zlist_next (self->flights);
        if (f->purpose == CB_FOR_CALLER) {
            int64_t code = CB_E_PROTOCOL;
            cb_value_get_int (error, "code", &code);
            cb_value_t *copy = s_error_reply (f->mid, (int) code,
                                              cb_value_get_str (error, "message"));
            s_flight_finish (self, f, &copy);
            f = (cb_flight_t *) zlist_first (self->flights);     //  The list changed
            continue;
        }
        f = next;
    }
}

//  A reply to a request in flight: handled, and true; false if it is not
//  one of theirs. Takes the reply if true.
bool
cb_flight_reply (cb_client_t *self, cb_value_t **msg_p)
{
    const char *mid = cb_value_get_str_or (*msg_p, "mid", "");
    cb_flight_t *flight = (cb_flight_t *) zlist_first (self->flights);
    while (flight && !streq (flight->mid, mid))
        flight = (cb_flight_t *) zlist_next (self->flights);
    if (!flight)
        return false;
    int64_t code = 0, after = 0;
    if (streq (cb_value_get_str_or (*msg_p, "type", ""), "error"))
        cb_value_get_int (*msg_p, "code", &code);
    if (code == CB_E_NOT_HELLO && flight->purpose != CB_FOR_HELLO) {
        //  A new broker, or a replaced session: hello, then the same again.
        self->hello = false;
        flight->resend = 0;
        flight->interval = self->retry;
        cb_value_destroy (msg_p);
    }
    else
    if (code == CB_E_RATE_LIMITED) {
        cb_value_get_int (*msg_p, "retry_after", &after);
        if (after <= 0 || after >= CB_CLIENT_MAX_RETRY)
            after = CB_CLIENT_MAX_RETRY;
        flight->resend = zclock_mono () + after;
        flight->interval = self->retry;
        cb_value_destroy (msg_p);
    }
    else
        s_flight_finish (self, flight, msg_p);
    return true;
}

//  Does what is due for the requests in flight: fails them all at once if
//  the handshake was refused, times out those past their deadline, says
//  hello when one needs it, and sends (again) those whose time has come
//  while the link is up (a request sent into a dead link would only wait
//  in the socket and be sent twice).
void
cb_flight_due (cb_client_t *self, bool ping)
{
    int64_t now = zclock_mono ();
    if (ping && !self->next_ping)
        self->next_ping = now + CB_CLIENT_PING_MS;
    if (ping && now >= self->next_ping && self->link == CB_LINK_UP
    &&  !cb_flight_flying (self, CB_FOR_PING)) {
        self->next_ping = now + CB_CLIENT_PING_MS;
        cb_flight_new (self, CB_FOR_PING, "ping", NULL, CB_CLIENT_PING_TIMEOUT, 0);
    }
    bool need_hello = !self->hello && self->subscribed;
    cb_flight_t *f = (cb_flight_t *) zlist_first (self->flights);
    while (f) {
        cb_flight_t *next = (cb_flight_t *) zlist_next (self->flights);
        if (self->link == CB_LINK_REFUSED || now >= f->deadline) {
            cb_value_t *error = self->link == CB_LINK_REFUSED
                              ? s_error_reply (f->mid, CB_E_REFUSED, self->link_why)
                              : s_error_reply (f->mid, CB_E_TIMEOUT, NULL);
            s_flight_finish (self, f, &error);
            f = (cb_flight_t *) zlist_first (self->flights);     //  The list changed
            continue;
        }
        if (f->purpose != CB_FOR_HELLO && !self->hello)
            need_hello = true;
        else
        if (now >= f->resend && self->link == CB_LINK_UP) {
            zframe_t *frame = zframe_new (f->data, f->size);
            if (zframe_send (&frame, self->dealer, ZFRAME_DONTWAIT))
                zframe_destroy (&frame);
            f->resend = now + f->interval;
            f->interval = f->interval * 2 > CB_CLIENT_MAX_RETRY ? CB_CLIENT_MAX_RETRY
                                                                : f->interval * 2;
        }
        f = next;
    }
    if (need_hello && self->link != CB_LINK_REFUSED && !cb_flight_flying (self, CB_FOR_HELLO)) {
        cb_value_t *body = cb_client_hello_body (self);
        cb_flight_new (self, CB_FOR_HELLO, "hello", &body, CB_CLIENT_HOUSEKEEPING, 0);
        cb_flight_due (self, false);    //  Sends it
    }
}

//  When something is next due for the requests in flight (monotonic ms).
static int64_t
s_flights_next (cb_client_t *self, bool ping)
{
    int64_t next = ping && self->next_ping ? self->next_ping : INT64_MAX;
    for (cb_flight_t *f = (cb_flight_t *) zlist_first (self->flights); f;
         f = (cb_flight_t *) zlist_next (self->flights)) {
        if (f->deadline < next)
            next = f->deadline;
        if (f->resend < next)
            next = f->resend;
    }
    return next;
}

//  Waits up to timeout_ms for news (a message, a link event), handles all
//  that has arrived, and does what is due. Returns early when something
//  arrived or fell due.
void
cb_flight_pump (cb_client_t *self, int timeout_ms, bool ping)
{
    cb_client_link_events (self);
    cb_flight_due (self, ping);
    int64_t now = zclock_mono ();
    int64_t wait = s_flights_next (self, ping) - now;
    if (wait > timeout_ms)
        wait = timeout_ms;
    if (!(zsock_events (self->dealer) & ZMQ_POLLIN)
    &&  !(zsock_events (self->monitor) & ZMQ_POLLIN))
        zpoller_wait (self->poller, (int) (wait > 0 ? wait : 0));
    cb_client_link_events (self);
    //  A bound on one pump, so that a flood cannot starve the caller's loop.
    for (int n = 0; n < 1000 && (zsock_events (self->dealer) & ZMQ_POLLIN); n++) {
        cb_value_t *other = cb_client_recv_one (self);
        cb_value_destroy (&other);      //  A late reply to a synchronous request
    }
    cb_flight_due (self, ping);
}

uint64_t
cb_client_send (cb_client_t *self, const char *type, cb_value_t **body_p, int timeout_ms)
{
    uint64_t ticket = cb_flight_new (self, CB_FOR_CALLER, type, body_p, timeout_ms, 0);
    cb_client_link_events (self);
    cb_flight_due (self, false);
    return ticket;
}

cb_value_t *
cb_client_done (cb_client_t *self, uint64_t *ticket_p)
{
    cb_value_t *reply = (cb_value_t *) zlist_pop (self->done);
    if (reply && ticket_p) {
        int64_t ticket = 0;
        cb_value_get_int (reply, "ticket", &ticket);
        *ticket_p = (uint64_t) ticket;
    }
    return reply;
}

size_t
cb_client_in_flight (cb_client_t *self)
{
    size_t count = 0;
    for (cb_flight_t *f = (cb_flight_t *) zlist_first (self->flights); f;
         f = (cb_flight_t *) zlist_next (self->flights))
        if (f->purpose == CB_FOR_CALLER)
            count++;
    return count;
}

void
cb_flight_destroy_all (cb_client_t *self)
{
    cb_flight_t *flight;
    while ((flight = (cb_flight_t *) zlist_pop (self->flights))) {
        free (flight->data);
        free (flight);
    }
    zlist_destroy (&self->flights);
    cb_value_t *item;
    while ((item = (cb_value_t *) zlist_pop (self->done)))
        cb_value_destroy (&item);
    zlist_destroy (&self->done);
}
