// Shannon entropy of a string in bits per byte: how random a candidate secret looks.
// Real keys from a base64/hex alphabet score ~3.5-6; words and placeholders score low.
#pragma once

#include <string_view>

namespace sluice::scan::secrets {

double shannon_entropy(std::string_view text);

}  // namespace sluice::scan::secrets
