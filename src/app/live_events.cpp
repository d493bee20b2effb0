#include "app/live_events.h"

#include <nlohmann/json.hpp>

#include "base/time.h"
#include "http/billing_json.h"

namespace tarifador::app {
namespace {

nlohmann::json TimeOrNull(int64_t us) {
  return us == 0 ? nlohmann::json() : nlohmann::json(base::FormatIso8601(base::Instant::FromMicros(us)));
}

// One line of JSON; invalid UTF-8 (a caller name) is replaced, never thrown.
std::string Line(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

void LiveEvents::OnCallStart(const billing::CallStarted& c) {
  hub_.Publish("call_start",
               Line({{"uuid", c.call.value},
                     {"caller", c.caller},
                     {"destination", c.destination},
                     {"direction", billing::DirectionName(c.direction)},
                     {"account_id", c.account_id ? nlohmann::json(c.account_id->value) : nlohmann::json()},
                     {"start_time", TimeOrNull(c.start_time.micros())}}));
}

void LiveEvents::OnCallAnswer(const billing::CallAnswered& c) {
  nlohmann::json j = {{"uuid", c.call.value},
                      {"answer_time", TimeOrNull(c.answer_time.micros())},
                      {"zone", nullptr},
                      {"prefix", nullptr},
                      {"price_per_minute", nullptr}};
  if (c.rated) {
    j["zone"] = c.rated->rate.zone;
    j["prefix"] = c.rated->rate.prefix.digits();
    j["price_per_minute"] = c.rated->rate.price_per_minute.ToString();
  }
  hub_.Publish("call_answer", Line(j));
}

void LiveEvents::OnCallEnd(const billing::Cdr& cdr) {
  hub_.Publish("call_end", Line({{"uuid", cdr.uuid.value},
                                 {"disposition", billing::DispositionName(cdr.disposition)},
                                 {"billsec", cdr.billsec},
                                 {"cost", cdr.cost.ToString()},
                                 {"end_time", TimeOrNull(cdr.end_us)}}));
}

void LiveEvents::OnBalance(const billing::Account& a) {
  hub_.Publish("balance", Line({{"account_id", a.id.value},
                                {"balance", a.balance.ToString()},
                                {"reserved", a.reserved.ToString()},
                                {"available", billing::AvailableMoney(a).ToString()},
                                {"budget", http::BudgetJson(a, clock_.Now())}}));
}

void LiveEvents::OnLink(const http::LinkInfo& link) {
  hub_.Publish("link",
               Line({{"state", link.state},
                     {"address", link.address},
                     {"since", TimeOrNull(link.since.micros())},
                     {"last_error", link.last_error.empty() ? nlohmann::json() : nlohmann::json(link.last_error)}}));
}

}  // namespace tarifador::app
