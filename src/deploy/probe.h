// The real CheckProbe: HTTP and Prometheus measurements through the health gates' HTTP
// client, JSONPath conditions and Prometheus parser (gates/), command checks through a
// HookRunner. See checks.h for what passes, fails and is inconclusive.
#pragma once

#include <string>

#include "deploy/checks.h"
#include "deploy/hook_runner.h"
#include "gates/sources.h"

namespace sluice::deploy {

class GateCheckProbe : public CheckProbe {
 public:
  // `fetch` empty: gates::default_http_fetch with each check's timeout.
  GateCheckProbe(HookRunner& runner, std::string working_directory, gates::HttpFetch fetch = {});
  Measurement measure(const CheckSpec& check) override;

 private:
  Measurement http(const CheckSpec& check);
  Measurement prometheus(const CheckSpec& check);
  Measurement command(const CheckSpec& check);
  gates::HttpFetch fetch_for(const CheckSpec& check) const;

  HookRunner& runner_;
  std::string working_directory_;
  gates::HttpFetch fetch_;
};

}  // namespace sluice::deploy
