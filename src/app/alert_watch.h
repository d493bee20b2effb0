#pragma once
// The alerts nothing else raises in a transaction of its own (docs/ALERTS.md):
// conditions of the box watched by a thread every few seconds. Now: the
// FreeSWITCH event socket down for longer than a minute (link_down), once per
// outage.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "base/status.h"
#include "base/time.h"
#include "esl/client.h"
#include "store/writer.h"

namespace tarifador::app {

class AlertWatch {
 public:
  struct Options {
    // How long the link may be down before it is an alert: a FreeSWITCH
    // restart takes some seconds and needs no one.
    std::chrono::seconds link_grace{60};
    std::chrono::milliseconds interval{5000};  // real time between checks
  };

  // Borrows writer and clock; `link` reads the link's status (thread-safe).
  AlertWatch(store::Writer& writer, const base::Clock& clock, std::function<esl::LinkStatus()> link, Options options);
  ~AlertWatch();  // Stop()s
  AlertWatch(const AlertWatch&) = delete;
  AlertWatch& operator=(const AlertWatch&) = delete;

  // Starts the thread (a check at once, then every interval). Once.
  void Start();
  // Ends the thread. Idempotent.
  void Stop();

  // One check on the caller's thread (the thread's, and tests' with a fake
  // clock): raises link_down when the link has not been up for link_grace
  // since its last connection ended (or since this watch was built, when it
  // never came up). Fails when the store cannot be written.
  base::Status CheckOnce();

 private:
  void ThreadMain();

  store::Writer& writer_;
  const base::Clock& clock_;
  const std::function<esl::LinkStatus()> link_;
  const Options options_;
  const base::Instant started_at_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace tarifador::app
