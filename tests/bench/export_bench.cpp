// CSV export benchmark (docs/PERFORMANCE.md "CSV export"): N CDRs in a real
// store file exported through store::CdrQuery's streamed walk to a file
// (what the scheduler, the CLI and GET /api/v1/cdrs.csv do), against the
// naive way in the same run: every row loaded into a vector first, the whole
// CSV built in one std::string, then written. Prints rows/s, seconds and the
// peak RSS of each (VmHWM, reset between the two through /proc/self/clear_refs).
//
//   export_bench [--quick] [--rows N] [--store FILE] [--streamed-only]
//
// --store FILE keeps the populated store there (made when absent) so that
// repeated runs and profiles measure the export only; --streamed-only skips
// the naive way (for profiling).
// --quick (ctest -L bench): 20 000 rows; checks both ways give the same bytes.
#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "base/local_time.h"
#include "export/atomic_file.h"
#include "export/cdr_csv.h"
#include "export/period_export.h"
#include "export/store_cdr_source.h"
#include "store/cdr_query.h"
#include "store/database.h"
#include "store/read_pool.h"
#include "test_support/temp_dir.h"

using namespace tarifador;

namespace {

// Peak resident set size in KiB since the last reset.
long PeakRssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}
long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}
// Sets the peak back to the current RSS (Linux >= 4.0).
void ResetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

void Populate(const std::string& path, int64_t rows, int64_t start_us) {
  auto db = store::Database::Open(path, store::OpenMode::kReadWrite);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().message().c_str());
    std::exit(1);
  }
  SQLite::Database& sql = (*db)->sql();
  SQLite::Transaction tx(sql);
  SQLite::Statement st(sql,
                       "INSERT INTO cdrs(uuid, site_id, direction, caller, caller_name, destination, "
                       "normalised_number, zone, prefix, rate_plan, price_per_minute_micros, start_us, answer_us, "
                       "end_us, duration_s, billsec, billusec, billable_seconds, cost_micros, charged_micros, "
                       "hangup_cause, disposition, gateway, billed_us) VALUES (?, 'hq', 'outbound', ?, ?, ?, ?, "
                       "'Spain mobile', '346', 'default', 123400, ?, ?, ?, 95, 90, 90000000, 90, 185100, 185100, "
                       "'NORMAL_CLEARING', 'answered', 'gw1', ?)");
  char uuid[40];
  for (int64_t i = 0; i < rows; ++i) {
    std::snprintf(uuid, sizeof uuid, "c0ffee00-0000-4000-8000-%012lld", static_cast<long long>(i));
    const int64_t t = start_us + i * 2'000'000;  // one call every 2 s
    st.bind(1, uuid);
    st.bind(2, std::to_string(1000 + i % 200));
    st.bind(3, i % 7 == 0 ? std::string("Muñoz, José") : std::string("Alice Example"));
    st.bind(4, "0034600" + std::to_string(100000 + i % 900000));
    st.bind(5, "34600" + std::to_string(100000 + i % 900000));
    st.bind(6, static_cast<int64_t>(t));
    st.bind(7, static_cast<int64_t>(t + 5'000'000));
    st.bind(8, static_cast<int64_t>(t + 95'000'000));
    st.bind(9, static_cast<int64_t>(t + 96'000'000));
    st.exec();
    st.reset();
  }
  tx.commit();
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  bool streamed_only = false;
  std::string kept_store;
  int64_t rows = 1'000'000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      quick = true;
      rows = 20'000;
    } else if (a == "--rows" && i + 1 < argc) {
      rows = std::atoll(argv[++i]);
    } else if (a == "--store" && i + 1 < argc) {
      kept_store = argv[++i];
    } else if (a == "--streamed-only") {
      streamed_only = true;
    } else {
      std::fprintf(stderr, "usage: export_bench [--quick] [--rows N] [--store FILE] [--streamed-only]\n");
      return 2;
    }
  }
  if (!base::SetOfficeTimeZone("Europe/Madrid").ok()) return 1;
  test_support::TempDir dir;
  const std::string store_path = kept_store.empty() ? dir.path() + "/tarifador.db" : kept_store;
  const int64_t start_us = base::ParseIso8601("2026-01-01T00:00:00Z")->micros();
  auto t0 = std::chrono::steady_clock::now();
  if (kept_store.empty() || access(kept_store.c_str(), F_OK) != 0) {
    Populate(store_path, rows, start_us);
    std::printf("populated %lld CDRs in %.1f s\n", static_cast<long long>(rows), Seconds(t0));
  } else if (!store::Database::Open(store_path, store::OpenMode::kReadWrite).ok()) {  // migrates a kept store
    std::fprintf(stderr, "cannot open %s\n", store_path.c_str());
    return 1;
  }

  store::ReadPool reads(store_path, 1);
  store::CdrQuery query(reads);
  exports::StoreCdrSource source(query);
  const base::Instant from = base::Instant::FromMicros(start_us);
  const base::Instant to = base::Instant::FromMicros(start_us + rows * 2'000'000);
  exports::CsvOptions options;

  // Streamed: the real path (temp file, fsync, rename, SHA-256 included).
  ResetPeak();
  const long rss_before = RssKb();
  t0 = std::chrono::steady_clock::now();
  auto file = exports::ExportRangeToFile(source, from, to, dir.path() + "/streamed.csv", options);
  const double streamed_s = Seconds(t0);
  const long streamed_peak = PeakRssKb();
  if (!file.ok() || file->rows != rows) {
    std::fprintf(stderr, "streamed export failed: %s\n", file.ok() ? "row count" : file.status().message().c_str());
    return 1;
  }
  if (streamed_only) {
    std::printf("streamed: %lld rows in %.2f s (%.0f rows/s), peak RSS %ld KiB (%ld before)\n",
                static_cast<long long>(rows), streamed_s, rows / streamed_s, streamed_peak, rss_before);
    return 0;
  }

  // Naive: every CDR in a vector, the whole CSV in one string, then the file.
  ResetPeak();
  const long naive_before = RssKb();
  t0 = std::chrono::steady_clock::now();
  std::string naive_sha;
  {
    std::vector<billing::Cdr> all;
    store::CdrFilter period;
    period.from = from;
    period.to = to;
    base::Status s = query.ForEach(period, [&](const billing::Cdr& c) {
      all.push_back(c);
      return base::Status();
    });
    if (!s.ok()) return 1;
    std::string csv;
    const exports::CdrWalk walk = [&](const exports::CdrVisitor& visit) {
      for (const billing::Cdr& c : all) TARIFADOR_RETURN_IF_ERROR(visit(c));
      return base::Status();
    };
    if (!exports::WriteCdrCsv(walk, options, [&](std::string_view chunk) {
           csv.append(chunk);
           return base::Status();
         }).ok()) {
      return 1;
    }
    std::ofstream(dir.path() + "/naive.csv", std::ios::binary)
        .write(csv.data(), static_cast<std::streamsize>(csv.size()));
    exports::Sha256 sha;
    sha.Update(csv);
    naive_sha = sha.FinishHex();
  }
  const double naive_s = Seconds(t0);
  const long naive_peak = PeakRssKb();

  std::printf("%-10s %10s %10s %12s %14s %14s\n", "way", "rows", "seconds", "rows/s", "RSS before KiB", "peak RSS KiB");
  std::printf("%-10s %10lld %10.2f %12.0f %14ld %14ld\n", "streamed", static_cast<long long>(rows), streamed_s,
              rows / streamed_s, rss_before, streamed_peak);
  std::printf("%-10s %10lld %10.2f %12.0f %14ld %14ld\n", "naive", static_cast<long long>(rows), naive_s,
              rows / naive_s, naive_before, naive_peak);
  std::printf("file: %lld bytes, sha256 %s\n", static_cast<long long>(file->bytes), file->sha256.c_str());

  if (naive_sha != file->sha256) {
    std::fprintf(stderr, "the streamed and naive files differ\n");
    return 1;
  }
  if (quick) std::printf("quick: OK\n");
  return 0;
}
