#include "sim/sim_event.h"

#include <catch2/catch.hpp>

#include "esl/event.h"
#include "esl/frame_parser.h"
#include "sim/command_reader.h"

namespace tarifador::sim {
namespace {

SimEvent Sample(std::string body) {
  SimEvent ev;
  ev.name = "BACKGROUND_JOB";
  ev.headers.Add("Event-Name", "BACKGROUND_JOB");
  ev.headers.Add("Job-Command-Arg", "sofia/gateway/gw1/1 &park() a:b");
  ev.headers.Add("Empty", "");
  ev.body = std::move(body);
  return ev;
}

TEST_CASE("Plain frames are framed and URL-encoded as mod_event_socket writes them", "[sim][event]") {
  const std::string inner =
      "Event-Name: BACKGROUND_JOB\nJob-Command-Arg: sofia/gateway/gw1/1%20%26park()%20a%3Ab\nEmpty: _undef_\n"
      "Content-Length: 4\n\n+OK\n";
  CHECK(EncodePlainFrame(Sample("+OK\n")) ==
        "Content-Length: " + std::to_string(inner.size()) + "\nContent-Type: text/event-plain\n\n" + inner);
  const std::string no_body = EncodePlainFrame(Sample(""));
  CHECK(no_body.substr(no_body.size() - 2) == "\n\n");
  CHECK(no_body.find("Content-Length: ", 5) == std::string::npos);

  esl::FrameParser parser;
  parser.Append(EncodePlainFrame(Sample("+OK\n")));
  auto frame = parser.Next();
  REQUIRE(frame.ok());
  REQUIRE(frame->has_value());
  auto ev = esl::ParseEvent(**frame);
  REQUIRE(ev.ok());
  CHECK(ev->headers.Get("Job-Command-Arg") == "sofia/gateway/gw1/1 &park() a:b");
  CHECK(ev->body == "+OK\n");
}

TEST_CASE("JSON frames keep raw values, duplicates and the body keys", "[sim][event]") {
  SimEvent ev = Sample("-ERR \"x\"\n");
  ev.headers.Add("Hangup-Cause", "A");
  ev.headers.Add("Hangup-Cause", "B");
  const std::string frame = EncodeJsonFrame(ev);
  const std::string json =
      R"({"Event-Name":"BACKGROUND_JOB","Job-Command-Arg":"sofia/gateway/gw1/1 &park() a:b","Empty":"",)"
      R"("Hangup-Cause":"A","Hangup-Cause":"B","Content-Length":"9","_body":"-ERR \"x\"\n"})";
  CHECK(frame == "Content-Length: " + std::to_string(json.size()) + "\nContent-Type: text/event-json\n\n" + json);
  esl::FrameParser parser;
  parser.Append(frame);
  auto f = parser.Next();
  REQUIRE(f.ok());
  REQUIRE(f->has_value());
  auto parsed = esl::ParseEvent(**f);
  REQUIRE(parsed.ok());
  CHECK(parsed->body == "-ERR \"x\"\n");
}

TEST_CASE("Client commands are split in any fragmentation, CR tolerated", "[sim][event]") {
  const std::string stream =
      "auth ClueCon\n\n\nbgapi status\r\nJob-UUID: j1\r\n\r\nsendevent CUSTOM\nContent-Length: 5\n\nhello"
      "api show channels as json\n\n";
  for (size_t chunk : {stream.size(), size_t{1}, size_t{3}, size_t{7}}) {
    INFO(chunk);
    CommandReader reader;
    std::vector<Command> got;
    for (size_t pos = 0; pos < stream.size(); pos += chunk) {
      reader.Append(std::string_view(stream).substr(pos, chunk));
      while (true) {
        auto next = reader.Next();
        REQUIRE(next.ok());
        if (!next->has_value()) break;
        got.push_back(std::move(**next));
      }
    }
    REQUIRE(got.size() == 4);
    CHECK(got[0].line == "auth ClueCon");
    CHECK(got[1].line == "bgapi status");
    CHECK(got[1].headers.Get("Job-UUID") == "j1");
    CHECK(got[2].body == "hello");
    CHECK(got[3].line == "api show channels as json");
  }
  CommandReader bad;
  bad.Append("sendevent X\nContent-Length: 99999999\n\n");
  CHECK_FALSE(bad.Next().ok());
}

}  // namespace
}  // namespace tarifador::sim
