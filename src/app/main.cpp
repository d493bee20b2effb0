// tarifador: call billing for FreeSWITCH. See README.md and docs/.
#include <iostream>
#include <string>
#include <vector>

#include "app/command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return tarifador::app::RunCli(args, std::cin, std::cout, std::cerr);
}
