#include "store/alert_text.h"

#include <nlohmann/json.hpp>

#include "base/json_parse.h"
#include "base/money.h"

namespace tarifador::store {
namespace {

std::string Field(const nlohmann::json& detail, const char* key) {
  if (!detail.contains(key)) return "";
  const nlohmann::json& v = detail.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return "";
}

// An amount as people read it: two decimals (more only where a fraction of a
// cent was spent), with a decimal comma in Spanish.
std::string Amount(const nlohmann::json& detail, const char* key, bool spanish) {
  const std::string text = Field(detail, key);
  base::Result<base::Money> money = base::Money::Parse(text);
  std::string out = money.ok() ? money->ToString(2) : text;
  if (spanish) {
    for (char& c : out) {
      if (c == '.') c = ',';
    }
  }
  return out;
}

std::string RuleName(const std::string& rule, bool es) {
  if (rule == "guard_blocked_prefix") return es ? "número de un rango bloqueado" : "a blocked number range";
  if (rule == "guard_blocked_zone") return es ? "destino de una zona bloqueada" : "a destination in a blocked zone";
  if (rule == "guard_price_per_minute")
    return es ? "destino por encima del precio máximo" : "a destination above the price limit";
  if (rule == "guard_after_hours") {
    return es ? "llamada internacional fuera del horario de oficina" : "an international call outside office hours";
  }
  if (rule == "guard_call_cost") return es ? "coste máximo de una llamada" : "the most one call may cost";
  if (rule == "guard_concurrent_calls") {
    return es ? "demasiadas llamadas a la vez" : "too many calls at once";
  }
  if (rule == "guard_calls_per_hour") return es ? "demasiadas llamadas en una hora" : "too many calls in an hour";
  if (rule == "guard_repeated_number") {
    return es ? "el mismo número marcado una y otra vez" : "the same number dialled again and again";
  }
  if (rule == "guard_daily_spend") return es ? "gasto máximo del día" : "the day's spend limit";
  return rule;
}

// What the guard did to the call: refused it, cut it, or (alert-only mode)
// let it go.
std::string GuardOutcome(const std::string& outcome, bool es) {
  if (outcome == "cut") return es ? "cortada" : "cut";
  if (outcome == "alert") return es ? "permitida (solo alerta)" : "let through (alert only)";
  return es ? "rechazada" : "refused";
}

}  // namespace

AlertText DescribeAlert(const Alert& a, std::string_view language) {
  const bool es = language == "es";
  base::Result<nlohmann::json> parsed = base::ParseJson(a.detail);
  const nlohmann::json d = parsed.ok() && parsed->is_object() ? *parsed : nlohmann::json::object();
  const std::string who = Field(d, "account");
  const std::string month = Field(d, "month");
  AlertText t;
  if (a.kind == "budget_warning") {
    t.subject = es ? "Presupuesto al " + Field(d, "warn_percent") + " %: " + who
                   : "Budget at " + Field(d, "warn_percent") + " %: " + who;
    t.sentence = es ? who + ": gastado " + Amount(d, "spent", es) + " del presupuesto mensual de " +
                          Amount(d, "budget", es) + " en " + month + "."
                    : who + ": " + Amount(d, "spent", es) + " of the monthly budget of " + Amount(d, "budget", es) +
                          " spent in " + month + ".";
  } else if (a.kind == "budget_reached") {
    const bool alert_only = Field(d, "mode") == "alert";
    t.subject = es ? "Presupuesto agotado: " + who : "Budget reached: " + who;
    t.sentence =
        es ? who + ": presupuesto mensual de " + Amount(d, "budget", es) + " agotado en " + month +
                 (alert_only ? " (solo aviso: las llamadas continúan)."
                             : "; las llamadas salientes se rechazan hasta el mes que viene o un presupuesto mayor.")
           : who + ": monthly budget of " + Amount(d, "budget", es) + " reached in " + month +
                 (alert_only ? " (alert only: calls go on)."
                             : "; outbound calls are refused until next month or a higher budget.");
  } else if (a.kind == "low_balance") {
    t.subject = es ? "Saldo bajo: " + who : "Low balance: " + who;
    t.sentence = es ? who + ": el saldo ha bajado a " + Amount(d, "balance", es) + ", por debajo de " +
                          Amount(d, "threshold", es) + "; las llamadas se cortan al llegar a cero. Recargue la cuenta."
                    : who + ": the balance is down to " + Amount(d, "balance", es) + ", below " +
                          Amount(d, "threshold", es) + "; calls are cut when it reaches zero. Recharge the account.";
  } else if (a.kind == "export_failed") {
    const std::string what = Field(d, "kind") + " " + Field(d, "period");
    t.subject = es ? "Exportación fallida: " + what : "Export failed: " + what;
    t.sentence = es ? "La exportación " +
                          (Field(d, "kind") == "daily" ? std::string("diaria") : std::string("mensual")) + " de CDR " +
                          Field(d, "period") + " (" + Field(d, "file") + ") ha fallado: " + Field(d, "error") +
                          ". Se reintenta sola; revise el disco y la carpeta export.dir."
                    : "The " + Field(d, "kind") + " CDR export " + Field(d, "period") + " (" + Field(d, "file") +
                          ") failed: " + Field(d, "error") + ". It is retried; check the disk and export.dir.";
  } else if (a.kind == "mirror_backlog") {
    const std::string why = Field(d, "last_error");
    t.subject = es ? "Réplica a la central retrasada" : "Head-office mirror behind";
    t.sentence = es ? "La réplica a PostgreSQL lleva " + Field(d, "rows") + " filas pendientes, la más antigua de " +
                          Field(d, "oldest") + (why.empty() ? "" : ": " + why) +
                          ". No se pierde nada: se envían cuando la central responda."
                    : "The PostgreSQL mirror has " + Field(d, "rows") + " rows waiting, the oldest from " +
                          Field(d, "oldest") + (why.empty() ? "" : ": " + why) +
                          ". Nothing is lost: they are sent when head office answers.";
  } else if (a.kind == "guard_tripped") {
    t.subject = es ? "Protección antifraude: extensión " + Field(d, "caller")
                   : "Toll-fraud guard: extension " + Field(d, "caller");
    const std::string outcome = GuardOutcome(Field(d, "outcome"), es);
    t.sentence = es ? "La extensión " + Field(d, "caller") + " llamó al " + Field(d, "destination") + ": " + outcome +
                          ", " + RuleName(Field(d, "rule"), es) + " (primera vez del " + Field(d, "day") + ")."
                    : "Extension " + Field(d, "caller") + " called " + Field(d, "destination") + ": " + outcome + ", " +
                          RuleName(Field(d, "rule"), es) + " (first time on " + Field(d, "day") + ").";
  } else if (a.kind == "spend_spike") {
    const bool calls = Field(d, "measure") == "calls";
    t.subject = es ? (calls ? "Pico de llamadas" : "Pico de gasto") : (calls ? "Spike of calls" : "Spike of spend");
    t.sentence = es ? "Esta hora (desde " + Field(d, "hour") + ") van " + Field(d, "calls") +
                          " llamadas salientes con un coste de " + Amount(d, "cost", es) + ", frente a " +
                          Field(d, "usual_calls") + " llamadas y " + Amount(d, "usual_cost", es) +
                          " de media a esta hora en los últimos 7 días. Compruebe que nadie usa la centralita sin "
                          "permiso."
                    : "This hour (from " + Field(d, "hour") + ") has " + Field(d, "calls") +
                          " outbound calls costing " + Amount(d, "cost", es) + ", against " + Field(d, "usual_calls") +
                          " calls and " + Amount(d, "usual_cost", es) +
                          " on average at this hour over the last 7 days. Check that nobody is using the PBX without "
                          "leave.";
  } else if (a.kind == "pin_failures") {
    const bool code = Field(d, "scope") == "code";
    t.subject = es ? (code ? "Código PIN " + Field(d, "pin_id") + " bloqueado"
                           : "Teléfono " + Field(d, "caller") + " bloqueado para códigos PIN")
                   : (code ? "PIN code " + Field(d, "pin_id") + " locked"
                           : "Phone " + Field(d, "caller") + " locked out of PIN codes");
    t.sentence = es ? Field(d, "failures") + " códigos PIN erróneos en " + Field(d, "minutes") + " minutos " +
                          (code ? "para el código " + Field(d, "pin_id") : "desde la extensión " + Field(d, "caller")) +
                          " (el último desde la extensión " + Field(d, "caller") + "): bloqueado " +
                          Field(d, "minutes") + " minutos. Si no fue su dueño, alguien está probando códigos."
                    : Field(d, "failures") + " wrong PIN codes in " + Field(d, "minutes") + " minutes " +
                          (code ? "for code " + Field(d, "pin_id") : "from extension " + Field(d, "caller")) +
                          " (the last from extension " + Field(d, "caller") + "): locked for " + Field(d, "minutes") +
                          " minutes. If it was not its owner, someone is guessing codes.";
  } else if (a.kind == "link_down") {
    const std::string why = Field(d, "last_error");
    t.subject = es ? "FreeSWITCH sin conexión" : "FreeSWITCH link down";
    t.sentence = es ? "El socket de eventos de FreeSWITCH " + Field(d, "address") + " no responde desde " +
                          Field(d, "since") + (why.empty() ? "" : ": " + why) +
                          "; las llamadas no se tarifican en directo hasta que vuelva."
                    : "FreeSWITCH event socket " + Field(d, "address") + " down since " + Field(d, "since") +
                          (why.empty() ? "" : ": " + why) + "; calls are not billed live until it is back.";
  } else {
    t.subject = a.kind;
    t.sentence = a.kind;
  }
  t.subject = "[tarifador] " + t.subject;
  return t;
}

}  // namespace tarifador::store
