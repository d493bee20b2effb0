// ESL parse throughput: frames and events per second through FrameParser +
// ParseEvent, on the real captures in ../shared/fixtures/esl (when present) and
// on a synthetic stream of CHANNEL_* events shaped like them. Side by side in
// the same run: a naive parser (std::getline over an istringstream into a
// std::map, re-reading from the start of the buffer), as quick ESL clients do.
//   esl_bench [--quick]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "esl/event.h"
#include "esl/frame_parser.h"
#include "esl/url_codec.h"

namespace {

using Clock = std::chrono::steady_clock;
using tarifador::esl::UrlEncode;

std::string SyntheticEvent(int i) {
  const std::string uuid = "4b3b36af-3d98-4670-bc14-" + std::to_string(100000000000 + i);
  std::vector<std::pair<std::string, std::string>> h = {
      {"Event-Name", "CHANNEL_HANGUP_COMPLETE"},
      {"Core-UUID", "8694f653-55e0-42ed-98d8-4983e2b6d248"},
      {"FreeSWITCH-Hostname", "pbx"},
      {"Event-Date-GMT", "Tue, 06 Jan 2015 15:12:37 GMT"},
      {"Event-Date-Timestamp", "1420557157955591"},
      {"Event-Sequence", std::to_string(5808 + i)},
      {"Hangup-Cause", "NORMAL_CLEARING"},
      {"Channel-State", "CS_REPORTING"},
      {"Channel-Name", "sofia/internal/1001@172.16.50.134"},
      {"Unique-ID", uuid},
      {"Call-Direction", "inbound"},
      {"Answer-State", "hangup"},
      {"Caller-Caller-ID-Number", "1001"},
      {"Caller-Destination-Number", "00442079460958"},
      {"Caller-Channel-Created-Time", "1420557157855728"},
      {"Caller-Channel-Answered-Time", "1420557161234567"},
      {"Caller-Channel-Hangup-Time", "1420557221234567"},
      {"variable_start_uepoch", "1420557157855728"},
      {"variable_answer_uepoch", "1420557161234567"},
      {"variable_bridge_uepoch", "1420557161334567"},
      {"variable_end_uepoch", "1420557221234567"},
      {"variable_billsec", "60"},
      {"variable_billusec", "60000000"},
      {"variable_sip_hangup_disposition", "send_bye"},
  };
  for (int k = 0; k < 60; ++k) h.push_back({"variable_x_" + std::to_string(k), "value " + std::to_string(k)});
  std::string body;
  for (const auto& [n, v] : h) body += n + ": " + UrlEncode(v) + "\n";
  body += "\n";
  return "Content-Length: " + std::to_string(body.size()) + "\nContent-Type: text/event-plain\n\n" + body;
}

struct Figures {
  double events_per_s;
  double mb_per_s;
};

Figures RunOurs(const std::string& stream, size_t segment, int reps) {
  size_t events = 0;
  const auto t0 = Clock::now();
  for (int r = 0; r < reps; ++r) {
    tarifador::esl::FrameParser p;
    for (size_t pos = 0; pos < stream.size(); pos += segment) {
      p.Append(std::string_view(stream).substr(pos, segment));
      while (true) {
        auto f = p.Next();
        if (!f.ok()) {
          std::fprintf(stderr, "parse error: %s\n", f.status().message().c_str());
          std::exit(1);
        }
        if (!*f) break;
        if ((*f)->type == tarifador::esl::ContentType::kEventPlain) {
          auto ev = tarifador::esl::ParseEvent(**f);
          if (ev.ok()) ++events;
        }
      }
    }
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return {static_cast<double>(events) / s, static_cast<double>(stream.size()) * reps / s / 1e6};
}

// The naive way: on every segment, copy everything received so far into an
// istringstream and re-read frames from the beginning with getline.
Figures RunNaive(const std::string& stream, size_t segment, int reps) {
  size_t events = 0;
  const auto t0 = Clock::now();
  for (int r = 0; r < reps; ++r) {
    std::string buf;
    for (size_t pos = 0; pos < stream.size(); pos += segment) {
      buf.append(stream, pos, segment);
      while (true) {
        std::istringstream in(buf);
        std::map<std::string, std::string> headers;
        std::string line;
        bool complete = false;
        while (std::getline(in, line)) {
          if (line.empty()) {
            complete = !headers.empty();
            if (complete) break;
            continue;
          }
          const auto c = line.find(": ");
          if (c != std::string::npos) headers[line.substr(0, c)] = line.substr(c + 2);
        }
        if (!complete) break;
        const size_t len = headers.count("Content-Length") ? std::stoul(headers["Content-Length"]) : 0;
        const auto at = static_cast<size_t>(in.tellg());
        if (buf.size() < at + len) break;
        std::istringstream body(buf.substr(at, len));
        std::map<std::string, std::string> ev;
        while (std::getline(body, line)) {
          const auto c = line.find(": ");
          if (c != std::string::npos) ev[line.substr(0, c)] = tarifador::esl::UrlDecode(line.substr(c + 2));
        }
        if (ev.count("Event-Name")) ++events;
        buf.erase(0, at + len);
      }
    }
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return {static_cast<double>(events) / s, static_cast<double>(stream.size()) * reps / s / 1e6};
}

std::string ReadCaptures() {
  std::string all;
  for (const char* name :
       {"neventsocket-Example1-outbound-bridged-call.txt", "neventsocket-Example3-outbound-bleg-originator-cancel.txt",
        "neventsocket-Example5-outbound-bleg-call-rejected.txt",
        "neventsocket-Example6-outbound-attended-transfer.txt"}) {
    std::ifstream in(std::string(TARIFADOR_SOURCE_DIR) + "/../shared/fixtures/esl/" + name, std::ios::binary);
    if (!in) return {};
    std::ostringstream ss;
    ss << in.rdbuf();
    all += ss.str();
  }
  return all;
}

void Report(const char* what, const std::string& stream, size_t segment, int reps) {
  const Figures ours = RunOurs(stream, segment, reps);
  const Figures naive = RunNaive(stream, segment, reps);
  std::printf("%-34s %7zu B seg | ours %10.0f events/s %7.1f MB/s | naive %9.0f events/s | ratio %6.1fx\n", what,
              segment, ours.events_per_s, ours.mb_per_s, naive.events_per_s, ours.events_per_s / naive.events_per_s);
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  std::string synthetic;
  const int n = quick ? 500 : 20000;
  for (int i = 0; i < n; ++i) synthetic += SyntheticEvent(i);
  std::printf("ESL parse throughput, one core (%s run)\n", quick ? "quick" : "full");
  Report("synthetic HANGUP_COMPLETE stream", synthetic, 1460, quick ? 1 : 5);
  Report("synthetic HANGUP_COMPLETE stream", synthetic, 65536, quick ? 1 : 5);
  const std::string captures = ReadCaptures();
  if (captures.empty()) {
    std::printf("real captures: skipped (../shared/fixtures/esl absent)\n");
  } else {
    Report("real captures (NEventSocket 1,3,5,6)", captures, 1460, quick ? 2 : 50);
  }
  return 0;
}
