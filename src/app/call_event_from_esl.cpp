#include "app/call_event_from_esl.h"

#include <charconv>
#include <string_view>

namespace tarifador::app {
namespace {

int64_t Int(std::string_view text) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) return 0;
  return v;
}

// The first non-zero of the Caller-Channel-*-Time header and the *_uepoch
// variable: plain events carry both, a backfill may carry only one.
int64_t Micros(const esl::Event& e, std::string_view header, std::string_view variable) {
  const int64_t v = Int(e.headers.Get(header));
  return v != 0 ? v : Int(e.headers.Get(variable));
}

std::optional<std::string_view> Optional(const esl::Event& e, std::string_view name) {
  if (!e.headers.Has(name)) return std::nullopt;
  return e.headers.Get(name);
}

std::optional<billing::CallEventKind> KindOf(std::string_view name) {
  using K = billing::CallEventKind;
  if (name == "CHANNEL_CREATE") return K::kCreate;
  if (name == "CHANNEL_ANSWER") return K::kAnswer;
  if (name == "CHANNEL_BRIDGE") return K::kBridge;
  if (name == "CHANNEL_HANGUP") return K::kHangup;
  if (name == "CHANNEL_HANGUP_COMPLETE") return K::kHangupComplete;
  return std::nullopt;
}

// The gateway named by the bridge the leg ran ("sofia/gateway/carrier/3491...",
// after any {...} or [...] channel variables): the A leg's own record of
// where the call went, for a backfill that never sees the B leg's
// variable_sip_gateway_name. "" when the leg bridged elsewhere.
std::string GatewayOfBridge(const esl::Event& e) {
  if (e.headers.Get("variable_last_app") != "bridge") return "";
  std::string_view arg = e.headers.Get("variable_last_arg");
  while (!arg.empty() && (arg.front() == '{' || arg.front() == '[' || arg.front() == '<')) {
    const char close = arg.front() == '{' ? '}' : arg.front() == '[' ? ']' : '>';
    const size_t end = arg.find(close);
    if (end == std::string_view::npos) return "";
    arg.remove_prefix(end + 1);
  }
  constexpr std::string_view kPrefix = "sofia/gateway/";
  if (arg.substr(0, kPrefix.size()) != kPrefix) return "";
  arg.remove_prefix(kPrefix.size());
  const size_t slash = arg.find('/');
  if (slash == std::string_view::npos || slash == 0) return "";
  return std::string(arg.substr(0, slash));
}

// The billing view of `e`, as an event of `kind`.
billing::CallEvent CallEventOf(const esl::Event& e, billing::CallEventKind kind);

}  // namespace

std::optional<billing::CallEvent> CallEventFromEsl(const esl::Event& e) {
  const std::optional<billing::CallEventKind> kind = KindOf(e.name());
  if (!kind || e.unique_id().empty()) return std::nullopt;
  return CallEventOf(e, *kind);
}

std::optional<billing::CallEvent> CreateFromChannelData(const esl::Event& e) {
  if (e.name() != "CHANNEL_DATA" || e.unique_id().empty()) return std::nullopt;
  return CallEventOf(e, billing::CallEventKind::kCreate);
}

namespace {

billing::CallEvent CallEventOf(const esl::Event& e, billing::CallEventKind kind) {
  billing::CallEvent out;
  out.kind = kind;
  out.leg = billing::CallId{std::string(e.unique_id())};
  // The other leg: the originator/originatee on either leg; on the A leg's
  // CHANNEL_BRIDGE the B leg is named by Bridge-B-Unique-ID.
  std::string_view other = e.headers.Get("Other-Leg-Unique-ID");
  if (other.empty() && e.headers.Get("Bridge-A-Unique-ID") == e.unique_id()) {
    other = e.headers.Get("Bridge-B-Unique-ID");
  }
  out.other_leg = billing::CallId{std::string(other)};
  out.is_originating_leg = billing::IsOriginatingLeg(Optional(e, "Other-Type"), Optional(e, "variable_originator"));
  out.caller_number = e.headers.Get("Caller-Caller-ID-Number");
  out.caller_name = e.headers.Get("Caller-Caller-ID-Name");
  out.destination = e.headers.Get("Caller-Destination-Number");
  out.context = e.headers.Get("Caller-Context");
  out.gateway = e.headers.Get("variable_sip_gateway_name");
  if (out.gateway.empty()) out.gateway = GatewayOfBridge(e);
  out.hangup_cause = e.headers.Get("Hangup-Cause");
  if (out.hangup_cause.empty()) out.hangup_cause = e.headers.Get("variable_hangup_cause");
  out.originate_disposition = e.headers.Get("variable_originate_disposition");
  out.created_us = Micros(e, "Caller-Channel-Created-Time", "variable_start_uepoch");
  out.answered_us = Micros(e, "Caller-Channel-Answered-Time", "variable_answer_uepoch");
  out.bridged_us = Micros(e, "Caller-Channel-Bridged-Time", "variable_bridge_uepoch");
  out.ended_us = Micros(e, "Caller-Channel-Hangup-Time", "variable_end_uepoch");
  out.event_us = EventStampMicros(e);
  if (out.kind == billing::CallEventKind::kHangupComplete) {
    out.epochs.answer_epoch_s = Int(e.headers.Get("variable_answer_epoch"));
    out.epochs.bridge_epoch_s = Int(e.headers.Get("variable_bridge_epoch"));
    out.epochs.end_epoch_s = Int(e.headers.Get("variable_end_epoch"));
  }
  return out;
}

}  // namespace

int64_t EventStampMicros(const esl::Event& event) { return Int(event.headers.Get("Event-Date-Timestamp")); }

billing::CallTracker::LiveChannel LiveChannelFromRow(const esl::ChannelRow& row) {
  billing::CallTracker::LiveChannel ch;
  ch.leg = billing::CallId{row.uuid};
  ch.call = billing::CallId{row.call_uuid};
  ch.caller = row.cid_num;
  ch.destination = row.dest;
  ch.context = row.context;
  ch.created_us = row.created_epoch * 1'000'000;
  ch.answered = row.callstate == "ACTIVE" || row.callstate == "HELD";
  return ch;
}

}  // namespace tarifador::app
