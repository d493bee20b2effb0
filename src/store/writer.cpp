#include "store/writer.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <algorithm>
#include <exception>
#include <vector>

#include "base/log.h"

namespace tarifador::store {
namespace {

// Runs one job, turning every exception into a Status: a job's bug must not
// take the writer thread (and everyone else's writes) down with it.
base::Status RunJob(const Writer::Job& job, SQLite::Database& db) {
  try {
    return job(db);
  } catch (const SQLite::Exception& e) {
    return base::Internal(std::string("store write failed: ") + e.what());
  } catch (const std::exception& e) {
    return base::Internal(std::string("store write failed with an exception: ") + e.what());
  } catch (...) {
    return base::Internal("store write failed with an unknown exception");
  }
}

bool InTransaction(SQLite::Database& db) { return sqlite3_get_autocommit(db.getHandle()) == 0; }

}  // namespace

Writer::Writer(Key, std::unique_ptr<Database> db, Options options) : db_(std::move(db)), options_(options) {}

base::Result<std::unique_ptr<Writer>> Writer::Start(const std::string& store_path, Options options) {
  if (options.max_batch_jobs == 0) options.max_batch_jobs = 1;
  auto db = Database::Open(store_path, OpenMode::kReadWrite);
  if (!db.ok()) return db.status();
  auto writer = std::make_unique<Writer>(Key{}, std::move(*db), options);
  writer->thread_ = std::thread(&Writer::ThreadMain, writer.get());
  return writer;
}

Writer::~Writer() { Shutdown(); }

std::future<base::Status> Writer::Submit(Job job) {
  Pending p{std::move(job), {}, {}};
  std::future<base::Status> f = p.promise.get_future();
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(p));
      cv_.notify_one();
      return f;
    }
  }
  p.promise.set_value(base::Unavailable("store writer is shut down; the write was not done"));
  return f;
}

base::Status Writer::Run(Job job) { return Submit(std::move(job)).get(); }

base::Status Writer::CheckWritable(std::chrono::milliseconds wait) {
  std::shared_future<base::Status> probe;
  {
    std::lock_guard<std::mutex> lock(probe_mu_);
    if (!probe_.valid() || probe_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      probe_ = Submit([](SQLite::Database&) { return base::Status::Ok(); }).share();
    }
    probe = probe_;
  }
  if (probe.wait_for(wait) != std::future_status::ready) {
    return base::Unavailable("store is not writable: the writer has not got the write lock within " +
                             std::to_string(wait.count()) + " ms");
  }
  const base::Status st = probe.get();
  if (!st.ok()) return base::Unavailable("store is not writable: " + st.message());
  return st;
}

void Writer::SubmitThen(Job job, std::function<void(base::Status)> done) {
  Pending p{std::move(job), {}, std::move(done)};
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(p));
      cv_.notify_one();
      return;
    }
  }
  p.done(base::Unavailable("store writer is shut down; the write was not done"));
}

void Writer::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  std::lock_guard join_lock(join_mu_);
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

Writer::Stats Writer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void Writer::ThreadMain() {
  try {
    Loop();
  } catch (const std::exception& e) {
    base::LogError(std::string("store writer thread stopped: ") + e.what());
  } catch (...) {
    base::LogError("store writer thread stopped: unknown exception");
  }
  // Normally the queue is empty here. After an escape above, nobody would run
  // what is left: refuse it now and from now on instead of leaving callers
  // waiting forever.
  std::deque<Pending> left;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    left.swap(queue_);
  }
  FailAll(left, base::Unavailable("store writer stopped; the write was not done"));
}

void Writer::Loop() {
  for (;;) {
    std::deque<Pending> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      // No waiting for more jobs: while one batch's COMMIT waits for its fsync,
      // the next jobs pile up and form the next batch by themselves.
      const size_t n = std::min(queue_.size(), options_.max_batch_jobs);
      for (size_t i = 0; i < n; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    RunBatch(batch);
  }
}

void Writer::FailAll(std::deque<Pending>& jobs, const base::Status& status) {
  {
    std::lock_guard lock(mu_);
    stats_.jobs_failed += jobs.size();
  }
  for (Pending& p : jobs) {
    if (p.done) {
      p.done(status);
    } else {
      p.promise.set_value(status);
    }
  }
}

void Writer::RunBatch(std::deque<Pending>& batch) {
  std::vector<base::Status> results(batch.size());
  try {
    SQLite::Database& db = db_->sql();
    std::vector<size_t> awaiting_commit;  // jobs that succeeded inside the open transaction
    bool tx_open = false;
    // Everything that succeeded since BEGIN is gone with the transaction.
    const auto lose_transaction = [&](const std::string& why) {
      for (size_t j : awaiting_commit) {
        results[j] = base::Internal("store write rolled back with its batch: " + why);
      }
      awaiting_commit.clear();
      tx_open = false;
    };

    for (size_t i = 0; i < batch.size(); ++i) {
      if (!tx_open) {
        try {
          // IMMEDIATE takes the write lock now, so no job can hit SQLITE_BUSY
          // halfway (another process, e.g. a CLI import, may hold it briefly).
          db.exec("BEGIN IMMEDIATE");
          tx_open = true;
        } catch (const SQLite::Exception& e) {
          const base::Status s = base::Unavailable(std::string("store writer cannot start a transaction: ") + e.what());
          for (size_t j = i; j < batch.size(); ++j) results[j] = s;
          break;
        }
      }
      try {
        db.exec("SAVEPOINT tarifador_job");
      } catch (const SQLite::Exception& e) {
        results[i] = base::Internal(std::string("store writer cannot open a savepoint: ") + e.what());
        if (!InTransaction(db)) lose_transaction(e.what());
        continue;
      }
      base::Status status = RunJob(batch[i].job, db);
      if (!InTransaction(db)) {
        // SQLite rolls a whole transaction back on some errors (SQLITE_FULL,
        // SQLITE_IOERR, SQLITE_NOMEM); a job that ran COMMIT/ROLLBACK breaks
        // its contract the same way. Either way earlier jobs lost their work.
        const std::string why = status.ok() ? "a job ended the batch transaction itself" : status.message();
        lose_transaction(why);
        results[i] = status.ok() ? base::Internal(
                                       "store write ended the batch transaction (jobs must not "
                                       "BEGIN, COMMIT or ROLLBACK)")
                                 : status;
        continue;
      }
      try {
        if (status.ok()) {
          db.exec("RELEASE tarifador_job");
          awaiting_commit.push_back(i);
        } else {
          db.exec("ROLLBACK TO tarifador_job");
          db.exec("RELEASE tarifador_job");
        }
        results[i] = status;
      } catch (const SQLite::Exception& e) {
        // The job's changes could not be undone on their own: drop the whole
        // transaction rather than commit a half-undone job.
        const std::string why = std::string("undoing a failed store write: ") + e.what();
        try {
          if (InTransaction(db)) db.exec("ROLLBACK");
        } catch (const SQLite::Exception& e2) {
          base::LogError(std::string("store writer: ROLLBACK failed: ") + e2.what());
        }
        lose_transaction(why);
        results[i] = status.ok() ? base::Internal(why) : status;
      }
    }

    if (tx_open) {
      try {
        db.exec("COMMIT");
      } catch (const SQLite::Exception& e) {
        // E.g. a deferred foreign key violated by some job, or a disk error.
        const std::string why = std::string("COMMIT failed, nothing of the batch was kept: ") + e.what();
        base::LogError("store writer: " + why);
        try {
          if (InTransaction(db)) db.exec("ROLLBACK");
        } catch (const SQLite::Exception& e2) {
          base::LogError(std::string("store writer: ROLLBACK after failed COMMIT failed: ") + e2.what());
        }
        lose_transaction(why);
      }
    }
  } catch (const std::exception& e) {
    // Only allocation failures and the like get here; never leave a promise unset.
    for (base::Status& r : results) r = base::Internal(std::string("store writer failed: ") + e.what());
  }

  // Counters first: whoever sees a result also sees it counted.
  uint64_t ok = 0;
  for (const base::Status& r : results) ok += r.ok() ? 1 : 0;
  {
    std::lock_guard lock(mu_);
    ++stats_.batches;
    stats_.jobs_committed += ok;
    stats_.jobs_failed += batch.size() - ok;
    stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, batch.size());
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].done) {
      batch[i].done(std::move(results[i]));
    } else {
      batch[i].promise.set_value(std::move(results[i]));
    }
  }
}

}  // namespace tarifador::store
