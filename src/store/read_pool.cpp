#include "store/read_pool.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <cassert>

namespace tarifador::store {

ReadPool::Lease::Lease(Lease&& other) noexcept : pool_(other.pool_), db_(std::move(other.db_)) {
  other.pool_ = nullptr;
}

ReadPool::Lease& ReadPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Return();
    pool_ = other.pool_;
    db_ = std::move(other.db_);
    other.pool_ = nullptr;
  }
  return *this;
}

ReadPool::Lease::~Lease() { Return(); }

void ReadPool::Lease::Return() {
  if (pool_ && db_) pool_->Give(std::move(db_));
  pool_ = nullptr;
  db_.reset();
}

ReadPool::ReadPool(std::string store_path, size_t max_idle) : store_path_(std::move(store_path)), max_idle_(max_idle) {}

ReadPool::~ReadPool() {
  std::lock_guard lock(mu_);
  assert(leased_ == 0 && "ReadPool destroyed while a Lease is alive");
}

base::Result<ReadPool::Lease> ReadPool::Acquire() {
  std::unique_ptr<Database> db;
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      db = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!db) {
    // Opened outside the lock: opening touches the disk and other readers
    // must not wait for it.
    // A lease is used by one thread at a time: no per-call connection mutex.
    auto opened = Database::Open(store_path_, OpenMode::kReadOnly, ConnectionSharing::kOneThreadAtATime);
    if (!opened.ok()) return opened.status();
    db = std::move(*opened);
  }
  std::lock_guard lock(mu_);
  ++leased_;
  return Lease(this, std::move(db));
}

void ReadPool::Give(std::unique_ptr<Database> db) {
  // A connection is only reused when it holds no transaction and no statement
  // (a statement left running would pin an old snapshot and stop WAL
  // checkpoints); others are closed.
  sqlite3* handle = db->sql().getHandle();
  const bool clean = sqlite3_get_autocommit(handle) != 0 && sqlite3_next_stmt(handle, nullptr) == nullptr;
  {
    std::lock_guard lock(mu_);
    --leased_;
    if (clean && idle_.size() < max_idle_) idle_.push_back(std::move(db));
  }
  db.reset();  // closes a connection that was not kept, outside the lock
}

size_t ReadPool::idle_count() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

}  // namespace tarifador::store
