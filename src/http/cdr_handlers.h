#pragma once
// The mod_json_cdr backfill over HTTP (SPEC section 10): FreeSWITCH POSTs one
// CDR document per leg to `POST /api/v1/cdr/json`, in whichever encoding its
// json_cdr.conf asks for. Row in route_table.cpp; contract in docs/API.md.
//
// This folder never sees ESL types (STYLE.md): the handler passes the body
// and its Content-Type, untouched, to BillingServices::backfill, which app
// wires to the decoder (esl/json_cdr.h) and the billing thread.
#include "base/status.h"
#include "http/request.h"
#include "http/services.h"

namespace tarifador::http {

// POST /api/v1/cdr/json[?uuid=LEG]: bills the leg through
// Services::billing->backfill(body, Content-Type) and answers
// 200 {"result": "<what backfill returned>"} ("billed", "already_billed",
// "not_billed"). mod_json_cdr counts any 2xx as delivered and retries
// anything else, so failures keep their meaning: 400 for a body that is not
// a mod_json_cdr document (InvalidArgument; retrying will not help, and
// FreeSWITCH ends by writing it to its err-log dir), 503 while the store is
// down or billing is not wired (Unavailable; a retry may succeed). The
// `uuid` query parameter mod_json_cdr adds only names the leg in messages.
// Thread-safe as backfill is.
base::Result<Response> HandleJsonCdr(Services& s, const Request& r);

}  // namespace tarifador::http
