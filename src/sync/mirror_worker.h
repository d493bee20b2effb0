#pragma once
// The PostgreSQL mirror's worker thread (SPEC section 6, docs/MIRROR.md).
// Loop: read the oldest outbox rows (own read-only SQLite connection), push
// them to PostgreSQL in one transaction (PushBatch), and only after that
// COMMIT delete them through the store writer (while the next batch is
// pushed: the worker reads past the last id it pushed). A crash between the two
// re-sends the batch, which the keyed upsert absorbs: never lost, never
// duplicated. Any failure (PostgreSQL down, network, store busy) is recorded
// and retried after a jittered exponential backoff; the outbox keeps growing
// meanwhile, for as long as PostgreSQL stays away.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "base/status.h"
#include "base/time.h"
#include "store/database.h"
#include "store/writer.h"
#include "sync/pg_connection.h"

namespace tarifador::sync {

struct MirrorOptions {
  std::string conninfo;                       // postgres.conninfo; never logged (may hold a password)
  std::string site_id;                        // this box's key in the central tables; non-empty
  int64_t batch_rows = 2000;                  // postgres.batch_rows
  std::chrono::milliseconds idle_poll{1000};  // how often an empty outbox is looked at again
  std::chrono::milliseconds retry_initial{1000};
  std::chrono::milliseconds retry_max{60'000};  // postgres.retry_max_seconds
};

// What the status API and /metrics show.
struct MirrorStats {
  int64_t backlog = 0;           // outbox rows waiting
  base::Instant oldest_pending;  // queued time of the oldest; zero when none
  base::Instant last_success;    // last batch committed (or empty outbox seen) in PostgreSQL; zero: never
  std::string last_error;        // the latest failure ("" when none yet); stale when last_success is later
  base::Instant last_error_at;   // zero: never
  uint64_t rows_pushed = 0;      // outbox rows committed in PostgreSQL since start
  uint64_t batches_pushed = 0;
  uint64_t errors = 0;  // failed attempts since start
  bool connected = false;
};

class MirrorWorker {
 public:
  // Turns outbox queuing on (a first start queues the store's history, see
  // store::SetOutboxEnabled), opens a read connection to the writer's store
  // and starts the thread. Connecting to PostgreSQL happens on the thread, so
  // a down server never delays start. Fails with InvalidArgument for a bad
  // option, or as the store calls do. `writer` and `clock` are borrowed and
  // must outlive the worker.
  static base::Result<std::unique_ptr<MirrorWorker>> Start(store::Writer& writer, const base::Clock& clock,
                                                           MirrorOptions options);
  ~MirrorWorker();  // Stop()s
  MirrorWorker(const MirrorWorker&) = delete;
  MirrorWorker& operator=(const MirrorWorker&) = delete;

  // Ends the loop after the step in progress (a PostgreSQL call in flight
  // finishes or times out first) and joins the thread. What is pushed but not
  // yet deleted is re-sent next time. Idempotent; thread-safe.
  void Stop();

  // Wakes the thread now (end a backoff or idle wait early). Thread-safe.
  void Nudge();

  // A snapshot. Thread-safe.
  MirrorStats stats() const;

 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  MirrorWorker(Key, store::Writer& writer, const base::Clock& clock, MirrorOptions options,
               std::unique_ptr<store::Database> read_db);

 private:
  void Loop();
  // One step: connect if needed, push one batch. Returns rows pushed (0:
  // the outbox was empty) or why not.
  base::Result<int64_t> Step();
  // Waits for the outbox delete in flight, if any, and returns its result.
  base::Status FinishDelete();
  void RefreshBacklog();
  void RecordFailure(const base::Status& status);
  // Waits `delay` or until stopped or nudged, refreshing the backlog every
  // idle_poll meanwhile. Returns false when stopping.
  bool Wait(std::chrono::milliseconds delay);
  std::chrono::milliseconds NextBackoff();

  static constexpr std::chrono::seconds kBacklogRefreshWhileDraining{1};

  store::Writer& writer_;
  const base::Clock& clock_;
  const MirrorOptions options_;
  std::unique_ptr<store::Database> read_db_;                    // worker thread only
  std::unique_ptr<PgConnection> pg_;                            // worker thread only
  int failures_in_a_row_ = 0;                                   // worker thread only
  std::chrono::steady_clock::time_point last_backlog_refresh_;  // worker thread only
  int64_t pushed_up_to_ = 0;                                    // worker thread only: outbox ids committed centrally
  std::future<base::Status> pending_delete_;  // worker thread only: DeleteOutboxUpTo(pushed_up_to_) in flight
  std::mt19937_64 rng_;                       // worker thread only

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  bool nudged_ = false;    // guarded by mu_
  MirrorStats stats_;      // guarded by mu_
  std::thread thread_;
  std::mutex join_mu_;
};

}  // namespace tarifador::sync
