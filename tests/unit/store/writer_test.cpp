#include "store/writer.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "store/read_pool.h"
#include "test_support/temp_dir.h"

using namespace tarifador;
using store::Writer;
using namespace std::chrono_literals;

namespace {

// Holds the writer thread inside a job until Open(), so the jobs submitted
// meanwhile are known to form the next batch together.
class Gate {
 public:
  // Submits the blocking job and returns once the writer thread runs it;
  // `first` runs inside the job before it blocks.
  std::future<base::Status> Block(Writer& w, std::function<void(SQLite::Database&)> first = nullptr) {
    auto f = w.Submit([this, first](SQLite::Database& db) {
      if (first) first(db);
      started_.set_value();
      open_.wait();
      return base::Status::Ok();
    });
    started_.get_future().wait();
    return f;
  }
  void Open() { open_promise_.set_value(); }

 private:
  std::promise<void> started_;
  std::promise<void> open_promise_;
  std::shared_future<void> open_ = open_promise_.get_future().share();
};

// "<prefix><i>"; appending avoids a bogus GCC 12 -Wrestrict on operator+ temporaries.
std::string Numbered(const char* prefix, int i) {
  std::string s = prefix;
  s += std::to_string(i);
  return s;
}

Writer::Job Insert(std::string v) {
  return [v](SQLite::Database& db) {
    SQLite::Statement q(db, "INSERT INTO t(v) VALUES (?)");
    q.bind(1, v);
    q.exec();
    return base::Status::Ok();
  };
}

std::unique_ptr<Writer> StartWithTable(const std::string& path) {
  auto w = Writer::Start(path);
  REQUIRE(w.ok());
  REQUIRE((*w)->Run([](SQLite::Database& db) {
                db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)");
                return base::Status::Ok();
              })
              .ok());
  return std::move(*w);
}

// Rows of t as seen by a brand-new read-only connection.
int64_t CountRows(const std::string& path, const std::string& where = "1") {
  auto db = store::Database::Open(path, store::OpenMode::kReadOnly);
  REQUIRE(db.ok());
  return (*db)->sql().execAndGet("SELECT count(*) FROM t WHERE " + where).getInt64();
}

}  // namespace

TEST_CASE("Queued jobs commit together in one batch", "[store][writer]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/w.db";
  auto w = StartWithTable(path);
  Gate gate;
  auto blocker = gate.Block(*w);
  std::vector<std::future<base::Status>> futures;
  for (int i = 0; i < 100; ++i) futures.push_back(w->Submit(Insert(Numbered("row", i))));
  gate.Open();
  REQUIRE(blocker.get().ok());
  for (auto& f : futures) CHECK(f.get().ok());
  // Durable and visible to a fresh connection as soon as the futures resolved.
  CHECK(CountRows(path) == 100);
  const Writer::Stats s = w->stats();
  CHECK(s.batches == 3);  // the table, the blocker, then all 100 jobs at once
  CHECK(s.largest_batch == 100);
  CHECK(s.jobs_committed == 102);
  CHECK(s.jobs_failed == 0);
}

TEST_CASE("The batch size is bounded", "[store][writer]") {
  test_support::TempDir dir;
  auto w = Writer::Start(dir.path() + "/b.db", Writer::Options{.max_batch_jobs = 10});
  REQUIRE(w.ok());
  Gate gate;
  auto blocker = gate.Block(**w);
  std::vector<std::future<base::Status>> futures;
  for (int i = 0; i < 35; ++i) futures.push_back((*w)->Submit([](SQLite::Database&) { return base::Status::Ok(); }));
  gate.Open();
  for (auto& f : futures) CHECK(f.get().ok());
  CHECK((*w)->stats().largest_batch == 10);
  CHECK((*w)->stats().batches == 5);  // blocker + 10 + 10 + 10 + 5
}

TEST_CASE("A failing job rolls back alone, the rest of its batch commits", "[store][writer]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/f.db";
  auto w = StartWithTable(path);
  Gate gate;
  auto blocker = gate.Block(*w);
  auto a = w->Submit(Insert("a"));
  auto b = w->Submit([](SQLite::Database& db) {
    db.exec("INSERT INTO t(v) VALUES ('b')");
    return base::InvalidArgument("b is not wanted");
  });
  auto c = w->Submit([](SQLite::Database& db) -> base::Status {
    db.exec("INSERT INTO t(v) VALUES ('c')");
    throw std::runtime_error("c blew up");
  });
  auto d = w->Submit([](SQLite::Database& db) {
    db.exec("INSERT INTO t(v) VALUES ('d')");
    db.exec("INSERT INTO t(v) VALUES ('a')");  // UNIQUE violation: SQLite::Exception
    return base::Status::Ok();
  });
  auto e = w->Submit(Insert("e"));
  gate.Open();
  REQUIRE(blocker.get().ok());
  CHECK(a.get().ok());
  const base::Status sb = b.get();
  CHECK(sb.code() == base::StatusCode::kInvalidArgument);
  CHECK(sb.message() == "b is not wanted");
  const base::Status sc = c.get();
  CHECK(sc.code() == base::StatusCode::kInternal);
  CHECK(sc.message().find("c blew up") != std::string::npos);
  const base::Status sd = d.get();
  CHECK(sd.code() == base::StatusCode::kInternal);
  CHECK(sd.message().find("UNIQUE") != std::string::npos);
  CHECK(e.get().ok());
  CHECK(CountRows(path) == 2);
  CHECK(CountRows(path, "v IN ('a', 'e')") == 2);
  CHECK(w->stats().largest_batch == 5);  // they really shared one transaction
}

TEST_CASE("A job's result is reported only after its batch committed", "[store][writer]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/c.db";
  auto w = StartWithTable(path);
  store::ReadPool pool(path);
  Gate gate;
  auto blocker = gate.Block(*w);
  std::shared_future<base::Status> first = w->Submit(Insert("x")).share();
  std::atomic<bool> first_was_ready{true};
  std::atomic<int64_t> seen_by_reader{-1};
  auto second = w->Submit([&](SQLite::Database&) {
    // Runs after "x" was inserted, in the same, still open, transaction.
    first_was_ready = first.wait_for(0s) == std::future_status::ready;
    auto lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    seen_by_reader = lease->sql().execAndGet("SELECT count(*) FROM t").getInt64();
    return base::Status::Ok();
  });
  gate.Open();
  REQUIRE(second.get().ok());
  CHECK_FALSE(first_was_ready.load());
  CHECK(seen_by_reader.load() == 0);  // readers never see uncommitted work, and did not wait for it
  REQUIRE(first.get().ok());
  CHECK(CountRows(path) == 1);
}

TEST_CASE("A failed COMMIT is reported to every job of the batch", "[store][writer]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/k.db";
  auto w = StartWithTable(path);
  REQUIRE(w->Run([](SQLite::Database& db) {
             db.exec("CREATE TABLE parent(id INTEGER PRIMARY KEY)");
             db.exec("CREATE TABLE child(pid INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)");
             return base::Status::Ok();
           }).ok());
  Gate gate;
  auto blocker = gate.Block(*w);
  auto a = w->Submit(Insert("a"));
  // A deferred foreign key is only checked at COMMIT, which then fails.
  auto b = w->Submit([](SQLite::Database& db) {
    db.exec("INSERT INTO child(pid) VALUES (42)");
    return base::Status::Ok();
  });
  auto c = w->Submit(Insert("c"));
  gate.Open();
  REQUIRE(blocker.get().ok());
  for (auto* f : {&a, &b, &c}) {
    const base::Status s = f->get();
    CHECK(s.code() == base::StatusCode::kInternal);
    CHECK(s.message().find("COMMIT failed") != std::string::npos);
  }
  CHECK(CountRows(path) == 0);
  // The writer goes on with a clean connection.
  CHECK(w->Run(Insert("after")).ok());
  CHECK(CountRows(path) == 1);
}

TEST_CASE("A job that ends the transaction itself is refused without corrupting the batch", "[store][writer]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/e.db";
  auto w = StartWithTable(path);
  Gate gate;
  auto blocker = gate.Block(*w);
  auto a = w->Submit(Insert("a"));
  auto rogue = w->Submit([](SQLite::Database& db) {
    db.exec("ROLLBACK");
    return base::Status::Ok();
  });
  auto c = w->Submit(Insert("c"));
  gate.Open();
  REQUIRE(blocker.get().ok());
  CHECK_FALSE(a.get().ok());  // its work went with the rolled-back transaction, and it is told so
  CHECK(rogue.get().code() == base::StatusCode::kInternal);
  CHECK(c.get().ok());  // later jobs run in a fresh transaction
  CHECK(CountRows(path) == 1);
  CHECK(CountRows(path, "v = 'c'") == 1);
}

TEST_CASE("Jobs from many threads all commit", "[store][writer]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/m.db";
  auto w = StartWithTable(path);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::future<base::Status>> mine;
      for (int i = 0; i < kPerThread; ++i) {
        std::string v = std::to_string(t);
        v += '-';
        v += std::to_string(i);
        if (i % 10 == 0) {
          if (!w->Run(Insert(v)).ok()) ++failures;
        } else {
          mine.push_back(w->Submit(Insert(v)));
        }
      }
      for (auto& f : mine) {
        if (!f.get().ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(CountRows(path) == kThreads * kPerThread);
  CHECK(w->stats().jobs_committed == kThreads * kPerThread + 1);
}

TEST_CASE("Shutdown drains the queue, then refuses new jobs", "[store][writer]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/s.db";
  auto w = StartWithTable(path);
  Gate gate;
  auto blocker = gate.Block(*w);
  std::vector<std::future<base::Status>> futures;
  for (int i = 0; i < 50; ++i) futures.push_back(w->Submit(Insert(Numbered("q", i))));
  std::thread stopper([&] { w->Shutdown(); });
  // Once Shutdown has begun, Submit answers at once with Unavailable.
  for (;;) {
    auto f = w->Submit([](SQLite::Database&) { return base::Status::Ok(); });
    if (f.wait_for(0s) == std::future_status::ready) {
      CHECK(f.get().code() == base::StatusCode::kUnavailable);
      break;
    }
    std::this_thread::sleep_for(1ms);
  }
  gate.Open();
  stopper.join();
  for (auto& f : futures) CHECK(f.get().ok());
  CHECK(CountRows(path) == 50);
  CHECK(w->Run(Insert("late")).code() == base::StatusCode::kUnavailable);
  w->Shutdown();  // idempotent
  w.reset();
  CHECK(CountRows(path) == 50);  // still there after the writer closed
}

TEST_CASE("Starting a writer on an unusable path fails cleanly", "[store][writer]") {
  test_support::TempDir dir;
  auto w = Writer::Start(dir.path() + "/no/such/dir/x.db");
  REQUIRE_FALSE(w.ok());
  CHECK(w.status().code() == base::StatusCode::kUnavailable);
}

TEST_CASE("The read pool reuses connections and reads while the writer writes", "[store][read_pool]") {
  test_support::TempDir dir;
  const std::string path = dir.path() + "/r.db";
  auto w = StartWithTable(path);
  REQUIRE(w->Run(Insert("one")).ok());
  store::ReadPool pool(path, /*max_idle=*/1);
  {
    auto a = pool.Acquire();
    auto b = pool.Acquire();  // concurrent leases: readers never wait for each other
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->sql().execAndGet("SELECT count(*) FROM t").getInt64() == 1);
    CHECK(b->sql().execAndGet("SELECT count(*) FROM t").getInt64() == 1);
    CHECK(pool.idle_count() == 0);
  }
  CHECK(pool.idle_count() == 1);  // one kept (max_idle), the other closed
  // A reader gets the last committed state while a write transaction is open.
  Gate gate;
  auto holder = gate.Block(*w, [](SQLite::Database& db) { db.exec("INSERT INTO t(v) VALUES ('two')"); });
  {
    auto lease = pool.Acquire();
    REQUIRE(lease.ok());
    CHECK(lease->sql().execAndGet("SELECT count(*) FROM t").getInt64() == 1);
    auto moved = std::move(*lease);  // a moved-from lease returns nothing twice
    CHECK(moved.sql().execAndGet("SELECT count(*) FROM t").getInt64() == 1);
  }
  CHECK(pool.idle_count() == 1);
  gate.Open();
  REQUIRE(holder.get().ok());
  auto lease = pool.Acquire();
  REQUIRE(lease.ok());
  CHECK(lease->sql().execAndGet("SELECT count(*) FROM t").getInt64() == 2);
  // A missing store is an error, not a new empty file.
  store::ReadPool missing(dir.path() + "/absent.db");
  CHECK_FALSE(missing.Acquire().ok());
}
