#include "http/cdr_handlers.h"

#include <optional>
#include <string>

#include "base/strings.h"
#include "http/json_body.h"

namespace tarifador::http {

base::Result<Response> HandleJsonCdr(Services& s, const Request& r) {
  if (s.billing == nullptr || !s.billing->backfill) {
    return base::Unavailable("billing is not available in this server; the CDR was not taken");
  }
  const std::optional<std::string> content_type = r.Header("Content-Type");
  base::Result<std::string> result = s.billing->backfill(r.body(), content_type.value_or(std::string()));
  if (!result.ok()) {
    // mod_json_cdr posts to <url>?uuid=<leg>; naming it helps whoever reads
    // FreeSWITCH's log or ours. Capped: it is the client's text.
    const std::optional<std::string> uuid = r.Query("uuid");
    if (uuid && !uuid->empty()) {
      return result.status().WithContext("mod_json_cdr leg " + base::Quoted(uuid->substr(0, 64)));
    }
    return result.status();
  }
  return Response::Json(Dump(nlohmann::json{{"result", *result}}));
}

}  // namespace tarifador::http
