#include "export/store_cdr_source.h"

namespace tarifador::exports {

base::Status StoreCdrSource::ForEachStartedIn(base::Instant from, base::Instant to, const CdrVisitor& visit) const {
  store::CdrFilter filter;
  filter.from = from;
  filter.to = to;
  return query_.ForEach(filter, visit);
}

base::Result<std::optional<base::Instant>> StoreCdrSource::FirstStart() const {
  // The walk is in start order: its first row is the earliest; stop there.
  std::optional<base::Instant> first;
  const base::Status walked = query_.ForEach(store::CdrFilter{}, [&](const billing::Cdr& cdr) {
    first = base::Instant::FromMicros(cdr.start_us);
    return base::Status(base::StatusCode::kAlreadyExists, "first CDR found");
  });
  if (!walked.ok() && !first) return walked;
  return first;
}

}  // namespace tarifador::exports
