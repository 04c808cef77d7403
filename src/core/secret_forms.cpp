#include "core/secret_forms.h"

#include <algorithm>

namespace sluice {
namespace {

std::string replace_all(std::string_view value, char from, std::string_view to) {
  std::string out;
  for (char c : value) {
    if (c == from)
      out += to;
    else
      out.push_back(c);
  }
  return out;
}

}  // namespace

std::string base64_inner(std::string_view secret, int offset) {
  // As if `offset` bytes (standing for the prefix) came before the secret: character k
  // holds bits [6k, 6k + 6) of that data, so the secret alone decides characters
  // ceil(8 * offset / 6) up to (excluding) floor(8 * (offset + size) / 6).
  auto skip = static_cast<size_t>(offset);
  size_t total = skip + secret.size();
  size_t first = (8 * skip + 5) / 6;
  size_t last = 8 * total / 6;
  if (last < first + kMinBase64Form) return "";
  auto byte = [&](size_t k) -> unsigned {
    return k < skip || k >= total ? 0u : static_cast<unsigned char>(secret[k - skip]);
  };
  std::string out;
  out.reserve(last - first);
  for (size_t c = first; c < last; ++c) {
    size_t bit = 6 * c;
    unsigned two = byte(bit / 8) << 8 | byte(bit / 8 + 1);
    out.push_back(kBase64Alphabet[(two >> (10 - bit % 8)) & 63]);
  }
  return out;
}

std::vector<std::string> derived_forms(std::string_view value) {
  std::vector<std::string> forms;
  auto add = [&](std::string form) {
    if (form.empty() || form == value) return;
    if (std::find(forms.begin(), forms.end(), form) != forms.end()) return;
    forms.push_back(std::move(form));
  };
  add(base64_encode(value));
  for (int offset = 0; offset < 3; ++offset) add(base64_inner(value, offset));
  // Most secrets are letters, digits and a few marks: skip the escapes that would return
  // the value unchanged (registering many values stays cheap).
  bool json = false, uri = false, xml = false;
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    json |= c < 0x20 || c == '"' || c == '\\';
    uri |= !is_uri_unreserved(c, false);
    xml |= c == '&' || c == '<' || c == '>' || c == '"' || c == '\'';
  }
  if (json) add(json_string_escape(value));
  if (uri) add(uri_escape(value, true));
  if (uri) add(uri_escape(value, false));
  if (xml) add(xml_escape(value));
  if (value.find('\'') != std::string_view::npos) add(replace_all(value, '\'', "''"));
  if (value.find('"') != std::string_view::npos) add(replace_all(value, '"', "\\\""));
  if (value.size() > 8 && value.front() == '"' && value.back() == '"')
    add(std::string(value.substr(1, value.size() - 2)));
  return forms;
}

}  // namespace sluice
