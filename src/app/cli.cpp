#include <iostream>

#include "app/command.h"

namespace tarifador::app {
namespace {

void PrintUsage(std::ostream& os) {
  os << "usage: tarifador [--config FILE] <command> [args]\n\ncommands:\n";
  for (const Command& c : Commands()) {
    // Appends rather than operator+ on temporaries: GCC 12 -O2 reports a bogus -Wrestrict there.
    std::string line = "  ";
    line += c.name;
    if (!c.usage.empty()) {
      line += ' ';
      line += c.usage;
    }
    if (line.size() < 44) line.resize(44, ' ');
    os << line << " " << c.help << "\n";
  }
}

}  // namespace

int CommandContext::Fail(const base::Status& status, int exit_code) const {
  err << "tarifador: " << status.message() << "\n";
  return exit_code;
}

int RunCli(const std::vector<std::string>& argv, std::istream& in, std::ostream& out, std::ostream& err) {
  std::vector<std::string> words;
  std::optional<std::string> config_path;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a == "--config" || a == "-c") {
      if (i + 1 >= argv.size()) {
        err << "tarifador: --config needs a file name\n";
        return 2;
      }
      config_path = argv[++i];
    } else if (a.rfind("--config=", 0) == 0) {
      config_path = a.substr(9);
    } else {
      words.push_back(a);
    }
  }
  if (!words.empty() && (words[0] == "help" || words[0] == "--help" || words[0] == "-h")) {
    PrintUsage(out);
    return 0;
  }
  if (words.empty()) words.push_back("serve");
  // Longest command name first so "user add" wins over a hypothetical "user".
  const Command* best = nullptr;
  size_t best_words = 0;
  for (const Command& c : Commands()) {
    size_t n = 1;
    std::string joined = words[0];
    if (c.name == joined && n > best_words) {
      best = &c;
      best_words = n;
    }
    if (words.size() >= 2) {
      joined += " " + words[1];
      if (c.name == joined && 2 > best_words) {
        best = &c;
        best_words = 2;
      }
    }
  }
  if (!best) {
    err << "tarifador: unknown command \"" << words[0] << "\"\n";
    PrintUsage(err);
    return 2;
  }
  CommandContext ctx{std::vector<std::string>(words.begin() + static_cast<long>(best_words), words.end()), config_path,
                     in, out, err};
  return best->run(ctx);
}

}  // namespace tarifador::app
