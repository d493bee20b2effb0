#pragma once
// Read-only connections to the store for queries (SPEC section 5). In WAL
// mode a reader sees the last committed state and never waits for the writer
// thread, nor makes it wait. Connections are reused: a lease hands one out
// and gives it back when it goes out of scope.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/database.h"

namespace tarifador::store {

class ReadPool {
 public:
  // A borrowed connection; returned to the pool on destruction. Movable, not
  // copyable. Use from one thread at a time. Statements made on it must be
  // destroyed before the lease is (declare them after it).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    Database& db() { return *db_; }
    SQLite::Database& sql() { return db_->sql(); }
    Database* operator->() { return db_.get(); }

   private:
    friend class ReadPool;
    Lease(ReadPool* pool, std::unique_ptr<Database> db) : pool_(pool), db_(std::move(db)) {}
    void Return();
    ReadPool* pool_;
    std::unique_ptr<Database> db_;
  };

  // Does not open anything yet. `max_idle` connections are kept open between
  // leases; more may be leased at once (readers never wait for each other).
  explicit ReadPool(std::string store_path, size_t max_idle = 4);
  // Precondition: every lease has been returned.
  ~ReadPool();
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // An idle connection, or a new OpenMode::kReadOnly one. Fails as
  // Database::Open(kReadOnly) does: the store is missing (Unavailable) or its
  // schema is not this binary's (FailedPrecondition). Thread-safe.
  base::Result<Lease> Acquire();

  const std::string& store_path() const { return store_path_; }
  // Connections currently idle in the pool. Thread-safe.
  size_t idle_count() const;

 private:
  void Give(std::unique_ptr<Database> db);

  const std::string store_path_;
  const size_t max_idle_;
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Database>> idle_;  // guarded by mu_
  size_t leased_ = 0;                            // guarded by mu_
};

}  // namespace tarifador::store
