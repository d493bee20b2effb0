// The event stream, settings and the status page's disk and store figures
// (live_handlers.h).
#include "http/live_handlers.h"

#include <sys/statvfs.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "base/time.h"
#include "http/json_body.h"

namespace tarifador::http {
namespace {

// How long one call of the stream waits for events before handing control
// back to the server, which then checks whether it is stopping.
constexpr std::chrono::milliseconds kStreamPoll{500};

// What one open stream keeps between the provider's calls (one thread).
struct StreamState {
  std::shared_ptr<EventHub::Subscriber> sub;
  std::string pending;  // the hello frame, until written
  std::chrono::milliseconds keepalive;
  std::chrono::steady_clock::time_point last_write;
};

}  // namespace

base::Result<Response> HandleEvents(Services& s, const Request& req) {
  if (s.events == nullptr) return base::Unavailable("live events are not available in this server");
  base::Result<std::shared_ptr<EventHub::Subscriber>> sub = s.events->Subscribe(req.caller().Actor());
  if (!sub.ok()) return sub.status();
  auto state = std::make_shared<StreamState>();
  state->sub = std::move(*sub);
  state->keepalive = s.events->options().keepalive;
  state->last_write = std::chrono::steady_clock::now();
  // `retry` tells EventSource how soon to reconnect after a drop.
  state->pending = "retry: 3000\nevent: hello\ndata: " +
                   Dump({{"server_time", base::FormatIso8601(s.clock.Now())}, {"last_id", s.events->last_id()}}) +
                   "\n\n";
  Response out;
  out.content_type = "text/event-stream";
  out.stream = [state](const Response::ChunkWriter& write) -> bool {
    if (!state->pending.empty()) {
      if (!write(state->pending)) return false;
      state->pending.clear();
      state->last_write = std::chrono::steady_clock::now();
    }
    const auto now = std::chrono::steady_clock::now();
    const auto keepalive_due = state->last_write + state->keepalive;
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(keepalive_due - now);
    std::optional<std::string> frames =
        state->sub->Next(std::max(std::chrono::milliseconds(0), std::min(wait, kStreamPoll)));
    if (!frames) return false;  // dropped as too slow, or the server is stopping
    if (!frames->empty()) {
      state->last_write = std::chrono::steady_clock::now();
      return write(*frames);
    }
    if (std::chrono::steady_clock::now() >= keepalive_due) {
      state->last_write = std::chrono::steady_clock::now();
      return write(": keepalive\n\n");
    }
    return true;
  };
  return out;
}

base::Result<Response> HandleSettings(Services& s, const Request&) {
  if (s.live == nullptr || !s.live->settings_json)
    return base::Unavailable("settings are not available in this server");
  return Response::Json(s.live->settings_json());
}

void AddDiskAndStoreStatus(const Services& s, nlohmann::json& status) {
  namespace fs = std::filesystem;
  const std::string& store = s.status.store_path;
  std::string dir =
      s.live != nullptr && !s.live->data_dir.empty() ? s.live->data_dir : fs::path(store).parent_path().string();
  if (dir.empty()) dir.assign(1, '.');
  struct statvfs vfs {};
  if (::statvfs(dir.c_str(), &vfs) == 0) {
    const auto block = static_cast<uint64_t>(vfs.f_frsize);
    status["disk"] = {{"path", dir},
                      {"free_bytes", static_cast<uint64_t>(vfs.f_bavail) * block},
                      {"total_bytes", static_cast<uint64_t>(vfs.f_blocks) * block}};
  }
  if (store.empty()) return;
  std::error_code ec;
  const uintmax_t size = fs::file_size(store, ec);
  if (ec) return;
  const uintmax_t wal = fs::file_size(store + "-wal", ec);
  status["store"] = {{"path", store}, {"size_bytes", size}, {"wal_bytes", ec ? uintmax_t{0} : wal}};
}

}  // namespace tarifador::http
