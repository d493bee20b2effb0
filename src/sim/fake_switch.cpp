#include "sim/fake_switch.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <optional>
#include <sstream>

#include "base/log.h"
#include "sim/sim_event.h"

namespace tarifador::sim {

struct FakeSwitch::Leg {
  std::string uuid;
  uint64_t order_seq = 0;
  uint64_t call_id = 0;
  bool inbound = true;  // Call-Direction, relative to FreeSWITCH
  bool hit_dialplan = true;
  std::string channel_name;
  std::string username;
  std::string cid_name;
  std::string cid_number;
  std::string callee_name;
  std::string callee_number;
  std::string network_addr;
  std::string destination;
  // After a transfer (a PIN call's): the number dialled before it
  // (Caller-RDNIS), show channels' initial_dest, the new caller profile's
  // index, creation time (Caller-Profile-Created-Time, profile_start_*) and
  // transfer_source (switch_ivr_session_transfer, switch_channel_set_caller_profile).
  std::string rdnis;
  std::string initial_destination;  // empty: `destination`
  int profile_index = 1;
  int64_t profile_created_us = 0;  // 0: created_us
  std::string transfer_source;
  std::string context = "default";
  std::string profile_name = "internal";  // the sofia profile
  std::string presence_id;
  std::string accountcode;
  std::string call_uuid;   // Channel-Call-UUID
  std::string originator;  // the leg that originated this one (B and C legs)
  std::string originatee;  // the leg this A-role leg is connected to
  std::string bridged_to;  // current bridge partner
  bool bridge_a = false;   // this leg fired the CHANNEL_BRIDGE of its current bridge
  std::string application;
  std::string application_data;                  // for the CDR's app_log: the channel the bridge dialled
  int64_t application_us = 0;                    // when that application started
  std::optional<CdrProfile> originator_profile;  // copied when originated, as FreeSWITCH clones it
  std::optional<CdrProfile> originatee_profile;  // copied at each bridge of an A-role leg
  int64_t created_us = 0;
  bool early_media = false;  // pre-answered (CF_EARLY_MEDIA): media flows, Answer-State early
  int64_t answered_us = 0;
  int64_t progress_us = 0;
  int64_t progress_media_us = 0;
  int64_t bridged_us = 0;
  int64_t hangup_us = 0;
  std::string state = "CS_INIT";
  int state_number = 2;
  std::string call_state = "DOWN";
  std::string answer_state = "ringing";
  std::string hangup_cause;
  bool hungup = false;
  bool hangup_time_final = false;  // Caller-Channel-Hangup-Time is 0 until HANGUP_COMPLETE
  std::vector<std::pair<std::string, std::string>> vars;

  void SetVar(const std::string& name, std::string value) {
    for (auto& [n, v] : vars) {
      if (n == name) {
        v = std::move(value);
        return;
      }
    }
    vars.emplace_back(name, std::move(value));
  }
  void UnsetVar(const std::string& name) {
    vars.erase(std::remove_if(vars.begin(), vars.end(), [&](const auto& p) { return p.first == name; }), vars.end());
  }
  const std::string* Var(const std::string& name) const {
    for (const auto& [n, v] : vars) {
      if (n == name) return &v;
    }
    return nullptr;
  }
  bool answered() const { return answered_us != 0; }
};

struct FakeSwitch::Call {
  uint64_t id = 0;
  CallSpec spec;
  int64_t start_us = 0;           // the timeline's origin: the CREATE, or the end of the socket session
  bool socket_pending = false;    // the dialplan's socket has yet to run (outbound calls)
  bool in_socket = false;         // held by the dialplan's socket now
  std::vector<std::string> legs;  // live legs, creation order
};

namespace {

constexpr int64_t kUsPerSecond = 1'000'000;

int64_t SecondsToUs(double s) { return static_cast<int64_t>(std::llround(s * 1e6)); }

std::string Num(int64_t v) { return std::to_string(v); }

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t') ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

// The SIP final response a leg's hangup cause maps to (variable_sip_term_status).
const char* SipStatusFor(std::string_view cause) {
  if (cause == "USER_BUSY") return "486";
  if (cause == "NO_ANSWER" || cause == "NO_USER_RESPONSE") return "480";
  if (cause == "CALL_REJECTED") return "603";
  if (cause == "NORMAL_TEMPORARY_FAILURE") return "503";
  if (cause == "ORIGINATOR_CANCEL") return "487";
  if (cause == "UNALLOCATED_NUMBER") return "404";
  return nullptr;
}

bool IsExtension(std::string_view number) { return !number.empty() && number.size() <= 5; }

}  // namespace

int Q850Code(std::string_view cause) {
  static const std::pair<const char*, int> kCodes[] = {
      {"UNALLOCATED_NUMBER", 1},
      {"NO_ROUTE_DESTINATION", 3},
      {"NORMAL_CLEARING", 16},
      {"USER_BUSY", 17},
      {"NO_USER_RESPONSE", 18},
      {"NO_ANSWER", 19},
      {"SUBSCRIBER_ABSENT", 20},
      {"CALL_REJECTED", 21},
      {"NUMBER_CHANGED", 22},
      {"DESTINATION_OUT_OF_ORDER", 27},
      {"INVALID_NUMBER_FORMAT", 28},
      {"NORMAL_UNSPECIFIED", 31},
      {"NORMAL_CIRCUIT_CONGESTION", 34},
      {"NETWORK_OUT_OF_ORDER", 38},
      {"NORMAL_TEMPORARY_FAILURE", 41},
      {"SWITCH_CONGESTION", 42},
      {"OUTGOING_CALL_BARRED", 52},
      {"INCOMING_CALL_BARRED", 54},
      {"BEARERCAPABILITY_NOTAUTH", 57},
      {"RECOVERY_ON_TIMER_EXPIRE", 102},
      {"ORIGINATOR_CANCEL", 487},
      {"MANAGER_REQUEST", 503},
      {"ALLOTTED_TIMEOUT", 602},
      {"ATTENDED_TRANSFER", 800},
  };
  for (const auto& [name, code] : kCodes) {
    if (cause == name) return code;
  }
  return 0;
}

std::string FormatStamp(int64_t us) {
  const std::time_t t = static_cast<std::time_t>(us / kUsPerSecond);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string FormatGmt(int64_t us) {
  const std::time_t t = static_cast<std::time_t>(us / kUsPerSecond);
  std::tm tm{};
  gmtime_r(&t, &tm);
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7], tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

FakeSwitch::FakeSwitch(const base::Clock& clock, SwitchOptions options)
    : clock_(clock),
      options_(std::move(options)),
      rng_(options_.seed),
      uuid_rng_(options_.seed + 1),
      duplicate_hangups_(options_.duplicate_hangups) {
  core_uuid_ = NewUuidLocked();
  start_us_ = clock_.Now().micros();
  now_us_ = start_us_;
}

FakeSwitch::~FakeSwitch() { Stop(); }

void FakeSwitch::SetEventSink(EventSink* sink) {
  std::lock_guard lock(mu_);
  sink_ = sink;
}

void FakeSwitch::Start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  if (options_.heartbeat_s > 0) {
    ScheduleHeartbeatLocked(clock_.Now().micros() + SecondsToUs(options_.heartbeat_s));
  }
  scheduler_ = std::thread([this] { SchedulerLoop(); });
}

void FakeSwitch::Stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  std::lock_guard lock(mu_);
  running_ = false;
  tasks_.clear();
}

void FakeSwitch::SchedulerLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    try {
      const int64_t now = clock_.Now().micros();
      if (!tasks_.empty() && tasks_.begin()->first.first <= now) {
        RunNextTaskLocked();
        continue;
      }
      // Sleep until the next step is due in real time, but wake at least every
      // 10 ms so a FakeClock moved by a test (or a new earlier task) is noticed.
      int64_t wait_us = 10'000;
      if (!tasks_.empty() && options_.time_scale > 0) {
        const double real = static_cast<double>(tasks_.begin()->first.first - now) * options_.time_scale;
        wait_us = std::clamp<int64_t>(static_cast<int64_t>(real), 200, 10'000);
      }
      cv_.wait_for(lock, std::chrono::microseconds(wait_us));
    } catch (const std::exception& e) {
      // The thread's top-level catch (steps catch their own exceptions).
      base::LogError(std::string("sim scheduler: ") + e.what());
    }
  }
}

void FakeSwitch::ScheduleLocked(int64_t due_us, Task task) {
  tasks_.emplace(std::make_pair(due_us, ++task_seq_), std::move(task));
  cv_.notify_all();
}

void FakeSwitch::ScheduleHeartbeatLocked(int64_t due_us) {
  ScheduleLocked(due_us, [this, due_us] {
    if (heartbeats_enabled_) {
      SimEvent ev = EnvelopeLocked("HEARTBEAT", "switch_core.c", "send_heartbeat", 82);
      const int64_t up_us = now_us_ - start_us_;
      const int64_t up_s = up_us / kUsPerSecond;
      auto& h = ev.headers;
      h.Add("Event-Info", "System Ready");
      h.Add("Up-Time", "0 years, " + Num(up_s / 86400) + " days, " + Num(up_s / 3600 % 24) + " hours, " +
                           Num(up_s / 60 % 60) + " minutes, " + Num(up_s % 60) + " seconds, " +
                           Num(up_us / 1000 % 1000) + " milliseconds, " + Num(up_us % 1000) + " microseconds");
      h.Add("FreeSWITCH-Version", "1.10.12-release~64bit");
      h.Add("Uptime-msec", Num(up_us / 1000));
      h.Add("Session-Count", Num(static_cast<int64_t>(legs_.size())));
      h.Add("Max-Sessions", "1000");
      h.Add("Session-Per-Sec", "30");
      h.Add("Session-Per-Sec-Last", "0");
      h.Add("Session-Per-Sec-Max", "2");
      h.Add("Session-Per-Sec-FiveMin", "0");
      h.Add("Session-Since-Startup", Num(static_cast<int64_t>(session_id_)));
      h.Add("Session-Peak-Max", Num(static_cast<int64_t>(peak_sessions_)));
      h.Add("Session-Peak-FiveMin", Num(static_cast<int64_t>(peak_sessions_)));
      h.Add("Idle-CPU", "98.000000");
      EmitLocked(std::move(ev));
    }
    ScheduleHeartbeatLocked(due_us + SecondsToUs(options_.heartbeat_s));
  });
}

int64_t FakeSwitch::AdvanceLocked(int64_t candidate_us) {
  now_us_ = std::max(now_us_, candidate_us);
  return now_us_;
}

void FakeSwitch::RunNextTaskLocked() {
  const int64_t due = tasks_.begin()->first.first;
  Task task = std::move(tasks_.begin()->second);
  tasks_.erase(tasks_.begin());
  AdvanceLocked(due);
  try {
    task();
  } catch (const std::exception& e) {
    // A step that throws (allocation failure) loses that step only.
    base::LogError(std::string("sim scheduler: step failed: ") + e.what());
  }
}

void FakeSwitch::CatchUpLocked() {
  const int64_t now = clock_.Now().micros();
  // Only while the scheduler runs: a stopped (or never started) switch keeps
  // its pending steps pending.
  if (running_ && !stopping_) {
    while (!tasks_.empty() && tasks_.begin()->first.first <= now) RunNextTaskLocked();
  }
  AdvanceLocked(now);
}

std::string FakeSwitch::NewUuid() {
  std::lock_guard lock(uuid_mu_);
  return FormatUuid(uuid_rng_(), uuid_rng_());
}

std::string FakeSwitch::NewUuidLocked() { return FormatUuid(rng_(), rng_()); }

std::string FakeSwitch::FormatUuid(uint64_t hi, uint64_t lo) {
  hi = (hi & 0xFFFFFFFFFFFF0FFFull) | 0x4000ull;
  lo = (lo & 0x3FFFFFFFFFFFFFFFull) | 0x8000000000000000ull;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFull));
  return buf;
}

void FakeSwitch::SetHeartbeatsEnabled(bool enabled) {
  std::lock_guard lock(mu_);
  heartbeats_enabled_ = enabled;
}

void FakeSwitch::SetDialplanSocket(DialplanSocket* socket) {
  std::lock_guard lock(mu_);
  dialplan_socket_ = socket;
}

void FakeSwitch::SocketAppDone(const std::string& uuid) {
  std::lock_guard lock(mu_);
  CatchUpLocked();
  Leg* a = FindLeg(uuid);
  if (a == nullptr || a->hungup) return;  // killed meanwhile: the dialplan stops there
  const auto it = calls_.find(a->call_id);
  if (it == calls_.end() || !it->second->in_socket) return;
  Call& call = *it->second;
  call.in_socket = false;
  // The gate after `socket` (docs/FREESWITCH.md): only a call tarifador
  // allowed goes on to the bridge, unless billing.when_down = allow.
  const std::string* decision = a->Var("tarifador_decision");
  if ((decision == nullptr || *decision != "allowed") && !options_.socket_gate_allow) {
    ++stats_.socket_gate_hangups;
    HangupLegsLocked(call, {{uuid, "NORMAL_TEMPORARY_FAILURE", "send_refuse", ""}});
    return;
  }
  call.start_us = now_us_;
  ScheduleTwoLegLocked(call.id);
}

bool FakeSwitch::SetChannelVariable(const std::string& uuid, const std::string& name, const std::string& value) {
  std::lock_guard lock(mu_);
  Leg* leg = FindLeg(uuid);
  if (leg == nullptr || leg->hungup) return false;
  leg->SetVar(name, value);
  return true;
}

bool FakeSwitch::UnsetChannelVariable(const std::string& uuid, const std::string& name) {
  std::lock_guard lock(mu_);
  Leg* leg = FindLeg(uuid);
  if (leg == nullptr || leg->hungup) return false;
  leg->UnsetVar(name);
  return true;
}

void FakeSwitch::SetDuplicateHangups(bool enabled) {
  std::lock_guard lock(mu_);
  duplicate_hangups_ = enabled;
}

size_t FakeSwitch::PendingCalls() const {
  std::lock_guard lock(mu_);
  return calls_.size() + scheduled_calls_;
}

std::vector<std::string> FakeSwitch::ChannelUuids() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [seq, uuid] : leg_order_) out.push_back(uuid);
  return out;
}

bool FakeSwitch::HasChannel(const std::string& uuid) const {
  std::lock_guard lock(mu_);
  return legs_.count(uuid) != 0;
}

SwitchStats FakeSwitch::Stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

FakeSwitch::Leg& FakeSwitch::LegRef(const std::string& uuid) { return *legs_.at(uuid); }

FakeSwitch::Leg* FakeSwitch::FindLeg(const std::string& uuid) {
  auto it = legs_.find(uuid);
  return it == legs_.end() ? nullptr : it->second.get();
}

// ---------------------------------------------------------------------------
// Events

SimEvent FakeSwitch::EnvelopeLocked(const std::string& name, const char* file, const char* function, int line) {
  SimEvent ev;
  ev.name = name;
  auto& h = ev.headers;
  h.Add("Event-Name", name);
  h.Add("Core-UUID", core_uuid_);
  h.Add("FreeSWITCH-Hostname", options_.hostname);
  h.Add("FreeSWITCH-Switchname", options_.hostname);
  h.Add("FreeSWITCH-IPv4", options_.ipv4);
  h.Add("FreeSWITCH-IPv6", "::1");
  h.Add("Event-Date-Local", FormatStamp(now_us_));
  h.Add("Event-Date-GMT", FormatGmt(now_us_));
  h.Add("Event-Date-Timestamp", Num(now_us_));
  h.Add("Event-Calling-File", file);
  h.Add("Event-Calling-Function", function);
  h.Add("Event-Calling-Line-Number", std::to_string(line));
  h.Add("Event-Sequence", std::to_string(++sequence_));
  return ev;
}

void FakeSwitch::EmitLocked(SimEvent event) {
  ++stats_.events_emitted;
  ++stats_.events_by_name[event.name];
  if (sink_ != nullptr) sink_->OnEvent(event);
}

namespace {

// The caller profile block (switch_caller_profile_event_set_data): empty
// fields are left out, times are µs with 0 for "not yet".
void AddProfileHeaders(esl::Headers& h, const std::string& prefix, bool inbound, const std::string& username,
                       const std::string& cid_name, const std::string& cid_number, const std::string& callee_name,
                       const std::string& callee_number, const std::string& network_addr,
                       const std::string& destination, const std::string& uuid, const std::string& transfer_source,
                       const std::string& context, const std::string& rdnis, const std::string& channel_name,
                       const std::string& profile_index, const int64_t times[7]) {
  auto add = [&](const char* name, const std::string& value) {
    if (!value.empty()) h.Add(prefix + name, value);
  };
  add("Direction", inbound ? "inbound" : "outbound");
  add("Logical-Direction", inbound ? "inbound" : "outbound");
  add("Username", username);
  add("Dialplan", "XML");
  add("Caller-ID-Name", cid_name);
  add("Caller-ID-Number", cid_number);
  add("Orig-Caller-ID-Name", cid_name);
  add("Orig-Caller-ID-Number", cid_number);
  add("Callee-ID-Name", callee_name);
  add("Callee-ID-Number", callee_number);
  add("Network-Addr", network_addr);
  add("ANI", cid_number);
  add("Destination-Number", destination);
  add("Unique-ID", uuid);
  add("Source", "mod_sofia");
  add("Transfer-Source", transfer_source);
  add("Context", context);
  add("RDNIS", rdnis);
  add("Channel-Name", channel_name);
  add("Profile-Index", profile_index);
  // times: created, answered, progress, progress_media, hangup, bridged, profile created
  h.Add(prefix + "Profile-Created-Time", Num(times[6]));
  h.Add(prefix + "Channel-Created-Time", Num(times[0]));
  h.Add(prefix + "Channel-Answered-Time", Num(times[1]));
  h.Add(prefix + "Channel-Progress-Time", Num(times[2]));
  h.Add(prefix + "Channel-Progress-Media-Time", Num(times[3]));
  h.Add(prefix + "Channel-Hangup-Time", Num(times[4]));
  h.Add(prefix + "Channel-Transfer-Time", "0");
  h.Add(prefix + "Channel-Resurrect-Time", "0");
  h.Add(prefix + "Channel-Bridged-Time", Num(times[5]));
  h.Add(prefix + "Channel-Last-Hold", "0");
  h.Add(prefix + "Channel-Hold-Accum", "0");
  h.Add(prefix + "Screen-Bit", "true");
  h.Add(prefix + "Privacy-Hide-Name", "false");
  h.Add(prefix + "Privacy-Hide-Number", "false");
}

}  // namespace

void FakeSwitch::AddChannelData(SimEvent& event, const Leg& leg, bool with_variables) const {
  auto& h = event.headers;
  // switch_channel_event_set_basic_data (switch_channel.c 2658-2757).
  h.Add("Channel-State", leg.state);
  h.Add("Channel-Call-State", leg.call_state);
  h.Add("Channel-State-Number", std::to_string(leg.state_number));
  h.Add("Channel-Name", leg.channel_name);
  h.Add("Unique-ID", leg.uuid);
  h.Add("Call-Direction", leg.inbound ? "inbound" : "outbound");
  h.Add("Presence-Call-Direction", leg.inbound ? "inbound" : "outbound");
  h.Add("Channel-HIT-Dialplan", leg.hit_dialplan ? "true" : "false");
  if (!leg.presence_id.empty()) h.Add("Channel-Presence-ID", leg.presence_id);
  h.Add("Channel-Call-UUID", leg.call_uuid);
  h.Add("Answer-State", leg.answer_state);
  if (!leg.hangup_cause.empty()) h.Add("Hangup-Cause", leg.hangup_cause);
  if (leg.answered() || leg.early_media) {
    h.Add("Channel-Read-Codec-Name", "PCMA");
    h.Add("Channel-Read-Codec-Rate", "8000");
    h.Add("Channel-Read-Codec-Bit-Rate", "64000");
    h.Add("Channel-Write-Codec-Name", "PCMA");
    h.Add("Channel-Write-Codec-Rate", "8000");
    h.Add("Channel-Write-Codec-Bit-Rate", "64000");
  }
  // The *-Time headers of a leg's profile, in AddProfileHeaders' order.
  const auto profile_times = [](const Leg& l) {
    return std::array<int64_t, 7>{l.created_us,
                                  l.answered_us,
                                  l.progress_us,
                                  l.progress_media_us,
                                  l.hangup_time_final ? l.hangup_us : 0,
                                  l.bridged_us,
                                  l.profile_created_us != 0 ? l.profile_created_us : l.created_us};
  };
  const std::array<int64_t, 7> times = profile_times(leg);
  AddProfileHeaders(h, "Caller-", leg.inbound, leg.username, leg.cid_name, leg.cid_number, leg.callee_name,
                    leg.callee_number, leg.network_addr, leg.destination, leg.uuid, leg.transfer_source, leg.context,
                    leg.rdnis, leg.channel_name, Num(leg.profile_index), times.data());
  // The partner's profile: "originator" on legs that were originated by
  // another (the B-leg marker a biller keys on), "originatee" on the A leg
  // once it is connected.
  const bool is_originated = !leg.originator.empty();
  const std::string& other_uuid = is_originated ? leg.originator : leg.originatee;
  if (!other_uuid.empty()) {
    h.Add("Other-Type", is_originated ? "originator" : "originatee");
    auto it = legs_.find(other_uuid);
    if (it != legs_.end()) {
      const Leg& o = *it->second;
      const std::array<int64_t, 7> otimes = profile_times(o);
      AddProfileHeaders(h, "Other-Leg-", o.inbound, o.username, o.cid_name, o.cid_number, o.callee_name,
                        o.callee_number, o.network_addr, o.destination, o.uuid, o.transfer_source, o.context, o.rdnis,
                        o.channel_name, "", otimes.data());
    } else {
      h.Add("Other-Leg-Unique-ID", other_uuid);
    }
  }
  if (with_variables) {
    for (const auto& [name, value] : leg.vars) h.Add("variable_" + name, value);
  }
}

void FakeSwitch::EmitChannelEventLocked(const std::string& name, const Leg& leg, const char* file, const char* function,
                                        int line) {
  SimEvent ev = EnvelopeLocked(name, file, function, line);
  AddChannelData(ev, leg, true);
  EmitLocked(std::move(ev));
}

// ---------------------------------------------------------------------------
// Legs and calls

std::unique_ptr<FakeSwitch::Leg> FakeSwitch::ExtensionLegLocked(const std::string& uuid, const std::string& ext,
                                                                const std::string& destination) {
  auto leg = std::make_unique<Leg>();
  leg->uuid = uuid;
  leg->inbound = true;
  leg->hit_dialplan = true;
  leg->channel_name = "sofia/internal/" + ext + "@" + options_.ipv4;
  leg->username = ext;
  leg->cid_name = "Extension " + ext;
  leg->cid_number = ext;
  leg->network_addr = "10.0.1.10";
  leg->destination = destination;
  leg->context = "default";
  leg->profile_name = "internal";
  leg->presence_id = ext + "@" + options_.ipv4;
  leg->accountcode = ext;
  leg->call_uuid = uuid;
  leg->application = "bridge";
  leg->SetVar("direction", "inbound");
  leg->SetVar("uuid", uuid);
  leg->SetVar("session_id", Num(static_cast<int64_t>(++session_id_)));
  leg->SetVar("sip_from_user", ext);
  leg->SetVar("sip_from_uri", ext + "@" + options_.ipv4);
  leg->SetVar("sip_from_host", options_.ipv4);
  leg->SetVar("channel_name", leg->channel_name);
  leg->SetVar("sip_network_ip", leg->network_addr);
  leg->SetVar("sip_req_user", destination);
  leg->SetVar("sip_to_user", destination);
  leg->SetVar("sofia_profile_name", "internal");
  leg->SetVar("accountcode", ext);
  leg->SetVar("user_name", ext);
  leg->SetVar("effective_caller_id_name", leg->cid_name);
  leg->SetVar("effective_caller_id_number", ext);
  return leg;
}

std::unique_ptr<FakeSwitch::Leg> FakeSwitch::GatewayInboundLegLocked(const std::string& uuid, const CallSpec& spec) {
  auto leg = std::make_unique<Leg>();
  leg->uuid = uuid;
  leg->inbound = true;
  leg->hit_dialplan = true;
  leg->channel_name = "sofia/external/" + spec.caller + "@" + options_.gateway_ip;
  leg->cid_name = spec.caller;
  leg->cid_number = spec.caller;
  leg->network_addr = options_.gateway_ip;
  leg->destination = spec.destination;
  leg->context = "public";
  leg->profile_name = "external";
  leg->call_uuid = uuid;
  leg->application = "bridge";
  leg->SetVar("direction", "inbound");
  leg->SetVar("uuid", uuid);
  leg->SetVar("session_id", Num(static_cast<int64_t>(++session_id_)));
  leg->SetVar("sip_from_user", spec.caller);
  leg->SetVar("sip_from_host", options_.gateway_ip);
  leg->SetVar("channel_name", leg->channel_name);
  leg->SetVar("sip_network_ip", options_.gateway_ip);
  leg->SetVar("sip_req_user", spec.destination);
  leg->SetVar("sip_to_user", spec.destination);
  leg->SetVar("sofia_profile_name", "external");
  leg->SetVar("sip_gateway_name", spec.gateway);
  return leg;
}

std::unique_ptr<FakeSwitch::Leg> FakeSwitch::OutgoingLegLocked(const std::string& uuid, const Leg& originator,
                                                               const std::string& destination,
                                                               const std::string& gateway) {
  auto leg = std::make_unique<Leg>();
  leg->uuid = uuid;
  leg->inbound = false;
  leg->hit_dialplan = false;
  const bool via_gateway = !gateway.empty();
  leg->channel_name = via_gateway ? "sofia/gateway/" + gateway + "/" + destination
                                  : "sofia/internal/" + destination + "@" + options_.ipv4;
  // An originated leg carries the originator's caller id (switch_ivr_originate).
  leg->username = originator.username;
  leg->cid_name = originator.cid_name;
  leg->cid_number = originator.cid_number;
  leg->callee_name = "Outbound Call";
  leg->callee_number = destination;
  leg->network_addr = options_.ipv4;
  leg->destination = destination;
  leg->context = originator.context;
  leg->profile_name = via_gateway ? "external" : "internal";
  leg->presence_id = via_gateway ? "" : destination + "@" + options_.ipv4;
  leg->originator = originator.uuid;
  leg->call_uuid = originator.uuid;
  leg->SetVar("direction", "outbound");
  leg->SetVar("is_outbound", "true");
  leg->SetVar("uuid", uuid);
  leg->SetVar("session_id", Num(static_cast<int64_t>(++session_id_)));
  leg->SetVar("channel_name", leg->channel_name);
  leg->SetVar("sofia_profile_name", leg->profile_name);
  leg->SetVar("originator", originator.uuid);
  leg->SetVar("signal_bond", originator.uuid);
  leg->SetVar("call_uuid", originator.uuid);
  leg->SetVar("originating_leg_uuid", originator.uuid);
  leg->SetVar("origination_uuid", uuid);
  leg->SetVar("origination_caller_id_name", originator.cid_name);
  leg->SetVar("origination_caller_id_number", originator.cid_number);
  if (via_gateway) {
    leg->SetVar("sip_gateway_name", gateway);
  } else {
    leg->SetVar("dialed_user", destination);
  }
  leg->SetVar("sip_req_user", destination);
  leg->SetVar("sip_to_user", destination);
  return leg;
}

FakeSwitch::Leg& FakeSwitch::AddLegLocked(Call& call, std::unique_ptr<Leg> leg) {
  leg->call_id = call.id;
  leg->created_us = now_us_;
  Leg& ref = *leg;
  call.legs.push_back(ref.uuid);
  ref.order_seq = ++leg_seq_;
  leg_order_.emplace(ref.order_seq, ref.uuid);
  legs_[ref.uuid] = std::move(leg);
  peak_sessions_ = std::max<uint64_t>(peak_sessions_, legs_.size());
  if (!ref.originator.empty()) {
    if (Leg* origin = FindLeg(ref.originator)) {
      ref.originator_profile = CdrProfileOf(*origin);
      // The originator's dialplan application (bridge) dialled this channel.
      if (!origin->application.empty() && origin->application_data.empty()) {
        origin->application_data = ref.channel_name;
        origin->application_us = now_us_;
      }
    }
  }
  EmitChannelEventLocked("CHANNEL_CREATE", ref, "switch_core_state_machine.c", "switch_core_session_run", 626);
  ref.state = ref.inbound ? "CS_EXECUTE" : "CS_CONSUME_MEDIA";
  ref.state_number = ref.inbound ? 4 : 7;
  return ref;
}

base::Result<std::string> FakeSwitch::PlaceCall(const CallSpec& spec) {
  std::lock_guard lock(mu_);
  CatchUpLocked();
  return PlaceCallLocked(spec);
}

base::Status FakeSwitch::PlaceCallAfter(double delay_s, const CallSpec& spec) {
  TARIFADOR_RETURN_IF_ERROR(ValidateCallSpec(spec));
  if (!std::isfinite(delay_s) || delay_s < 0) return base::InvalidArgument("call: \"at\" must be >= 0 seconds");
  std::lock_guard lock(mu_);
  ++scheduled_calls_;
  ScheduleLocked(clock_.Now().micros() + SecondsToUs(delay_s), [this, spec] {
    --scheduled_calls_;
    auto placed = PlaceCallLocked(spec);
    if (!placed.ok()) base::LogWarning("sim: scheduled call not placed: " + placed.status().message());
  });
  return base::Status::Ok();
}

base::Result<std::string> FakeSwitch::PlaceCallLocked(const CallSpec& spec) {
  TARIFADOR_RETURN_IF_ERROR(ValidateCallSpec(spec));
  for (const std::string* fixed : {&spec.a_uuid, &spec.b_uuid, &spec.c_uuid}) {
    if (!fixed->empty() && legs_.count(*fixed) != 0) {
      return base::AlreadyExists("call: uuid \"" + *fixed + "\" is already a live channel");
    }
  }
  auto call = std::make_unique<Call>();
  call->id = next_call_id_++;
  call->spec = spec;
  call->start_us = now_us_;
  call->socket_pending = dialplan_socket_ != nullptr && spec.kind == CallKind::kOutbound;
  Call& ref = *call;
  calls_[ref.id] = std::move(call);
  ++stats_.calls_placed;
  ++stats_.calls_by_outcome[CallOutcomeName(spec.outcome)];

  const std::string a_uuid = spec.a_uuid.empty() ? NewUuidLocked() : spec.a_uuid;
  const bool pin = IsPinCall(spec);
  // A PIN call's caller dials the prefix before the number.
  auto a = spec.kind == CallKind::kInbound
               ? GatewayInboundLegLocked(a_uuid, spec)
               : ExtensionLegLocked(a_uuid, spec.caller, pin ? spec.pin_prefix + spec.destination : spec.destination);
  AddLegLocked(ref, std::move(a));
  if (pin) {
    SchedulePinLocked(ref.id);
  } else if (spec.kind == CallKind::kTransfer && spec.outcome == CallOutcome::kAnswered) {
    ScheduleTransferLocked(ref.id);
  } else {
    ScheduleTwoLegLocked(ref.id);
  }
  return a_uuid;
}

void FakeSwitch::StepLocked(uint64_t call_id, int64_t offset_us, const std::function<void(Call&)>& step) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  ScheduleLocked(it->second->start_us + offset_us, [this, call_id, step] {
    auto found = calls_.find(call_id);
    if (found == calls_.end()) return;  // ended early (uuid_kill, sched_hangup)
    step(*found->second);
  });
}

void FakeSwitch::ProgressLocked(Leg& leg) {
  leg.progress_us = now_us_;
  leg.call_state = "RINGING";
  EmitChannelEventLocked("CHANNEL_PROGRESS", leg, "switch_channel.c", "switch_channel_perform_mark_ring_ready_value",
                         3507);
}

void FakeSwitch::AnswerLocked(Leg& leg) {
  if (leg.answered()) return;
  leg.answered_us = now_us_;
  if (leg.progress_media_us == 0 && leg.inbound) leg.progress_media_us = now_us_;
  leg.call_state = "ACTIVE";
  leg.answer_state = "answered";
  leg.SetVar("endpoint_disposition", "ANSWER");
  EmitChannelEventLocked("CHANNEL_ANSWER", leg, "switch_channel.c", "switch_channel_perform_mark_answered", 3815);
}

void FakeSwitch::BridgeLocked(Leg& a, Leg& b) {
  for (Leg* x : {&a, &b}) {
    if (x->bridged_us == 0) x->bridged_us = now_us_;
  }
  a.bridged_to = b.uuid;
  a.bridge_a = true;
  b.bridged_to = a.uuid;
  b.bridge_a = false;
  for (Leg* x : {&a, &b}) {
    Leg* other = x == &a ? &b : &a;
    if (x->originator.empty()) {
      x->originatee = other->uuid;
      x->originatee_profile = CdrProfileOf(*other);
    }
    x->SetVar("bridge_uuid", other->uuid);
    x->SetVar("last_bridge_to", other->uuid);
    x->SetVar("bridge_channel", other->channel_name);
    x->SetVar("signal_bond", other->uuid);
    x->SetVar("last_bridge_role", x == &a ? "originator" : "originatee");
    x->state = "CS_EXCHANGE_MEDIA";
    x->state_number = 5;
  }
  if (a.originator.empty()) a.SetVar("originate_disposition", "SUCCESS");
  // Fired once, on the originator side only (switch_ivr_bridge.c 1377-1395).
  SimEvent ev = EnvelopeLocked("CHANNEL_BRIDGE", "switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1335);
  ev.headers.Add("Bridge-A-Unique-ID", a.uuid);
  ev.headers.Add("Bridge-B-Unique-ID", b.uuid);
  AddChannelData(ev, a, true);
  EmitLocked(std::move(ev));
}

void FakeSwitch::UnbridgeLocked(Leg& a) {
  Leg* b = FindLeg(a.bridged_to);
  SimEvent ev = EnvelopeLocked("CHANNEL_UNBRIDGE", "switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", 1700);
  ev.headers.Add("Bridge-A-Unique-ID", a.uuid);
  ev.headers.Add("Bridge-B-Unique-ID", a.bridged_to);
  AddChannelData(ev, a, true);
  EmitLocked(std::move(ev));
  a.bridged_to.clear();
  a.bridge_a = false;
  if (b != nullptr && b->bridged_to == a.uuid) b->bridged_to.clear();
}

void FakeSwitch::FinalizeTimesLocked(Leg& leg) {
  // switch_channel_set_timestamps (switch_channel.c 4490-4830): epochs in
  // whole seconds (truncated), so billsec can differ from billusec / 1e6.
  leg.hangup_time_final = true;
  const int64_t created = leg.created_us;
  const int64_t profile_created = leg.profile_created_us != 0 ? leg.profile_created_us : created;
  const int64_t answered = leg.answered_us;
  const int64_t progress = leg.progress_us;
  const int64_t media = leg.progress_media_us;
  const int64_t bridged = leg.bridged_us;
  const int64_t hungup = leg.hangup_us;
  auto stamp = [&](const std::string& prefix, int64_t us) {
    if (us != 0) leg.SetVar(prefix + "_stamp", FormatStamp(us));
  };
  stamp("start", created);
  stamp("profile_start", profile_created);
  stamp("answer", answered);
  stamp("bridge", bridged);
  stamp("progress", progress);
  stamp("progress_media", media);
  stamp("end", hungup);
  auto epochs = [&](const std::string& prefix, int64_t us) {
    leg.SetVar(prefix + "_epoch", Num(us / kUsPerSecond));
    leg.SetVar(prefix + "_uepoch", Num(us));
  };
  epochs("start", created);
  epochs("profile_start", profile_created);
  epochs("answer", answered);
  epochs("bridge", bridged);
  epochs("last_hold", 0);
  epochs("resurrect", 0);
  epochs("progress", progress);
  epochs("progress_media", media);
  epochs("end", hungup);
  auto diff = [](int64_t later, int64_t earlier, int64_t unit) {
    return later == 0 || earlier == 0 ? 0 : later / unit - earlier / unit;
  };
  struct Span {
    const char* name;
    int64_t later;
    int64_t earlier;
  };
  const Span spans[] = {
      {"duration", hungup, created},
      {"billsec", answered ? hungup : 0, answered},
      {"progresssec", progress, created},
      {"answersec", answered, created},
      {"waitsec", bridged, created},
      {"progress_mediasec", media, created},
      {"flow_billsec", answered ? hungup : 0, created},
  };
  // duration -> mduration / uduration; xsec -> xmsec / xusec.
  for (const Span& s : spans) {
    std::string base(s.name);
    std::string mname = base == "duration" ? "mduration" : base.substr(0, base.size() - 3) + "msec";
    std::string uname = base == "duration" ? "uduration" : base.substr(0, base.size() - 3) + "usec";
    leg.SetVar(base, Num(diff(s.later, s.earlier, kUsPerSecond)));
    leg.SetVar(mname, Num(diff(s.later, s.earlier, 1000)));
    leg.SetVar(uname, Num(diff(s.later, s.earlier, 1)));
  }
}

CdrProfile FakeSwitch::CdrProfileOf(const Leg& leg) {
  CdrProfile p;
  p.username = leg.username;
  p.caller_id_name = leg.cid_name;
  p.caller_id_number = leg.cid_number;
  p.network_addr = leg.network_addr;
  p.destination_number = leg.destination;
  p.rdnis = leg.rdnis;
  p.transfer_source = leg.transfer_source;
  p.uuid = leg.uuid;
  p.context = leg.context;
  p.chan_name = leg.channel_name;
  return p;
}

void FakeSwitch::WriteCdrLocked(const Leg& leg) {
  if (options_.cdr_dir.empty()) return;
  JsonCdrLeg cdr;
  cdr.core_uuid = core_uuid_;
  cdr.switchname = options_.hostname;
  cdr.state = leg.state;
  cdr.state_number = leg.state_number;
  cdr.inbound = leg.inbound;
  cdr.variables = leg.vars;
  cdr.hit_dialplan = leg.hit_dialplan;
  if (!leg.application.empty()) {
    cdr.applications.push_back({leg.application, leg.application_data, leg.application_us});
  }
  cdr.profile = CdrProfileOf(leg);
  cdr.originator = leg.originator_profile;
  if (leg.originator.empty()) cdr.originatee = leg.originatee_profile;
  cdr.profile_index = Num(leg.profile_index);
  const int64_t profile_created = leg.profile_created_us != 0 ? leg.profile_created_us : leg.created_us;
  cdr.times = {leg.created_us,  profile_created, leg.progress_us, leg.progress_media_us,
               leg.answered_us, leg.bridged_us,  leg.hangup_us,   0};
  const std::string name = JsonCdrFileName(leg.uuid, leg.originator.empty(), options_.cdr_prefix_a_leg);
  if (base::Status s = WriteJsonCdrFile(options_.cdr_dir, name, BuildJsonCdr(cdr)); !s.ok()) {
    ++stats_.cdr_write_errors;
    base::LogWarning(std::string("sim: ") + s.message());
    return;
  }
  ++stats_.cdr_files_written;
}

void FakeSwitch::HangupLegsLocked(Call& call, const std::vector<LegEnd>& ends) {
  // The rows the channels table still holds once they are gone (fault).
  std::vector<std::vector<std::string>> stale;
  if (options_.stale_channels_s > 0) {
    for (const LegEnd& end : ends) {
      if (const Leg* leg = FindLeg(end.uuid); leg != nullptr && !leg->hungup) stale.push_back(ChannelRowLocked(*leg));
    }
  }
  std::vector<Leg*> legs;
  for (const LegEnd& end : ends) {
    Leg* leg = FindLeg(end.uuid);
    if (leg == nullptr || leg->hungup) continue;
    leg->hungup = true;
    leg->hangup_us = now_us_;
    leg->hangup_cause = end.cause;
    leg->answer_state = "hangup";
    // The state name still shows the old state while the number is
    // CS_HANGUP's (10), as the real CHANNEL_HANGUP does (capture Example1).
    leg->state_number = 10;
    if (leg->originator.empty() && !leg->Var("originate_disposition")) {
      leg->SetVar("originate_disposition", end.cause);
    }
    EmitChannelEventLocked("CHANNEL_HANGUP", *leg, "switch_channel.c", "switch_channel_perform_hangup", 3382);
    // These variables appear only after CHANNEL_HANGUP: the hangup state
    // handler and mod_sofia set them (capture Example1's CHANNEL_HANGUP has
    // none of them).
    if (!end.originate_disposition_after.empty()) leg->SetVar("originate_disposition", end.originate_disposition_after);
    leg->SetVar("hangup_cause", end.cause);
    leg->SetVar("hangup_cause_q850", std::to_string(Q850Code(end.cause)));
    leg->SetVar("sip_hangup_disposition", end.disposition);
    if (const char* status = leg->answered() ? "200" : SipStatusFor(end.cause)) {
      leg->SetVar("sip_term_status", status);
    }
    leg->call_state = "HANGUP";
    legs.push_back(leg);
  }
  // A bridge that loses a side is torn down on its originator leg.
  for (const std::string& uuid : call.legs) {
    Leg* leg = FindLeg(uuid);
    if (leg == nullptr || !leg->bridge_a || leg->bridged_to.empty()) continue;
    Leg* partner = FindLeg(leg->bridged_to);
    if (leg->hungup || partner == nullptr || partner->hungup) UnbridgeLocked(*leg);
  }
  std::vector<SimEvent> replays;  // the duplicate-hangup fault's copies
  for (Leg* leg : legs) {
    FinalizeTimesLocked(*leg);
    leg->state = "CS_REPORTING";
    leg->state_number = 11;
    // Hangup-Cause is added before the channel data and again by it: the real
    // event carries it twice (switch_core_state_machine.c 943-945).
    SimEvent ev = EnvelopeLocked("CHANNEL_HANGUP_COMPLETE", "switch_core_state_machine.c",
                                 "switch_core_session_reporting_state", 943);
    ev.headers.Add("Hangup-Cause", leg->hangup_cause);
    AddChannelData(ev, *leg, true);
    if (duplicate_hangups_) replays.push_back(ev);
    EmitLocked(std::move(ev));
    // mod_json_cdr runs in the same reporting state.
    WriteCdrLocked(*leg);
  }
  for (Leg* leg : legs) {
    leg->state = "CS_DESTROY";
    leg->state_number = 12;
    EmitChannelEventLocked("CHANNEL_DESTROY", *leg, "switch_core_session.c", "switch_core_session_perform_destroy",
                           1588);
  }
  // The replay comes once the legs are gone, so a biller cannot dedupe it by
  // the live call alone.
  for (SimEvent& replay : replays) EmitLocked(std::move(replay));
  for (Leg* leg : legs) {
    const std::string uuid = leg->uuid;
    leg_order_.erase(leg->order_seq);
    call.legs.erase(std::remove(call.legs.begin(), call.legs.end(), uuid), call.legs.end());
    legs_.erase(uuid);
  }
  if (call.legs.empty()) calls_.erase(call.id);  // `call` is gone after this line
  const int64_t until_us = now_us_ + SecondsToUs(options_.stale_channels_s);
  for (auto& row : stale) stale_rows_.emplace_back(until_us, std::move(row));
}

namespace {

// The dispositions mod_sofia records: who sent what to end the dialog.
std::string LocalEnd(bool answered, bool inbound) {
  if (answered) return "send_bye";
  return inbound ? "send_refuse" : "send_cancel";
}

}  // namespace

void FakeSwitch::ScheduleTwoLegLocked(uint64_t call_id) {
  Call& held = *calls_.at(call_id);
  if (held.socket_pending) {
    // The dialplan's first action: `socket` (sync mode). The call waits
    // there until the session is over (SocketAppDone).
    held.socket_pending = false;
    StepLocked(call_id, 0, [this](Call& call) {
      if (dialplan_socket_ == nullptr) {
        ScheduleTwoLegLocked(call.id);
        return;
      }
      Leg& a = LegRef(call.legs.front());
      a.state = "CS_EXECUTE";
      a.state_number = 4;
      call.in_socket = true;
      ++stats_.socket_sessions;
      // mod_event_socket answers `connect` with the channel's data
      // (mod_event_socket.c parse_command, "connect"): the event's headers
      // then the reply's own, in one block.
      SimEvent data = EnvelopeLocked("CHANNEL_DATA", "mod_event_socket.c", "parse_command", 1875);
      AddChannelData(data, a, true);
      std::string frame = EncodePlainFrame(data);
      frame.erase(0, frame.find("\n\n") + 2);
      frame.pop_back();  // the blank line closing the event's block
      frame += "Content-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: static\nControl: single-channel\n\n";
      dialplan_socket_->Run(a.uuid, std::move(frame));
    });
    return;
  }
  const CallSpec& spec = held.spec;
  int64_t t = 0;
  if (spec.early_answer) {
    t = 100'000;
    StepLocked(call_id, t, [this](Call& call) { AnswerLocked(LegRef(call.legs.front())); });
    t = std::max<int64_t>(SecondsToUs(spec.ivr_s), 150'000);
  } else {
    t = SecondsToUs(spec.dialplan_s);
  }
  const int64_t b_at = t;
  // A far end that answers at once, reached by a dialplan that bridges at
  // once: everything happens in one step, before anything a biller sends
  // about the CREATE can arrive.
  const bool instant = !spec.early_answer && b_at == 0 && spec.ring_s == 0 && spec.outcome == CallOutcome::kAnswered;
  StepLocked(call_id, b_at, [this, instant](Call& call) {
    const Leg& a = LegRef(call.legs.front());
    const CallSpec& s = call.spec;
    const bool gateway =
        s.kind == CallKind::kOutbound || (s.kind == CallKind::kTransfer && !IsExtension(s.destination));
    const std::string b_uuid = s.b_uuid.empty() ? NewUuidLocked() : s.b_uuid;
    Leg& b = AddLegLocked(call, OutgoingLegLocked(b_uuid, a, s.destination, gateway ? s.gateway : ""));
    if (gateway) ++stats_.gateway_legs;
    if (instant) {
      ProgressLocked(b);
      Leg& caller = LegRef(call.legs.front());
      if (caller.progress_us == 0) caller.progress_us = now_us_;
      AnswerLocked(b);
      AnswerLocked(caller);
      BridgeLocked(caller, b);
      if (gateway) ++stats_.gateway_legs_answered;
    }
  });
  if (instant) {
    StepLocked(call_id, SecondsToUs(spec.talk_s), [this](Call& call) {
      const std::string a = call.legs.front();
      const std::string b = call.legs.back();
      HangupLegsLocked(call, {{a, "NORMAL_CLEARING", "recv_bye", ""}, {b, "NORMAL_CLEARING", "send_bye", ""}});
    });
    return;
  }
  const int64_t ring_at = b_at + 50'000;
  StepLocked(call_id, ring_at, [this](Call& call) {
    ProgressLocked(LegRef(call.legs.back()));
    Leg& a = LegRef(call.legs.front());
    if (a.progress_us == 0) a.progress_us = now_us_;
  });
  const int64_t end_ring = ring_at + SecondsToUs(spec.ring_s);
  switch (spec.outcome) {
    case CallOutcome::kAnswered: {
      StepLocked(call_id, end_ring, [this](Call& call) {
        Leg& a = LegRef(call.legs.front());
        Leg& b = LegRef(call.legs.back());
        AnswerLocked(b);
        AnswerLocked(a);
        BridgeLocked(a, b);
        if (b.channel_name.rfind("sofia/gateway/", 0) == 0) ++stats_.gateway_legs_answered;
      });
      StepLocked(call_id, end_ring + SecondsToUs(spec.talk_s), [this](Call& call) {
        const std::string a = call.legs.front();
        const std::string b = call.legs.back();
        if (call.spec.hangup_by == HangupBy::kCaller) {
          HangupLegsLocked(call, {{a, "NORMAL_CLEARING", "recv_bye", ""}, {b, "NORMAL_CLEARING", "send_bye", ""}});
        } else {
          HangupLegsLocked(call, {{b, "NORMAL_CLEARING", "recv_bye", ""}, {a, "NORMAL_CLEARING", "send_bye", ""}});
        }
      });
      break;
    }
    case CallOutcome::kCancel: {
      // The caller gives up and the ringing far end is cancelled. An
      // unanswered caller's leg ends ORIGINATOR_CANCEL too, its
      // originate_disposition "failure" on CHANNEL_HANGUP and
      // ORIGINATOR_CANCEL from then on (1.10.12 capture caller-cancel.txt);
      // one a dialplan had answered ends NORMAL_CLEARING (capture Example3).
      StepLocked(call_id, end_ring, [this](Call& call) {
        Leg& a = LegRef(call.legs.front());
        const bool answered = a.answered();
        if (!answered) a.SetVar("originate_disposition", "failure");
        HangupLegsLocked(call, {{a.uuid, answered ? "NORMAL_CLEARING" : "ORIGINATOR_CANCEL",
                                 answered ? "recv_bye" : "recv_cancel", answered ? "" : "ORIGINATOR_CANCEL"},
                                {call.legs.back(), "ORIGINATOR_CANCEL", "send_cancel", ""}});
      });
      break;
    }
    default: {
      std::string cause = spec.cause;
      if (cause.empty()) {
        switch (spec.outcome) {
          case CallOutcome::kBusy: cause = "USER_BUSY"; break;
          case CallOutcome::kNoAnswer: cause = "NO_ANSWER"; break;
          case CallOutcome::kRejected: cause = "CALL_REJECTED"; break;
          default: cause = "NORMAL_TEMPORARY_FAILURE"; break;
        }
      }
      StepLocked(call_id, end_ring, [this, cause](Call& call) {
        Leg& a = LegRef(call.legs.front());
        const bool timeout = cause == "NO_ANSWER";
        // The far end refuses (or the originate times out and cancels it);
        // the failure cause is handed back to the caller's leg, except a
        // timeout: then the caller's leg ends NORMAL_CLEARING and keeps
        // NO_ANSWER in originate_disposition (1.10.12 capture
        // outbound-no-answer.txt; the phone gets a 480).
        if (timeout) a.SetVar("originate_disposition", "NO_ANSWER");
        HangupLegsLocked(
            call, {{call.legs.back(), cause, timeout ? "send_cancel" : "recv_refuse", ""},
                   {a.uuid, timeout ? "NORMAL_CLEARING" : cause, a.answered() ? "send_bye" : "send_refuse", ""}});
      });
      break;
    }
  }
}

void FakeSwitch::SchedulePinLocked(uint64_t call_id) {
  // The documented tarifador_pin extension (docs/SIM.md "PIN calls") on a
  // real FreeSWITCH 1.10.12, as measured with loopback channels: its
  // play_and_get_digits prompts are early media (CHANNEL_PROGRESS_MEDIA,
  // Answer-State early: the caller is not answered by them), each sets its
  // variable only when digits were keyed, and the transfer re-enters the
  // dialplan with the real number, which every later event and the
  // socket's channel data carry as Caller-Destination-Number.
  static constexpr const char* kPinIdApp =
      "1 12 3 7000 # voicemail/vm-enter_id.wav voicemail/vm-fail_auth.wav tarifador_pin_id \\d+";
  static constexpr const char* kPinApp =
      "4 12 3 7000 # voicemail/vm-enter_pass.wav voicemail/vm-fail_auth.wav tarifador_pin \\d+";
  const int64_t pin_us = SecondsToUs(calls_.at(call_id)->spec.pin_s);
  {
    Leg& a = LegRef(calls_.at(call_id)->legs.front());
    a.application = "play_and_get_digits";
    a.application_data = kPinIdApp;
    a.application_us = now_us_;
  }
  // The first prompt starts as the dialplan runs (20 ms here), the code's
  // prompt once the code number is in (half way), the transfer at pin_s.
  const int64_t media_at = std::min<int64_t>(20'000, pin_us / 2);
  StepLocked(call_id, media_at, [this](Call& call) {
    // switch_channel_perform_mark_pre_answered: an inbound leg that has
    // routed is RINGING; it is EARLY from its next state change on.
    Leg& a = LegRef(call.legs.front());
    a.early_media = true;
    a.progress_media_us = now_us_;
    a.answer_state = "early";
    a.call_state = "RINGING";
    a.SetVar("endpoint_disposition", "EARLY MEDIA");
    EmitChannelEventLocked("CHANNEL_PROGRESS_MEDIA", a, "switch_channel.c", "switch_channel_perform_mark_pre_answered",
                           3562);
  });
  StepLocked(call_id, pin_us / 2, [this](Call& call) {
    Leg& a = LegRef(call.legs.front());
    if (!call.spec.pin_id.empty()) a.SetVar("tarifador_pin_id", call.spec.pin_id);
    a.application_data = kPinApp;
    a.application_us = now_us_;
  });
  StepLocked(call_id, pin_us, [this](Call& call) {
    Leg& a = LegRef(call.legs.front());
    const CallSpec& s = call.spec;
    if (!s.pin.empty()) a.SetVar("tarifador_pin", s.pin);
    // `transfer $1 XML default` (switch_ivr_session_transfer): a new caller
    // profile with the real number, the dialled one as its rdnis, index 2,
    // created now (switch_channel_set_caller_profile keeps the channel's
    // created/answered/progress times), and the transfer's source record in
    // the profile and in transfer_history / transfer_source.
    a.rdnis = a.destination;
    a.initial_destination = a.destination;
    a.destination = s.destination;
    a.profile_index = 2;
    a.profile_created_us = now_us_;
    a.transfer_source =
        Num(now_us_ / kUsPerSecond) + ":" + NewUuidLocked() + ":bl_xfer:" + s.destination + "/" + a.context + "/XML";
    a.SetVar("transfer_history", a.transfer_source);
    a.SetVar("transfer_source", a.transfer_source);
    // CS_ROUTING, then CS_EXECUTE with early media: EARLY (switch_channel_perform_set_running_state).
    a.call_state = "EARLY";
    a.application = "bridge";
    a.application_data.clear();
    a.application_us = 0;
    // From here on it is any outbound call: the socket, the gate, the bridge.
    call.start_us = now_us_;
    ScheduleTwoLegLocked(call.id);
  });
}

void FakeSwitch::ScheduleTransferLocked(uint64_t call_id) {
  // A calls B, they talk; B consults C, then completes the transfer and
  // leaves; A and C talk until A hangs up. C is originated by B (its
  // variable_originator is B, capture Example6) and the final bridge has C as
  // Bridge-A and A as Bridge-B.
  const CallSpec& spec = calls_.at(call_id)->spec;
  const int64_t b_at = 100'000;
  StepLocked(call_id, b_at, [this](Call& call) {
    const Leg& a = LegRef(call.legs.front());
    const CallSpec& s = call.spec;
    const std::string b_uuid = s.b_uuid.empty() ? NewUuidLocked() : s.b_uuid;
    AddLegLocked(call, OutgoingLegLocked(b_uuid, a, s.destination, IsExtension(s.destination) ? "" : s.gateway));
  });
  const int64_t ring_at = b_at + 50'000;
  StepLocked(call_id, ring_at, [this](Call& call) { ProgressLocked(LegRef(call.legs[1])); });
  const int64_t answer_at = ring_at + SecondsToUs(spec.ring_s);
  StepLocked(call_id, answer_at, [this](Call& call) {
    Leg& a = LegRef(call.legs[0]);
    Leg& b = LegRef(call.legs[1]);
    AnswerLocked(b);
    AnswerLocked(a);
    BridgeLocked(a, b);
  });
  const int64_t c_at = answer_at + SecondsToUs(spec.talk_s);
  StepLocked(call_id, c_at, [this](Call& call) {
    if (call.legs.size() < 2) return;
    const Leg& b = LegRef(call.legs[1]);
    const CallSpec& s = call.spec;
    const std::string c_uuid = s.c_uuid.empty() ? NewUuidLocked() : s.c_uuid;
    auto c = OutgoingLegLocked(c_uuid, b, s.transfer_to, IsExtension(s.transfer_to) ? "" : s.gateway);
    // The consultation call shows the transferor as the caller.
    c->username = b.destination;
    c->cid_name = "Extension " + b.destination;
    c->cid_number = b.destination;
    AddLegLocked(call, std::move(c));
  });
  const int64_t c_ring = c_at + 50'000;
  StepLocked(call_id, c_ring, [this](Call& call) { ProgressLocked(LegRef(call.legs.back())); });
  const int64_t c_answer = c_ring + SecondsToUs(spec.ring_s);
  StepLocked(call_id, c_answer, [this](Call& call) { AnswerLocked(LegRef(call.legs.back())); });
  const int64_t xfer_at = c_answer + SecondsToUs(spec.consult_s);
  StepLocked(call_id, xfer_at, [this](Call& call) {
    if (call.legs.size() != 3) return;
    const std::string a = call.legs[0];
    const std::string b = call.legs[1];
    const std::string c = call.legs[2];
    HangupLegsLocked(call, {{b, "NORMAL_CLEARING", "recv_bye", ""}});
    Leg* a_leg = FindLeg(a);
    Leg* c_leg = FindLeg(c);
    if (a_leg != nullptr && c_leg != nullptr) {
      a_leg->SetVar("transfer_history", "attended_transfer:" + b);
      BridgeLocked(*c_leg, *a_leg);
    }
  });
  StepLocked(call_id, xfer_at + SecondsToUs(spec.after_transfer_s), [this](Call& call) {
    std::vector<LegEnd> ends;
    for (size_t i = 0; i < call.legs.size(); ++i) {
      ends.push_back({call.legs[i], "NORMAL_CLEARING", i == 0 ? "recv_bye" : "send_bye", ""});
    }
    HangupLegsLocked(call, ends);
  });
}

void FakeSwitch::KillLocked(const std::string& uuid, const std::string& cause) {
  Leg* killed = FindLeg(uuid);
  if (killed == nullptr || killed->hungup) return;
  auto it = calls_.find(killed->call_id);
  if (it == calls_.end()) return;
  Call& call = *it->second;
  ++stats_.calls_killed;
  // The killed leg goes first; its partners follow with the same cause (the
  // bridge hands it over), except a far end still ringing behind a killed
  // caller, which is cancelled.
  std::vector<LegEnd> ends;
  ends.push_back({uuid, cause, LocalEnd(killed->answered(), killed->inbound), ""});
  const bool killed_is_a = killed->originator.empty();
  for (const std::string& other : call.legs) {
    if (other == uuid) continue;
    const Leg& leg = LegRef(other);
    const bool cancel = killed_is_a && !leg.answered();
    ends.push_back({other, cancel ? "ORIGINATOR_CANCEL" : cause, LocalEnd(leg.answered(), leg.inbound), ""});
  }
  HangupLegsLocked(call, ends);
}

// ---------------------------------------------------------------------------
// API (mod_commands)

void FakeSwitch::EmitBackgroundJob(const std::string& job_uuid, std::string_view command, std::string_view args,
                                   const std::string& output) {
  std::lock_guard lock(mu_);
  CatchUpLocked();
  SimEvent ev = EnvelopeLocked("BACKGROUND_JOB", "mod_event_socket.c", "api_exec", 1557);
  ev.headers.Add("Job-UUID", job_uuid);
  ev.headers.Add("Job-Command", std::string(command));
  if (!args.empty()) ev.headers.Add("Job-Command-Arg", std::string(args));
  ev.body = output;
  EmitLocked(std::move(ev));
}

std::string FakeSwitch::ExecuteApi(std::string_view command, std::string_view args) {
  std::lock_guard lock(mu_);
  CatchUpLocked();
  return ApiLocked(std::string(command), std::string(args));
}

std::string FakeSwitch::ApiLocked(const std::string& command, const std::string& args) {
  const std::vector<std::string> argv = SplitWords(args);
  if (command == "uuid_kill") {
    // mod_commands.c 2879-2900: default cause NORMAL_CLEARING.
    if (argv.empty()) return "-USAGE: <uuid> [cause]\n";
    if (FindLeg(argv[0]) == nullptr) return "-ERR No such channel!\n";
    KillLocked(argv[0], argv.size() > 1 ? argv[1] : "NORMAL_CLEARING");
    return "+OK\n";
  }
  if (command == "sched_hangup") {
    // mod_commands.c 3656-3700: "+N" is N seconds from now; anything else is
    // read as an absolute epoch from its second character on (atol(argv[0]+1)),
    // so a bare small number is in the past and hangs up at once.
    if (argv.size() < 2) return "-USAGE: [+]<time> <uuid> [<cause>]\n";
    if (FindLeg(argv[1]) == nullptr) return "-ERR No such channel!\n";
    const std::string& when = argv[0];
    const long n = std::atol(when.c_str() + 1);
    const int64_t due_us =
        when[0] == '+' ? now_us_ + static_cast<int64_t>(n) * kUsPerSecond : static_cast<int64_t>(n) * kUsPerSecond;
    const std::string uuid = argv[1];
    const std::string cause = argv.size() > 2 ? argv[2] : "ALLOTTED_TIMEOUT";
    if (due_us <= now_us_) {
      KillLocked(uuid, cause);
    } else {
      ScheduleLocked(due_us, [this, uuid, cause] { KillLocked(uuid, cause); });
    }
    return "+OK\n";
  }
  if (command == "uuid_exists") {
    return !argv.empty() && FindLeg(argv[0]) != nullptr ? "true" : "false";
  }
  if (command == "uuid_setvar") {
    if (argv.size() < 2) return "-USAGE: <uuid> <var> [value]\n";
    Leg* leg = FindLeg(argv[0]);
    if (leg == nullptr) return "-ERR No such channel!\n";
    // The value may contain spaces: everything after the variable name.
    std::string value;
    const size_t var_pos = args.find(argv[1], args.find(argv[0]) + argv[0].size());
    if (var_pos != std::string::npos) {
      size_t v = var_pos + argv[1].size();
      while (v < args.size() && args[v] == ' ') ++v;
      value = args.substr(v);
    }
    if (value.empty()) {
      leg->UnsetVar(argv[1]);
    } else {
      leg->SetVar(argv[1], value);
    }
    return "+OK\n";
  }
  if (command == "uuid_getvar") {
    if (argv.size() < 2) return "-USAGE: <uuid> <var>\n";
    Leg* leg = FindLeg(argv[0]);
    if (leg == nullptr) return "-ERR No such channel!\n";
    const std::string* v = leg->Var(argv[1]);
    return v ? *v : "_undef_";
  }
  if (command == "hupall") {
    const std::string cause = argv.empty() ? "NORMAL_CLEARING" : argv[0];
    std::vector<std::string> firsts;
    for (const auto& [id, call] : calls_) {
      if (!call->legs.empty()) firsts.push_back(call->legs.front());
    }
    for (const std::string& uuid : firsts) KillLocked(uuid, cause);
    return "+OK hangup all channels with cause " + cause + "\n";
  }
  if (command == "show") return ShowChannelsLocked(args);
  if (command == "status") return StatusLocked();
  if (command == "version") return "FreeSWITCH Version 1.10.12-release~64bit (tarifador-sim)\n";
  return "-ERR " + command + " Command not found!\n";
}

std::vector<std::string> FakeSwitch::ChannelRowLocked(const Leg& l) const {
  const bool media = l.answered() || l.early_media;
  std::string app_data;
  if (l.application == "bridge") {
    const Leg* b = nullptr;
    for (const auto& [id, other] : legs_) {
      if (other->originator == l.uuid) b = other.get();
    }
    if (b != nullptr) app_data = b->channel_name;
  } else {
    app_data = l.application_data;
  }
  return {l.uuid,
          l.inbound ? "inbound" : "outbound",
          FormatStamp(l.created_us),
          Num(l.created_us / kUsPerSecond),
          l.channel_name,
          l.state,
          l.cid_name,
          l.cid_number,
          l.network_addr,
          l.destination,
          l.application,
          app_data,
          "XML",
          l.context,
          media ? "PCMA" : "",
          media ? "8000" : "",
          media ? "64000" : "",
          media ? "PCMA" : "",
          media ? "8000" : "",
          media ? "64000" : "",
          "",
          options_.hostname,
          l.presence_id,
          "",
          l.accountcode,
          l.call_state,
          l.callee_name,
          l.callee_number,
          l.callee_number.empty() ? "" : "SEND",
          l.call_uuid,
          "",
          "",
          l.cid_name,
          l.cid_number,
          l.network_addr,
          l.initial_destination.empty() ? l.destination : l.initial_destination,
          "XML",
          l.context};
}

std::string FakeSwitch::ShowChannelsLocked(std::string_view args) {
  const std::vector<std::string> argv = SplitWords(args);
  if (argv.empty() || argv[0] != "channels") {
    return "-USAGE: channels [count] [as json|csv]\n";
  }
  while (!stale_rows_.empty() && stale_rows_.front().first <= now_us_) stale_rows_.pop_front();
  if (argv.size() >= 2 && argv[1] == "count") {
    return "\n" + std::to_string(leg_order_.size() + stale_rows_.size()) + " total.\n";
  }
  const bool json = argv.size() >= 3 && argv[1] == "as" && argv[2] == "json";
  // Columns of the channels table (switch_core_sqldb.c 2896-2935).
  static const char* const kColumns[] = {"uuid",
                                         "direction",
                                         "created",
                                         "created_epoch",
                                         "name",
                                         "state",
                                         "cid_name",
                                         "cid_num",
                                         "ip_addr",
                                         "dest",
                                         "application",
                                         "application_data",
                                         "dialplan",
                                         "context",
                                         "read_codec",
                                         "read_rate",
                                         "read_bit_rate",
                                         "write_codec",
                                         "write_rate",
                                         "write_bit_rate",
                                         "secure",
                                         "hostname",
                                         "presence_id",
                                         "presence_data",
                                         "accountcode",
                                         "callstate",
                                         "callee_name",
                                         "callee_num",
                                         "callee_direction",
                                         "call_uuid",
                                         "sent_callee_name",
                                         "sent_callee_num",
                                         "initial_cid_name",
                                         "initial_cid_num",
                                         "initial_ip_addr",
                                         "initial_dest",
                                         "initial_dialplan",
                                         "initial_context"};
  std::vector<std::vector<std::string>> rows;
  for (const auto& [seq, uuid] : leg_order_) rows.push_back(ChannelRowLocked(*legs_.at(uuid)));
  for (const auto& [until_us, row] : stale_rows_) rows.push_back(row);
  if (json) {
    // mod_commands.c 5984-6021: no rows -> the literal {"row_count": 0}.
    if (rows.empty()) return "{\"row_count\": 0}";
    std::string out = "{\"row_count\":" + std::to_string(rows.size()) + ",\"rows\":[";
    for (size_t r = 0; r < rows.size(); ++r) {
      if (r) out += ',';
      out += '{';
      for (size_t c = 0; c < rows[r].size(); ++c) {
        if (c) out += ',';
        AppendJsonString(out, kColumns[c]);
        out += ':';
        AppendJsonString(out, rows[r][c]);
      }
      out += '}';
    }
    out += "]}";
    return out;
  }
  std::string out;
  for (size_t c = 0; c < std::size(kColumns); ++c) out += std::string(c ? "," : "") + kColumns[c];
  out += '\n';
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) out += (c ? "," : "") + row[c];
    out += '\n';
  }
  out += "\n" + std::to_string(rows.size()) + " total.\n";
  return out;
}

std::string FakeSwitch::StatusLocked() const {
  const int64_t up_us = now_us_ - start_us_;
  const int64_t up_s = up_us / kUsPerSecond;
  std::ostringstream out;
  out << "UP 0 years, " << up_s / 86400 << " days, " << up_s / 3600 % 24 << " hours, " << up_s / 60 % 60 << " minutes, "
      << up_s % 60 << " seconds, " << up_us / 1000 % 1000 << " milliseconds, " << up_us % 1000 << " microseconds\n"
      << "FreeSWITCH (Version 1.10.12-release~64bit) is ready\n"
      << session_id_ << " session(s) since startup\n"
      << legs_.size() << " session(s) - peak " << peak_sessions_ << ", last 5min " << peak_sessions_ << " \n"
      << "0 session(s) per Sec out of max 30, peak 2, last 5min 0 \n"
      << "1000 session(s) max\n"
      << "min idle cpu 0.00/98.00\n"
      << "Current Stack Size/Max 240K/8192K\n";
  return out.str();
}

}  // namespace tarifador::sim
