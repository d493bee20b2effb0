#pragma once
// The alerts nothing else raises in a transaction of its own (docs/ALERTS.md):
// conditions of the box watched by a thread every few seconds. Now: the
// FreeSWITCH event socket down for longer than a minute (link_down), once per
// outage; the PostgreSQL mirror behind by more than a quarter of an hour
// (mirror_backlog), once per backlog; outbound calls or spend this hour far
// above the same hour of the last 7 days (spend_spike, billing/spike.h),
// once per hour.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "base/status.h"
#include "base/time.h"
#include "billing/spike.h"
#include "esl/client.h"
#include "http/services.h"
#include "store/alert_store.h"
#include "store/writer.h"

namespace tarifador::app {

class AlertWatch {
 public:
  struct Options {
    // How long the link may be down before it is an alert: a FreeSWITCH
    // restart takes some seconds and needs no one.
    std::chrono::seconds link_grace{60};
    // How old the oldest row not yet in PostgreSQL may be: the mirror pushes
    // within seconds when head office is reachable.
    std::chrono::seconds mirror_lag{15 * 60};
    std::chrono::milliseconds interval{5000};  // real time between checks
    billing::SpikeOptions spike;               // guards.spike_*; factor 0: off
  };

  // Borrows writer and clock; `link` reads the link's status (thread-safe).
  AlertWatch(store::Writer& writer, const base::Clock& clock, std::function<esl::LinkStatus()> link, Options options);
  ~AlertWatch();  // Stop()s
  AlertWatch(const AlertWatch&) = delete;
  AlertWatch& operator=(const AlertWatch&) = delete;

  // Also watches the mirror through `mirror` (thread-safe). Before Start.
  void WatchMirror(std::function<http::MirrorInfo()> mirror) { mirror_ = std::move(mirror); }

  // Starts the thread (a check at once, then every interval). Once.
  void Start();
  // Ends the thread. Idempotent.
  void Stop();

  // One check on the caller's thread (the thread's, and tests' with a fake
  // clock): raises link_down when the link has not been up for link_grace
  // since its last connection ended (or since this watch was built, when it
  // never came up), and mirror_backlog when the oldest row the mirror has
  // not pushed is older than mirror_lag, and spend_spike when this hour's
  // totals are a spike (billing::DetectSpike against the same hour of the 7
  // days before). Fails when the store cannot be written.
  base::Status CheckOnce();

 private:
  void ThreadMain();
  base::Status CheckLink(base::Instant now);
  base::Status CheckMirror(base::Instant now);
  base::Status CheckSpike(base::Instant now);
  base::Status Raise(const store::NewAlert& alert, base::Instant now, bool* raised);

  store::Writer& writer_;
  const base::Clock& clock_;
  const std::function<esl::LinkStatus()> link_;
  std::function<http::MirrorInfo()> mirror_;
  const Options options_;
  const base::Instant started_at_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tarifador::app
