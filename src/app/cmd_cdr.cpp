#include "app/cmd_cdr.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "app/billing_from_config.h"
#include "app/call_event_from_esl.h"
#include "app/dial_plan_from_config.h"
#include "app/rate_book_loading.h"
#include "app/service.h"
#include "base/read_file.h"
#include "billing/billing_loop.h"
#include "esl/json_cdr.h"
#include "store/billing_repository.h"
#include "store/read_pool.h"
#include "store/writer.h"

namespace tarifador::app {
namespace {

constexpr const char* kUsage = "usage: tarifador cdr import [--config FILE] DIR\n";
// mod_json_cdr's documents are one line of a few KB; anything far larger is
// not one of them and is refused before it is read.
constexpr std::uintmax_t kMaxFileBytes = 4 * 1024 * 1024;

// Offline there is no switch to command: a backfill only bills ended calls,
// which never needs one.
class NoSwitch final : public billing::CallControl {
 public:
  base::Status Kill(const billing::CallId& call, std::string_view) override {
    return base::Unavailable("no FreeSWITCH link in `cdr import` (call " + call.value + ")");
  }
  base::Status ScheduleHangup(const billing::CallId& call, int64_t, std::string_view) override {
    return base::Unavailable("no FreeSWITCH link in `cdr import` (call " + call.value + ")");
  }
};

}  // namespace

int RunCdrImport(CommandContext& ctx) {
  if (ctx.args.size() != 1) {
    ctx.err << kUsage;
    return 2;
  }
  auto cfg = ctx.LoadConfig();
  if (!cfg.ok()) return ctx.Fail(cfg.status());
  const std::filesystem::path dir(ctx.args[0]);
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && esl::IsJsonCdrFileName(entry.path().filename().string())) {
      files.push_back(entry.path());
    }
  }
  if (ec) return ctx.Fail(base::InvalidArgument("reading directory " + dir.string() + ": " + ec.message()));
  // Oldest name first is arbitrary but stable: the same run twice reports the same.
  std::sort(files.begin(), files.end());

  auto first = OpenStoreForWriting(*cfg);
  if (!first.ok()) return ctx.Fail(first.status());
  auto writer = store::Writer::Start(cfg->StorePath());
  if (!writer.ok()) return ctx.Fail(writer.status());
  store::ReadPool reads(cfg->StorePath());
  store::BillingRepository repository(**writer, reads, LowBalanceFromConfig(*cfg));
  rating::RateBookHolder rate_book;
  if (base::Status s = LoadRateBook(*cfg, rate_book); !s.ok()) return ctx.Fail(s);
  auto normaliser = NormaliserFromConfig(*cfg);
  if (!normaliser.ok()) return ctx.Fail(normaliser.status());
  billing::Authorizer authorizer(repository, rate_book, std::move(*normaliser), AuthorizerOptionsFromConfig(*cfg));
  NoSwitch no_switch;
  base::SystemClock clock;
  billing::CallTracker::Options tracker_options = TrackerOptionsFromConfig(*cfg);
  // Old err-log files are backfilled on purpose here: no age limit (the
  // other checks, and no start before 2000, still hold).
  tracker_options.backfill_limits.max_age_s = 0;
  billing::BillingLoop loop(repository, authorizer, no_switch, clock, std::move(tracker_options), {});
  if (base::Status s = loop.Start(); !s.ok()) return ctx.Fail(s);

  std::map<std::string, int> counts = {{"billed", 0}, {"already_billed", 0}, {"not_billed", 0}, {"failed", 0}};
  for (const std::filesystem::path& path : files) {
    const auto fail = [&](const base::Status& s) {
      ctx.err << "tarifador: " << path.string() << ": " << s.message() << "\n";
      ++counts["failed"];
    };
    auto text = base::ReadFileAtMost(path, kMaxFileBytes);
    if (!text.ok()) {
      fail(text.status());
      continue;
    }
    auto event = esl::DecodeJsonCdrFile(*text);
    if (!event.ok()) {
      fail(event.status());
      continue;
    }
    std::optional<billing::CallEvent> call = CallEventFromEsl(*event);
    if (!call) {
      fail(base::InvalidArgument("the document names no leg uuid"));
      continue;
    }
    auto result = loop.Backfill(std::move(*call)).get();
    if (!result.ok()) {
      fail(result.status());
      continue;
    }
    ++counts[*result];
  }
  loop.Stop();
  (*writer)->Shutdown();
  ctx.err << "imported " << files.size() << " CDR files from " << dir.string() << ": " << counts["billed"]
          << " billed, " << counts["already_billed"] << " already billed, " << counts["not_billed"] << " other legs, "
          << counts["failed"] << " failed\n";
  nlohmann::ordered_json out = {{"files", files.size()},
                                {"billed", counts["billed"]},
                                {"already_billed", counts["already_billed"]},
                                {"not_billed", counts["not_billed"]},
                                {"failed", counts["failed"]}};
  ctx.out << out.dump() << "\n";
  return counts["failed"] == 0 ? 0 : 1;
}

}  // namespace tarifador::app
