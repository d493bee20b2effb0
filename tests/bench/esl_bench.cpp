// ESL parse throughput: events per second through FrameParser + ParseEvent
// (the path the ESL client runs per event), one core, on each real capture in
// ../shared/fixtures/esl (when present) and on a synthetic stream of 2.5 KB
// CHANNEL_HANGUP_COMPLETE events shaped like them. Side by side in the same
// run: a naive parser (std::getline over an istringstream into a std::map,
// re-reading from the start of the buffer), as quick ESL clients do.
//
// Rates are per second of this thread's CPU time, i.e. per core: on a shared
// machine the wall-clock rate mostly measures the other processes (it is
// printed too). Every figure is the median of several runs; within a run the
// two parsers alternate, so a burst of load from elsewhere hits both alike.
// A run repeats its stream until it has used a fixed amount of CPU time.
//   esl_bench [--quick] [--runs N] [--ours-only]
//     --quick      CI smoke run: one short run per stream
//     --runs N     runs per figure (default 5)
//     --ours-only  skip the naive parser (for profiling ours with perf)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "esl/event.h"
#include "esl/frame_parser.h"
#include "esl/url_codec.h"
#include "test_support/fixtures.h"
#include "test_support/prerequisite.h"

namespace {

using Clock = std::chrono::steady_clock;
using tarifador::esl::UrlEncode;

struct Options {
  bool quick = false;
  bool ours_only = false;
  int runs = 5;
  double seconds_per_run = 0.25;  // per parser, per run
};

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
  for (const auto& [n, v] : h) body.append(n).append(": ").append(UrlEncode(v)).append("\n");
  body += "\n";
  return "Content-Length: " + std::to_string(body.size()) + "\nContent-Type: text/event-plain\n\n" + body;
}

// One pass of ours over `stream`, fed in `segment`-byte pieces; returns the
// number of events decoded.
size_t PassOurs(const std::string& stream, size_t segment) {
  size_t events = 0;
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
        if (ev.ok() && !ev->name().empty()) ++events;
      }
    }
  }
  return events;
}

// The naive way: on every segment, copy everything received so far into an
// istringstream and re-read frames from the beginning with getline.
size_t PassNaive(const std::string& stream, size_t segment) {
  size_t events = 0;
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
      if (headers["Content-Type"] == "text/event-plain") {
        std::istringstream body(buf.substr(at, len));
        std::map<std::string, std::string> ev;
        while (std::getline(body, line)) {
          const auto c = line.find(": ");
          if (c != std::string::npos) ev[line.substr(0, c)] = tarifador::esl::UrlDecode(line.substr(c + 2));
        }
        if (ev.count("Event-Name")) ++events;
      }
      buf.erase(0, at + len);
    }
  }
  return events;
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Rate {
  double per_cpu_s;   // events per second of this thread's CPU time: per core
  double per_wall_s;  // events per second of wall time: lower when other work takes the core
};

// Events per second of `pass` over `stream`, repeated for at least `seconds`
// of CPU time.
template <typename Pass>
Rate Measure(Pass pass, const std::string& stream, size_t segment, double seconds, size_t* events_per_pass) {
  size_t events = 0;
  const auto t0 = Clock::now();
  const double cpu0 = ThreadCpuSeconds();
  double cpu = 0;
  do {
    *events_per_pass = pass(stream, segment);
    events += *events_per_pass;
    cpu = ThreadCpuSeconds() - cpu0;
  } while (cpu < seconds);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  return {static_cast<double>(events) / cpu, static_cast<double>(events) / wall};
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void Report(const Options& o, const std::string& what, const std::string& stream, size_t segment) {
  std::vector<double> ours, ours_wall, naive;
  size_t ours_events = 0, naive_events = 0;
  auto run_ours = [&] {
    const Rate r = Measure(PassOurs, stream, segment, o.seconds_per_run, &ours_events);
    ours.push_back(r.per_cpu_s);
    ours_wall.push_back(r.per_wall_s);
  };
  for (int r = 0; r < o.runs; ++r) {
    // Alternate which parser goes first, so neither always runs on a warmer
    // cache or a quieter machine.
    if (r % 2 == 0) run_ours();
    if (!o.ours_only) naive.push_back(Measure(PassNaive, stream, segment, o.seconds_per_run, &naive_events).per_cpu_s);
    if (r % 2 == 1) run_ours();
  }
  if (!o.ours_only && ours_events != naive_events) {
    std::fprintf(stderr, "%s: ours decoded %zu events per pass, naive %zu\n", what.c_str(), ours_events, naive_events);
    std::exit(1);
  }
  const double mb_per_s = Median(ours) * static_cast<double>(stream.size()) / static_cast<double>(ours_events) / 1e6;
  std::printf("%-40s %4zu ev %5zu B | ours %8.0f ev/s %5.0f MB/s [%6.0f-%6.0f] wall %8.0f", what.c_str(), ours_events,
              segment, Median(ours), mb_per_s, *std::min_element(ours.begin(), ours.end()),
              *std::max_element(ours.begin(), ours.end()), Median(ours_wall));
  if (!o.ours_only) std::printf(" | naive %7.0f ev/s | ratio %5.1fx", Median(naive), Median(ours) / Median(naive));
  std::printf("\n");
  std::fflush(stdout);
}

std::string ReadFixture(const std::string& name) {
  std::ifstream in(tarifador::test_support::SharedFixturePath(std::string("esl/") + name), std::ios::binary);
  if (!in) return {};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// switchio-eventstream2.txt marks its own test's TCP splits with "--"
// (fixtures README); the byte stream is the file without them.
std::string StripSplitMarkers(std::string data) {
  for (size_t at; (at = data.find("\n--\n")) != std::string::npos;) data.erase(at + 1, 3);
  for (size_t at; (at = data.find("--")) != std::string::npos;) data.erase(at, 2);
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      o.quick = true;
      o.runs = 1;
      o.seconds_per_run = 0.01;
    } else if (std::strcmp(argv[i], "--ours-only") == 0) {
      o.ours_only = true;
    } else if (std::strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
      o.runs = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: esl_bench [--quick] [--runs N] [--ours-only]\n");
      return 2;
    }
  }
  std::string synthetic;
  const int n = o.quick ? 200 : 2000;
  for (int i = 0; i < n; ++i) synthetic += SyntheticEvent(i);
  std::printf(
      "ESL parse throughput (FrameParser + ParseEvent) in events per second of CPU time of one core; median of %d\n"
      "run(s) of >= %.2f CPU s each, [min-max] of ours, and ours per second of wall time (median)\n",
      o.runs, o.seconds_per_run);
  Report(o, "synthetic HANGUP_COMPLETE (2.5 KB)", synthetic, 1460);
  Report(o, "synthetic HANGUP_COMPLETE (2.5 KB)", synthetic, 65536);
  const char* const kCaptures[] = {
      "neventsocket-Example1-outbound-bridged-call.txt",
      "neventsocket-Example3-outbound-bleg-originator-cancel.txt",
      "neventsocket-Example5-outbound-bleg-call-rejected.txt",
      "neventsocket-Example6-outbound-attended-transfer.txt",
      "switchio-eventstream.txt",
      "switchio-eventstream2.txt",
  };
  std::string neventsocket_all;
  for (const char* name : kCaptures) {
    std::string data = ReadFixture(name);
    if (data.empty()) {
      std::printf("%s: skipped (../shared/fixtures/esl absent)\n", name);
      // In CI the captures must be there (test_support/prerequisite.h).
      if (tarifador::test_support::MissingPrerequisitesFail()) return 1;
      continue;
    }
    if (std::strncmp(name, "switchio-eventstream2", 21) == 0) data = StripSplitMarkers(std::move(data));
    if (std::strncmp(name, "neventsocket", 12) == 0) neventsocket_all += data;
    Report(o, std::string(name).substr(0, std::strcspn(name, ".")), data, 1460);
  }
  if (!neventsocket_all.empty()) Report(o, "NEventSocket 1,3,5,6 together", neventsocket_all, 1460);
  return 0;
}
