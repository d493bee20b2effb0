#include "base/status.h"

#include <catch2/catch.hpp>

using namespace tarifador::base;

namespace {
Result<int> Half(int v) {
  if (v % 2) return InvalidArgument("value " + std::to_string(v) + " is odd");
  return v / 2;
}
Status Quarter(int v, int* out) {
  auto h = Half(v);
  TARIFADOR_RETURN_IF_ERROR(h.status());
  auto q = Half(*h);
  TARIFADOR_RETURN_IF_ERROR(q.status().WithContext("halving again"));
  *out = *q;
  return Status::Ok();
}
}  // namespace

TEST_CASE("Result carries a value or a failure", "[status]") {
  CHECK(*Half(8) == 4);
  auto r = Half(3);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == StatusCode::kInvalidArgument);
  CHECK(r.status().ToString() == "invalid_argument: value 3 is odd");
}

TEST_CASE("Return-if-error propagates with context", "[status]") {
  int out = 0;
  CHECK(Quarter(8, &out).ok());
  CHECK(out == 2);
  Status s = Quarter(6, &out);
  CHECK(s.message() == "halving again: value 3 is odd");
}
