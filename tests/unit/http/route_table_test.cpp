#include "http/route_table.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "test_support/fixtures.h"

using namespace tarifador::http;

TEST_CASE("Every route is unique and well formed and has a handler", "[http][routes]") {
  std::set<std::pair<std::string, std::string>> seen;
  for (const Route& r : Routes()) {
    INFO(MethodName(r.method) << " " << r.pattern);
    CHECK(r.handler != nullptr);
    CHECK_FALSE(r.summary.empty());
    REQUIRE_FALSE(r.pattern.empty());
    CHECK(r.pattern.front() == '/');
    CHECK((r.pattern.size() == 1 || r.pattern.back() != '/'));
    CHECK(seen.emplace(std::string(MethodName(r.method)), std::string(r.pattern)).second);
    // Every API change is authenticated except the documented public entry points.
    if (r.access == Access::kPublic && r.method != Method::kGet) {
      CHECK((r.pattern == "/api/v1/session" || r.pattern == "/api/v1/setup"));
    }
  }
}

TEST_CASE("Routes match literals before parameters and capture parameters", "[http][routes]") {
  const Route table[] = {
      {Method::kGet, "/a/{id}", Access::kPublic, nullptr, "param"},
      {Method::kGet, "/a/new", Access::kPublic, nullptr, "literal"},
      {Method::kDelete, "/a/{id}", Access::kPublic, nullptr, "delete"},
  };
  auto m = MatchRoute(table, "GET", "/a/new");
  REQUIRE(m.route);
  CHECK(m.route->summary == "literal");
  m = MatchRoute(table, "GET", "/a/42");
  REQUIRE(m.route);
  CHECK(m.route->summary == "param");
  REQUIRE(m.params.size() == 1);
  CHECK(m.params[0].name == "id");
  CHECK(m.params[0].value == "42");
  m = MatchRoute(table, "HEAD", "/a/42/");
  CHECK(m.route == &table[0]);
  m = MatchRoute(table, "POST", "/a/42");
  CHECK(m.route == nullptr);
  CHECK(m.allowed.size() == 2);
  m = MatchRoute(table, "GET", "/a");
  CHECK(m.route == nullptr);
  CHECK(m.allowed.empty());
  CHECK(MatchRoute(table, "GET", "/a/42/x").route == nullptr);
  CHECK(MatchRoute(table, "GET", "/a//").route == nullptr);
}

TEST_CASE("docs/API.md documents every route with its minimum role", "[http][routes][docs]") {
  std::ifstream f(tarifador::test_support::SourcePath("docs/API.md"));
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string doc = ss.str();
  for (const Route& r : Routes()) {
    // Each route has a table row: | `METHOD` | `/pattern` | role | ...
    const std::string row = "| `" + std::string(MethodName(r.method)) + "` | `" + std::string(r.pattern) + "` | " +
                            std::string(AccessName(r.access)) + " |";
    INFO("docs/API.md lacks the row: " << row);
    CHECK(doc.find(row) != std::string::npos);
  }
}
