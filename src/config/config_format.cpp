#include "config/config_format.h"

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "config/settings_table.h"

namespace tarifador::config {
namespace {

// One dotted level: "http.listen" -> section "http", leaf "listen";
// "data_dir" -> section "", leaf "data_dir".
std::string_view SectionOf(std::string_view key) {
  const size_t dot = key.find('.');
  return dot == std::string_view::npos ? std::string_view() : key.substr(0, dot);
}
std::string_view LeafOf(std::string_view key) {
  const size_t dot = key.find('.');
  return dot == std::string_view::npos ? key : key.substr(dot + 1);
}

// Sections in order of first appearance, top-level keys ("") first.
std::vector<std::string_view> SectionOrder() {
  std::vector<std::string_view> order = {""};
  for (const Setting& s : Settings()) {
    const std::string_view sec = SectionOf(s.key);
    bool seen = false;
    for (std::string_view o : order) seen = seen || o == sec;
    if (!seen) order.push_back(sec);
  }
  return order;
}

// Splits `text` into lines of at most `width` characters at spaces.
std::vector<std::string> Wrap(std::string_view text, size_t width) {
  std::vector<std::string> lines;
  std::string line;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(pos, end - pos);
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      lines.push_back(line);
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
    pos = end + 1;
  }
  if (!line.empty()) lines.push_back(line);
  return lines;
}

void AppendSetting(const Setting& s, const std::string& indent, bool last, std::string& out) {
  for (const std::string& l : Wrap(s.help, 76 - indent.size())) out += indent + "// " + l + "\n";
  out += indent + "// Environment: " + std::string(s.env) + "\n";
  out += indent + nlohmann::json(std::string(LeafOf(s.key))).dump() + ": " + FormatValue(DefaultValue(s)) +
         (last ? "\n" : ",\n");
}

// Text for a table cell; inside a `code span` only '|' needs escaping.
std::string MarkdownCell(std::string_view text, bool code_span = false) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (code_span) {
      out += c;
    } else if (c == '<') {
      out += "&lt;";  // "<data_dir>" would otherwise be read as an HTML tag
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

constexpr std::string_view kMarkdownIntro = R"(# Configuration

tarifador reads one JSON file, given with `--config FILE` to every
subcommand (`tarifador serve --config /etc/tarifador/tarifador.json`). The Debian
package keeps it under `/etc/tarifador/`. Without `--config`, tarifador runs on
the defaults below plus environment variables.

- Comments are allowed: `// to the end of the line` and `/* blocks */`.
- Dotted names are nested objects: `http.listen` is written
  `{"http": {"listen": "0.0.0.0:8080"}}`.
- Every key is optional; a missing key takes its default.
- Every key can be overridden by its environment variable (for example
  `TARIFADOR_HTTP_LISTEN=127.0.0.1:9090`), which wins over the file. Booleans
  accept `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`.
- Bad input changes nothing: tarifador lists every bad value, wrong type and
  unknown key at once, each with its source (the file or the variable), and
  refuses to start.

Useful commands:

- `tarifador config defaults` prints a complete commented config file with
  every default; it is a good starting point for `/etc/tarifador/tarifador.json`.
- `tarifador config show [--config FILE]` checks a config and prints the
  effective settings (file, then environment) as JSON, passwords masked.
- `tarifador config docs` prints this page.

## Settings

This table is generated from the settings table in `src/config/settings_table.cpp`
(`tarifador config docs > docs/CONFIGURATION.md`); a unit test fails when it is
out of date.

| Key | Type | Default | Environment variable | Description |
|-----|------|---------|----------------------|-------------|
)";

}  // namespace

std::string DefaultConfigText() {
  std::string out =
      "// tarifador configuration: JSON with // and /* */ comments.\n"
      "// Every key is optional: a missing key takes the default shown here.\n"
      "// The environment variable named above each key overrides the file.\n"
      "// Reference: docs/CONFIGURATION.md, or `tarifador config docs`.\n"
      "{\n";
  const std::vector<std::string_view> order = SectionOrder();
  for (size_t si = 0; si < order.size(); ++si) {
    const std::string_view sec = order[si];
    std::vector<const Setting*> members;
    for (const Setting& s : Settings()) {
      if (SectionOf(s.key) == sec) members.push_back(&s);
    }
    const bool last_section = si + 1 == order.size();
    const std::string indent = sec.empty() ? "  " : "    ";
    if (!sec.empty()) out += "  " + nlohmann::json(std::string(sec)).dump() + ": {\n";
    for (size_t i = 0; i < members.size(); ++i) {
      const bool last_member = i + 1 == members.size();
      // A top-level key is followed by more members or by the sections.
      AppendSetting(*members[i], indent, last_member && (!sec.empty() || last_section), out);
      if (!last_member) out += "\n";
    }
    if (!sec.empty()) out += last_section ? "  }\n" : "  },\n";
    if (!last_section) out += "\n";
  }
  out += "}\n";
  return out;
}

std::string ConfigJson(const Config& config, bool mask_secrets) {
  nlohmann::ordered_json root = nlohmann::ordered_json::object();
  for (const Setting& s : Settings()) {
    const SettingValue v = GetSetting(config, s);
    // Formatting through FormatValue(ForDisplay) and parsing back keeps one
    // masking rule for messages and output alike.
    const std::string text = mask_secrets ? FormatValueForDisplay(s, v) : FormatValue(v);
    nlohmann::ordered_json value = nlohmann::ordered_json::parse(text);
    const std::string_view sec = SectionOf(s.key);
    if (sec.empty()) {
      root[std::string(s.key)] = std::move(value);
    } else {
      root[std::string(sec)][std::string(LeafOf(s.key))] = std::move(value);
    }
  }
  return root.dump(2) + "\n";
}

std::string ConfigurationMarkdown() {
  std::string out(kMarkdownIntro);
  for (const Setting& s : Settings()) {
    out += "| `" + std::string(s.key) + "` | " + SettingTypeName(s.type) + " | `" +
           MarkdownCell(FormatValue(DefaultValue(s)), /*code_span=*/true) + "` | `" + std::string(s.env) + "` | " +
           MarkdownCell(s.help) + (s.secret ? " Masked by `config show`." : "") + " |\n";
  }
  return out;
}

}  // namespace tarifador::config
