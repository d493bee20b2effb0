// POST /api/v1/cdr/json against the real server on 127.0.0.1, with a real
// store (users, tokens, a BillingRepository and an Authorizer over a temp
// SQLite file). BillingServices::backfill is the seam: here a lambda that
// records what it was given and answers what the test says.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "billing/authorizer.h"
#include "rating/number_normaliser.h"
#include "rating/rate_book.h"
#include "store/billing_repository.h"
#include "store/read_pool.h"
#include "test_server.h"

using namespace tarifador;
using namespace tarifador::http;
using namespace tarifador::http::testing;

namespace {

constexpr const char* kPath = "/api/v1/cdr/json";
constexpr const char* kForm = "application/x-www-form-urlencoded";

struct Call {
  std::string body;
  std::string content_type;
};

// A server whose billing is real except for the backfill seam.
class CdrServer {
 public:
  enum class Wiring { kBackfill, kNoBackfill, kNoBilling };

  explicit CdrServer(Wiring wiring = Wiring::kBackfill) {
    auto db = store::Database::Open(path_, store::OpenMode::kReadWrite);
    REQUIRE(db.ok());
    users_ = std::make_unique<store::UserStore>(std::move(*db), clock_);
    auto db2 = store::Database::Open(path_, store::OpenMode::kReadWrite);
    REQUIRE(db2.ok());
    audit_ = std::make_unique<store::AuditStore>(std::move(*db2), clock_);
    auto writer = store::Writer::Start(path_);
    REQUIRE(writer.ok());
    writer_ = std::move(*writer);
    reads_ = std::make_unique<store::ReadPool>(path_);
    repo_ = std::make_unique<store::BillingRepository>(*writer_, *reads_);
    auto normaliser = rating::NumberNormaliser::Create(rating::DialPlanRules{});
    REQUIRE(normaliser.ok());
    authorizer_ =
        std::make_unique<billing::Authorizer>(*repo_, book_, std::move(*normaliser), billing::Authorizer::Options{});
    if (wiring != Wiring::kNoBilling) {
      billing_ = std::make_unique<BillingServices>(BillingServices{
          .repository = *repo_, .authorizer = *authorizer_, .active_calls = {}, .backfill = {}, .link = {}});
      if (wiring == Wiring::kBackfill) {
        billing_->backfill = [this](std::string_view body, std::string_view content_type) {
          std::lock_guard<std::mutex> lock(mu_);
          calls_.push_back(Call{std::string(body), std::string(content_type)});
          return answer_;
        };
      }
    }
    auto server = Server::Start(ServerOptions{}, ServerDeps{.clock = clock_,
                                                            .users = *users_,
                                                            .audit = *audit_,
                                                            .metrics = metrics_,
                                                            .readiness = readiness_,
                                                            .status = StatusInfo{"9.9.9-test", "abc1234", path_, {}},
                                                            .rating = nullptr,
                                                            .billing = billing_.get()});
    REQUIRE(server.ok());
    server_ = std::move(*server);
  }
  ~CdrServer() {
    server_->Stop();
    writer_->Shutdown();
  }

  int port() const { return server_->port(); }
  std::unique_ptr<httplib::Client> Client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    c->set_read_timeout(10, 0);
    return c;
  }
  std::string Token(const std::string& name, store::Role role) {
    auto t = users_->CreateToken(name, role, "test");
    REQUIRE(t.ok());
    return t->plaintext;
  }
  // What backfill returns from now on.
  void Answer(base::Result<std::string> answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_ = std::move(answer);
  }
  std::vector<Call> Calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  test_support::TempDir dir_;
  std::string path_ = dir_.path() + "/t.db";
  base::SystemClock clock_;
  MetricsRegistry metrics_;
  Readiness readiness_;
  std::unique_ptr<store::UserStore> users_;
  std::unique_ptr<store::AuditStore> audit_;
  std::unique_ptr<store::Writer> writer_;
  std::unique_ptr<store::ReadPool> reads_;
  std::unique_ptr<store::BillingRepository> repo_;
  rating::RateBookHolder book_;
  std::unique_ptr<billing::Authorizer> authorizer_;
  std::unique_ptr<BillingServices> billing_;
  std::mutex mu_;
  std::vector<Call> calls_;
  base::Result<std::string> answer_ = std::string("billed");
  std::unique_ptr<Server> server_;
};

// What mod_json_cdr sends with cred="freeswitch:TOKEN": HTTP Basic.
std::unique_ptr<httplib::Client> BasicClient(const CdrServer& server, const std::string& token) {
  auto c = server.Client();
  c->set_basic_auth("freeswitch", token.c_str());
  return c;
}

// A url-encoded body of `repeat` * 17 bytes and a little more, with every
// byte that matters: '%' escapes, '+', '&', '=', CR LF.
std::string FormBody(int repeat) {
  std::string body = "cdr=%7B%22variables%22%3A%7B%22uuid%22%3A%22u-1%22%2C%22pad%22%3A%22";
  for (int i = 0; i < repeat; ++i) body += "a+b%26c%3Dd%0D%0A";
  body += "%22%7D%7D";
  return body;
}

// Sends `request` (a whole HTTP/1.1 request) on a fresh connection and
// returns the status code of the answer, or -1. For what httplib's client
// cannot send: it always adds a Content-Type.
int RawStatus(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int status = -1;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    std::string answer;
    char buf[4096];
    ssize_t n = 0;
    while (answer.find("\r\n") == std::string::npos && (n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
      answer.append(buf, static_cast<size_t>(n));
    }
    if (answer.rfind("HTTP/1.1 ", 0) == 0 && answer.size() >= 12) status = std::stoi(answer.substr(9, 3));
  }
  ::close(fd);
  return status;
}

}  // namespace

TEST_CASE("cdr/json: needs credentials, HTTP Basic with a token works", "[http][cdr]") {
  CdrServer server;
  const std::string operator_token = server.Token("freeswitch", store::Role::kOperator);
  const std::string body = FormBody(400);  // ~7 KiB, see the [!shouldfail] case below
  REQUIRE(body.size() < 8192);

  auto anonymous = server.Client();
  RequireJsonError(anonymous->Post(kPath, body, kForm), 401);
  auto wrong = BasicClient(server, "not-a-token");
  RequireJsonError(wrong->Post(kPath, body, kForm), 401);
  CHECK(server.Calls().empty());

  auto basic = BasicClient(server, operator_token);
  auto res = basic->Post((std::string(kPath) + "?uuid=u-1").c_str(), body, kForm);
  REQUIRE(res);
  INFO(res->body);
  CHECK(res->status == 200);
  CHECK(JsonBody(res) == nlohmann::json{{"result", "billed"}});
  const std::vector<Call> calls = server.Calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].body == body);  // untouched: not form-decoded by the server
  CHECK(calls[0].content_type == kForm);
}

TEST_CASE("cdr/json: cdr-writer tokens, operators and admins may post, viewers may not", "[http][cdr]") {
  CdrServer server;
  const std::string writer = server.Token("freeswitch", store::Role::kCdrWriter);
  auto by_writer = BasicClient(server, writer)->Post(kPath, "{}", "application/json");
  REQUIRE(by_writer);
  CHECK(by_writer->status == 200);
  CHECK(server.Calls().size() == 1);
  const std::string viewer = server.Token("watcher", store::Role::kViewer);
  const std::string admin = server.Token("boss", store::Role::kAdmin);
  const std::string op = server.Token("switch", store::Role::kOperator);

  RequireJsonError(BasicClient(server, viewer)->Post(kPath, "{}", "application/json"), 403);
  RequireJsonError(server.Client()->Post(kPath, Bearer(viewer), "{}", "application/json"), 403);
  CHECK(server.Calls().size() == 1);  // the cdr-writer's only

  auto by_admin = BasicClient(server, admin)->Post(kPath, "{}", "application/json");
  REQUIRE(by_admin);
  CHECK(by_admin->status == 200);
  auto by_bearer = server.Client()->Post(kPath, Bearer(op), "{}", "application/json");
  REQUIRE(by_bearer);
  CHECK(by_bearer->status == 200);
  CHECK(server.Calls().size() == 3);
}

TEST_CASE("cdr/json: a cdr-writer token may do nothing else", "[http][cdr]") {
  // The token sits in FreeSWITCH's configuration: it must not recharge
  // accounts, read CDRs or manage anything.
  CdrServer server;
  const std::string writer = server.Token("freeswitch", store::Role::kCdrWriter);
  for (const char* path : {"/api/v1/status", "/api/v1/cdrs", "/api/v1/accounts", "/api/v1/calls/active",
                           "/api/v1/authorize?caller=1001&destination=34911234567", "/api/v1/tokens"}) {
    INFO(path);
    RequireJsonError(server.Client()->Get(path, Bearer(writer)), 403);
  }
  RequireJsonError(
      server.Client()->Post("/api/v1/accounts/1/recharges", Bearer(writer), R"({"amount":"5"})", "application/json"),
      403);
}

TEST_CASE("cdr/json: what backfill returns is passed through", "[http][cdr]") {
  CdrServer server;
  auto cli = BasicClient(server, server.Token("freeswitch", store::Role::kOperator));

  server.Answer(std::string("already_billed"));
  auto res = cli->Post(kPath, "{\"variables\":{}}", "application/json; charset=utf-8");
  CHECK(JsonBody(res) == nlohmann::json{{"result", "already_billed"}});
  CHECK(res->status == 200);

  server.Answer(std::string("not_billed"));
  res = cli->Post(kPath, "cdr=eyJ9", "application/x-www-form-base64-encoded");
  CHECK(JsonBody(res) == nlohmann::json{{"result", "not_billed"}});

  const std::vector<Call> calls = server.Calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].body == "{\"variables\":{}}");
  CHECK(calls[0].content_type == "application/json; charset=utf-8");
  CHECK(calls[1].body == "cdr=eyJ9");
  CHECK(calls[1].content_type == "application/x-www-form-base64-encoded");
}

TEST_CASE("cdr/json: a missing Content-Type reaches backfill as empty", "[http][cdr]") {
  CdrServer server;
  const std::string token = server.Token("freeswitch", store::Role::kOperator);
  const std::string request = std::string("POST ") + kPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                              token + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
  CHECK(RawStatus(server.port(), request) == 200);
  const std::vector<Call> calls = server.Calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].body == "{}");
  CHECK(calls[0].content_type.empty());
}

TEST_CASE("cdr/json: CDR-sized raw and base64 bodies pass untouched", "[http][cdr]") {
  CdrServer server;
  auto cli = BasicClient(server, server.Token("freeswitch", store::Role::kOperator));
  const std::string raw = "{\"variables\":{\"uuid\":\"u-1\",\"pad\":\"" + std::string(60000, 'x') + "\"}}";
  const std::string b64 = "cdr=" + std::string(80000, 'A') + "+/==";
  auto r1 = cli->Post(kPath, raw, "application/json");
  auto r2 = cli->Post(kPath, b64, "application/x-www-form-base64-encoded");
  REQUIRE(r1);
  REQUIRE(r2);
  CHECK(r1->status == 200);
  CHECK(r2->status == 200);
  const std::vector<Call> calls = server.Calls();
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].body == raw);
  CHECK(calls[1].body == b64);
}

// Debian's cpp-httplib 0.11 (compiled in libcpp-httplib.so,
// CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH 8192) answers 413 to an
// application/x-www-form-urlencoded body over 8192 bytes when it reads the
// body itself. Real mod_json_cdr bodies with encode=true are 10-40 KiB, so
// the server reads bodies with a ContentReader handler; this failed before.
TEST_CASE("cdr/json: a CDR-sized url-encoded body reaches backfill", "[http][cdr]") {
  CdrServer server;
  auto cli = BasicClient(server, server.Token("freeswitch", store::Role::kOperator));
  const std::string body = FormBody(2400);  // ~40 KiB
  auto res = cli->Post(kPath, body, kForm);
  REQUIRE(res);
  INFO(res->body);
  CHECK(res->status == 200);
  const std::vector<Call> calls = server.Calls();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].body == body);
}

TEST_CASE("cdr/json: failures map to 400 and 503, naming the leg", "[http][cdr]") {
  CdrServer server;
  auto cli = BasicClient(server, server.Token("freeswitch", store::Role::kOperator));

  server.Answer(base::InvalidArgument("the form body has no cdr= field"));
  auto res = cli->Post((std::string(kPath) + "?uuid=7bfa8442").c_str(), "x=1", kForm);
  RequireJsonError(res, 400);
  const std::string error = JsonBody(res)["error"].get<std::string>();
  CHECK(error.find("no cdr= field") != std::string::npos);
  CHECK(error.find("\"7bfa8442\"") != std::string::npos);

  server.Answer(base::Unavailable("the store is not writable"));
  res = cli->Post(kPath, "{}", "application/json");
  RequireJsonError(res, 503);
  CHECK(JsonBody(res)["error"] == "the store is not writable");
}

TEST_CASE("cdr/json: 503 while billing or its backfill is not wired", "[http][cdr]") {
  for (const auto wiring : {CdrServer::Wiring::kNoBilling, CdrServer::Wiring::kNoBackfill}) {
    CdrServer server(wiring);
    auto cli = BasicClient(server, server.Token("freeswitch", store::Role::kOperator));
    RequireJsonError(cli->Post(kPath, "{}", "application/json"), 503);
  }
}

TEST_CASE("cdr/json: only POST", "[http][cdr]") {
  CdrServer server;
  auto cli = BasicClient(server, server.Token("freeswitch", store::Role::kOperator));
  auto res = cli->Get(kPath);
  REQUIRE(res);
  CHECK(res->status == 405);
  CHECK(res->get_header_value("Allow").find("POST") != std::string::npos);
  CHECK(server.Calls().empty());
}
