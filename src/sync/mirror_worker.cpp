#include "sync/mirror_worker.h"

#include <algorithm>

#include "base/log.h"
#include "store/outbox_store.h"
#include "sync/mirror_push.h"
#include "sync/pg_schema.h"

namespace tarifador::sync {

base::Result<std::unique_ptr<MirrorWorker>> MirrorWorker::Start(store::Writer& writer, const base::Clock& clock,
                                                                MirrorOptions options) {
  if (options.site_id.empty()) return base::InvalidArgument("starting the mirror: site_id is empty");
  if (options.conninfo.empty()) return base::InvalidArgument("starting the mirror: postgres.conninfo is empty");
  if (options.batch_rows < 1) {
    return base::InvalidArgument("starting the mirror: batch size " + std::to_string(options.batch_rows) +
                                 " is below 1");
  }
  TARIFADOR_RETURN_IF_ERROR(store::SetOutboxEnabled(writer, true));
  auto db = store::Database::Open(writer.store_path(), store::OpenMode::kReadOnly);
  if (!db.ok()) return db.status();
  auto worker = std::make_unique<MirrorWorker>(Key{}, writer, clock, std::move(options), std::move(*db));
  worker->RefreshBacklog();
  worker->thread_ = std::thread([w = worker.get()] {
    w->Loop();
    (void)w->FinishDelete();  // a failure leaves rows queued, re-sent next start
  });
  return worker;
}

MirrorWorker::MirrorWorker(Key, store::Writer& writer, const base::Clock& clock, MirrorOptions options,
                           std::unique_ptr<store::Database> read_db)
    : writer_(writer),
      clock_(clock),
      options_(std::move(options)),
      read_db_(std::move(read_db)),
      rng_(std::random_device{}()) {}

MirrorWorker::~MirrorWorker() { Stop(); }

void MirrorWorker::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  std::lock_guard join(join_mu_);
  if (thread_.joinable()) thread_.join();
}

void MirrorWorker::Nudge() {
  {
    std::lock_guard lock(mu_);
    nudged_ = true;
  }
  cv_.notify_all();
}

MirrorStats MirrorWorker::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void MirrorWorker::RefreshBacklog() {
  base::Result<store::OutboxBacklog> b = store::ReadOutboxBacklog(read_db_->sql());
  if (!b.ok()) return;  // keep the last figures; the step reports the store's failure
  std::lock_guard lock(mu_);
  stats_.backlog = b->rows;
  stats_.oldest_pending = b->oldest;
}

void MirrorWorker::RecordFailure(const base::Status& status) {
  // A broken connection is rebuilt from scratch; other failures (a bad row,
  // a constraint) also restart cleanly, outside any transaction.
  pg_.reset();
  ++failures_in_a_row_;
  bool changed = false;
  {
    std::lock_guard lock(mu_);
    changed = failures_in_a_row_ == 1 || stats_.last_error != status.message();
    stats_.last_error = status.message();
    stats_.last_error_at = clock_.Now();
    ++stats_.errors;
    stats_.connected = false;
  }
  // One warning per distinct error, not one per retry for hours.
  if (changed) {
    base::LogWarning("mirror: " + status.message() + " (retrying with backoff; outbox rows are kept)");
  } else {
    base::LogDebug("mirror: " + status.message());
  }
}

std::chrono::milliseconds MirrorWorker::NextBackoff() {
  const int shift = std::min(failures_in_a_row_ - 1, 20);
  const int64_t cap = options_.retry_max.count();
  const int64_t full = std::min(cap, options_.retry_initial.count() << std::max(shift, 0));
  // "Equal jitter": half fixed, half random, so many boxes that lost the same
  // server do not come back in lockstep.
  std::uniform_int_distribution<int64_t> dist(full / 2, std::max<int64_t>(full, 1));
  return std::chrono::milliseconds(dist(rng_));
}

bool MirrorWorker::Wait(std::chrono::milliseconds delay) {
  const auto until = std::chrono::steady_clock::now() + delay;
  while (true) {
    {
      std::unique_lock lock(mu_);
      const auto slice = std::min(until, std::chrono::steady_clock::now() + options_.idle_poll);
      cv_.wait_until(lock, slice, [this] { return stopping_ || nudged_; });
      if (stopping_) return false;
      if (nudged_) {
        nudged_ = false;
        return true;
      }
    }
    if (std::chrono::steady_clock::now() >= until) return true;
    RefreshBacklog();  // the status page shows the backlog growing while we wait
  }
}

base::Result<int64_t> MirrorWorker::Step() {
  if (!pg_) {
    auto pg = PgConnection::Connect(options_.conninfo);
    if (!pg.ok()) return pg.status();
    TARIFADOR_RETURN_IF_ERROR(EnsurePostgresSchema(**pg));
    pg_ = std::move(*pg);
    std::lock_guard lock(mu_);
    stats_.connected = true;
  }
  auto rows = store::ReadOutbox(read_db_->sql(), pushed_up_to_, options_.batch_rows);
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    TARIFADOR_RETURN_IF_ERROR(FinishDelete());
    return int64_t{0};
  }
  TARIFADOR_RETURN_IF_ERROR(PushBatch(*pg_, options_.site_id, *rows));
  pushed_up_to_ = rows->back().id;
  // Only now, with the batch committed centrally, may it leave the outbox.
  // After a full batch the delete runs on the writer thread while the next
  // batch is read (past pushed_up_to_) and pushed; one at a time.
  TARIFADOR_RETURN_IF_ERROR(FinishDelete());
  const int64_t up_to = pushed_up_to_;
  pending_delete_ = writer_.Submit([up_to](SQLite::Database& db) { return store::DeleteOutboxUpTo(db, up_to); });
  const auto pushed = static_cast<int64_t>(rows->size());
  if (pushed < options_.batch_rows) TARIFADOR_RETURN_IF_ERROR(FinishDelete());  // nothing to overlap with
  return pushed;
}

base::Status MirrorWorker::FinishDelete() {
  if (!pending_delete_.valid()) return base::Status::Ok();
  base::Status status = pending_delete_.get();
  // The rows stay queued: read them again from the start so they are
  // re-pushed (harmless) and deleted next time, not stranded.
  if (!status.ok()) pushed_up_to_ = 0;
  return status;
}

void MirrorWorker::Loop() {
  while (true) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    base::Result<int64_t> pushed = Step();
    if (!pushed.ok()) {
      RecordFailure(pushed.status());
      RefreshBacklog();
      if (!Wait(NextBackoff())) return;
      continue;
    }
    if (failures_in_a_row_ > 0) base::LogInfo("mirror: PostgreSQL reachable again; draining the outbox");
    failures_in_a_row_ = 0;
    {
      std::lock_guard lock(mu_);
      stats_.rows_pushed += static_cast<uint64_t>(*pushed);
      if (*pushed > 0) ++stats_.batches_pushed;
      stats_.last_success = clock_.Now();  // last_error stays: the UI compares the two times
    }
    // Counting the outbox scans it: while draining full batches, once a
    // second is plenty for the status page; a short batch always refreshes,
    // so a drained outbox shows 0 at once.
    const auto now = std::chrono::steady_clock::now();
    if (*pushed < options_.batch_rows || now - last_backlog_refresh_ >= kBacklogRefreshWhileDraining) {
      RefreshBacklog();
      last_backlog_refresh_ = now;
    }
    // A full batch: more is probably waiting. Otherwise look again later.
    if (*pushed < options_.batch_rows && !Wait(options_.idle_poll)) return;
  }
}

}  // namespace tarifador::sync
