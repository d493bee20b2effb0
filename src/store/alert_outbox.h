#pragma once
// Alert delivery's side of the store (sql/0013_alert_delivery.sql,
// docs/ALERTS.md "Delivery"): the recipients, and the outbox of deliveries
// that RaiseAlertIn fills in the alert's own transaction and the delivery
// worker (notify::Deliverer) drains.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "store/alert_store.h"
#include "store/read_pool.h"
#include "store/writer.h"

namespace tarifador::store {

struct AlertRecipient {
  int64_t id = 0;
  std::string name;
  std::string channel;            // "email" | "webhook"
  std::string address;            // e-mail address or URL
  std::string secret;             // webhook signing key (hex), "" for e-mail
  std::string kinds;              // "*" or "budget_reached,link_down"
  std::string language;           // "es" | "en"
  std::optional<int> quiet_from;  // minutes after local midnight
  std::optional<int> quiet_to;
  base::Instant created_at;
};

// One delivery that is due, with what it needs to be sent.
struct DueDelivery {
  int64_t id = 0;  // the event id
  int64_t attempts = 0;
  Alert alert;
  AlertRecipient recipient;
};

struct DeliveryCounts {
  int64_t pending = 0;
  int64_t sent = 0;
  int64_t failed = 0;
};

// Thread-safe.
class AlertOutbox {
 public:
  // Borrows both; they must outlive the outbox.
  AlertOutbox(Writer& writer, ReadPool& reads) : writer_(writer), reads_(reads) {}

  // Adds a recipient (audited "alert_recipient.add" by `actor`). The caller
  // has validated the fields; AlreadyExists for a second recipient with the
  // same channel and address.
  base::Result<AlertRecipient> AddRecipient(const AlertRecipient& recipient, std::string_view actor, base::Instant at);
  // Removes a recipient and its deliveries not yet sent (audited
  // "alert_recipient.remove"). NotFound for an unknown id.
  base::Status RemoveRecipient(int64_t id, std::string_view actor, base::Instant at);
  base::Result<std::vector<AlertRecipient>> Recipients();

  // Pending deliveries due at `now`, oldest first, at most `limit`.
  base::Result<std::vector<DueDelivery>> Due(base::Instant now, int64_t limit);
  // The earliest next attempt of a pending delivery, if any.
  base::Result<std::optional<base::Instant>> NextDue();
  // A delivery the receiver accepted. Idempotent.
  base::Status MarkSent(int64_t id, base::Instant at);
  // A failed attempt: tried again at `retry_at`, or, when nullopt, given up
  // (state failed). `error` says why.
  base::Status MarkAttemptFailed(int64_t id, std::string_view error, std::optional<base::Instant> retry_at);
  // Moves a delivery's next attempt (quiet hours) without counting an attempt.
  base::Status Defer(int64_t id, base::Instant until);
  base::Result<DeliveryCounts> Counts();

 private:
  Writer& writer_;
  ReadPool& reads_;
};

// Queues the alert `alert_id` for every recipient whose kinds include `kind`,
// due at `at`. Inside the caller's transaction (RaiseAlertIn). Throws
// SQLite::Exception.
void QueueDeliveriesIn(SQLite::Database& db, int64_t alert_id, std::string_view kind, base::Instant at);

}  // namespace tarifador::store
