#pragma once
// mod_json_cdr documents (ESL-NOTES "mod_json_cdr"): what FreeSWITCH POSTs to
// `POST /api/v1/cdr/json` after every leg, and the err-log files it writes
// when every POST failed (`tarifador cdr import DIR`). Both are turned into
// the esl::Event a CHANNEL_HANGUP_COMPLETE of that leg would have been, so
// the backfill takes the same path as the live event socket.
//
// All three functions are pure: they touch no shared state and are
// thread-safe. Bad input (not a mod_json_cdr document, a bad encoding, over
// the size limit) gives InvalidArgument saying what is wrong; nothing
// crashes on it (tests/fuzz/json_cdr_fuzz.cpp). docs/ESL.md ("Backfill from
// mod_json_cdr") describes the encodings and their pitfalls.
#include <cstddef>
#include <string_view>

#include "base/status.h"
#include "esl/event.h"

namespace tarifador::esl {

// Largest JSON document accepted (a real one is 10-40 KiB). Encoded inputs
// may be up to three times that (url encoding's worst case).
inline constexpr size_t kMaxJsonCdrBytes = 4 * 1024 * 1024;

// Decodes one POST body by its Content-Type (parameters ignored, case-
// insensitive): application/json (or a missing type): the raw JSON;
// application/x-www-form-urlencoded: `cdr=<url-encoded JSON>`;
// application/x-www-form-base64-encoded: `cdr=<base64 JSON>`. Fails with
// InvalidArgument saying what is wrong (unknown type, no cdr= field, bad
// encoding, not a mod_json_cdr document).
// Url-encoded fields are undone the way switch_url_encode made them (it
// does not re-encode the %XX of encode-values, see json_cdr.cpp), or
// plainly when the field escapes every '%' (curl, esl::UrlEncode); '+' is
// a plus inside JSON strings, as FreeSWITCH writes a space as %20. A '%'
// not followed by two hex digits is refused (a truncated body).
base::Result<Event> DecodeJsonCdrPost(std::string_view body, std::string_view content_type);

// Decodes the contents of one err-log file (`[a_]<uuid>.cdr.json`): raw JSON,
// or the url-encoded or base64 text mod_json_cdr wrote when `encode` was on
// (told apart by their first bytes: '{', '%', anything else is base64),
// followed by a newline. Surrounding whitespace and a leading "cdr=" are
// accepted too.
base::Result<Event> DecodeJsonCdrFile(std::string_view contents);

// Turns one mod_json_cdr JSON document into the event a
// CHANNEL_HANGUP_COMPLETE of that leg carries: Event-Name, Unique-ID,
// Caller-* from the newest callflow entry's caller_profile and times
// (microseconds), Other-Type and Other-Leg-Unique-ID from its
// originator/originatee block, Hangup-Cause, Event-Date-Timestamp
// (end_uepoch) and every variable as `variable_<name>` with its value
// URL-decoded. InvalidArgument when it is not JSON, not an object, or has no
// leg uuid.
// Details: Unique-ID is variables.uuid, else the caller_profile's uuid.
// Caller-Channel-Created/-Answered/-Hangup-Time are always present ("0" when
// the times block lacks them); the other times (Bridged-Time among them)
// only when the document has them. Other-Type is "originator" when the
// newest caller_profile has an originator block (a B leg, even if it also
// has an originatee block), else "originatee" when it has one; the first
// profile of the block gives the Other-Leg-* headers. Also refused: a
// `variables`, `caller_profile` or `times` that is not an object, a time
// that is not a non-negative integer, a variable that is an array or
// object, a leg uuid over 256 bytes or holding control characters. Bytes
// that are not UTF-8 are read as Latin-1 rather than refusing the CDR.
base::Result<Event> JsonCdrToEvent(std::string_view json);

// Whether `name` is the name mod_json_cdr gives a CDR file:
// "[a_]<uuid>.cdr.json" (anything ending in ".cdr.json" with something
// before it; hidden names starting with '.' are not).
bool IsJsonCdrFileName(std::string_view name);

}  // namespace tarifador::esl
