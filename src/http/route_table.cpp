#include "http/route_table.h"

#include "http/alert_handlers.h"
#include "http/alert_recipient_handlers.h"
#include "http/auth_handlers.h"
#include "http/billing_handlers.h"
#include "http/cdr_handlers.h"
#include "http/cdr_search_handlers.h"
#include "http/export_handlers.h"
#include "http/live_handlers.h"
#include "http/pin_handlers.h"
#include "http/rating_handlers.h"
#include "http/report_handlers.h"
#include "http/system_handlers.h"
#include "http/user_admin_handlers.h"

namespace tarifador::http {
namespace {

// THE route table. docs/API.md documents every row (a unit test checks it).
constexpr Route kRoutes[] = {
    // Probes and metrics: public so that systemd, procd and Prometheus need no
    // credentials. They reveal no phone numbers or names.
    {Method::kGet, "/healthz", Access::kPublic, HandleHealthz, "liveness: 200 while the process serves"},
    {Method::kGet, "/readyz", Access::kPublic, HandleReadyz, "readiness: 200 only when every check passes"},
    {Method::kGet, "/metrics", Access::kPublic, HandleMetrics, "Prometheus metrics"},

    {Method::kGet, "/api/v1/status", Access::kViewer, HandleStatus, "version, uptime, schema, store path"},

    {Method::kPost, "/api/v1/session", Access::kPublic, HandleLogin, "log in; sets the session cookie"},
    {Method::kGet, "/api/v1/session", Access::kViewer, HandleWhoAmI, "who am I"},
    {Method::kDelete, "/api/v1/session", Access::kViewer, HandleLogout, "log out"},

    {Method::kGet, "/api/v1/setup", Access::kPublic, HandleSetupStatus, "whether first-run setup is needed"},
    {Method::kPost, "/api/v1/setup", Access::kPublic, HandleSetup, "create the first admin (once)"},

    {Method::kGet, "/api/v1/users", Access::kAdmin, HandleListUsers, "list users"},
    {Method::kPost, "/api/v1/users", Access::kAdmin, HandleAddUser, "add a user"},
    {Method::kPatch, "/api/v1/users/{name}", Access::kAdmin, HandleUpdateUser,
     "disable or enable a user (ends their sessions), or change their role"},
    {Method::kPost, "/api/v1/users/{name}/password", Access::kAdmin, HandleResetPassword,
     "reset a user's password (ends their sessions)"},
    {Method::kPost, "/api/v1/session/password", Access::kViewer, HandleChangeOwnPassword,
     "change one's own password (with the current one)"},
    {Method::kGet, "/api/v1/sessions", Access::kAdmin, HandleListSessions, "list live sessions"},
    {Method::kDelete, "/api/v1/sessions/{id}", Access::kAdmin, HandleEndSession, "end a session"},

    {Method::kGet, "/api/v1/tokens", Access::kAdmin, HandleListTokens, "list API tokens"},
    {Method::kPost, "/api/v1/tokens", Access::kAdmin, HandleCreateToken, "create an API token"},
    {Method::kDelete, "/api/v1/tokens/{name}", Access::kAdmin, HandleRevokeToken, "revoke an API token"},

    {Method::kGet, "/api/v1/audit", Access::kAdmin, HandleListAudit, "read the audit log"},

    {Method::kGet, "/api/v1/quote", Access::kViewer, HandleQuote, "quote a call: matched rate and cost"},
    {Method::kGet, "/api/v1/rate-plans", Access::kViewer, HandleListRatePlans, "list the loaded rate plans"},
    {Method::kGet, "/api/v1/rate-plans/{name}/rates", Access::kViewer, HandleListRates,
     "list a rate plan's rates, paginated"},
    {Method::kPost, "/api/v1/rate-plans/{name}/import", Access::kAdmin, HandleImportRatePlan,
     "replace a rate plan's rates with a CSV deck", BodySize::kUpload},
    {Method::kPost, "/api/v1/rate-plans", Access::kAdmin, HandleCreateRatePlan, "create an empty rate plan"},
    {Method::kGet, "/api/v1/rate-plans/{name}/rates/{prefix}", Access::kViewer, HandleGetPrefixRates,
     "the rates of one prefix of a plan"},
    {Method::kPut, "/api/v1/rate-plans/{name}/rates/{prefix}", Access::kAdmin, HandlePutPrefixRate,
     "set one prefix's rate and publish the plan live"},
    {Method::kDelete, "/api/v1/rate-plans/{name}/rates/{prefix}", Access::kAdmin, HandleDeletePrefixRates,
     "delete one prefix's rates and publish the plan live"},

    // Billing (SPEC sections 3, 4, 10): accounts, recharges, the ledger,
    // extensions, the dialplan's authorize and the live calls.
    {Method::kPost, "/api/v1/accounts", Access::kAdmin, HandleCreateAccount, "create an account"},
    {Method::kGet, "/api/v1/accounts", Access::kViewer, HandleListAccounts, "list accounts, paginated"},
    {Method::kGet, "/api/v1/accounts/{id}", Access::kViewer, HandleGetAccount, "an account with its balance"},
    {Method::kPatch, "/api/v1/accounts/{id}", Access::kAdmin, HandleUpdateAccount,
     "change an account's name, credit limit or monthly budget"},
    {Method::kPost, "/api/v1/accounts/{id}/recharges", Access::kOperator, HandleRecharge,
     "recharge an account (idempotent with Idempotency-Key)"},
    {Method::kPost, "/api/v1/accounts/{id}/ledger/{entry}/reverse", Access::kOperator, HandleReverseRecharge,
     "take a recharge back, once"},
    {Method::kGet, "/api/v1/accounts/{id}/ledger", Access::kViewer, HandleListLedger,
     "an account's ledger, oldest first, paginated"},
    {Method::kPost, "/api/v1/extensions", Access::kAdmin, HandleCreateExtension, "create an extension"},
    {Method::kGet, "/api/v1/extensions", Access::kViewer, HandleListExtensions, "list extensions, paginated"},
    {Method::kGet, "/api/v1/extensions/{number}", Access::kViewer, HandleGetExtension, "an extension"},
    {Method::kPut, "/api/v1/extensions/{number}", Access::kAdmin, HandlePutExtension, "replace an extension"},
    {Method::kPut, "/api/v1/extensions/{number}/guards", Access::kAdmin, HandlePutExtensionGuards,
     "an extension's own toll-fraud guard settings"},
    {Method::kGet, "/api/v1/authorize", Access::kViewer, HandleAuthorize,
     "may this extension call this number now, and for how long"},
    {Method::kGet, "/api/v1/calls/active", Access::kViewer, HandleActiveCalls, "the calls up now"},

    // FreeSWITCH's mod_json_cdr posts every leg's CDR here (Basic auth with a token).
    {Method::kPost, "/api/v1/cdr/json", Access::kCdrWriter, HandleJsonCdr, "mod_json_cdr backfill: bill one leg's CDR",
     BodySize::kUpload},

    // Live updates and the rest (docs/API.md "Live updates").
    {Method::kGet, "/api/v1/events", Access::kViewer, HandleEvents, "Server-Sent Events: calls, balances, link"},
    {Method::kPost, "/api/v1/recharges/bulk", Access::kOperator, HandleBulkRecharge,
     "recharge many accounts from CSV, all or nothing", BodySize::kUpload},
    {Method::kGet, "/api/v1/settings", Access::kAdmin, HandleSettings, "the effective configuration, secrets hidden"},

    // Alerts (docs/ALERTS.md): budgets reached, and what else needs a person.
    {Method::kGet, "/api/v1/alerts", Access::kViewer, HandleListAlerts, "alerts, newest first (open ones by default)"},
    {Method::kPost, "/api/v1/alerts/{id}/acknowledge", Access::kOperator, HandleAcknowledgeAlert,
     "acknowledge an alert"},
    {Method::kGet, "/api/v1/alert-recipients", Access::kAdmin, HandleListAlertRecipients,
     "who receives alerts by e-mail or webhook, and how deliveries stand"},
    {Method::kPost, "/api/v1/alert-recipients", Access::kAdmin, HandleAddAlertRecipient,
     "add an e-mail or webhook recipient of alerts"},
    {Method::kDelete, "/api/v1/alert-recipients/{id}", Access::kAdmin, HandleRemoveAlertRecipient,
     "remove an alert recipient"},

    // PIN codes (docs/API.md "PIN codes").
    {Method::kGet, "/api/v1/pins", Access::kAdmin, HandleListPins, "PIN codes (never their digits)"},
    {Method::kPost, "/api/v1/pins", Access::kAdmin, HandleCreatePin,
     "add a PIN code: its owner's account pays the calls made with it"},
    {Method::kPatch, "/api/v1/pins/{id}", Access::kAdmin, HandleUpdatePin,
     "change a PIN code's owner, account, zones, digits or enabled"},
    {Method::kDelete, "/api/v1/pins/{id}", Access::kAdmin, HandleDeletePin, "remove a PIN code"},

    // CDRs and reports (docs/API.md "CDRs and reports").
    {Method::kGet, "/api/v1/cdrs", Access::kViewer, HandleSearchCdrs, "search CDRs, newest first, paginated"},
    {Method::kGet, "/api/v1/cdrs/{uuid}", Access::kViewer, HandleGetCdr, "one CDR with its cost breakdown"},
    {Method::kGet, "/api/v1/cdrs.csv", Access::kViewer, HandleCdrsCsv,
     "CDRs matching the /api/v1/cdrs filters as CSV, oldest first, streamed"},
    {Method::kGet, "/api/v1/exports", Access::kViewer, HandleListExports,
     "scheduled CSV exports: last runs and when the next is due"},
    {Method::kGet, "/api/v1/reports/summary", Access::kViewer, HandleReportSummary,
     "calls and cost per extension, account or zone over a period"},
    {Method::kGet, "/api/v1/reports/hourly", Access::kViewer, HandleReportHourly,
     "calls and cost per local hour of a day"},
};

std::string_view NextSegment(std::string_view& rest) {
  // rest starts after a '/'; returns the segment and advances past the next '/'.
  const size_t slash = rest.find('/');
  const std::string_view seg = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  return seg;
}

// -1: no match; otherwise the number of literal segments matched (the score).
int MatchPattern(std::string_view pattern, std::string_view path, std::vector<PathParam>* params) {
  if (pattern.empty() || path.empty() || pattern[0] != '/' || path[0] != '/') return -1;
  if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);  // "/x/" is "/x"
  std::string_view p = pattern.substr(1);
  std::string_view q = path.substr(1);
  int literals = 0;
  bool p_done = false;
  bool q_done = false;
  while (true) {
    p_done = p.empty();
    q_done = q.empty();
    if (p_done || q_done) break;
    const std::string_view ps = NextSegment(p);
    const std::string_view qs = NextSegment(q);
    if (ps.size() >= 2 && ps.front() == '{' && ps.back() == '}') {
      if (qs.empty()) return -1;
      params->push_back(PathParam{std::string(ps.substr(1, ps.size() - 2)), std::string(qs)});
    } else if (ps == qs) {
      ++literals;
    } else {
      return -1;
    }
  }
  return p_done && q_done ? literals : -1;
}

}  // namespace

std::string_view MethodName(Method method) {
  switch (method) {
    case Method::kGet: return "GET";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kPatch: return "PATCH";
    case Method::kDelete: return "DELETE";
  }
  return "GET";
}

std::string_view AccessName(Access access) {
  switch (access) {
    case Access::kPublic: return "public";
    case Access::kViewer: return "viewer";
    case Access::kOperator: return "operator";
    case Access::kAdmin: return "admin";
    case Access::kCdrWriter: return "cdr-writer";
  }
  return "admin";
}

std::span<const Route> Routes() { return kRoutes; }

RouteMatch MatchRoute(std::span<const Route> routes, std::string_view method, std::string_view path) {
  if (method == "HEAD") method = "GET";
  RouteMatch best;
  int best_score = -1;
  for (const Route& route : routes) {
    std::vector<PathParam> params;
    const int score = MatchPattern(route.pattern, path, &params);
    if (score < 0) continue;
    if (MethodName(route.method) != method) {
      best.allowed.push_back(route.method);
      continue;
    }
    if (score > best_score) {
      best_score = score;
      best.route = &route;
      best.params = std::move(params);
    }
  }
  if (best.route) best.allowed.clear();
  return best;
}

}  // namespace tarifador::http
