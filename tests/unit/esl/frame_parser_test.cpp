#include "esl/frame_parser.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "esl/event.h"
#include "esl/url_codec.h"
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

// ---------------------------------------------------------------------------
// The parser writes names and values into one buffer, scans 16 bytes at a
// time and decodes in place (docs/PERFORMANCE.md). The tests below hold it to
// the plain line-by-line algorithm it replaced, kept here as the reference.

namespace {

using RefHeaders = std::vector<std::pair<std::string, std::string>>;

std::string RefPrintable(std::string_view s, size_t max = 60) {
  std::string out;
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u > 0x7e) ? '?' : c;
  }
  if (s.size() > max) out += "...";
  return out;
}

int RefHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string RefUrlDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && RefHex(text[i + 1]) >= 0 && RefHex(text[i + 2]) >= 0) {
      out += static_cast<char>(RefHex(text[i + 1]) * 16 + RefHex(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The reference: split on '\n', drop one trailing '\r', skip empty lines,
// name before the first ':', value after it without leading spaces. Returns
// the error message, or "" on success.
std::string RefParseLines(std::string_view block, bool url_decode, bool lenient, RefHeaders& out) {
  size_t pos = 0;
  while (pos < block.size()) {
    size_t nl = block.find('\n', pos);
    if (nl == std::string_view::npos) nl = block.size();
    std::string_view line = block.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      if (lenient && !out.empty()) {
        out.back().second.append("\n").append(line);
        continue;
      }
      return "header line \"" + RefPrintable(line) + "\" has no \"Name:\"";
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    out.emplace_back(std::string(line.substr(0, colon)), url_decode ? RefUrlDecode(value) : std::string(value));
  }
  return "";
}

// The reference for ParseHeaderLinesToBlankLine: find the first line that is
// empty or "\r" (and ends in '\n'), parse what is before it.
size_t RefParseToBlank(std::string_view text, bool url_decode, bool lenient, RefHeaders& out, std::string& error) {
  size_t end = text.size(), rest = text.size();
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;
    const std::string_view line = text.substr(pos, nl - pos);
    if (line.empty() || line == "\r") {
      end = pos;
      rest = nl + 1;
      break;
    }
    pos = nl + 1;
  }
  error = RefParseLines(text.substr(0, end), url_decode, lenient, out);
  return rest;
}

RefHeaders Items(const esl::Headers& h) {
  RefHeaders out;
  for (const auto& [name, value] : h.items()) out.emplace_back(std::string(name), std::string(value));
  return out;
}

// Text made mostly of the bytes the parser treats specially, with lines of
// every length around the 16-byte scanning step.
std::string RandomHeaderText(std::mt19937& rng) {
  static constexpr char kBytes[] = "ab-Z09fF:%%%  \r\n\n:x\x80";
  std::uniform_int_distribution<size_t> pick(0, sizeof kBytes - 2);
  std::uniform_int_distribution<int> lines(0, 12);
  std::uniform_int_distribution<int> length(0, 70);
  std::uniform_int_distribution<int> kind(0, 3);
  std::string out;
  for (int n = lines(rng); n > 0; --n) {
    if (kind(rng) == 0) {
      // A well-formed line with a URL-encoded value.
      std::string name, value;
      for (int i = length(rng) / 3 + 1; i > 0; --i) name += "Ab-_"[i % 4];
      for (int i = length(rng); i > 0; --i) value += kBytes[pick(rng)];
      out += name + ": " + esl::UrlEncode(value) + (kind(rng) == 0 ? "\r\n" : "\n");
    } else {
      for (int i = length(rng); i > 0; --i) out += kBytes[pick(rng)];
      out += '\n';
    }
  }
  if (kind(rng) == 0 && !out.empty()) out.pop_back();  // no final newline
  return out;
}

}  // namespace

TEST_CASE("Header lines parse exactly as the line-by-line reference does", "[esl]") {
  const uint32_t seed = TestSeed();
  INFO("seed " << seed << " (set TARIFADOR_SEED to replay)");
  std::mt19937 rng(seed);
  for (int round = 0; round < 4000; ++round) {
    const std::string text = RandomHeaderText(rng);
    INFO("text: \"" << RefPrintable(text, 400) << "\"");
    for (const bool url_decode : {true, false}) {
      for (const bool lenient : {true, false}) {
        for (const bool prefilled : {false, true}) {
          INFO("url_decode " << url_decode << ", lenient " << lenient << ", prefilled " << prefilled);
          esl::Headers ours;
          RefHeaders ref;
          if (prefilled) {
            ours.Add("X-Before", "v%41");
            ref.emplace_back("X-Before", "v%41");
          }
          const base::Status s = esl::ParseHeaderLines(text, url_decode, lenient, ours);
          const std::string ref_error = RefParseLines(text, url_decode, lenient, ref);
          CHECK(s.message() == ref_error);
          CHECK(Items(ours) == ref);  // on failure too: the lines before the bad one are kept

          esl::Headers ours_inner;
          RefHeaders ref_inner;
          if (prefilled) {
            ours_inner.Add("X-Before", "");
            ref_inner.emplace_back("X-Before", "");
          }
          std::string ref_inner_error;
          const size_t ref_rest = RefParseToBlank(text, url_decode, lenient, ref_inner, ref_inner_error);
          const auto rest = esl::ParseHeaderLinesToBlankLine(text, url_decode, lenient, ours_inner);
          CHECK(rest.status().message() == ref_inner_error);
          if (rest.ok()) CHECK(*rest == ref_rest);
          CHECK(Items(ours_inner) == ref_inner);
        }
      }
    }
  }
}

TEST_CASE("Every event of every capture decodes as the reference does", "[esl][fixtures]") {
  for (const char* name : kNeventCaptures) {
    INFO(name);
    TARIFADOR_REQUIRE_FIXTURE(data, name);
    size_t events = 0;
    for (const Frame& f : ParseInChunks(data, {1460})) {
      if (f.type != ContentType::kEventPlain) continue;
      auto ev = esl::ParseEvent(f);
      REQUIRE(ev.ok());
      RefHeaders ref;
      std::string error;
      const size_t rest = RefParseToBlank(f.body, /*url_decode=*/true, /*lenient=*/true, ref, error);
      REQUIRE(error.empty());
      CHECK(Items(ev->headers) == ref);
      const std::string_view length = ev->headers.Get("Content-Length");
      CHECK(ev->body == (length.empty() ? "" : f.body.substr(rest, std::stoul(std::string(length)))));
      ++events;
    }
    CHECK(events > 5);
  }
}

TEST_CASE("Lines around the 16-byte scanning step, escapes at the edges", "[esl]") {
  for (size_t name_len = 1; name_len < 40; ++name_len) {
    for (size_t value_len = 0; value_len < 40; value_len += 3) {
      const std::string name(name_len, 'N');
      const std::string value = std::string(value_len, 'v') + "%41%4%";
      for (const char* eol : {"\n", "\r\n", ""}) {
        // The line in the middle of a text and at its end.
        for (const std::string& text :
             {name + ":  " + value + eol + "\nNext: %7A", "Next: %7A\n" + name + ":  " + value + eol}) {
          esl::Headers h;
          REQUIRE(esl::ParseHeaderLines(text, true, false, h).ok());
          REQUIRE(h.size() == 2);
          CHECK(h.Get(name) == std::string(value_len, 'v') + "A%4%");
          CHECK(h.Get("next") == "z");
        }
      }
    }
  }
}

TEST_CASE("Headers: lookup ignores case, keeps duplicates, copies and moves its views", "[esl]") {
  esl::Headers h;
  REQUIRE(esl::ParseHeaderLines("Hangup-Cause: NORMAL_CLEARING\nChannel-Name: sofia/internal/1001%40pbx\n"
                                "hangup-cause: SECOND\nEmpty:\n",
                                true, false, h)
              .ok());
  CHECK(h.size() == 4);
  CHECK(h.Get("HANGUP-CAUSE") == "NORMAL_CLEARING");
  CHECK(h.Find("channel-name") == std::optional<std::string_view>("sofia/internal/1001@pbx"));
  CHECK(h.Has("Empty"));
  CHECK(h.Get("Empty").empty());
  CHECK_FALSE(h.Find("Missing").has_value());
  CHECK(h.Get("Missing").empty());
  int causes = 0;
  for (const auto& [k, v] : h.items()) causes += esl::EqualsIgnoreCase(k, "Hangup-Cause") ? 1 : 0;
  CHECK(causes == 2);

  // Adding after a parse, and appending to the last value.
  h.Add("Added", "x");
  h.AppendToLast("yz");
  CHECK(h.Get("Added") == "xyz");
  esl::Headers parsed_last;
  REQUIRE(esl::ParseHeaderLines("A: 1%32\r\n", true, false, parsed_last).ok());
  parsed_last.AppendToLast("3");
  CHECK(parsed_last.Get("A") == "123");

  // Copies compare equal and own their text; a move keeps the content.
  esl::Headers copy = h;
  CHECK(copy == h);
  esl::Headers built;
  for (const auto& [k, v] : h.items()) built.Add(k, v);
  CHECK(built == h);  // same items, different layout in the buffer
  built.AppendToLast("!");
  CHECK_FALSE(built == h);
  esl::Headers moved = std::move(copy);
  CHECK(moved == h);
  CHECK(moved.Get("Channel-Name") == "sofia/internal/1001@pbx");
  esl::Headers small;
  small.Add("a", "b");  // short enough for the string's inline buffer
  esl::Headers small_moved = std::move(small);
  CHECK(small_moved.Get("A") == "b");
}

TEST_CASE("In-place URL decoding", "[esl]") {
  std::string text = "Tue,%2006%20Jan%202015%2015%3A12%3A37%20GMT%zz%4";
  const size_t n = esl::UrlDecodeTo(text, text.data());
  CHECK(text.substr(0, n) == "Tue, 06 Jan 2015 15:12:37 GMT%zz%4");
  CHECK(esl::UrlDecodeTo("", nullptr) == 0);
}
