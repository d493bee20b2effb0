#include "esl/client.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "base/log.h"
#include "esl/frame_parser.h"

namespace tarifador::esl {
namespace {

using std::chrono::milliseconds;

constexpr size_t kReadChunk = 64 * 1024;
// The reader re-checks its deadlines at least this often even if a Transport
// never wakes it (defence in depth; Wake/Cancel normally interrupt at once).
constexpr milliseconds kMaxReadWait{1000};
// A repeated identical failure (FreeSWITCH down for hours) is logged again
// only every this many attempts.
constexpr uint64_t kRepeatLogEvery = 20;

std::string HostPort(const std::string& host, uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// "250 ms", "1.5 s", "12 s".
std::string Secs(milliseconds d) {
  char buf[32];
  if (d.count() < 1000) {
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(d.count()));
  } else if (d.count() % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(d.count() / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  }
  return buf;
}

// Body text for a message: one line, control bytes as '?', at most 120 chars.
std::string OneLine(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  std::string out;
  for (char c : s.substr(0, 120)) {
    const auto u = static_cast<unsigned char>(c);
    out += c == '\n' ? ' ' : (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  if (s.size() > 120) out += "...";
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

void Deliver(const Client::JobCallback& done, base::Result<std::string> result) {
  if (!done) return;
  try {
    done(std::move(result));
  } catch (const std::exception& e) {
    base::LogError(std::string("ESL: a bgapi result callback threw: ") + e.what());
  } catch (...) {
    base::LogError("ESL: a bgapi result callback threw a non-standard exception");
  }
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
  return out;
}

}  // namespace

const char* LinkStateName(LinkState state) {
  switch (state) {
    case LinkState::kConnecting: return "connecting";
    case LinkState::kAuthenticating: return "authenticating";
    case LinkState::kUp: return "up";
    case LinkState::kBackoff: return "backoff";
    case LinkState::kStopped: return "stopped";
  }
  return "unknown";
}

Client::Client(ClientOptions options, std::unique_ptr<Transport> transport, const base::Clock& clock,
               EventCallback on_event, ConnectedCallback on_connected)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      clock_(clock),
      steady_(options_.steady_clock != nullptr ? *options_.steady_clock : base::RealSteadyClock::Instance()),
      on_event_(std::move(on_event)),
      on_connected_(std::move(on_connected)),
      address_(HostPort(options_.host, options_.port)) {
  std::random_device rd;
  const auto seed = [&rd] { return (static_cast<uint64_t>(rd()) << 32) ^ rd(); };
  id_rng_.seed(seed());
  jitter_rng_.seed(options_.jitter_seed != 0 ? options_.jitter_seed : seed());
  backoff_ = options_.initial_backoff;
  core_.state = LinkState::kStopped;
  core_.since = clock_.Now();
  core_.address = address_;
  Publish();
}

Client::~Client() { Stop(); }

base::Status Client::Start() {
  if (!transport_) return base::InvalidArgument("ESL client: no transport given");
  if (options_.host.empty()) return base::InvalidArgument("freeswitch.host: must not be empty");
  if (options_.port == 0) return base::InvalidArgument("freeswitch.port: must be 1 to 65535");
  auto auth = AuthCommand(options_.password);
  if (!auth.ok()) return auth.status();
  auto subscribe = EventSubscribeCommand(options_.events);
  if (!subscribe.ok()) return subscribe.status();
  const std::pair<const char*, milliseconds> positive[] = {
      {"connect_timeout", options_.connect_timeout}, {"handshake_timeout", options_.handshake_timeout},
      {"silence_timeout", options_.silence_timeout}, {"write_timeout", options_.write_timeout},
      {"job_timeout", options_.job_timeout},         {"initial_backoff", options_.initial_backoff},
  };
  for (const auto& [name, value] : positive) {
    if (value.count() <= 0) return base::InvalidArgument(std::string("ESL client option ") + name + " must be > 0");
  }
  if (options_.max_backoff < options_.initial_backoff) {
    return base::InvalidArgument("ESL client option max_backoff must be >= initial_backoff");
  }
  if (options_.stable_after.count() < 0) return base::InvalidArgument("ESL client option stable_after must be >= 0");

  std::lock_guard lock(mu_);
  if (started_ || stop_requested_) {
    return base::FailedPrecondition("the ESL client was already started or stopped; it runs once");
  }
  started_ = true;
  auth_wire_ = std::move(*auth);
  subscribe_wire_ = std::move(*subscribe);
  reader_ = std::thread([this] { Run(); });
  return base::Status::Ok();
}

void Client::Stop() {
  std::lock_guard stop_lock(stop_mu_);
  {
    std::lock_guard lock(mu_);
    stop_requested_ = true;
  }
  stop_source_.request_stop();  // wakes the backoff wait
  if (transport_) transport_->Cancel();
  if (reader_.joinable()) {
    if (reader_.get_id() == std::this_thread::get_id()) {
      base::LogError("ESL: Stop() was called from a client callback; the reader thread ends on its own");
      return;
    }
    reader_.join();
  }
  // The reader is gone (or never ran): this thread owns the reader state now.
  FailAllPending("the event socket client was stopped");
  SetState(LinkState::kStopped, "the event socket client was stopped");
}

bool Client::StopRequested() const {
  std::lock_guard lock(mu_);
  return stop_requested_;
}

std::shared_ptr<const LinkStatus> Client::Published() const {
  std::lock_guard lock(publish_mu_);
  return published_;
}

LinkStatus Client::status() const {
  LinkStatus s = *Published();
  s.events_received = events_received_.load();
  s.last_event_at = base::Instant::FromMicros(last_event_us_.load());
  return s;
}

void Client::Publish() {
  auto snapshot = std::make_shared<const LinkStatus>(core_);  // built outside the lock
  std::lock_guard lock(publish_mu_);
  published_.swap(snapshot);
}  // the old snapshot is released here, outside the lock

void Client::SetState(LinkState state, const std::string& why_queued_fail) {
  std::deque<Outgoing> unsent;
  {
    std::lock_guard lock(mu_);
    if (state != LinkState::kUp) unsent.swap(outgoing_);
    state_ = state;
  }
  if (core_.state != state) {
    core_.state = state;
    core_.since = clock_.Now();
  }
  Publish();
  for (Outgoing& out : unsent) {
    Deliver(out.done, base::Unavailable("bgapi \"" + out.command + "\": not sent: " + why_queued_fail));
  }
}

void Client::RecordError(const base::Status& reason) {
  core_.last_error = reason.message();
  core_.last_error_at = clock_.Now();
}

std::string Client::NewJobUuid() {
  // A random (version 4) UUID: 36 characters, as FreeSWITCH's Job-UUID buffer
  // requires (see BgapiCommand).
  unsigned char b[16];
  const uint64_t hi = id_rng_(), lo = id_rng_();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<unsigned char>(hi >> (8 * i));
    b[8 + i] = static_cast<unsigned char>(lo >> (8 * i));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 0x0F];
  }
  return out;
}

milliseconds Client::NextBackoff() {
  const milliseconds b = backoff_;
  const milliseconds lo(b.count() / 2);
  milliseconds wait;
  if (options_.backoff_jitter) {
    wait = std::clamp(options_.backoff_jitter(lo, b), lo, b);
  } else {
    std::uniform_int_distribution<int64_t> dist(lo.count(), b.count());
    wait = milliseconds(dist(jitter_rng_));
  }
  backoff_ = std::min(b * 2, options_.max_backoff);
  return wait;
}

void Client::Bgapi(std::string_view command, JobCallback done) {
  base::Status failure;
  {
    std::lock_guard lock(mu_);
    const std::string job_uuid = NewJobUuid();
    auto wire = BgapiCommand(command, job_uuid);
    if (!wire.ok()) {
      failure = wire.status();
    } else if (!started_ || stop_requested_) {
      failure = base::Unavailable("bgapi \"" + std::string(command) + "\": the event socket client is not running");
    } else if (state_ != LinkState::kUp) {
      const auto published = Published();
      failure = base::Unavailable("bgapi \"" + std::string(command) + "\": FreeSWITCH's event socket at " + address_ +
                                  " is not connected (link " + LinkStateName(state_) +
                                  (published->last_error.empty() ? "" : ": " + published->last_error) + ")");
    } else {
      outgoing_.push_back(Outgoing{std::string(command), job_uuid, std::move(*wire), std::move(done)});
    }
  }
  if (!failure.ok()) {
    Deliver(done, failure);  // `done` was not moved on this path
    return;
  }
  transport_->Wake();
}

std::future<base::Result<std::string>> Client::Bgapi(std::string_view command) {
  auto promise = std::make_shared<std::promise<base::Result<std::string>>>();
  auto future = promise->get_future();
  Bgapi(command, [promise](base::Result<std::string> r) { promise->set_value(std::move(r)); });
  return future;
}

std::future<base::Result<std::string>> Client::UuidKill(std::string_view uuid, std::string_view cause) {
  auto command = UuidKillCommand(uuid, cause);
  if (!command.ok()) {
    std::promise<base::Result<std::string>> p;
    p.set_value(command.status());
    return p.get_future();
  }
  return Bgapi(*command);
}

std::future<base::Result<std::string>> Client::SchedHangup(int64_t seconds, std::string_view uuid,
                                                           std::string_view cause) {
  auto command = SchedHangupCommand(seconds, uuid, cause);
  if (!command.ok()) {
    std::promise<base::Result<std::string>> p;
    p.set_value(command.status());
    return p.get_future();
  }
  return Bgapi(*command);
}

std::future<base::Result<std::vector<ChannelRow>>> Client::ShowChannels() {
  auto promise = std::make_shared<std::promise<base::Result<std::vector<ChannelRow>>>>();
  auto future = promise->get_future();
  Bgapi(kShowChannelsJsonCommand, [promise](base::Result<std::string> r) {
    if (!r.ok()) {
      promise->set_value(r.status());
    } else {
      promise->set_value(ParseShowChannelsJson(*r));
    }
  });
  return future;
}

// ---- Reader thread ---------------------------------------------------------

void Client::Run() {
  while (!StopRequested()) {
    SetState(LinkState::kConnecting, "the link is down");
    Ending ending;
    // The thread's top-level catch (STYLE.md habit 2): whatever escapes the
    // protocol code ends this connection like any other failure.
    try {
      auto conn = transport_->Connect(options_.host, options_.port, options_.connect_timeout);
      if (!conn.ok()) {
        ending.reason = conn.status();
      } else {
        ending = RunConnection(**conn);
        (*conn)->Close();
      }
    } catch (const std::exception& e) {
      ending.reason = base::Internal(std::string("ESL reader: unexpected exception: ") + e.what());
    } catch (...) {
      ending.reason = base::Internal("ESL reader: unexpected non-standard exception");
    }
    up_ = false;
    if (ending.reached_up) core_.last_down_at = clock_.Now();
    if (StopRequested()) break;
    if (ending.reason.ok()) ending.reason = base::Unavailable("the connection to " + address_ + " ended");

    RecordError(ending.reason);
    SetState(LinkState::kBackoff, ending.reason.message());
    FailAllPending("the connection to FreeSWITCH was lost (" + ending.reason.message() + ")");

    if (ending.reached_up && steady_.Now() - ending.up_at >= options_.stable_after) {
      backoff_ = options_.initial_backoff;
    }
    const milliseconds wait = NextBackoff();
    const std::string& message = ending.reason.message();
    if (message != last_logged_error_ || ++repeated_errors_ % kRepeatLogEvery == 0) {
      const bool serious = ending.reason.code() == base::StatusCode::kUnauthenticated ||
                           ending.reason.code() == base::StatusCode::kPermissionDenied;
      std::string line = "ESL: ";
      if (ending.reached_up) line += "link to FreeSWITCH at " + address_ + " lost: ";
      line += message;
      if (message == last_logged_error_) line += " (again, " + std::to_string(repeated_errors_) + " times in a row)";
      line += "; retrying in " + Secs(wait);
      base::Log(serious ? base::LogLevel::kError : base::LogLevel::kWarning, line);
      if (message != last_logged_error_) repeated_errors_ = 0;
      last_logged_error_ = message;
    }

    // Stop() requests a stop on this token, which ends the wait at once.
    steady_.WaitUntil(steady_.Now() + wait, stop_source_.get_token());
  }
  FailAllPending("the event socket client was stopped");
  SetState(LinkState::kStopped, "the event socket client was stopped");
}

Client::Ending Client::RunConnection(Connection& conn) {
  Ending ending;
  // Taken before kAuthenticating is published: whoever sees that state (a
  // test stepping a FakeSteadyClock) sees the handshake deadline fixed.
  const auto start = steady_.Now();
  SetState(LinkState::kAuthenticating, "the link is not up yet");
  base::LogDebug("ESL: connected to " + conn.peer() + "; waiting for auth/request");
  FrameParser parser;
  std::vector<char> buffer(kReadChunk);
  auto last_frame = start;
  const auto handshake_deadline = start + options_.handshake_timeout;
  awaiting_reply_.clear();
  bool auth_sent = false;

  while (true) {
    if (StopRequested()) {
      ending.reason = base::Unavailable("stopping");
      return ending;
    }
    if (up_) {
      if (base::Status s = FlushOutgoing(conn); !s.ok()) {
        ending.reason = s;
        return ending;
      }
    }
    const auto now = steady_.Now();
    ExpireJobs(now);
    if (now - last_frame >= options_.silence_timeout) {
      ending.reason =
          base::Unavailable("no frame from FreeSWITCH at " + address_ + " for " + Secs(options_.silence_timeout) +
                            " (HEARTBEAT is due every 20 s): the link is presumed dead");
      return ending;
    }
    if (!up_ && now >= handshake_deadline) {
      ending.reason = base::Unavailable("FreeSWITCH at " + address_ + " did not complete the login within " +
                                        Secs(options_.handshake_timeout) +
                                        (auth_sent ? "" : " (no auth/request: is this port mod_event_socket?)"));
      return ending;
    }
    auto deadline = last_frame + options_.silence_timeout;
    if (!up_) deadline = std::min(deadline, handshake_deadline);
    for (const auto& [id, job] : jobs_) deadline = std::min(deadline, job.deadline);
    const auto wait = std::clamp(std::chrono::duration_cast<milliseconds>(deadline - now) + milliseconds(1),
                                 milliseconds(0), kMaxReadWait);

    auto n = conn.Read(buffer.data(), buffer.size(), wait);
    if (!n.ok()) {
      ending.reason = n.status();
      return ending;
    }
    if (*n == 0) continue;
    parser.Append(std::string_view(buffer.data(), *n));
    while (true) {
      auto next = parser.Next();
      if (!next.ok()) {
        // The byte stream lost its framing; nothing after this can be trusted.
        ending.reason = next.status().WithContext("dropping the connection to " + address_);
        return ending;
      }
      if (!*next) break;
      last_frame = steady_.Now();
      Frame frame = std::move(**next);
      if (frame.type == ContentType::kAuthRequest) {
        if (auth_sent) {
          base::LogWarning("ESL: a second auth/request from " + address_ + " was ignored");
          continue;
        }
        auth_sent = true;
        awaiting_reply_.push_back({Expect::kAuth, ""});
        if (base::Status s = conn.WriteAll(auth_wire_, options_.write_timeout); !s.ok()) {
          ending.reason = s;
          return ending;
        }
        continue;
      }
      if (base::Status s = HandleFrame(std::move(frame), conn, ending); !s.ok()) {
        ending.reason = s;
        return ending;
      }
    }
  }
}

base::Status Client::HandleFrame(Frame&& frame, Connection& conn, Ending& ending) {
  switch (frame.type) {
    case ContentType::kCommandReply: return HandleReply(frame, conn, ending);
    case ContentType::kEventPlain:
    case ContentType::kEventJson: HandleEvent(std::move(frame)); return base::Status::Ok();
    case ContentType::kDisconnectNotice:
      // A lingering session's notice is not the end (ESL-NOTES section 2,
      // linger; esl.c 1414-1420 ends on any other disconnect notice).
      if (EqualsIgnoreCase(frame.headers.Get("Content-Disposition"), "linger")) {
        base::LogInfo("ESL: FreeSWITCH sent a linger notice; the connection stays open");
        return base::Status::Ok();
      }
      return base::Unavailable("FreeSWITCH at " + address_ + " closed the connection (text/disconnect-notice" +
                               (frame.body.empty() ? "" : ": \"" + OneLine(frame.body) + "\"") + ")");
    case ContentType::kRudeRejection:
      return base::PermissionDenied("FreeSWITCH at " + address_ +
                                    " refused this client by ACL (text/rude-rejection: \"" + OneLine(frame.body) +
                                    "\"): allow tarifador's address in apply-inbound-acl of event_socket.conf.xml");
    case ContentType::kApiResponse:
      // tarifador never sends `api` (it would block event delivery).
      base::LogWarning("ESL: ignored an api/response nobody asked for");
      return base::Status::Ok();
    case ContentType::kLogData: base::LogDebug("ESL: ignored a log/data frame"); return base::Status::Ok();
    case ContentType::kAuthRequest:  // handled by RunConnection
    case ContentType::kEventXml:
    case ContentType::kNone:
    case ContentType::kOther:
      base::LogWarning(std::string("ESL: ignored a frame of type ") + ContentTypeName(frame.type) + " (\"" +
                       OneLine(frame.headers.Get("Content-Type")) + "\")");
      return base::Status::Ok();
  }
  return base::Status::Ok();
}

base::Status Client::HandleReply(const Frame& frame, Connection& conn, Ending& ending) {
  const std::string_view text = frame.headers.Get("Reply-Text");
  if (awaiting_reply_.empty()) {
    base::LogWarning("ESL: ignored a command/reply nobody waits for: \"" + OneLine(text) + "\"");
    return base::Status::Ok();
  }
  const AwaitingReply front = std::move(awaiting_reply_.front());
  awaiting_reply_.pop_front();
  const bool ok = StartsWith(text, "+OK");
  switch (front.kind) {
    case Expect::kAuth:
      if (!ok) {
        // FreeSWITCH answers -ERR invalid, then a disconnect notice, then closes.
        return base::Unauthenticated("FreeSWITCH at " + address_ + " rejected the password (\"" + OneLine(text) +
                                     "\"): freeswitch.password must match the password param of "
                                     "event_socket.conf.xml");
      }
      awaiting_reply_.push_back({Expect::kSubscribe, ""});
      return conn.WriteAll(subscribe_wire_, options_.write_timeout);
    case Expect::kSubscribe: {
      if (!ok) {
        return base::FailedPrecondition("FreeSWITCH at " + address_ + " refused the subscription \"event plain " +
                                        JoinNames(options_.events) + "\": \"" + OneLine(text) + "\"");
      }
      up_ = true;
      ending.reached_up = true;
      ending.up_at = steady_.Now();
      ++core_.connects;
      SetState(LinkState::kUp);
      base::LogInfo("ESL: link up with FreeSWITCH at " + address_ + " (connection " + std::to_string(core_.connects) +
                    "; events: " + JoinNames(options_.events) + ")");
      last_logged_error_.clear();
      repeated_errors_ = 0;
      if (on_connected_) {
        try {
          on_connected_();
        } catch (const std::exception& e) {
          base::LogError(std::string("ESL: the on-connected callback threw: ") + e.what());
        } catch (...) {
          base::LogError("ESL: the on-connected callback threw a non-standard exception");
        }
      }
      return base::Status::Ok();
    }
    case Expect::kBgapi: {
      // bgapi replies carry the Job-UUID (MES "~Reply-Text: +OK Job-UUID: u\nJob-UUID: u"); a
      // different one means replies and commands are out of step: start over.
      const std::string_view reply_job = frame.headers.Get("Job-UUID");
      if (ok && !reply_job.empty() && reply_job != front.job_uuid) {
        return base::Internal("FreeSWITCH at " + address_ + " answered Job-UUID " + OneLine(reply_job) + " where " +
                              front.job_uuid + " was expected: replies are out of step");
      }
      const auto it = jobs_.find(front.job_uuid);
      if (it == jobs_.end()) return base::Status::Ok();  // already completed or timed out
      if (!ok) {
        PendingJob job = std::move(it->second);
        jobs_.erase(it);
        Deliver(job.done, base::FailedPrecondition("bgapi \"" + job.command + "\": FreeSWITCH refused it: \"" +
                                                   OneLine(text) + "\""));
      }
      return base::Status::Ok();
    }
  }
  return base::Status::Ok();
}

void Client::HandleEvent(Frame&& frame) {
  auto event = ParseEvent(frame);
  if (!event.ok()) {
    // The outer framing is intact, so the stream stays usable; this one event is lost.
    base::LogError("ESL: skipped an event from " + address_ + " that does not parse: " + event.status().message());
    return;
  }
  events_received_.fetch_add(1);
  last_event_us_.store(clock_.Now().micros());
  const std::string_view core_uuid = event->headers.Get("Core-UUID");
  if (!core_uuid.empty() && core_uuid != core_.core_uuid) {
    if (!core_.core_uuid.empty()) {
      base::LogInfo("ESL: FreeSWITCH's Core-UUID changed from " + core_.core_uuid + " to " + std::string(core_uuid) +
                    " (FreeSWITCH restarted)");
    }
    core_.core_uuid = std::string(core_uuid);
    Publish();
  }
  if (event->name() == "BACKGROUND_JOB") {
    // Every listener subscribed to BACKGROUND_JOB sees every job (other
    // clients' too); only ours are consumed here, the rest go to on_event_.
    const auto it = jobs_.find(std::string(event->headers.Get("Job-UUID")));
    if (it != jobs_.end()) {
      PendingJob job = std::move(it->second);
      jobs_.erase(it);
      Deliver(job.done, JobResult(job.command, std::move(event->body)));
      return;
    }
  }
  if (!on_event_) return;
  try {
    on_event_(std::move(*event));
  } catch (const std::exception& e) {
    base::LogError(std::string("ESL: the event callback threw: ") + e.what());
  } catch (...) {
    base::LogError("ESL: the event callback threw a non-standard exception");
  }
}

base::Status Client::FlushOutgoing(Connection& conn) {
  std::deque<Outgoing> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(outgoing_);
  }
  if (batch.empty()) return base::Status::Ok();
  // Register every command before writing, so a failed write fails them all
  // through FailAllPending; the FIFO order is the write order.
  std::string wire;
  const auto deadline = steady_.Now() + options_.job_timeout;
  for (Outgoing& out : batch) {
    wire += out.wire;
    awaiting_reply_.push_back({Expect::kBgapi, out.job_uuid});
    jobs_.emplace(out.job_uuid, PendingJob{std::move(out.command), std::move(out.done), deadline});
  }
  return conn.WriteAll(wire, options_.write_timeout);
}

void Client::ExpireJobs(TimePoint now) {
  std::vector<PendingJob> expired;
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    if (it->second.deadline <= now) {
      base::LogWarning("ESL: bgapi \"" + it->second.command + "\" (Job-UUID " + it->first + ") got no result within " +
                       Secs(options_.job_timeout));
      expired.push_back(std::move(it->second));
      it = jobs_.erase(it);
    } else {
      ++it;
    }
  }
  for (PendingJob& job : expired) {
    Deliver(job.done, base::Unavailable("bgapi \"" + job.command + "\": no result from FreeSWITCH within " +
                                        Secs(options_.job_timeout)));
  }
}

void Client::FailAllPending(const std::string& why) {
  awaiting_reply_.clear();
  if (jobs_.empty()) return;
  auto jobs = std::move(jobs_);
  jobs_.clear();
  for (auto& [id, job] : jobs) {
    Deliver(job.done,
            base::Unavailable("bgapi \"" + job.command + "\": " + why + "; the command may or may not have run"));
  }
}

}  // namespace tarifador::esl
