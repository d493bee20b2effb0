#pragma once
// A tarifador HTTP server on 127.0.0.1 with billing (the real SQLite
// repository), rating (a live rate book with the "retail" plan, also stored)
// and the live event hub wired as app wires them, over a store in a temp
// dir. For the live-update, bulk-recharge, rate-edit and settings tests here
// and in tests/unit/app.
#include <SQLiteCpp/SQLiteCpp.h>
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"
#include "billing/authorizer.h"
#include "http/event_hub.h"
#include "http/metrics_registry.h"
#include "http/readiness.h"
#include "http/server.h"
#include "http/services.h"
#include "rating/number_normaliser.h"
#include "rating/rate_book.h"
#include "store/audit_store.h"
#include "store/billing_repository.h"
#include "store/database.h"
#include "store/rate_plan_store.h"
#include "store/read_pool.h"
#include "store/user_store.h"
#include "store/writer.h"
#include "test_support/temp_dir.h"
#include "unit/billing/billing_fixtures.h"

namespace tarifador::http::testing {

class LiveServer {
 public:
  // `before_start` runs once the store and repository exist, before the
  // server starts (e.g. to set the repository's money observer).
  explicit LiveServer(EventHub::Options hub_options = {}, ServerOptions server_options = {},
                      std::function<void(LiveServer&)> before_start = {})
      : clock_(base::Instant::FromSeconds(1'800'000'000)), hub_(hub_options) {
    path_ = dir_.path() + "/live.db";
    auto writer = store::Writer::Start(path_);
    REQUIRE(writer.ok());
    writer_ = std::move(*writer);
    reads_ = std::make_unique<store::ReadPool>(path_);
    repo_ = std::make_unique<store::BillingRepository>(*writer_, *reads_);
    auto db = store::Database::Open(path_, store::OpenMode::kReadWrite);
    REQUIRE(db.ok());
    users_ = std::make_unique<store::UserStore>(std::move(*db), clock_);
    auto db2 = store::Database::Open(path_, store::OpenMode::kReadWrite);
    REQUIRE(db2.ok());
    audit_ = std::make_unique<store::AuditStore>(std::move(*db2), clock_);
    // The retail plan in the store and the book, as after an import.
    const std::shared_ptr<const rating::RateBook> book = billing::testing::RetailBook();
    const rating::CompiledPlan* retail = book->Find("retail");
    REQUIRE(retail != nullptr);
    REQUIRE(writer_
                ->Run([&](SQLite::Database& sql) {
                  return store::ReplaceRatesIn(sql, "retail", retail->trie.rates(), {"test", clock_.Now()});
                })
                .ok());
    book_.Publish(book);
    rating_ = std::make_unique<RatingServices>(book_, rating::NumberNormaliser(), "retail", *writer_);
    billing::Authorizer::Options options;
    options.default_plan = "retail";
    authorizer_ = std::make_unique<billing::Authorizer>(*repo_, book_, rating::NumberNormaliser(), options);
    billing_ = std::make_unique<BillingServices>(
        BillingServices{*repo_, *authorizer_, [] { return std::vector<billing::CallTracker::ActiveCall>{}; }, {}, {}});
    live_ = std::make_unique<LiveServices>(LiveServices{
        [] { return std::string(R"({"settings":{"freeswitch.password":{"value":"***","source":"file"}}})"); },
        dir_.path()});
    if (before_start) before_start(*this);
    ServerDeps deps{clock_,        *users_,       *audit_,
                    metrics_,      readiness_,    StatusInfo{"9.9.9-test", "abc", path_, clock_.Now()},
                    rating_.get(), billing_.get()};
    deps.events = &hub_;
    deps.live = live_.get();
    auto server = Server::Start(server_options, std::move(deps));
    REQUIRE(server.ok());
    server_ = std::move(*server);
    admin = Token("admin-bot", store::Role::kAdmin);
    op = Token("till", store::Role::kOperator);
    viewer = Token("wallboard", store::Role::kViewer);
  }
  ~LiveServer() {
    server_->Stop();
    writer_->Shutdown();
  }

  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_read_timeout(10, 0);
    return c;
  }
  std::string Token(const std::string& name, store::Role role) {
    auto t = users_->CreateToken(name, role, "test");
    REQUIRE(t.ok());
    return t->plaintext;
  }
  int64_t Count(const std::string& sql) {
    auto lease = reads_->Acquire();
    REQUIRE(lease.ok());
    return lease->sql().execAndGet(sql).getInt64();
  }
  // Everything a rejected request must leave alone.
  std::string Snapshot() {
    std::string out;
    for (const char* q :
         {"SELECT count(*) FROM ledger", "SELECT count(*) FROM audit_log",
          "SELECT coalesce(sum(balance_micros), 0) FROM accounts", "SELECT count(*) FROM rates",
          "SELECT count(*) FROM rate_plans", "SELECT coalesce(sum(price_per_minute_micros), 0) FROM rates"}) {
      out += std::to_string(Count(q)) + " ";
    }
    return out;
  }
  int64_t AddAccount(const std::string& name, const char* balance = "0") {
    auto a = repo_->CreateAccount(billing::NewAccount{name, billing::AccountType::kPrepaid, {}, std::nullopt}, "test",
                                  clock_.Now());
    REQUIRE(a.ok());
    if (std::string(balance) != "0") {
      auto m =
          repo_->ApplyMovement(billing::Movement{a->id, billing::LedgerKind::kRecharge, billing::testing::M(balance),
                                                 "test", "seed", clock_.Now(), std::nullopt, std::nullopt});
      REQUIRE(m.ok());
    }
    return a->id.value;
  }
  void AddExtension(const std::string& number, int64_t account) {
    REQUIRE(
        repo_
            ->PutExtension(billing::Extension{number, "Ext " + number, billing::AccountId{account}, std::nullopt, true},
                           "test", clock_.Now())
            .ok());
  }
  std::string Balance(int64_t account) {
    auto a = repo_->GetAccount(billing::AccountId{account});
    REQUIRE(a.ok());
    return a->balance.ToString();
  }

  store::BillingRepository& repo() { return *repo_; }
  const billing::Authorizer& authorizer() { return *authorizer_; }
  rating::RateBookHolder& book() { return book_; }
  EventHub& hub() { return hub_; }
  base::FakeClock& clock() { return clock_; }
  store::AuditStore& audit() { return *audit_; }
  Server& server() { return *server_; }
  BillingServices& billing() { return *billing_; }

  std::string admin;
  std::string op;
  std::string viewer;

 private:
  test_support::TempDir dir_;
  std::string path_;
  base::FakeClock clock_;
  EventHub hub_;
  MetricsRegistry metrics_;
  Readiness readiness_;
  std::unique_ptr<store::Writer> writer_;
  std::unique_ptr<store::ReadPool> reads_;
  std::unique_ptr<store::BillingRepository> repo_;
  std::unique_ptr<store::UserStore> users_;
  std::unique_ptr<store::AuditStore> audit_;
  rating::RateBookHolder book_;
  std::unique_ptr<RatingServices> rating_;
  std::unique_ptr<billing::Authorizer> authorizer_;
  std::unique_ptr<BillingServices> billing_;
  std::unique_ptr<LiveServices> live_;
  std::unique_ptr<Server> server_;
};

// Reads an SSE stream on its own thread into a buffer the test polls.
class SseReader {
 public:
  SseReader(int port, const std::string& token) {
    thread_ = std::thread([this, port, token] {
      httplib::Client cli("127.0.0.1", port);
      cli.set_read_timeout(30, 0);
      auto res =
          cli.Get("/api/v1/events", {{"Authorization", "Bearer " + token}}, [this](const char* data, size_t len) {
            std::lock_guard<std::mutex> lock(mu_);
            text_.append(data, len);
            cv_.notify_all();
            return !stop_;
          });
      std::lock_guard<std::mutex> lock(mu_);
      ended_ = true;
      cv_.notify_all();
    });
  }
  ~SseReader() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Waits (up to 10 s) until the stream holds `needle`; true when it does.
  bool WaitFor(const std::string& needle) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] {
      return text_.find(needle) != std::string::npos || ended_;
    }) && text_.find(needle) != std::string::npos;
  }
  bool WaitEnded() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return ended_; });
  }
  std::string text() {
    std::lock_guard<std::mutex> lock(mu_);
    return text_;
  }
  // The data JSON of the first `event: name` frame.
  nlohmann::json Data(const std::string& name) {
    const std::string all = text();
    const size_t at = all.find("event: " + name + "\n");
    REQUIRE(at != std::string::npos);
    const size_t data = all.find("data: ", at);
    const size_t end = all.find('\n', data);
    return nlohmann::json::parse(all.substr(data + 6, end - data - 6));
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string text_;
  bool ended_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace tarifador::http::testing
