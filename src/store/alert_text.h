#pragma once
// The words of an alert, in Spanish or English, written from the figures it
// was raised with: the API's "message", the e-mail's subject and body and the
// webhook's "text" (docs/ALERTS.md). The web UI writes its own from the same
// figures, in the reader's language.
#include <string>
#include <string_view>

#include "store/alert_store.h"

namespace tarifador::store {

struct AlertText {
  std::string subject;   // one short line: "[tarifador] Presupuesto agotado: Ventas"
  std::string sentence;  // what happened, with its figures
};

// `language`: "es" or "en" (anything else: English).
AlertText DescribeAlert(const Alert& alert, std::string_view language);

}  // namespace tarifador::store
