#include "http/connection_deadlines.h"

#include <catch2/catch.hpp>
#include <vector>

using tarifador::http::ConnectionDeadlines;
using namespace std::chrono_literals;

namespace {

std::vector<int> Cut(ConnectionDeadlines& d, ConnectionDeadlines::Clock::time_point now) {
  std::vector<int> fds;
  d.CutOverdue(now, [&fds](int fd) { fds.push_back(fd); });
  return fds;
}

}  // namespace

TEST_CASE("A request head that is late is cut once", "[http][deadline]") {
  ConnectionDeadlines d({.head = 10s, .request = 30s});
  const auto t0 = ConnectionDeadlines::Clock::time_point{} + 1h;
  int a = 0, b = 0;
  d.Opened(&a, 7, t0);
  d.Opened(&b, 8, t0 + 5s);
  CHECK(Cut(d, t0 + 10s).empty());  // exactly at the deadline: not yet
  CHECK(Cut(d, t0 + 10s + 1ms) == std::vector<int>{7});
  CHECK(Cut(d, t0 + 12s).empty());  // reported once
  CHECK(Cut(d, t0 + 15s + 1ms) == std::vector<int>{8});
  // A cut connection stays cut even if its thread finishes a request.
  d.AwaitRequest(&a, t0 + 20s);
  CHECK(Cut(d, t0 + 40s).empty());
  d.Closed(&a);
  d.Closed(&b);
  CHECK(d.open() == 0);
  // A late "request done" for a closed connection brings nothing back.
  d.AwaitRequest(&a, t0 + 50s);
  CHECK(d.open() == 0);
  CHECK(Cut(d, t0 + 2h).empty());
}

TEST_CASE("The body has until the request deadline and answering has none", "[http][deadline]") {
  ConnectionDeadlines d({.head = 10s, .request = 30s});
  const auto t0 = ConnectionDeadlines::Clock::time_point{} + 1h;
  int a = 0;
  d.Opened(&a, 3, t0);
  d.HeadReceived(&a);
  CHECK(Cut(d, t0 + 29s).empty());  // past the head deadline, within the request's
  d.Answering(&a);
  CHECK(Cut(d, t0 + 1h).empty());  // a long answer (an event stream) is not cut
  // The next request on the keep-alive connection starts the clock again.
  d.AwaitRequest(&a, t0 + 2h);
  CHECK(Cut(d, t0 + 2h + 9s).empty());
  CHECK(Cut(d, t0 + 2h + 11s) == std::vector<int>{3});
}

TEST_CASE("A slow body is cut at the request deadline", "[http][deadline]") {
  ConnectionDeadlines d({.head = 10s, .request = 30s});
  const auto t0 = ConnectionDeadlines::Clock::time_point{} + 1h;
  int a = 0;
  d.Opened(&a, 5, t0);
  d.HeadReceived(&a);
  CHECK(Cut(d, t0 + 30s).empty());
  CHECK(Cut(d, t0 + 31s) == std::vector<int>{5});
  d.Closed(&a);
  d.Closed(&a);  // twice is harmless
  CHECK(d.open() == 0);
}
