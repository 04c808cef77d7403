// A small JSON reader that keeps the line and column of every value: CDK writes its
// templates as JSON, and yaml-cpp (which also reads JSON) is ~50x slower on them.
#pragma once

#include <string_view>

#include "core/result.h"
#include "scan/cfn/node.h"

namespace sluice::scan::cfn {

struct LoadLimits;

// Parses strict JSON (RFC 8259). Errors carry file:line:col. Never throws.
Result<CfnNode> read_json(std::string_view text, const std::string& file, const LoadLimits& limits);

}  // namespace sluice::scan::cfn
