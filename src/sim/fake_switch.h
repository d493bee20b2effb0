#pragma once
// The simulated FreeSWITCH core: channels, calls and their timelines, the API
// commands a biller uses (uuid_kill, sched_hangup, show channels, status,
// uuid_exists, ...), HEARTBEAT, and the events all of that produces, built
// with the same headers, order and values FreeSWITCH uses
// (ESL-NOTES sections 3 and 4). It knows nothing about sockets: events go to
// an EventSink (the EslServer).
//
// Thread-safety: every public member function may be called from any thread.
// One scheduler thread (Start/Stop) runs the calls' timelines. While it runs,
// PlaceCall, ExecuteApi and EmitBackgroundJob first run every step already
// due by the clock's reading, so a command never finds (or stamps) a
// timeline the scheduler has not caught up with yet: with a FakeClock a test
// may jump time and then send a command, and the steps in between still carry
// their own times.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "sim/call_spec.h"
#include "sim/json_cdr_writer.h"
#include "sim/sim_event.h"

namespace tarifador::sim {

// Receives every event in emission order. Called with the switch's lock held:
// an implementation must not call back into FakeSwitch.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void OnEvent(const SimEvent& event) = 0;
};

// The dialplan's `socket` application run in sync mode, as an outbound
// call's first action (docs/FREESWITCH.md section 2): the call waits in the
// dialplan while an implementation talks to the application listening there
// (sim/socket_app.h). Run() must not call back into FakeSwitch before it
// returns; once the session is over (the connection closed, refused, or the
// call gone) it calls FakeSwitch::SocketAppDone(uuid) from its own thread.
class DialplanSocket {
 public:
  virtual ~DialplanSocket() = default;
  // `channel_data`: the header block FreeSWITCH answers `connect` with.
  virtual void Run(const std::string& uuid, std::string channel_data) = 0;
};

struct SwitchOptions {
  std::string hostname = "sim-pbx";
  std::string ipv4 = "10.0.0.1";  // the switch's own address (Channel-Name domain, FreeSWITCH-IPv4)
  std::string gateway_ip = "203.0.113.10";
  uint64_t seed = 1;        // drives uuids; same seed + same calls = same uuids
  double heartbeat_s = 20;  // simulated seconds between HEARTBEATs; 0 disables
  // Real seconds per simulated second of the clock given to FakeSwitch; only
  // sizes the scheduler's waits (a FakeClock is polled every millisecond).
  double time_scale = 1.0;
  // When not empty, every leg's mod_json_cdr document is written to
  // <cdr_dir>/[a_]<uuid>.cdr.json at its HANGUP_COMPLETE (docs/SIM.md "CDR
  // files"). The directory must exist; a failed write is logged and counted
  // in SwitchStats::cdr_write_errors, the call goes on.
  std::string cdr_dir;
  // mod_json_cdr's prefix-a-leg: "a_" before the file names of A legs (legs
  // without an originator).
  bool cdr_prefix_a_leg = false;
  // Fault injection: every CHANNEL_HANGUP_COMPLETE is emitted twice, the
  // copy after the call's CHANNEL_DESTROYs (a replay; the biller must bill
  // once). SetDuplicateHangups() changes it at run time.
  bool duplicate_hangups = false;
  // Fault seen on a real FreeSWITCH 1.10.12: `show channels` (which reads
  // the core's channels table, written by a background SQL thread) still
  // lists a channel for a while after its CHANNEL_DESTROY, as it was just
  // before its hangup, while commands on it answer "-ERR No such channel!".
  // Each destroyed leg stays listed this many simulated seconds; 0: never.
  double stale_channels_s = 0;
  // The gate after the dialplan's socket (SetDialplanSocket): a call the
  // socket did not mark tarifador_decision=allowed is hung up
  // NORMAL_TEMPORARY_FAILURE, unless this is set (billing.when_down = allow:
  // it is bridged anyway).
  bool socket_gate_allow = false;
};

struct SwitchStats {
  uint64_t calls_placed = 0;
  std::map<std::string, uint64_t> calls_by_outcome;  // planned outcome name -> count
  uint64_t calls_killed = 0;                         // ended early by uuid_kill / sched_hangup / hupall
  uint64_t events_emitted = 0;
  std::map<std::string, uint64_t> events_by_name;
  // Legs sent to a gateway: INVITEs the carrier received (a denied call
  // must never make one), and how many of them the far end answered.
  uint64_t gateway_legs = 0;
  uint64_t gateway_legs_answered = 0;
  uint64_t socket_sessions = 0;      // calls held by the dialplan's socket
  uint64_t socket_gate_hangups = 0;  // hung up by the gate: the socket did not allow them
  uint64_t cdr_files_written = 0;    // with SwitchOptions::cdr_dir
  uint64_t cdr_write_errors = 0;
};

class FakeSwitch {
 public:
  // `clock` gives simulated time and must outlive the switch.
  FakeSwitch(const base::Clock& clock, SwitchOptions options);
  ~FakeSwitch();  // Stop()
  FakeSwitch(const FakeSwitch&) = delete;
  FakeSwitch& operator=(const FakeSwitch&) = delete;

  // Where events go; nullptr drops them (as FreeSWITCH does with no listener).
  // `sink` must outlive its registration.
  void SetEventSink(EventSink* sink);

  // Starts / stops the scheduler thread. Stop() drops pending timeline steps;
  // channels stay as they are. Both idempotent.
  void Start();
  void Stop();

  // Places a call now: emits the first leg's CHANNEL_CREATE and schedules the
  // rest of its timeline. Returns the A-leg uuid, or InvalidArgument for a bad
  // spec / AlreadyExists for a fixed uuid that is in use.
  base::Result<std::string> PlaceCall(const CallSpec& spec);
  // Places a call `delay_s` simulated seconds from now (scenario playback).
  base::Status PlaceCallAfter(double delay_s, const CallSpec& spec);

  // Runs an API command as `api <command> <args>` would, returning the
  // api/response body: "+OK\n", "-ERR No such channel!\n", JSON, ... Unknown
  // commands give "-ERR <command> Command not found!\n".
  std::string ExecuteApi(std::string_view command, std::string_view args);

  // Emits the BACKGROUND_JOB event of a finished bgapi job.
  void EmitBackgroundJob(const std::string& job_uuid, std::string_view command, std::string_view args,
                         const std::string& output);

  // Outbound calls placed from now on first run the dialplan's socket
  // application on `socket` (borrowed; nullptr: off, calls bridge at once).
  void SetDialplanSocket(DialplanSocket* socket);
  // The socket session of call leg `uuid` is over: the dialplan's gate, then
  // the bridge, go on (nothing when the call ended meanwhile).
  void SocketAppDone(const std::string& uuid);
  // The `set` application on a live channel (sendmsg execute set); false
  // when there is no such channel. The variable is in the leg's later
  // events and its mod_json_cdr document.
  bool SetChannelVariable(const std::string& uuid, const std::string& name, const std::string& value);
  // The `unset` application (sendmsg execute unset, or `set` with no value):
  // the variable is gone from the leg's later events and its mod_json_cdr
  // document. False when there is no such channel.
  bool UnsetChannelVariable(const std::string& uuid, const std::string& name);

  // Turns HEARTBEAT emission on or off (fault injection: "the link is up but silent").
  void SetHeartbeatsEnabled(bool enabled);
  // Turns the duplicate-HANGUP_COMPLETE fault on or off (SwitchOptions::duplicate_hangups).
  void SetDuplicateHangups(bool enabled);

  // Calls placed and not yet ended, plus calls scheduled by PlaceCallAfter.
  size_t PendingCalls() const;
  // Live channels (legs created and not yet destroyed), oldest first.
  std::vector<std::string> ChannelUuids() const;
  bool HasChannel(const std::string& uuid) const;
  SwitchStats Stats() const;
  const std::string& core_uuid() const { return core_uuid_; }
  // A fresh random (seeded) v4 uuid. Takes only its own leaf mutex, never mu_,
  // so the ESL server may call it while holding a session lock (the switch
  // calls into the server's sessions with mu_ held: taking mu_ here would
  // invert that lock order and deadlock).
  std::string NewUuid();
  base::Instant Now() const { return clock_.Now(); }

 private:
  struct Leg;
  struct Call;
  using Task = std::function<void()>;

  void SchedulerLoop();
  void ScheduleLocked(int64_t due_us, Task task);
  void ScheduleHeartbeatLocked(int64_t due_us);
  int64_t AdvanceLocked(int64_t candidate_us);
  // Pops the earliest step, moves now_us_ to its due time and runs it (a step
  // that throws is logged and lost). Precondition: tasks_ not empty.
  void RunNextTaskLocked();
  // Before anything happens "now" from outside the timeline (an API command,
  // a job result, a placed call): runs every step already due that the
  // scheduler thread has not reached yet, in order and at its own due time,
  // then moves now_us_ to the clock's reading. Without it a command that
  // arrives while the scheduler sleeps (up to 10 ms; any time a FakeClock
  // jumps) would stamp those earlier steps with its later time: an answer
  // due at 2.15 s would be reported at 5 s. Only while the scheduler runs.
  void CatchUpLocked();
  std::string NewUuidLocked();
  static std::string FormatUuid(uint64_t hi, uint64_t lo);

  base::Result<std::string> PlaceCallLocked(const CallSpec& spec);
  struct LegEnd {
    std::string uuid;
    std::string cause;
    std::string disposition;  // variable_sip_hangup_disposition
    // When set, variable_originate_disposition from after its CHANNEL_HANGUP
    // on (FreeSWITCH 1.10.12 sets ORIGINATOR_CANCEL only by then).
    std::string originate_disposition_after;
  };
  // Registers `leg` (created now) in `call` and emits its CHANNEL_CREATE.
  Leg& AddLegLocked(Call& call, std::unique_ptr<Leg> leg);
  std::unique_ptr<Leg> ExtensionLegLocked(const std::string& uuid, const std::string& ext,
                                          const std::string& destination);
  std::unique_ptr<Leg> GatewayInboundLegLocked(const std::string& uuid, const CallSpec& spec);
  std::unique_ptr<Leg> OutgoingLegLocked(const std::string& uuid, const Leg& originator, const std::string& destination,
                                         const std::string& gateway);
  void ScheduleTwoLegLocked(uint64_t call_id);
  // A PIN call's dialplan (docs/SIM.md "PIN calls"): the prompts as early
  // media, the digits, the transfer to the real number; then the timeline of
  // ScheduleTwoLegLocked from the transfer on.
  void SchedulePinLocked(uint64_t call_id);
  void ScheduleTransferLocked(uint64_t call_id);
  void StepLocked(uint64_t call_id, int64_t offset_us, const std::function<void(Call&)>& step);
  void ProgressLocked(Leg& leg);
  void AnswerLocked(Leg& leg);
  void BridgeLocked(Leg& a, Leg& b);
  void UnbridgeLocked(Leg& a);
  // Hangs the listed legs up in that order: CHANNEL_HANGUP for each, the
  // CHANNEL_UNBRIDGE of a bridge they were in, then HANGUP_COMPLETE and
  // DESTROY for each (ESL-NOTES section 3). Erases the call once no leg is left.
  void HangupLegsLocked(Call& call, const std::vector<LegEnd>& ends);
  // uuid_kill semantics on one leg (the whole call ends, ESL-NOTES section 4).
  void KillLocked(const std::string& uuid, const std::string& cause);

  void EmitLocked(SimEvent event);
  SimEvent EnvelopeLocked(const std::string& name, const char* file, const char* function, int line);
  void AddChannelData(SimEvent& event, const Leg& leg, bool with_variables) const;
  void EmitChannelEventLocked(const std::string& name, const Leg& leg, const char* file, const char* function,
                              int line);
  void FinalizeTimesLocked(Leg& leg);
  // Writes the leg's mod_json_cdr file when SwitchOptions::cdr_dir is set.
  void WriteCdrLocked(const Leg& leg);
  static CdrProfile CdrProfileOf(const Leg& leg);
  Leg* FindLeg(const std::string& uuid);
  // Precondition: the leg exists (std::out_of_range otherwise, which the
  // scheduler logs).
  Leg& LegRef(const std::string& uuid);
  std::string ShowChannelsLocked(std::string_view args);
  // One row of `show channels` for `l`, in kColumns' order.
  std::vector<std::string> ChannelRowLocked(const Leg& l) const;
  std::string StatusLocked() const;
  std::string ApiLocked(const std::string& command, const std::string& args);

  const base::Clock& clock_;
  const SwitchOptions options_;
  std::string core_uuid_;
  int64_t start_us_ = 0;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::thread scheduler_;
  bool running_ = false;
  bool stopping_ = false;
  EventSink* sink_ = nullptr;
  DialplanSocket* dialplan_socket_ = nullptr;
  std::mt19937_64 rng_;
  std::mutex uuid_mu_;  // a leaf lock: guards uuid_rng_ only
  std::mt19937_64 uuid_rng_;
  int64_t now_us_ = 0;  // simulated time of the step being run; never goes back
  uint64_t sequence_ = 0;
  uint64_t task_seq_ = 0;
  std::multimap<std::pair<int64_t, uint64_t>, Task> tasks_;
  bool heartbeats_enabled_ = true;
  bool duplicate_hangups_ = false;
  uint64_t next_call_id_ = 1;
  uint64_t session_id_ = 0;
  size_t scheduled_calls_ = 0;
  std::map<uint64_t, std::unique_ptr<Call>> calls_;
  std::map<std::string, std::unique_ptr<Leg>> legs_;
  // Live legs by creation sequence -> uuid: oldest first for show channels,
  // and removed by key (a linear scan per hangup dominated the sim under load).
  std::map<uint64_t, std::string> leg_order_;
  // With stale_channels_s: rows of destroyed legs still listed, oldest first,
  // each with the simulated time it stops being listed.
  std::deque<std::pair<int64_t, std::vector<std::string>>> stale_rows_;
  uint64_t leg_seq_ = 0;
  uint64_t peak_sessions_ = 0;
  SwitchStats stats_;
};

// The Q.850 code FreeSWITCH reports for a hangup cause name (16 for
// NORMAL_CLEARING, 17 USER_BUSY, ...); 0 for names it does not know.
int Q850Code(std::string_view cause);

// Formats a µs instant as FreeSWITCH's "_stamp" and Event-Date-Local text,
// "YYYY-MM-DD HH:MM:SS" (UTC: the sim's time zone), and Event-Date-GMT,
// "Tue, 06 Jan 2015 15:12:37 GMT".
std::string FormatStamp(int64_t us);
std::string FormatGmt(int64_t us);

}  // namespace tarifador::sim
