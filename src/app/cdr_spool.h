#pragma once
// CdrSpool: bills the CDR files mod_json_cdr writes into a directory
// (freeswitch.json_cdr_dir: its log-dir when FreeSWITCH runs on this box, or
// its err-log-dir), so that billing never rests on an HTTP POST that holds a
// FreeSWITCH channel while tarifador is slow or down (docs/FREESWITCH.md).
//
// One thread scans the directory every second. A whole file (mod_json_cdr
// writes the document, then a newline) is handed to the billing loop as a
// backfill, exactly like a POST, and deleted once billed, found billed, or
// found to be another leg. A file that can never be billed (not a CDR,
// impossible times, a newline that never comes) is moved into rejected/ with
// a log line saying why. A call still up, a busy or failing store: the file
// stays and is tried again at the next scan.
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "base/status.h"
#include "base/steady_clock.h"
#include "billing/call_event.h"

namespace tarifador::app {

class CdrSpool {
 public:
  struct Options {
    std::string dir;
    std::chrono::milliseconds scan_interval{1000};
    // A file still without its final newline after this long was cut short
    // (FreeSWITCH died mid-write, a full disk): rejected.
    std::chrono::seconds incomplete_grace{60};
    size_t max_files_per_scan = 500;         // the rest wait for the next scan
    std::chrono::seconds backfill_wait{10};  // longer: left for the next scan
    // Times the scans and the grace; the real monotonic clock when null.
    const base::SteadyClock* steady = nullptr;
  };

  struct Stats {
    uint64_t billed = 0;          // files billed now
    uint64_t already_billed = 0;  // files whose call was billed before (live, a POST)
    uint64_t other_legs = 0;      // B-leg files: never billed
    uint64_t rejected = 0;        // files moved into rejected/
    uint64_t retried = 0;         // tries left for a later scan (call up, store busy)
    uint64_t scans = 0;
    size_t pending = 0;  // files seen in the last scan and still there
    std::string last_error;
  };

  // Hands one HANGUP_COMPLETE to billing: BillingLoop::Backfill.
  using Backfill = std::function<std::future<base::Result<std::string>>(billing::CallEvent)>;

  // Checks that `dir` is a directory it can read and write, creates
  // rejected/ in it, and starts the scanning thread. InvalidArgument or
  // Unavailable naming the directory otherwise.
  static base::Result<std::unique_ptr<CdrSpool>> Start(Options options, Backfill backfill);
  // Without the thread: ScanOnce() is called by hand (tests).
  static base::Result<std::unique_ptr<CdrSpool>> Create(Options options, Backfill backfill);
  ~CdrSpool();  // Stop()s
  CdrSpool(const CdrSpool&) = delete;
  CdrSpool& operator=(const CdrSpool&) = delete;

  // Ends the thread after the file in hand. Idempotent.
  void Stop();

  // One pass over the directory on the caller's thread.
  void ScanOnce();

  Stats stats() const;
  const std::string& dir() const { return options_.dir; }

 private:
  struct Key {
    explicit Key() = default;
  };

 public:
  CdrSpool(Key, Options options, Backfill backfill);

 private:
  // What became of one file: done (deleted), rejected, or kept. True when
  // it is kept (waits for a later scan).
  bool Handle(const std::string& name);
  // Moves the file into rejected/; returns false (the file is no longer waiting).
  bool Reject(const std::string& name, const std::string& why);
  void Run(std::stop_token stop);

  const Options options_;
  const Backfill backfill_;
  const base::SteadyClock& steady_;
  // File name -> when a scan first found it without its newline.
  std::map<std::string, base::SteadyClock::TimePoint> incomplete_since_;
  mutable std::mutex mu_;  // stats_
  Stats stats_;
  std::jthread thread_;
};

}  // namespace tarifador::app
