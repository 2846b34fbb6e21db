// frontdoorctl: see tools/frontdoorctl/frontdoorctl.h and --help.
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "tools/frontdoorctl/frontdoorctl.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return frontdoor::ctl::Main(
      args,
      [](const char* name) -> std::optional<std::string> {
        const char* value = std::getenv(name);
        if (value == nullptr) return std::nullopt;
        return std::string(value);
      },
      std::cout, std::cerr);
}
