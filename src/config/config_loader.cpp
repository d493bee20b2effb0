#include "config/config_loader.h"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "config/settings_table.h"

namespace tarifador::config {
namespace {

using nlohmann::json;

constexpr size_t kMaxShownValue = 60;

std::string Shorten(std::string text) {
  if (text.size() > kMaxShownValue) {
    text.resize(kMaxShownValue);
    text += "...";
  }
  return text;
}

const char* JsonKind(const json& j) {
  switch (j.type()) {
    case json::value_t::string: return "a string";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number with a fraction";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::null: return "null";
    default: return "something else";
  }
}

// Collects problems in the "<source>: <key> = <value>: <reason>" shape.
class Problems {
 public:
  void Add(std::string_view source, std::string_view key, const std::string& shown_value, std::string_view reason) {
    std::string line(source);
    line += ": ";
    line += key;
    if (!shown_value.empty()) {
      line += " = ";
      line += Shorten(shown_value);
    }
    line += ": ";
    line += reason;
    lines_.push_back(std::move(line));
  }
  void AddLine(std::string line) { lines_.push_back(std::move(line)); }
  bool empty() const { return lines_.empty(); }

  base::Status ToStatus() const {
    std::string msg = "invalid configuration, nothing applied (" + std::to_string(lines_.size()) +
                      (lines_.size() == 1 ? " problem):" : " problems):");
    for (const std::string& l : lines_) msg += "\n  " + l;
    return base::InvalidArgument(msg);
  }

 private:
  std::vector<std::string> lines_;
};

// Validates `value` for `setting` and stores it, or records why not.
void Apply(const Setting& setting, SettingValue value, std::string_view source, Config& config, Problems& problems) {
  const std::string why = setting.validate(value);
  if (!why.empty()) {
    problems.Add(source, setting.key, FormatValueForDisplay(setting, value), why);
    return;
  }
  SetSetting(config, setting, value);
}

void ApplyJsonValue(const Setting& setting, const json& j, std::string_view source, Config& config,
                    Problems& problems) {
  const auto wrong_type = [&] {
    const std::string shown = setting.secret ? std::string("<hidden>") : j.dump();
    problems.Add(source, setting.key, shown,
                 std::string("expected ") + (setting.type == SettingType::kInteger ? "an " : "a ") +
                     SettingTypeName(setting.type) + ", got " + JsonKind(j));
  };
  switch (setting.type) {
    case SettingType::kString:
      if (!j.is_string()) return wrong_type();
      return Apply(setting, j.get<std::string>(), source, config, problems);
    case SettingType::kInteger:
      if (j.is_number_unsigned()) {
        if (j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          return problems.Add(source, setting.key, j.dump(), "integer out of range");
        }
        return Apply(setting, static_cast<int64_t>(j.get<uint64_t>()), source, config, problems);
      }
      if (!j.is_number_integer()) return wrong_type();
      return Apply(setting, j.get<int64_t>(), source, config, problems);
    case SettingType::kBoolean:
      if (!j.is_boolean()) return wrong_type();
      return Apply(setting, j.get<bool>(), source, config, problems);
  }
}

// True when some setting lives under "<prefix>.".
bool IsSection(std::string_view prefix) {
  for (const Setting& s : Settings()) {
    if (s.key.size() > prefix.size() && s.key.substr(0, prefix.size()) == prefix && s.key[prefix.size()] == '.') {
      return true;
    }
  }
  return false;
}

void Walk(const json& object, const std::string& prefix, std::string_view source, Config& config, Problems& problems) {
  for (const auto& [name, value] : object.items()) {
    const std::string key = prefix.empty() ? name : prefix + "." + name;
    if (name.find('.') != std::string::npos) {
      // {"http.listen": ...}: the spec's nesting rule (SPEC section 10) is easy to miss.
      std::string reason = "unknown key";
      if (FindSetting(key)) {
        const std::string section = key.substr(0, key.rfind('.'));
        const std::string leaf = key.substr(key.rfind('.') + 1);
        reason += "; dotted names are nested objects: {\"" + section + "\": {\"" + leaf + "\": ...}}";
      }
      problems.Add(source, key, Shorten(value.dump()), reason);
    } else if (const Setting* setting = FindSetting(key)) {
      ApplyJsonValue(*setting, value, source, config, problems);
    } else if (IsSection(key)) {
      if (!value.is_object()) {
        problems.Add(source, key, Shorten(value.dump()),
                     std::string("expected an object holding the ") + key + ".* settings, got " + JsonKind(value));
      } else {
        Walk(value, key, source, config, problems);
      }
    } else {
      problems.Add(source, key, Shorten(value.dump()), "unknown key");
    }
  }
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void ApplyEnvironment(const EnvLookup& env, Config& config, Problems& problems) {
  for (const Setting& setting : Settings()) {
    const std::string name(setting.env);
    const std::optional<std::string> raw = env(name);
    if (!raw) continue;
    const std::string source = "environment " + name;
    const std::string shown = setting.secret ? std::string("<hidden>") : json(*raw).dump();
    switch (setting.type) {
      case SettingType::kString: Apply(setting, *raw, source, config, problems); break;
      case SettingType::kInteger: {
        int64_t n = 0;
        const char* first = raw->data();
        const char* last = first + raw->size();
        if (first != last && *first == '+') ++first;  // from_chars rejects a leading '+'
        const auto [ptr, ec] = std::from_chars(first, last, n);
        if (first == last || ec != std::errc() || ptr != last) {
          problems.Add(source, setting.key, shown, "expected an integer");
        } else {
          Apply(setting, n, source, config, problems);
        }
        break;
      }
      case SettingType::kBoolean: {
        const std::string v = Lower(*raw);
        if (v == "true" || v == "1" || v == "yes" || v == "on") {
          Apply(setting, true, source, config, problems);
        } else if (v == "false" || v == "0" || v == "no" || v == "off") {
          Apply(setting, false, source, config, problems);
        } else {
          problems.Add(source, setting.key, shown, "expected true or false (also 1/0, yes/no, on/off)");
        }
        break;
      }
    }
  }
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the
// operator needs only the rest ("parse error at line 3, column 5: ...").
std::string CleanJsonError(const std::string& what) {
  if (!what.empty() && what.front() == '[') {
    const size_t close = what.find("] ");
    if (close != std::string::npos) return what.substr(close + 2);
  }
  return what;
}

base::Result<Config> Build(const std::optional<std::string_view>& json_text, std::string_view source,
                           const LoadSources& sources) {
  Config config;
  Problems problems;
  // An empty file (a freshly touched conffile) means "all defaults".
  if (json_text && json_text->find_first_not_of(" \t\r\n") != std::string_view::npos) {
    json root;
    try {
      root = json::parse(json_text->begin(), json_text->end(), /*cb=*/nullptr, /*allow_exceptions=*/true,
                         /*ignore_comments=*/true);
    } catch (const json::exception& e) {
      return base::InvalidArgument("invalid configuration, nothing applied: " + std::string(source) +
                                   ": not valid JSON: " + CleanJsonError(e.what()));
    }
    if (!root.is_object()) {
      return base::InvalidArgument("invalid configuration, nothing applied: " + std::string(source) +
                                   ": expected a JSON object at the top, got " + JsonKind(root));
    }
    Walk(root, "", source, config, problems);
  }
  if (sources.env) ApplyEnvironment(sources.env, config, problems);
  // Cross-key rules only make sense once every single key is valid; otherwise a
  // rejected value would show up again as a confusing second complaint.
  if (problems.empty()) {
    for (std::string& p : CrossCheck(config)) problems.AddLine(std::move(p));
  }
  if (!problems.empty()) return problems.ToStatus();
  if (config.site_id.empty() && sources.host_name) config.site_id = sources.host_name();
  return config;
}

}  // namespace

std::optional<std::string> ProcessEnvironment(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (!v) return std::nullopt;
  return std::string(v);
}

std::string SystemHostName() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "tarifador";
  std::string out;
  for (const char* p = buf; *p && out.size() < 64; ++p) {
    const char c = *p;
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += (alnum || c == '.' || c == '_' || c == '-') ? c : '-';
  }
  return out.empty() ? "tarifador" : out;
}

base::Result<Config> ParseConfig(std::string_view json_text, std::string_view source_name, const LoadSources& sources) {
  return Build(json_text, source_name, sources);
}

base::Result<Config> LoadConfig(const std::optional<std::string>& path, const LoadSources& sources) {
  if (!path) return Build(std::nullopt, "", sources);
  std::ifstream in(*path, std::ios::binary);
  if (!in) {
    return base::NotFound("reading config file \"" + *path + "\": " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return base::NotFound("reading config file \"" + *path + "\": read error");
  return Build(text.str(), *path, sources);
}

}  // namespace tarifador::config
