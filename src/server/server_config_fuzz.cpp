// libFuzzer target: the server config parser on arbitrary bytes. Built with
// -DSLUICE_FUZZ=ON (clang); any crash, sanitizer report, hang or out-of-memory is a bug: a
// config file must only ever produce a config or diagnostics, and never both a config and
// an error.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "server/server_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::map<std::string, std::string> environment = {{"SECRET", "value"}};
  sluice::Diagnostics diagnostics;
  auto config =
      sluice::server::parse_server_config(text, "/fuzz/sluice.yml", diagnostics, &environment);
  if (config && diagnostics.has_errors()) __builtin_trap();
  if (!config && !diagnostics.has_errors()) __builtin_trap();
  for (const auto& d : diagnostics.items())
    if (d.message.empty() || d.format().empty()) __builtin_trap();
  if (config) {
    for (const auto& p : config->projects)
      if (p.name.empty() || p.repository.empty()) __builtin_trap();
    std::string address;
    uint16_t port = 0;
    if (config->listen && !sluice::server::split_listen_address(*config->listen, address, port))
      __builtin_trap();
  }
  return 0;
}
