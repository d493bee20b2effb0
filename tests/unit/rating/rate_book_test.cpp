#include "rating/rate_book.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

using namespace tarifador;
using rating::RateBook;
using rating::RateBookHolder;
using rating::RatePlan;

namespace {

RatePlan Plan(const std::string& name, const std::string& zone, int64_t price_micros) {
  RatePlan p;
  p.name = name;
  rating::Rate r;
  r.prefix = *rating::Prefix::Parse("44");
  r.zone = zone;
  r.price_per_minute = base::Money::FromMicros(price_micros);
  p.rates.push_back(r);
  r.prefix = *rating::Prefix::Parse("447");
  r.zone = zone + " Mobile";
  p.rates.push_back(r);
  return p;
}

std::string ZoneOf(const RateBook& book, std::string_view plan, std::string_view number) {
  const rating::CompiledPlan* p = book.Find(plan);
  if (!p) return "<no plan>";
  auto m = p->trie.Find(number, base::Instant());
  return m ? m->rate->zone : "<none>";
}

}  // namespace

TEST_CASE("A rate book holds every plan by name", "[rating][book]") {
  auto book = RateBook::Build({Plan("retail", "UK", 100'000), Plan("staff", "UK staff", 50'000)});
  REQUIRE(book.ok());
  CHECK((*book)->plan_count() == 2);
  CHECK((*book)->PlanNames() == std::vector<std::string>{"retail", "staff"});
  CHECK(ZoneOf(**book, "retail", "447700900123") == "UK Mobile");
  CHECK(ZoneOf(**book, "staff", "441234") == "UK staff");
  CHECK(ZoneOf(**book, "nope", "441234") == "<no plan>");
}

TEST_CASE("A rate book refuses duplicate names and bad plans", "[rating][book]") {
  CHECK_FALSE(RateBook::Build({Plan("retail", "a", 1), Plan("retail", "b", 1)}).ok());
  RatePlan bad = Plan("retail", "UK", 1);
  bad.decimals = 9;
  auto b = RateBook::Build({bad});
  REQUIRE_FALSE(b.ok());
  CHECK(b.status().message() == "compiling plan \"retail\": decimals 9 is not between 0 and 6");
  CHECK_FALSE(RateBook::Build({Plan("bad name", "UK", 1)}).ok());
}

TEST_CASE("Replacing one plan shares the others and leaves old snapshots intact", "[rating][book]") {
  RateBookHolder holder;
  CHECK(holder.Current()->plan_count() == 0);
  auto first = RateBook::Build({Plan("retail", "v1", 1), Plan("staff", "s1", 1)});
  REQUIRE(first.ok());
  holder.Publish(*first);
  const std::shared_ptr<const RateBook> before = holder.Current();
  const rating::CompiledPlan* staff_before = before->Find("staff");

  auto v2 = rating::CompiledPlan::Compile(Plan("retail", "v2", 2));
  REQUIRE(v2.ok());
  holder.ReplacePlan(*v2);
  const auto after = holder.Current();
  CHECK(ZoneOf(*after, "retail", "441") == "v2");
  CHECK(after->Find("staff") == staff_before);      // shared, not rebuilt
  CHECK(ZoneOf(*before, "retail", "441") == "v1");  // a reader's snapshot does not change
  holder.Publish(nullptr);                          // ignored
  CHECK(holder.Current() == after);
}

TEST_CASE("Readers see whole books while a writer publishes", "[rating][book]") {
  // Each published book holds plans a and b built from the same version v;
  // a reader must never see a mix, a missing plan or a torn trie.
  RateBookHolder holder;
  auto initial = RateBook::Build({Plan("a", "0", 1), Plan("b", "0", 1)});
  REQUIRE(initial.ok());
  holder.Publish(*initial);
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        const auto book = holder.Current();
        const std::string a = ZoneOf(*book, "a", "441");
        const std::string b = ZoneOf(*book, "b", "441");
        if (a != b || a == "<none>" || a == "<no plan>") torn.fetch_add(1);
        reads.fetch_add(1);
      }
    });
  }
  // On a loaded machine the readers may not have started yet; the test is
  // only meaningful while they run.
  while (reads.load() < 2) std::this_thread::yield();
  for (int v = 1; v <= 300; ++v) {
    if (v % 50 == 0) {
      const long seen = reads.load();
      while (reads.load() < seen + 2) std::this_thread::yield();  // interleave with readers
    }
    auto book = RateBook::Build({Plan("a", std::to_string(v), v), Plan("b", std::to_string(v), v)});
    REQUIRE(book.ok());
    holder.Publish(*book);
  }
  stop.store(true);
  for (auto& t : readers) t.join();
  CHECK(torn.load() == 0);
  CHECK(reads.load() >= 12);
  CHECK(ZoneOf(*holder.Current(), "a", "441") == "300");
}
