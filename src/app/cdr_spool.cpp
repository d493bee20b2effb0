#include "app/cdr_spool.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "app/call_event_from_esl.h"
#include "base/log.h"
#include "base/read_file.h"
#include "esl/json_cdr.h"

namespace tarifador::app {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRejectedDir = "rejected";

}  // namespace

CdrSpool::CdrSpool(Key, Options options, Backfill backfill)
    : options_(std::move(options)),
      backfill_(std::move(backfill)),
      steady_(options_.steady != nullptr ? *options_.steady : base::RealSteadyClock::Instance()) {}

CdrSpool::~CdrSpool() { Stop(); }

base::Result<std::unique_ptr<CdrSpool>> CdrSpool::Create(Options options, Backfill backfill) {
  if (options.dir.empty()) return base::InvalidArgument("freeswitch.json_cdr_dir is empty");
  std::error_code ec;
  if (!fs::is_directory(options.dir, ec)) {
    return base::InvalidArgument("freeswitch.json_cdr_dir " + options.dir +
                                 " is not a directory (create it so that FreeSWITCH can write and tarifador "
                                 "read and delete there: docs/FREESWITCH.md)");
  }
  fs::create_directories(fs::path(options.dir) / kRejectedDir, ec);
  if (ec) {
    return base::Unavailable("freeswitch.json_cdr_dir " + options.dir + ": cannot create " + kRejectedDir +
                             "/: " + ec.message());
  }
  return std::make_unique<CdrSpool>(Key{}, std::move(options), std::move(backfill));
}

base::Result<std::unique_ptr<CdrSpool>> CdrSpool::Start(Options options, Backfill backfill) {
  base::Result<std::unique_ptr<CdrSpool>> spool = Create(std::move(options), std::move(backfill));
  if (!spool.ok()) return spool;
  CdrSpool* self = spool->get();
  self->thread_ = std::jthread([self](std::stop_token stop) { self->Run(stop); });
  base::LogInfo("billing the CDR files mod_json_cdr writes into " + self->options_.dir +
                " (files that cannot be billed go to " + self->options_.dir + "/" + kRejectedDir + ")");
  return spool;
}

void CdrSpool::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void CdrSpool::Run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    try {  // the thread's top-level catch
      ScanOnce();
    } catch (const std::exception& e) {
      base::LogError(std::string("CDR spool: ") + e.what());
    }
    steady_.WaitUntil(steady_.Now() + options_.scan_interval, stop);
  }
}

CdrSpool::Stats CdrSpool::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void CdrSpool::ScanOnce() {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(options_.dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (!it->is_regular_file(type_ec)) continue;
    std::string name = it->path().filename().string();
    if (esl::IsJsonCdrFileName(name)) names.push_back(std::move(name));
  }
  if (ec) {
    std::lock_guard lock(mu_);
    stats_.last_error = "reading " + options_.dir + ": " + ec.message();
    ++stats_.scans;
    return;
  }
  // A stable order (the same scan twice does the same); the rest of a big
  // backlog waits for the next scans.
  std::sort(names.begin(), names.end());
  const size_t total = names.size();
  if (names.size() > options_.max_files_per_scan) names.resize(options_.max_files_per_scan);
  size_t kept = 0;
  for (const std::string& name : names) kept += Handle(name) ? 1 : 0;
  // Forget the incomplete files that are gone.
  std::erase_if(incomplete_since_,
                [&](const auto& entry) { return !std::binary_search(names.begin(), names.end(), entry.first); });
  std::lock_guard lock(mu_);
  stats_.pending = kept + (total - names.size());
  ++stats_.scans;
}

bool CdrSpool::Reject(const std::string& name, const std::string& why) {
  const fs::path from = fs::path(options_.dir) / name;
  const fs::path to = fs::path(options_.dir) / kRejectedDir / name;
  std::error_code ec;
  fs::rename(from, to, ec);
  base::LogWarning("CDR file " + from.string() + " cannot be billed (" + why + "): moved to " + to.string() +
                   (ec ? " failed: " + ec.message() : ""));
  incomplete_since_.erase(name);
  std::lock_guard lock(mu_);
  ++stats_.rejected;
  stats_.last_error = name + ": " + why;
  return false;
}

bool CdrSpool::Handle(const std::string& name) {
  const fs::path path = fs::path(options_.dir) / name;
  base::Result<std::string> text = base::ReadFileAtMost(path, 3 * esl::kMaxJsonCdrBytes + 1);
  if (!text.ok()) {
    if (text.status().code() == base::StatusCode::kNotFound) return false;  // gone meanwhile
    if (text.status().code() == base::StatusCode::kInvalidArgument) return Reject(name, text.status().message());
    std::lock_guard lock(mu_);
    stats_.last_error = text.status().message();
    return true;
  }
  if (text->empty() || text->back() != '\n') {
    // mod_json_cdr writes the document, then a newline: not whole yet.
    const auto [it, first] = incomplete_since_.emplace(name, steady_.Now());
    if (!first && steady_.Now() - it->second >= options_.incomplete_grace) {
      return Reject(name, "it has not been completed for " + std::to_string(options_.incomplete_grace.count()) + " s");
    }
    return true;
  }
  incomplete_since_.erase(name);
  base::Result<esl::Event> event = esl::DecodeJsonCdrFile(*text);
  if (!event.ok()) return Reject(name, event.status().message());
  std::optional<billing::CallEvent> call = CallEventFromEsl(*event);
  if (!call) return Reject(name, "the document names no leg uuid");
  std::future<base::Result<std::string>> done = backfill_(std::move(*call));
  if (done.wait_for(options_.backfill_wait) != std::future_status::ready) {
    std::lock_guard lock(mu_);
    ++stats_.retried;
    stats_.last_error = name + ": billing did not answer in time; tried again at the next scan";
    return true;
  }
  const base::Result<std::string> result = done.get();
  if (!result.ok()) {
    if (result.status().code() == base::StatusCode::kInvalidArgument) return Reject(name, result.status().message());
    // The call is still up, or the store is failing: try again later.
    std::lock_guard lock(mu_);
    ++stats_.retried;
    stats_.last_error = name + ": " + result.status().message();
    return true;
  }
  std::error_code ec;
  fs::remove(path, ec);
  std::lock_guard lock(mu_);
  if (ec) stats_.last_error = "deleting " + path.string() + ": " + ec.message();
  if (*result == "billed") {
    ++stats_.billed;
  } else if (*result == "already_billed") {
    ++stats_.already_billed;
  } else {
    ++stats_.other_legs;
  }
  return static_cast<bool>(ec);  // not deleted: still there for the next scan
}

}  // namespace tarifador::app
