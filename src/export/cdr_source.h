#pragma once
// Where exported CDRs come from, seen by the export code as two calls so it
// never writes SQL of its own: app adapts store::CdrQuery to it (and tests
// use CDRs in memory).
#include <functional>
#include <optional>

#include "base/status.h"
#include "base/time.h"
#include "billing/cdr.h"

namespace tarifador::exports {

// Called once per CDR; a failure stops the walk and is returned by it.
using CdrVisitor = std::function<base::Status(const billing::Cdr&)>;
// Walks a set of CDRs in (start_us, uuid) order, calling the visitor for each.
using CdrWalk = std::function<base::Status(const CdrVisitor&)>;

// Implementations are thread-safe (the scheduler thread and CLI/HTTP callers).
class CdrSource {
 public:
  virtual ~CdrSource() = default;
  // Every CDR with from <= start < to, in (start_us, uuid) order, one at a time
  // (constant memory). Returns the visitor's failure or the store's.
  virtual base::Status ForEachStartedIn(base::Instant from, base::Instant to, const CdrVisitor& visit) const = 0;
  // The start of the earliest CDR, or nullopt when there is none.
  virtual base::Result<std::optional<base::Instant>> FirstStart() const = 0;
};

}  // namespace tarifador::exports
