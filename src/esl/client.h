#pragma once
// esl::Client: tarifador's inbound Event Socket connection to FreeSWITCH
// (SPEC section 4, ESL-NOTES sections 1-4, docs/ESL.md).
//
// One background reader thread owns the socket. It connects, answers
// auth/request with `auth <password>`, subscribes with ONE `event plain ...`
// command (never a `filter`), and then reads continuously: events go to the
// event callback in wire order; `command/reply` frames are matched to the
// commands in flight by order; BACKGROUND_JOB events complete the bgapi
// commands whose Job-UUID they carry. On any failure (refused, wrong
// password, ACL rejection, peer closed, malformed frame, silence) it drops
// the connection and reconnects forever with exponential backoff and jitter.
//
// Commands go out as `bgapi` only: `api` would stop event delivery on this
// connection while it runs (ESL-NOTES section 1).
//
// Time: instants reported in LinkStatus come from the injected base::Clock;
// durations that drive the logic (handshake/silence/job timeouts, backoff,
// stable_after) come from a base::SteadyClock (ClientOptions::steady_clock,
// std::chrono::steady_clock by default), so a wall-clock step (NTP at boot on
// an appliance) can neither fake a dead link nor hide one, and a test can
// step that time by hand. The transport's own connect/read/write timeouts
// are real time (they are poll() timeouts).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "base/steady_clock.h"
#include "base/time.h"
#include "esl/commands.h"
#include "esl/event.h"
#include "esl/frame.h"
#include "esl/transport.h"

namespace tarifador::esl {

enum class LinkState {
  kConnecting,      // opening the TCP connection
  kAuthenticating,  // connected; waiting for auth/request, the auth reply or the subscribe reply
  kUp,              // authenticated and subscribed: events flow, commands are accepted
  kBackoff,         // waiting before the next attempt (see LinkStatus::last_error)
  kStopped,         // not started yet, or Stop() was called
};

// "connecting", "authenticating", "up", "backoff", "stopped" (for JSON and metrics).
const char* LinkStateName(LinkState state);

// A consistent-enough picture of the link for /healthz, /readyz, /metrics and
// the UI. Plain data; copy freely.
struct LinkStatus {
  LinkState state = LinkState::kStopped;
  base::Instant since;          // when `state` was entered (injected clock)
  std::string address;          // "host:port" of FreeSWITCH's event socket
  std::string last_error;       // why the last attempt failed or the last connection ended; "" if never
  base::Instant last_error_at;  // when last_error was recorded (zero if never)
  uint64_t connects = 0;        // connections that reached kUp
  uint64_t events_received = 0;
  base::Instant last_event_at;  // when the last event arrived (zero if none)
  std::string core_uuid;        // Core-UUID of the last event; changes when FreeSWITCH restarts
  base::Instant last_down_at;   // when the last connection that had come up ended (zero if none)
};

struct ClientOptions {
  std::string host = "127.0.0.1";    // config freeswitch.host
  uint16_t port = 8021;              // config freeswitch.port
  std::string password = "ClueCon";  // config freeswitch.password
  // Subscribed with one `event plain` command. Must keep HEARTBEAT and
  // BACKGROUND_JOB (or ALL); see EventSubscribeCommand.
  std::vector<std::string> events = DefaultEventNames();

  std::chrono::milliseconds connect_timeout{5000};
  // From TCP connect to a successful subscribe reply.
  std::chrono::milliseconds handshake_timeout{10000};
  // No frame at all for this long: the link is dead (HEARTBEAT comes every 20 s).
  std::chrono::milliseconds silence_timeout{60000};
  std::chrono::milliseconds write_timeout{5000};
  // A bgapi whose BACKGROUND_JOB has not arrived by then fails with Unavailable.
  std::chrono::milliseconds job_timeout{30000};
  // Backoff: each wait is drawn from [b/2, b] ("equal jitter"); b starts at
  // initial_backoff, doubles after every failed or short-lived connection up
  // to max_backoff, and returns to initial_backoff after a connection that
  // stayed up for at least stable_after.
  std::chrono::milliseconds initial_backoff{500};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds stable_after{10000};
  uint64_t jitter_seed = 0;  // 0: seeded from std::random_device (tests set it)

  // Seams for tests (STYLE.md habit 7); production leaves both unset.
  //
  // The monotonic clock behind every duration above except connect_timeout
  // and write_timeout (handshake, silence, job deadlines, stable_after) and
  // the one the backoff waits on: Stop() interrupts that wait through a stop
  // token. nullptr: base::RealSteadyClock::Instance(). Borrowed; must outlive
  // the client. With a base::FakeSteadyClock the client never gives up on a
  // connection and never leaves a backoff until the test advances it (call
  // Transport::Wake() after advancing so a blocked read re-checks its
  // deadlines at once).
  const base::SteadyClock* steady_clock = nullptr;
  // Draws each backoff wait from [lo, hi] (lo = b/2, hi = b, see above). A
  // result outside [lo, hi] is clamped into it. Empty: uniform over [lo, hi]
  // in milliseconds from a std::mt19937_64 seeded with jitter_seed. Called
  // on the reader thread only, once per wait, in order.
  std::function<std::chrono::milliseconds(std::chrono::milliseconds lo, std::chrono::milliseconds hi)> backoff_jitter;
};

class Client {
 public:
  // Runs on the reader thread, in the order FreeSWITCH sent the events. It
  // must not block for long: hand the event to a queue and return; while it
  // runs nothing else is read (FreeSWITCH buffers, then drops events and
  // finally kills the listener, ESL-NOTES section 1). It must not wait on a
  // future of this client (deadlock) nor call Stop(). Exceptions are caught
  // and logged; the event is then lost. A BACKGROUND_JOB that completes one
  // of this client's bgapi commands is consumed and not passed here; other
  // clients' BACKGROUND_JOBs are.
  using EventCallback = std::function<void(Event&&)>;
  // Runs on the reader thread each time the link comes up (after the
  // subscribe reply), before any event of that connection is delivered. Same
  // rules as EventCallback; submitting commands from it is fine (the usual
  // use: ask the billing thread to reconcile with ShowChannels()).
  using ConnectedCallback = std::function<void()>;
  // Receives the result of one bgapi command exactly once: the BACKGROUND_JOB
  // body, or the failure. Runs on the reader thread, or on the caller's thread
  // inside Bgapi()/Stop() when the command fails before being sent. Same
  // rules as EventCallback.
  using JobCallback = std::function<void(base::Result<std::string>)>;

  // `transport` is owned; `clock` is borrowed and must outlive the client.
  // Nothing happens until Start().
  Client(ClientOptions options, std::unique_ptr<Transport> transport, const base::Clock& clock, EventCallback on_event,
         ConnectedCallback on_connected = {});
  // Stop()s. Precondition: not called from one of the callbacks.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Validates the options and starts the reader thread. Fails with
  // InvalidArgument naming the bad option, or FailedPrecondition when
  // already started. A client runs once: it cannot be restarted after Stop().
  base::Status Start();

  // Stops the reader thread and closes the connection; returns within about
  // a second even when the thread is connecting, reading or backing off (it
  // requests a stop on the backoff wait and cancels the transport).
  // Commands still pending fail with Unavailable. Idempotent and thread-safe.
  // Must not be called from a callback (it would wait for itself; it then
  // only asks the thread to end and logs an error).
  void Stop();

  // The current link status. Never blocks the reader; thread-safe.
  LinkStatus status() const;

  // Sends `bgapi <command>` with a fresh Job-UUID and calls `done` once with
  // the job's output (see JobResult: -ERR fails with FailedPrecondition),
  // or with:
  //  - InvalidArgument: the command is empty or not a single line;
  //  - Unavailable: the link is not up (commands are NOT queued while
  //    disconnected: a command that runs minutes late can do harm, e.g. a
  //    stale uuid_kill; the caller decides), the connection was lost before
  //    the result came (the command may or may not have run), no result
  //    within job_timeout, or the client was stopped;
  //  - FailedPrecondition: FreeSWITCH refused the bgapi itself;
  //  - InvalidArgument: the job output starts with -USAGE.
  // Thread-safe; never blocks on the network.
  void Bgapi(std::string_view command, JobCallback done);
  // The same, as a future. Never wait on it from a callback of this client.
  std::future<base::Result<std::string>> Bgapi(std::string_view command);

  // `bgapi uuid_kill <uuid> <cause>`; InvalidArgument for a bad uuid or cause.
  std::future<base::Result<std::string>> UuidKill(std::string_view uuid, std::string_view cause);
  // `bgapi sched_hangup +<seconds> <uuid> <cause>`; InvalidArgument when
  // seconds < 1 (see SchedHangupCommand).
  std::future<base::Result<std::string>> SchedHangup(int64_t seconds, std::string_view uuid,
                                                     std::string_view cause = "ALLOTTED_TIMEOUT");
  // `bgapi show channels as json`, parsed (see ParseShowChannelsJson).
  std::future<base::Result<std::vector<ChannelRow>>> ShowChannels();

 private:
  using TimePoint = base::SteadyClock::TimePoint;

  struct Outgoing {
    std::string command;
    std::string job_uuid;
    std::string wire;  // the exact bytes to send
    JobCallback done;
  };
  struct PendingJob {
    std::string command;
    JobCallback done;
    TimePoint deadline;
  };
  enum class Expect { kAuth, kSubscribe, kBgapi };
  struct AwaitingReply {
    Expect kind;
    std::string job_uuid;  // kBgapi only
  };
  // Why a connection ended, and whether it had come up.
  struct Ending {
    base::Status reason;
    bool reached_up = false;
    TimePoint up_at;
  };

  void Run();
  Ending RunConnection(Connection& conn);
  // Handles one frame; a non-OK status ends the connection with that reason.
  base::Status HandleFrame(Frame&& frame, Connection& conn, Ending& ending);
  base::Status HandleReply(const Frame& frame, Connection& conn, Ending& ending);
  void HandleEvent(Frame&& frame);
  base::Status FlushOutgoing(Connection& conn);
  void ExpireJobs(TimePoint now);
  void FailAllPending(const std::string& why);
  bool StopRequested() const;
  // Sets the state, publishes it; leaving kUp fails the queued commands.
  void SetState(LinkState state, const std::string& why_queued_fail = "");
  void RecordError(const base::Status& reason);
  void Publish();
  std::shared_ptr<const LinkStatus> Published() const;
  std::string NewJobUuid();
  std::chrono::milliseconds NextBackoff();

  const ClientOptions options_;
  const std::unique_ptr<Transport> transport_;
  const base::Clock& clock_;
  const base::SteadyClock& steady_;  // options_.steady_clock or the real one
  const EventCallback on_event_;
  const ConnectedCallback on_connected_;
  const std::string address_;
  std::string auth_wire_;       // set by Start()
  std::string subscribe_wire_;  // set by Start()

  std::mutex stop_mu_;  // serialises Stop() (the join and what follows)

  // Shared with submitting threads.
  mutable std::mutex mu_;
  std::stop_source stop_source_;  // ends the backoff wait; requested by Stop()
  bool started_ = false;
  bool stop_requested_ = false;
  LinkState state_ = LinkState::kStopped;
  std::deque<Outgoing> outgoing_;
  std::mt19937_64 id_rng_;

  // Published for status(): an immutable snapshot swapped in one step, plus
  // the hot counters as atomics. publish_mu_ guards only the pointer copy (a
  // reference-count increment), so neither side ever waits on the other's
  // work. (Not std::atomic<std::shared_ptr>: libstdc++ 12's lock bit is
  // invisible to ThreadSanitizer.)
  mutable std::mutex publish_mu_;
  std::shared_ptr<const LinkStatus> published_;
  std::atomic<uint64_t> events_received_{0};
  std::atomic<int64_t> last_event_us_{0};

  // Owned by the reader thread (and by Stop() after the join).
  LinkStatus core_;  // what Publish() copies
  std::deque<AwaitingReply> awaiting_reply_;
  std::unordered_map<std::string, PendingJob> jobs_;
  bool up_ = false;
  std::chrono::milliseconds backoff_{0};
  std::mt19937_64 jitter_rng_;
  std::string last_logged_error_;
  uint64_t repeated_errors_ = 0;

  std::thread reader_;
};

}  // namespace tarifador::esl
