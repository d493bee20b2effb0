#include "http/metrics_registry.h"

#include <algorithm>
#include <cassert>
#include <cstdio>

#include "base/log.h"

namespace tarifador::http {
namespace {

constexpr int64_t kLatencyBucketsUs[] = {500,     1'000,   2'500,   5'000,     10'000,    25'000,    50'000,
                                         100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000};

void AppendLabels(std::string& out, const Labels& labels, std::string_view extra_key = {},
                  std::string_view extra_value = {}) {
  if (labels.empty() && extra_key.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k;
    out += "=\"";
    out += EscapeLabelValue(v);
    out += '"';
  }
  if (!extra_key.empty()) {
    if (!first) out += ',';
    out += extra_key;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

// Seconds from integer microseconds, exactly ("0.0025", "10", "1.5").
// Integer arithmetic keeps the bucket bounds exact ("le" values must match
// between scrapes character for character).
std::string SecondsText(uint64_t us) {
  std::string s = std::to_string(us / 1'000'000);
  uint64_t frac = us % 1'000'000;
  if (frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%06llu", static_cast<unsigned long long>(frac));
    std::string f(buf);
    while (!f.empty() && f.back() == '0') f.pop_back();
    s += '.';
    s += f;
  }
  return s;
}

const char* TypeName(int t) {
  switch (t) {
    case 0: return "counter";
    case 1: return "gauge";
    default: return "histogram";
  }
}

bool ValidName(std::string_view name) {
  if (name.rfind("tarifador_", 0) != 0) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

}  // namespace

Histogram::Histogram(std::span<const int64_t> bounds_us)
    : bounds_us_(bounds_us.begin(), bounds_us.end()),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_us.size() + 1)) {
  assert(std::is_sorted(bounds_us_.begin(), bounds_us_.end()));
}

void Histogram::ObserveMicros(int64_t us) {
  if (us < 0) us = 0;
  const auto it = std::lower_bound(bounds_us_.begin(), bounds_us_.end(), us);
  buckets_[static_cast<size_t>(it - bounds_us_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<uint64_t>(us), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::span<const int64_t> DefaultLatencyBucketsUs() { return kLatencyBucketsUs; }

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void MetricsWriter::Header(std::string_view name, std::string_view help, std::string_view type) {
  if (last_family_ == name) return;
  last_family_ = std::string(name);
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void MetricsWriter::Counter(std::string_view name, std::string_view help, const Labels& labels, uint64_t value) {
  Header(name, help, "counter");
  out_ += name;
  AppendLabels(out_, labels);
  out_ += ' ';
  out_ += std::to_string(value);
  out_ += '\n';
}

void MetricsWriter::Gauge(std::string_view name, std::string_view help, const Labels& labels, int64_t value) {
  Header(name, help, "gauge");
  out_ += name;
  AppendLabels(out_, labels);
  out_ += ' ';
  out_ += std::to_string(value);
  out_ += '\n';
}

MetricsRegistry::Series& MetricsRegistry::FindOrAdd(std::string_view name, std::string_view help, Type type,
                                                    Labels labels, std::span<const int64_t> bounds_us) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!ValidName(name)) {
    base::LogError("metrics: \"" + std::string(name) + "\" is not tarifador_snake_case; not rendered");
    Series& s = orphans_.emplace_back();
    s.counter = std::make_unique<http::Counter>();
    s.gauge = std::make_unique<http::Gauge>();
    s.histogram = std::make_unique<http::Histogram>(bounds_us);
    return s;
  }
  auto fam = std::find_if(families_.begin(), families_.end(), [&](const Family& f) { return f.name == name; });
  if (fam == families_.end()) {
    families_.push_back(Family{std::string(name), std::string(help), type, {}});
    fam = families_.end() - 1;
  }
  std::deque<Series>* home = &fam->series;
  if (fam->type != type) {
    base::LogError("metrics: \"" + std::string(name) + "\" registered again with another type; not rendered");
    home = &orphans_;
  } else {
    for (Series& s : fam->series) {
      if (s.labels == labels) return s;
    }
  }
  Series s;
  s.labels = std::move(labels);
  switch (type) {
    case Type::kCounter: s.counter = std::make_unique<http::Counter>(); break;
    case Type::kGauge: s.gauge = std::make_unique<http::Gauge>(); break;
    case Type::kHistogram: s.histogram = std::make_unique<http::Histogram>(bounds_us); break;
  }
  home->push_back(std::move(s));
  return home->back();
}

Counter& MetricsRegistry::AddCounter(std::string_view name, std::string_view help, Labels labels) {
  Series& s = FindOrAdd(name, help, Type::kCounter, std::move(labels), {});
  return *s.counter;
}

Gauge& MetricsRegistry::AddGauge(std::string_view name, std::string_view help, Labels labels) {
  Series& s = FindOrAdd(name, help, Type::kGauge, std::move(labels), {});
  return *s.gauge;
}

Histogram& MetricsRegistry::AddHistogram(std::string_view name, std::string_view help, Labels labels,
                                         std::span<const int64_t> bounds_us) {
  Series& s = FindOrAdd(name, help, Type::kHistogram, std::move(labels), bounds_us);
  return *s.histogram;
}

void MetricsRegistry::AddProvider(Provider provider) {
  std::lock_guard<std::mutex> lock(mu_);
  providers_.push_back(std::move(provider));
}

std::string MetricsRegistry::Render() const {
  std::string out;
  out.reserve(16 * 1024);
  std::vector<Provider> providers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Family& f : families_) {
      out += "# HELP " + f.name + " " + f.help + "\n# TYPE " + f.name + " " + TypeName(static_cast<int>(f.type)) + "\n";
      for (const Series& s : f.series) {
        if (s.counter) {
          out += f.name;
          AppendLabels(out, s.labels);
          out += ' ' + std::to_string(s.counter->value()) + '\n';
        } else if (s.gauge) {
          out += f.name;
          AppendLabels(out, s.labels);
          out += ' ' + std::to_string(s.gauge->value()) + '\n';
        } else if (s.histogram) {
          const Histogram& h = *s.histogram;
          // Buckets are read one by one while requests keep arriving, so
          // _count is taken from the same reads as the +Inf bucket: the two
          // must agree in one scrape.
          uint64_t cumulative = 0;
          const auto bounds = h.bounds_us();
          for (size_t i = 0; i <= bounds.size(); ++i) {
            cumulative += h.bucket(i);
            out += f.name + "_bucket";
            AppendLabels(out, s.labels, "le",
                         i < bounds.size() ? SecondsText(static_cast<uint64_t>(bounds[i])) : std::string("+Inf"));
            out += ' ' + std::to_string(cumulative) + '\n';
          }
          out += f.name + "_sum";
          AppendLabels(out, s.labels);
          out += ' ' + SecondsText(h.sum_us()) + '\n';
          out += f.name + "_count";
          AppendLabels(out, s.labels);
          out += ' ' + std::to_string(cumulative) + '\n';
        }
      }
    }
    providers = providers_;
  }
  // Providers run without our lock so they may take their own.
  MetricsWriter writer(out);
  for (const Provider& p : providers) p(writer);
  return out;
}

}  // namespace tarifador::http
