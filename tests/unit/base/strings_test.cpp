// Comma-separated lists as settings and API fields write them.
#include "base/strings.h"

#include <catch2/catch.hpp>

using namespace tarifador;

TEST_CASE("SplitCommas keeps empty pieces and gives none for nothing", "[base][strings]") {
  using V = std::vector<std::string_view>;
  CHECK(base::SplitCommas("") == V{});
  CHECK(base::SplitCommas("44") == V{"44"});
  CHECK(base::SplitCommas("44,,49") == V{"44", "", "49"});
  CHECK(base::SplitCommas("mon,") == V{"mon", ""});
  CHECK(base::SplitCommas(",") == V{"", ""});
  CHECK(base::Quoted("x") == "\"x\"");
}
