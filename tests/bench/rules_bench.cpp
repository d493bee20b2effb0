// Spending-control rules benchmark (docs/PERFORMANCE.md "Spending control:
// rule evaluation per call"): what billing::Authorizer::Authorize costs per
// call on a real SQLite store, without rules, with a monthly budget, and with
// 1 000 blocked prefixes plus a price limit and a daily spend cap; and the budget's month spend read
// as one budget_spend row (what Authorize does) against the naive way, the
// account's CDRs of the month summed on every check; and a PIN call's code
// check (billing::PinChecker: the code's number finds its one hash) against
// the naive way, the digits alone tried against every code's salted hash.
//   rules_bench [--quick]
// Each figure is the median and the 99th percentile of per-call times over
// batches of 100 calls, best of 3 repeats, on 200 accounts whose month has
// 2 000 charged CDRs each (400 000 in all; --quick: 5 each, 300 calls per
// figure: it proves the bench runs, the figures come from a full run).
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "base/log.h"
#include "base/password.h"
#include "billing/authorizer.h"
#include "billing/pin_check.h"
#include "rating/rate_book.h"
#include "rating/rate_deck.h"
#include "store/billing_repository.h"
#include "store/pin_store.h"
#include "store/read_pool.h"
#include "store/writer.h"
#include "test_support/temp_dir.h"

namespace {

using namespace tarifador;
using Clock = std::chrono::steady_clock;

constexpr int kAccounts = 200;
constexpr int kBatch = 100;
constexpr const char* kDeck =
    "prefix,zone,price_per_minute,initial_increment,increment\n"
    "34,Spain,0.10,1,1\n"
    "346,Spain mobile,0.20,1,1\n"
    "44,UK,0.12,1,1\n"
    "1,NANP,0.05,6,6\n";

struct Figures {
  double median_ns = 0;
  double p99_ns = 0;
};

// Times `one(i)` for `calls` calls in batches; best of 3 by median.
template <typename F>
Figures Time(int calls, F&& one) {
  Figures best{1e18, 1e18};
  for (int repeat = 0; repeat < 3; ++repeat) {
    std::vector<double> per_call;
    for (int start = 0; start < calls; start += kBatch) {
      const auto t0 = Clock::now();
      for (int i = start; i < start + kBatch; ++i) one(i);
      per_call.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / kBatch);
    }
    std::sort(per_call.begin(), per_call.end());
    const Figures f{per_call[per_call.size() / 2], per_call[std::min(per_call.size() - 1, per_call.size() * 99 / 100)]};
    if (f.median_ns < best.median_ns) best = f;
  }
  return best;
}

void Row(const char* what, const Figures& f, const Figures& base) {
  std::printf("| %s | %.1f | %.1f | %.2f |\n", what, f.median_ns / 1000, f.p99_ns / 1000, f.median_ns / base.median_ns);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  if (argc > 2 || (argc == 2 && !quick)) {
    std::fprintf(stderr, "usage: rules_bench [--quick]\n");
    return 2;
  }
  try {
    base::SetLogLevel(base::LogLevel::kWarning);
    const int cdrs_per_account = quick ? 5 : 2000;
    const int calls = quick ? 300 : 20000;
    test_support::TempDir dir;
    const std::string path = dir.path() + "/rules.db";
    auto writer = store::Writer::Start(path);
    if (!writer.ok()) throw std::runtime_error(writer.status().message());
    store::ReadPool reads(path);
    store::BillingRepository repo(**writer, reads);
    const base::Instant now = base::SystemClock().Now();

    rating::RatePlan plan;
    plan.name = "retail";
    plan.rates = rating::ParseRateDeck(kDeck).rates;
    auto book = rating::RateBook::Build({plan});
    if (!book.ok()) throw std::runtime_error(book.status().message());
    rating::RateBookHolder rates;
    rates.Publish(*book);

    // Accounts 1..200 without a budget (extensions 2000+i), the same with a
    // budget (3000+i); each with a month of charged calls.
    std::vector<billing::AccountId> plain;
    std::vector<billing::AccountId> budgeted;
    for (int i = 0; i < 2 * kAccounts; ++i) {
      const bool with_budget = i >= kAccounts;
      billing::NewAccount na{"A" + std::to_string(i), billing::AccountType::kPostpaid,
                             base::Money::FromUnits(1'000'000),
                             with_budget ? std::optional<base::Money>(base::Money::FromUnits(900'000)) : std::nullopt};
      auto a = repo.CreateAccount(na, "bench", now);
      if (!a.ok()) throw std::runtime_error(a.status().message());
      (with_budget ? budgeted : plain).push_back(a->id);
      const std::string ext = std::to_string((with_budget ? 3000 : 2000) + i % kAccounts);
      if (!repo.PutExtension({ext, "", a->id, std::nullopt, true}, "bench", now).ok()) throw std::runtime_error("ext");
      for (int c = 0; c < cdrs_per_account; ++c) {
        billing::Cdr cdr;
        cdr.uuid = billing::CallId{"c-" + std::to_string(i) + "-" + std::to_string(c)};
        cdr.account_id = a->id;
        cdr.destination = "34911234567";
        cdr.start_us = now.micros() - static_cast<int64_t>(c) * 1'000'000;
        cdr.end_us = cdr.start_us + 60'000'000;
        cdr.cost = base::Money::FromMicros(100'000);
        cdr.disposition = billing::Disposition::kAnswered;
        repo.BillCallAsync(cdr, now, [](base::Result<billing::CallBilled> r) {
          if (!r.ok()) std::fprintf(stderr, "billing: %s\n", r.status().message().c_str());
        });
      }
    }
    if (!(*writer)->CheckWritable(std::chrono::seconds(600)).ok()) throw std::runtime_error("writer");

    billing::Authorizer::Options options;
    options.default_plan = "retail";
    const billing::Authorizer bare(repo, rates, rating::NumberNormaliser(), options);
    billing::Authorizer::Options guarded_options = options;
    guarded_options.max_price_per_minute = base::Money::FromUnits(3);
    guarded_options.spend.daily_limit = base::Money::FromUnits(1'000'000);  // read, never reached
    for (int p = 0; p < 1000; ++p) guarded_options.blocked_prefixes.push_back("88" + std::to_string(1000 + p));
    const billing::Authorizer guarded(repo, rates, rating::NumberNormaliser(), guarded_options);

    const auto authorize = [&](const billing::Authorizer& a, int base_ext) {
      return [&a, base_ext, now](int i) {
        auto d = a.Authorize(std::to_string(base_ext + i % kAccounts), "0034911234567", now);
        if (!d.ok() || !d->allowed) throw std::runtime_error("authorize: not allowed");
      };
    };
    const Figures f_plain = Time(calls, authorize(bare, 2000));
    const Figures f_budget = Time(calls, authorize(bare, 3000));
    const Figures f_guards = Time(calls, authorize(guarded, 2000));
    const Figures f_both = Time(calls, authorize(guarded, 3000));

    // The month's spend: the counter row (what the store keeps) against
    // summing the month's CDRs of the account.
    auto lease = reads.Acquire();
    if (!lease.ok()) throw std::runtime_error(lease.status().message());
    SQLite::Statement row(lease->sql(),
                          "SELECT spent_micros FROM budget_spend WHERE account_id = ? ORDER BY month DESC LIMIT 1");
    SQLite::Statement sum(lease->sql(),
                          "SELECT coalesce(sum(charged_micros), 0) FROM cdrs WHERE account_id = ? AND start_us >= ? "
                          "AND start_us < ?");
    const int64_t month_start = now.micros() - 40LL * 24 * 3600 * 1'000'000;
    int64_t checksum = 0;
    const Figures f_row = Time(calls / 10, [&](int i) {
      row.reset();
      row.bind(1, static_cast<int64_t>(budgeted[static_cast<size_t>(i % kAccounts)].value));
      if (row.executeStep()) checksum += row.getColumn(0).getInt64();
    });
    const Figures f_sum = Time(calls / 10, [&](int i) {
      sum.reset();
      sum.bind(1, static_cast<int64_t>(budgeted[static_cast<size_t>(i % kAccounts)].value));
      sum.bind(2, month_start);
      sum.bind(3, now.micros() + 1);
      if (sum.executeStep()) checksum += sum.getColumn(0).getInt64();
    });

    std::printf("rules_bench: %d accounts with %d charged CDRs each this month, %d calls per figure\n\n", 2 * kAccounts,
                cdrs_per_account, calls);
    std::printf("| Authorize() per call | median us | p99 us | x no rules |\n|---|---:|---:|---:|\n");
    Row("no budget, no guards", f_plain, f_plain);
    Row("monthly budget (block)", f_budget, f_plain);
    Row("guards: 1 000 blocked prefixes + a price limit + a daily cap", f_guards, f_plain);
    Row("budget and guards", f_both, f_plain);
    std::printf("\n| the month's spend, per check | median us | p99 us | x counter row |\n|---|---:|---:|---:|\n");
    Row("budget_spend row (tarifador)", f_row, f_row);
    Row("sum of the month's CDRs (naive)", f_sum, f_row);

    // PIN codes: argon2id is slow on purpose, so the number keyed first
    // matters: one verification per call, not one per stored code.
    const int codes = quick ? 4 : 50;
    const int checks = quick ? 3 : 20;
    store::PinStore pins(**writer, reads);
    std::vector<std::string> digits;
    std::vector<std::string> hashes;
    for (int c = 0; c < codes; ++c) {
      billing::PinCode code;
      code.id = std::to_string(5000 + c);
      code.owner = "P" + std::to_string(c);
      code.account_id = plain[static_cast<size_t>(c % kAccounts)];
      digits.push_back(std::to_string(480170 + 7 * c));
      if (!pins.CreatePin(code, digits.back(), "bench", now).ok()) throw std::runtime_error("pin");
      hashes.push_back((*pins.FindPin(code.id))->pin_hash);
    }
    billing::PinChecker checker(pins, {});
    const auto median_ms = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    std::vector<double> ours;
    std::vector<double> naive;
    for (int k = 0; k < checks; ++k) {
      const int c = (k * 7) % codes;
      const auto t0 = Clock::now();
      auto check = checker.Check({std::to_string(5000 + c), digits[static_cast<size_t>(c)], "2000",
                                  billing::CallId{"pin-" + std::to_string(k)}},
                                 now);
      if (!check.ok() || check->verdict != billing::PinVerdict::kGranted) throw std::runtime_error("pin check");
      ours.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      const auto t1 = Clock::now();
      bool found = false;
      for (const std::string& h : hashes) {
        if (base::VerifyPassword(h, digits[static_cast<size_t>(c)])) {
          found = true;
          break;
        }
      }
      if (!found) throw std::runtime_error("naive pin check");
      naive.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t1).count());
    }
    const double ours_ms = median_ms(ours);
    const double naive_ms = median_ms(naive);
    std::printf("\n| a PIN call's code check, %d codes | median ms | x tarifador |\n|---|---:|---:|\n", codes);
    std::printf("| number + digits: one argon2id verification, audited (tarifador) | %.1f | 1.00 |\n", ours_ms);
    std::printf("| digits alone, tried against every code's hash (naive) | %.1f | %.2f |\n", naive_ms,
                naive_ms / ours_ms);
    std::printf("\nchecksum %lld\n", static_cast<long long>(checksum));
    (*writer)->Shutdown();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "rules_bench: %s\n", e.what());
    return 1;
  }
}
