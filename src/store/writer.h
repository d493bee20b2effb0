#pragma once
// The store's one writer thread (SPEC section 5, STYLE.md "threads follow
// folders"): every change to the store is a job run on this thread, batched
// into one transaction with its neighbours so a burst of CDRs costs one fsync.
//
// A batch: BEGIN IMMEDIATE; for each job SAVEPOINT, run, RELEASE (or
// ROLLBACK TO when the job failed, so it leaves no trace while the others
// still commit); COMMIT; only then each job's future is fulfilled. A job's OK
// therefore means "durable on disk" (synchronous=FULL). When the COMMIT
// fails, every job of the batch gets that failure and nothing of it is kept.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "base/status.h"
#include "store/database.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

class Writer {
 public:
  // A unit of work. It runs on the writer thread inside a transaction and a
  // savepoint, and must not BEGIN, COMMIT, ROLLBACK or RELEASE itself.
  // Returning non-OK (or throwing) rolls back exactly what the job did.
  // Values a job produces travel through its captures: writes made by the
  // job happen-before its future becomes ready.
  using Job = std::function<base::Status(SQLite::Database& db)>;

  struct Options {
    // Most jobs in one transaction; the rest wait for the next batch.
    size_t max_batch_jobs = 256;
  };

  // Opens the store at `store_path` read-write (creating and migrating it) and
  // starts the thread. Fails as Database::Open does.
  static base::Result<std::unique_ptr<Writer>> Start(const std::string& store_path, Options options);
  static base::Result<std::unique_ptr<Writer>> Start(const std::string& store_path) {
    return Start(store_path, Options{});
  }

  // Shutdown(), then closes the connection.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues `job`; the future yields its result once its batch has committed
  // (or the job's own failure, or the COMMIT's). After Shutdown() began the
  // future is already ready with Unavailable. Thread-safe; never blocks on I/O.
  std::future<base::Status> Submit(Job job);

  // Submit and wait. Must not be called from inside a job (it would wait for
  // itself forever).
  base::Status Run(Job job);
  // Queues `job` without waiting: `done` runs on the writer thread with the
  // job's result once its batch has committed (so concurrent submitters
  // share one fsync), or at once with Unavailable after Shutdown() began.
  // `done` must be quick and must not submit to this writer and wait.
  void SubmitThen(Job job, std::function<void(base::Status)> done);

  // Stops accepting jobs, runs and commits every job already queued, and joins
  // the thread. Idempotent; thread-safe. Must not be called from inside a job.
  void Shutdown();

  // OK once an empty transaction has gone through the writer (it takes and
  // releases SQLite's write lock), Unavailable when that fails or takes
  // longer than `wait`. For the readiness probe: it never takes a lock on
  // the caller's thread, and at most one probe is queued at a time however
  // often it is asked. Thread-safe.
  base::Status CheckWritable(std::chrono::milliseconds wait);

  // Counters for tests and /metrics. Thread-safe.
  struct Stats {
    uint64_t batches = 0;         // transactions attempted
    uint64_t jobs_committed = 0;  // jobs whose OK was reported
    uint64_t jobs_failed = 0;     // jobs that reported a failure
    uint64_t largest_batch = 0;
  };
  Stats stats() const;

  const std::string& store_path() const { return db_->path(); }

 private:
  struct Key {
    explicit Key() = default;
  };
  struct Pending {
    Job job;
    std::promise<base::Status> promise;
    std::function<void(base::Status)> done;  // SubmitThen: used instead of the promise
  };

 public:
  Writer(Key, std::unique_ptr<Database> db, Options options);

 private:
  void ThreadMain();
  void Loop();
  void RunBatch(std::deque<Pending>& batch);
  void FailAll(std::deque<Pending>& jobs, const base::Status& status);

  std::unique_ptr<Database> db_;  // used only by the writer thread once started
  const Options options_;

  std::mutex probe_mu_;
  std::shared_future<base::Status> probe_;  // guarded by probe_mu_

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;  // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  Stats stats_;                // guarded by mu_

  std::mutex join_mu_;  // serializes joining when Shutdown races with itself
  std::thread thread_;
};

}  // namespace tarifador::store
