#include "esl/frame_parser.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>
#include <vector>

#include "esl/event.h"
#include "test_support/fixtures.h"

using namespace tarifador;
using esl::ContentType;
using esl::Frame;
using esl::FrameParser;

namespace {

// Feeds `data` in the given chunk sizes (cycled) and returns every frame.
std::vector<Frame> ParseInChunks(const std::string& data, const std::vector<size_t>& chunks) {
  FrameParser p;
  std::vector<Frame> out;
  size_t pos = 0, i = 0;
  while (pos < data.size()) {
    const size_t n = std::min(chunks[i++ % chunks.size()], data.size() - pos);
    p.Append(std::string_view(data).substr(pos, n));
    pos += n;
    while (true) {
      auto f = p.Next();
      REQUIRE(f.ok());
      if (!*f) break;
      out.push_back(std::move(**f));
    }
  }
  CHECK(p.buffered() == 0);
  return out;
}

size_t CountLinesStartingWith(const std::string& data, const std::string& prefix) {
  size_t n = 0;
  for (size_t pos = 0; pos < data.size();) {
    if (data.compare(pos, prefix.size(), prefix) == 0) ++n;
    const size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return n;
}

bool SameFrames(const std::vector<Frame>& a, const std::vector<Frame>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i].headers == b[i].headers) || a[i].body != b[i].body || a[i].type != b[i].type) return false;
  }
  return true;
}

uint32_t TestSeed() {
  const char* s = std::getenv("TARIFADOR_SEED");
  return s ? static_cast<uint32_t>(std::strtoul(s, nullptr, 10)) : 20261121u;
}

const char* const kNeventCaptures[] = {
    "esl/neventsocket-Example1-outbound-bridged-call.txt",
    "esl/neventsocket-Example3-outbound-bleg-originator-cancel.txt",
    "esl/neventsocket-Example5-outbound-bleg-call-rejected.txt",
    "esl/neventsocket-Example6-outbound-attended-transfer.txt",
};

}  // namespace

TEST_CASE("Every real capture parses whole, byte by byte and in random splits", "[esl][fixtures]") {
  const uint32_t seed = TestSeed();
  INFO("seed " << seed << " (set TARIFADOR_SEED to replay)");
  std::mt19937 rng(seed);
  for (const char* name : kNeventCaptures) {
    INFO(name);
    TARIFADOR_REQUIRE_FIXTURE(data, name);
    const auto whole = ParseInChunks(data, {data.size()});
    // Each frame has exactly one outer Content-Type line; event bodies have none.
    CHECK(whole.size() == CountLinesStartingWith(data, "Content-Type: "));
    CHECK(SameFrames(whole, ParseInChunks(data, {1})));
    for (int round = 0; round < 5; ++round) {
      std::vector<size_t> chunks;
      std::uniform_int_distribution<size_t> len(1, 3000);
      for (int i = 0; i < 64; ++i) chunks.push_back(len(rng));
      CHECK(SameFrames(whole, ParseInChunks(data, chunks)));
    }
    for (const Frame& f : whole) {
      if (f.type == ContentType::kEventPlain) {
        auto ev = esl::ParseEvent(f);
        REQUIRE(ev.ok());
        CHECK(!ev->name().empty());
      }
    }
  }
}

TEST_CASE("Example1: connect reply, URL-decoded headers and the one bridge on the A leg", "[esl][fixtures]") {
  TARIFADOR_REQUIRE_FIXTURE(data, "esl/neventsocket-Example1-outbound-bridged-call.txt");
  const auto frames = ParseInChunks(data, {data.size()});
  REQUIRE(!frames.empty());
  // The outbound-mode connect reply carries CHANNEL_DATA in a command/reply.
  CHECK(frames[0].type == ContentType::kCommandReply);
  CHECK(frames[0].headers.Get("Reply-Text") == "+OK\n");
  CHECK(frames[0].headers.Get("Channel-Channel-Name") == "sofia/internal/1001@172.16.50.134");
  int bridges = 0, creates = 0;
  for (const Frame& f : frames) {
    if (f.type != ContentType::kEventPlain) continue;
    auto ev = esl::ParseEvent(f);
    REQUIRE(ev.ok());
    if (ev->name() == "CHANNEL_BRIDGE") {
      ++bridges;
      CHECK(ev->headers.Get("Bridge-A-Unique-ID") == "78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
      CHECK(ev->unique_id() == "78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
    }
    if (ev->name() == "CHANNEL_CREATE") {
      ++creates;
      // The B leg knows its originator (ESL-NOTES section 3).
      CHECK(ev->headers.Get("Other-Type") == "originator");
      CHECK(ev->headers.Get("variable_originator") == "78b86350-4fb8-4d2b-a629-1eeafd7d2f74");
    }
    if (ev->headers.Has("Event-Date-GMT")) {
      CHECK(ev->headers.Get("Event-Date-GMT").find("%20") == std::string_view::npos);
    }
  }
  CHECK(bridges == 1);
  CHECK(creates == 1);
  const Frame& last = frames.back();
  CHECK(last.type == ContentType::kDisconnectNotice);
  CHECK(last.body.size() == 67);
}

TEST_CASE("switchio captures: auth exchange, bgapi reply and BACKGROUND_JOB body", "[esl][fixtures]") {
  {
    TARIFADOR_REQUIRE_FIXTURE(data, "esl/switchio-eventstream.txt");
    const auto frames = ParseInChunks(data, {7});
    REQUIRE(frames.size() == 5);
    CHECK(frames[0].type == ContentType::kAuthRequest);
    CHECK(frames[1].headers.Get("Reply-Text") == "+OK accepted");
    CHECK(frames[3].type == ContentType::kDisconnectNotice);
    CHECK(frames[3].body.size() == 67);
    auto ev = esl::ParseEvent(frames[4]);
    REQUIRE(ev.ok());
    CHECK(ev->name() == "CHANNEL_CREATE");
  }
  {
    TARIFADOR_REQUIRE_FIXTURE(raw, "esl/switchio-eventstream2.txt");
    // The file marks its own test's TCP splits with "--". One marker stands on
    // a line of its own, and the Content-Length values only add up when that
    // line goes with its newline; the others sit mid-line.
    std::string data = raw;
    for (size_t at; (at = data.find("\n--\n")) != std::string::npos;) data.erase(at + 1, 3);
    for (size_t at; (at = data.find("--")) != std::string::npos;) data.erase(at, 2);
    const auto frames = ParseInChunks(data, {3, 5, 11});
    REQUIRE(frames.size() >= 2);
    CHECK(frames[0].type == ContentType::kCommandReply);
    CHECK(frames[0].headers.Get("Job-UUID") == "1246016f-ea2f-4cba-a018-16443bcadc6f");
    auto ev = esl::ParseEvent(frames[1]);
    REQUIRE(ev.ok());
    CHECK(ev->name() == "BACKGROUND_JOB");
    CHECK(ev->body.size() == 41);
    CHECK(ev->body.rfind("+OK ", 0) == 0);
    CHECK(ev->headers.Get("Job-Command") == "originate");
  }
}

TEST_CASE("Frames of our own: every content type, CRLF, blank lines between frames", "[esl]") {
  const std::string stream =
      "Content-Type: auth/request\n\n"
      "Content-Type: command/reply\r\nReply-Text: +OK accepted\r\n\r\n"
      "\n"
      "Content-Type: api/response\nContent-Length: 4\n\n+OK\n"
      "Content-Type: log/data\nContent-Length: 5\nLog-Level: 7\n\nhello"
      "Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n"
      "Content-Length: 0\nContent-Type: text/disconnect-notice\nContent-Disposition: linger\n\n";
  const auto frames = ParseInChunks(stream, {1, 2, 3});
  REQUIRE(frames.size() == 6);
  CHECK(frames[0].type == ContentType::kAuthRequest);
  CHECK(frames[1].headers.Get("reply-text") == "+OK accepted");
  CHECK(frames[2].type == ContentType::kApiResponse);
  CHECK(frames[2].body == "+OK\n");
  CHECK(frames[3].type == ContentType::kLogData);
  CHECK(frames[3].body == "hello");
  CHECK(frames[4].type == ContentType::kRudeRejection);
  CHECK(frames[5].headers.Get("Content-Disposition") == "linger");
}

TEST_CASE("JSON events: duplicate keys, arrays and a body", "[esl]") {
  const std::string json =
      R"({"Event-Name":"CHANNEL_HANGUP_COMPLETE","Unique-ID":"u1","Hangup-Cause":"NORMAL_CLEARING",)"
      R"("Hangup-Cause":"NORMAL_CLEARING","variable_DP_MATCH":["3","3"],"Content-Length":"3","_body":"xyz"})";
  const std::string stream =
      "Content-Length: " + std::to_string(json.size()) + "\nContent-Type: text/event-json\n\n" + json;
  const auto frames = ParseInChunks(stream, {5});
  REQUIRE(frames.size() == 1);
  auto ev = esl::ParseEvent(frames[0]);
  REQUIRE(ev.ok());
  CHECK(ev->name() == "CHANNEL_HANGUP_COMPLETE");
  CHECK(ev->headers.Get("Hangup-Cause") == "NORMAL_CLEARING");
  CHECK(ev->headers.Get("variable_DP_MATCH") == "ARRAY::3|:3");
  CHECK(ev->body == "xyz");
  CHECK_FALSE(ev->headers.Has("Content-Length"));
}

TEST_CASE("Malformed frames are errors that stick", "[esl]") {
  const char* const bad[] = {
      "Content-Type: api/response\nContent-Length: 12x\n\n",
      "Content-Type: api/response\nContent-Length: -1\n\n",
      "Content-Type: api/response\nContent-Length: 999999999\n\n",
      "Content-Type: api/response\nContent-Length: \n\n",
      "this line has no colon\n\n",
      ": empty name\n\n",
  };
  for (const char* text : bad) {
    INFO(text);
    FrameParser p;
    p.Append(text);
    auto f = p.Next();
    REQUIRE_FALSE(f.ok());
    CHECK(f.status().message().find("malformed ESL frame") == 0);
    p.Append("Content-Type: auth/request\n\n");
    CHECK_FALSE(p.Next().ok());
  }
}

TEST_CASE("An endless header block is refused at the limit", "[esl]") {
  FrameParser p(esl::FrameLimits{.max_header_bytes = 1024, .max_body_bytes = 1024});
  for (int i = 0; i < 100; ++i) p.Append("X-Header: 0123456789\n");
  auto f = p.Next();
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message().find("header block exceeds") != std::string::npos);
}

TEST_CASE("A body over the limit is refused before it arrives", "[esl]") {
  FrameParser p(esl::FrameLimits{.max_header_bytes = 1024, .max_body_bytes = 100});
  p.Append("Content-Type: api/response\nContent-Length: 101\n\n");
  CHECK_FALSE(p.Next().ok());
}

TEST_CASE("A plain event whose inner Content-Length overruns the frame is an error", "[esl]") {
  Frame f;
  f.type = ContentType::kEventPlain;
  f.body = "Event-Name: BACKGROUND_JOB\nContent-Length: 50\n\n+OK\n";
  CHECK_FALSE(esl::ParseEvent(f).ok());
  f.type = ContentType::kEventJson;
  f.body = "{not json";
  CHECK_FALSE(esl::ParseEvent(f).ok());
  f.body = "[1,2]";
  CHECK_FALSE(esl::ParseEvent(f).ok());
}
