// docs/FREESWITCH.md's configuration snippets, read from the docs file itself
// so that they cannot drift from what tarifador and FreeSWITCH 1.10 accept
// (the dialplan's socket and its gate agree with what tarifador sets):
// every mod_json_cdr parameter is one FreeSWITCH 1.10.12 reads, every
// json_cdr configuration queues (a channel never waits on tarifador), the
// spool directory is the same on both sides, and tarifador's JSON snippets
// are valid configuration that agrees with event_socket.conf.xml.
#include <catch2/catch.hpp>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "app/dialplan_socket.h"
#include "config/config_loader.h"
#include "test_support/fixtures.h"

using namespace tarifador;

namespace {

struct Block {
  std::string lang;
  std::string text;
};

// Every fenced block of the file, in order.
std::vector<Block> FencedBlocks(const std::string& markdown) {
  std::vector<Block> out;
  size_t at = 0;
  while ((at = markdown.find("```", at)) != std::string::npos) {
    const size_t lang_end = markdown.find('\n', at);
    const size_t close = markdown.find("\n```", lang_end);
    if (lang_end == std::string::npos || close == std::string::npos) break;
    out.push_back({markdown.substr(at + 3, lang_end - at - 3), markdown.substr(lang_end + 1, close - lang_end)});
    at = close + 4;
  }
  return out;
}

// name -> value of every <param name="..." value="..."/> in an XML snippet.
std::map<std::string, std::string> Params(const std::string& xml) {
  std::map<std::string, std::string> out;
  static const std::regex kParam(R"re(<param\s+name="([^"]+)"\s+value="([^"]*)"\s*/>)re");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), kParam); it != std::sregex_iterator(); ++it) {
    out[(*it)[1]] = (*it)[2];
  }
  return out;
}

// No environment: the snippets alone.
config::LoadSources NoEnv() {
  config::LoadSources sources;
  sources.env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  sources.host_name = [] { return std::string("docs"); };
  return sources;
}

}  // namespace

TEST_CASE("docs/FREESWITCH.md: every json_cdr.conf snippet is one FreeSWITCH 1.10 reads, and queues", "[app][docs]") {
  const std::string md = test_support::ReadFile(test_support::SourcePath("docs/FREESWITCH.md"));
  REQUIRE_FALSE(md.empty());
  // The parameters mod_json_cdr_load reads in FreeSWITCH 1.10.12 (`timeout`
  // included: mod_json_cdr.c 613, CURLOPT_TIMEOUT)
  // (src/mod/event_handlers/mod_json_cdr/mod_json_cdr.c); any other name is
  // silently ignored by FreeSWITCH, so a typo would change nothing there.
  const std::set<std::string> known = {"cred",
                                       "url",
                                       "log-http-and-disk",
                                       "log-errors-to-disk",
                                       "delay",
                                       "log-b-leg",
                                       "prefix-a-leg",
                                       "disable-100-continue",
                                       "encode",
                                       "retries",
                                       "rotate",
                                       "log-dir",
                                       "err-log-dir",
                                       "enable-cacert-check",
                                       "ssl-cert-path",
                                       "ssl-key-path",
                                       "ssl-key-password",
                                       "ssl-version",
                                       "ssl-cacert-file",
                                       "enable-ssl-verifyhost",
                                       "auth-scheme",
                                       "encode-values",
                                       "queue-capacity",
                                       "timeout"};
  const std::vector<Block> blocks = FencedBlocks(md);
  int json_cdr_configs = 0;
  std::string spool_dir;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    if (b.lang != "xml" || b.text.find("<configuration name=\"json_cdr.conf\"") == std::string::npos) continue;
    ++json_cdr_configs;
    const std::map<std::string, std::string> params = Params(b.text);
    INFO(b.text);
    for (const auto& [name, value] : params) {
      INFO(name);
      CHECK(known.count(name) == 1);
    }
    // Queued: the channel never waits for the file or the POST.
    REQUIRE(params.count("queue-capacity"));
    CHECK(std::stoi(params.at("queue-capacity")) > 0);
    if (params.count("url")) {
      const std::string route = "/api/v1/cdr/json";
      const std::string& url = params.at("url");
      CHECK((url.size() > route.size() && url.compare(url.size() - route.size(), route.size(), route) == 0));
      CHECK(params.at("auth-scheme") == "basic");  // tarifador answers Basic with a token
      // One thread posts every queued document: a POST that never returns
      // would stall them all (measured on a real 1.10.12).
      REQUIRE(params.count("timeout"));
      CHECK(std::stoi(params.at("timeout")) > 0);
      CHECK(params.count("err-log-dir"));
    } else {
      // The spool: files in log-dir, which tarifador's config must name.
      REQUIRE(params.count("log-dir"));
      spool_dir = params.at("log-dir");
      bool found = false;
      for (size_t j = i + 1; j < blocks.size() && !found; ++j) {
        if (blocks[j].lang != "json") continue;
        auto cfg = config::ParseConfig(blocks[j].text, "docs/FREESWITCH.md", NoEnv());
        INFO(blocks[j].text);
        REQUIRE(cfg.ok());
        CHECK(cfg->freeswitch.json_cdr_dir == spool_dir);
        found = true;
      }
      CHECK(found);
    }
  }
  CHECK(json_cdr_configs == 2);  // the spool and the POST
  REQUIRE_FALSE(spool_dir.empty());
  // The directory the installer is told to create is that one.
  CHECK(md.find("install -d -o freeswitch -g tarifador -m 2770 " + spool_dir) != std::string::npos);
}

TEST_CASE("docs/FREESWITCH.md: tarifador's freeswitch settings match event_socket.conf.xml", "[app][docs]") {
  const std::string md = test_support::ReadFile(test_support::SourcePath("docs/FREESWITCH.md"));
  const std::vector<Block> blocks = FencedBlocks(md);
  std::map<std::string, std::string> socket;
  for (const Block& b : blocks) {
    if (b.lang == "xml" && b.text.find("<configuration name=\"event_socket.conf\"") != std::string::npos) {
      socket = Params(b.text);
      break;
    }
  }
  REQUIRE(socket.count("listen-port"));
  REQUIRE(socket.count("password"));
  CHECK(socket.at("listen-ip") == "127.0.0.1");
  bool checked = false;
  for (const Block& b : blocks) {
    if (b.lang != "json" || b.text.find("\"password\"") == std::string::npos) continue;
    auto cfg = config::ParseConfig(b.text, "docs/FREESWITCH.md", NoEnv());
    INFO(b.text);
    REQUIRE(cfg.ok());
    CHECK(cfg->freeswitch.password == socket.at("password"));
    CHECK(std::to_string(cfg->freeswitch.port) == socket.at("listen-port"));
    CHECK(cfg->freeswitch.host == socket.at("listen-ip"));
    checked = true;
  }
  CHECK(checked);
}

namespace {

// Every match of `re` in `text`.
std::vector<std::smatch> AllMatches(const std::string& text, const std::regex& re) {
  std::vector<std::smatch> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    out.push_back(*it);
  }
  return out;
}

// Expands ${name} in `text` with `vars` (unset: empty), as FreeSWITCH
// expands an application's data when it runs it.
std::string Expand(std::string text, const std::map<std::string, std::string>& vars) {
  static const std::regex kVar(R"re(\$\{([a-z_]+)\})re");
  std::smatch m;
  while (std::regex_search(text, m, kVar)) {
    const auto it = vars.find(m[1]);
    text.replace(static_cast<size_t>(m.position(0)), static_cast<size_t>(m.length(0)),
                 it == vars.end() ? "" : it->second);
  }
  return text;
}

}  // namespace

TEST_CASE("docs/FREESWITCH.md: the dialplan's socket reaches tarifador, and its gate passes only what it allowed",
          "[app][docs]") {
  const std::string md = test_support::ReadFile(test_support::SourcePath("docs/FREESWITCH.md"));
  const std::vector<Block> blocks = FencedBlocks(md);
  std::string socket_xml, gate_xml;
  std::optional<config::Config> cfg;
  for (const Block& b : blocks) {
    if (b.lang == "xml" && b.text.find("application=\"socket\"") != std::string::npos) socket_xml = b.text;
    if (b.lang == "xml" && b.text.find("<context name=\"tarifador\">") != std::string::npos) gate_xml = b.text;
    if (b.lang == "json" && b.text.find("\"socket_listen\"") != std::string::npos) {
      auto parsed = config::ParseConfig(b.text, "docs/FREESWITCH.md", NoEnv());
      INFO(b.text);
      REQUIRE(parsed.ok());
      cfg = *parsed;
    }
  }
  REQUIRE_FALSE(socket_xml.empty());
  REQUIRE_FALSE(gate_xml.empty());
  REQUIRE(cfg);

  // The socket application, in sync mode (no "async": the call waits), on
  // the address tarifador listens on; the outer extension lets the dialplan
  // go on to the bridge.
  CHECK(socket_xml.find("continue=\"true\"") != std::string::npos);
  std::smatch socket;
  REQUIRE(std::regex_search(socket_xml, socket, std::regex(R"re(application="socket" data="([^"]+)")re")));
  CHECK(socket[1] == cfg->freeswitch.socket_listen);
  std::smatch gate;
  REQUIRE(
      std::regex_search(socket_xml, gate, std::regex(R"re(application="execute_extension" data="(\S+) XML (\S+)")re")));
  CHECK(socket.position(0) < gate.position(0));  // the gate runs after the socket
  CHECK(gate[2] == "tarifador");

  // The gate's extensions, in order: the first whose expression matches the
  // expanded extension number runs (XML dialplan hunting).
  struct Extension {
    std::regex expression;
    bool hangs_up = false;
  };
  std::vector<Extension> extensions;
  static const std::regex kExtension(R"re(<extension name="[^"]+">([\s\S]*?)</extension>)re");
  for (const std::smatch& m : AllMatches(gate_xml, kExtension)) {
    const std::string body = m[1];
    std::smatch expr;
    REQUIRE(std::regex_search(body, expr, std::regex(R"re(field="destination_number" expression="([^"]+)")re")));
    extensions.push_back({std::regex(expr[1].str()), body.find("application=\"hangup\"") != std::string::npos});
  }
  REQUIRE(extensions.size() == 2);
  const auto gate_hangs_up = [&](const std::map<std::string, std::string>& vars) {
    const std::string number = Expand(gate[1], vars);
    for (const Extension& e : extensions) {
      if (std::regex_search(number, e.expression)) return e.hangs_up;
    }
    FAIL("no gate extension matches " << number);
    return false;
  };
  // What tarifador sets for an allowed call passes; no answer at all (the
  // socket refused, tarifador down) is hung up; a denied call is hung up by
  // tarifador already, and the gate would end it too.
  billing::CallTracker::Admission allowed;
  allowed.state = billing::CallTracker::Admission::State::kAllowed;
  allowed.max_seconds = 60;
  billing::CallTracker::Admission denied;
  denied.state = billing::CallTracker::Admission::State::kDenied;
  denied.reason = "insufficient_funds";
  denied.cause = billing::kCauseNoFunds;
  const auto vars_of = [](const esl::OutboundVerdict& v) {
    return std::map<std::string, std::string>(v.variables.begin(), v.variables.end());
  };
  CHECK_FALSE(gate_hangs_up(vars_of(app::DialplanVerdict(allowed, false))));
  CHECK_FALSE(gate_hangs_up(vars_of(app::DialplanVerdict(base::Unavailable("slow"), true))));  // when_down = allow
  CHECK(gate_hangs_up({}));
  CHECK(gate_hangs_up(vars_of(app::DialplanVerdict(denied, false))));
  CHECK(gate_hangs_up(vars_of(app::DialplanVerdict(base::Unavailable("slow"), false))));
}
