// tarifador: call billing for FreeSWITCH. See README.md and docs/.
#include <malloc.h>

#include <iostream>
#include <string>
#include <vector>

#include "app/command.h"

int main(int argc, char** argv) {
  // The HTTP server runs a thread per connection (up to 256), and glibc
  // would give each thread that allocates an arena of its own (up to 8 per
  // core) whose touched pages stay: on a router with 128 MB that adds up.
  // Two arenas serve two cores.
  mallopt(M_ARENA_MAX, 2);
  std::vector<std::string> args(argv + 1, argv + argc);
  return tarifador::app::RunCli(args, std::cin, std::cout, std::cerr);
}
