// The CLI command table: add a line here for each subcommand.
#include "app/cmd_version.h"
#include "app/command.h"

namespace tarifador::app {

std::span<const Command> Commands() {
  static const Command kCommands[] = {
      {"version", "", "print the version", RunVersion},
  };
  return kCommands;
}

}  // namespace tarifador::app
