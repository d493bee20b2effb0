#pragma once
// LiveEvents: what app publishes on the HTTP event stream (GET
// /api/v1/events, docs/API.md "Live updates"). It is the billing thread's
// CallObserver (call_start, call_answer, call_end), formats the store's
// balance notices (balance) and the ESL link's state changes (link), and
// hands each as one JSON line to the http::EventHub, which never blocks.
//
// Thread-safe: every method only formats and publishes. Borrows the hub,
// which must outlive it.
#include "base/time.h"
#include "billing/account.h"
#include "billing/call_observer.h"
#include "http/event_hub.h"
#include "http/services.h"

namespace tarifador::app {

class LiveEvents final : public billing::CallObserver {
 public:
  // Borrows both. `clock` dates the budget month of balance events.
  LiveEvents(http::EventHub& hub, const base::Clock& clock) : hub_(hub), clock_(clock) {}

  void OnCallStart(const billing::CallStarted& call) override;
  void OnCallAnswer(const billing::CallAnswered& call) override;
  void OnCallEnd(const billing::Cdr& cdr) override;
  // After a committed money move: {account_id, balance, reserved, available,
  // budget} (budget: http::BudgetJson, null without one).
  void OnBalance(const billing::Account& account);
  // After the FreeSWITCH link changed state: {state, address, since, last_error}.
  void OnLink(const http::LinkInfo& link);

 private:
  http::EventHub& hub_;
  const base::Clock& clock_;
};

}  // namespace tarifador::app
