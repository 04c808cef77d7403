// The forms a secret takes when a step or sluice itself encodes it: what SecretMasker
// registers beside the value, as GitHub's runner does with its ValueEncoders
// (actions/runner src/Sdk/DTLogging/Logging/ValueEncoders.cs). docs/secrets.md lists them.
// The encodings themselves are in core/encodings.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/encodings.h"

namespace sluice {

// GitHub registers trimmed base64 forms only from 4 characters on (actions/runner#329):
// shorter ones would mask common base64 text and say little about the secret.
constexpr size_t kMinBase64Form = 4;

// The characters of base64(P + secret + S) that the secret alone decides, for any prefix P
// with |P| mod 3 == `offset` (0, 1 or 2) and any suffix S: base64 maps 3 bytes to 4
// characters, so characters that mix bits of P or S are dropped at both ends. "" when fewer
// than kMinBase64Form characters remain.
std::string base64_inner(std::string_view secret, int offset);

// Every form of `value` other than the value itself, without duplicates: base64 (whole, and
// the inner part at each of the three alignments), JSON-escaped, URL-encoded (both
// flavours), XML-escaped, and the escapes GitHub also registers (' doubled as in expression
// strings, " as \" on command lines, the value without surrounding double quotes).
std::vector<std::string> derived_forms(std::string_view value);

}  // namespace sluice
