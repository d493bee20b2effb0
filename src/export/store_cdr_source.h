#pragma once
// The store's CDRs as a CdrSource, through store::CdrQuery (its streamed,
// (start_us, uuid)-ordered walk): the export writes no SQL of its own.
#include "export/cdr_source.h"
#include "store/cdr_query.h"

namespace tarifador::exports {

// Thread-safe (CdrQuery leases a connection per call). Borrows `query`.
class StoreCdrSource final : public CdrSource {
 public:
  explicit StoreCdrSource(const store::CdrQuery& query) : query_(query) {}
  base::Status ForEachStartedIn(base::Instant from, base::Instant to, const CdrVisitor& visit) const override;
  base::Result<std::optional<base::Instant>> FirstStart() const override;

 private:
  const store::CdrQuery& query_;
};

}  // namespace tarifador::exports
