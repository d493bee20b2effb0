// The CLI command table: add a line here for each subcommand.
#include "app/cmd_backup.h"
#include "app/cmd_cdr.h"
#include "app/cmd_cdr_export.h"
#include "app/cmd_cdr_prune.h"
#include "app/cmd_check.h"
#include "app/cmd_config.h"
#include "app/cmd_demo.h"
#include "app/cmd_quote.h"
#include "app/cmd_rates.h"
#include "app/cmd_serve.h"
#include "app/cmd_token.h"
#include "app/cmd_user.h"
#include "app/cmd_version.h"
#include "app/command.h"

namespace tarifador::app {

std::span<const Command> Commands() {
  static const Command kCommands[] = {
      {"version", "", "print the version", RunVersion},
      {"demo", "[--listen HOST:PORT] [--keep] [--cps N] [--seed N]",
       "try it: a simulated FreeSWITCH placing calls, sample rates, an admin, the service on :8080", RunDemo},
      {"serve", "", "run the service: HTTP API and web UI (until SIGTERM)", RunServe},
      {"user add", "NAME --role admin|operator|viewer", "add a user; password on stdin's first line", RunUserAdd},
      {"user list", "", "list the users as JSON lines (role, disabled, last login)", RunUserList},
      {"user disable", "NAME", "disable a user and end their sessions", RunUserDisable},
      {"user enable", "NAME", "enable a disabled user", RunUserEnable},
      {"user passwd", "NAME", "set a user's password from stdin's first line; ends their sessions", RunUserPasswd},
      {"token create", "NAME --role admin|operator|viewer|cdr-writer [--expires-days N]",
       "create an API token; prints only the token", RunTokenCreate},
      {"rates import", "--plan NAME FILE [--decimals N] [--rounding up|half_up|down]",
       "replace a rate plan's rates with a CSV deck", RunRatesImport},
      {"rates list", "", "list the rate plans as JSON", RunRatesList},
      {"quote", "[--plan NAME] NUMBER SECONDS [--at TIME]", "show the matched rate and cost of a call", RunQuote},
      {"config defaults", "", "print the commented default config file", RunConfigDefaults},
      {"config show", "", "validate the config and print the effective settings as JSON", RunConfigShow},
      {"config docs", "", "print the settings reference (docs/CONFIGURATION.md)", RunConfigDocs},
      {"cdr import", "DIR", "bill mod_json_cdr files (its err-log dir) as a backfill, each leg once", RunCdrImport},
      {"cdr export", "--from DATE --to DATE [--out FILE]",
       "CDRs started in [from, to) as CSV (local dates YYYY-MM-DD); stdout unless --out", RunCdrExport},
      {"cdr prune", "[--dry-run]",
       "delete CDRs older than retention.cdr_days that were exported and mirrored; prints counts as JSON", RunCdrPrune},
      {"backup", "FILE", "online backup of the store into FILE", RunBackup},
      {"check", "[STORE_FILE]", "check the store's consistency; exit 0 only when sound", RunCheck},
  };
  return kCommands;
}

}  // namespace tarifador::app
