#include "actions/action_sources.h"

#include <cctype>
#include <sstream>

namespace sluice::actions {
namespace {

Result<std::string> checked_source(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  for (const char* scheme : {"https://", "http://", "git://", "file://"}) {
    std::string_view s(scheme);
    if (url.size() > s.size() && url.compare(0, s.size(), s) == 0) return url;
  }
  return Error{"action source '" + url +
                   "' is not an https://, http://, git:// or file:// URL (example: "
                   "--action-source git://127.0.0.1:9418/ or file:///srv/mirror)",
               {}};
}

}  // namespace

Result<std::vector<std::string>> action_sources(const std::vector<std::string>& flags,
                                                const char* environment_value) {
  std::vector<std::string> raw = flags;
  if (raw.empty() && environment_value) {
    std::istringstream words(environment_value);
    for (std::string word; words >> word;) raw.push_back(word);
  }
  if (raw.empty()) raw.push_back(kDefaultActionSource);
  std::vector<std::string> sources;
  for (std::string& url : raw) {
    auto checked = checked_source(std::move(url));
    if (!checked.ok()) return checked.error();
    sources.push_back(std::move(*checked));
  }
  return sources;
}

std::vector<std::string> repository_urls(std::string_view source, std::string_view owner,
                                         std::string_view repo) {
  std::string base(source);
  if (base.empty() || base.back() != '/') base += '/';
  base += std::string(owner) + "/" + std::string(repo);
  return {base, base + ".git"};
}

std::string url_credentials(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  size_t start = scheme + 3;
  size_t host_end = url.find('/', start);
  std::string_view authority = url.substr(
      start, host_end == std::string_view::npos ? std::string_view::npos : host_end - start);
  size_t at = authority.rfind('@');
  return at == std::string_view::npos ? "" : std::string(authority.substr(0, at));
}

std::string hide_credentials(std::string text, std::string_view url) {
  std::string credentials = url_credentials(url);
  if (credentials.empty()) return text;
  for (size_t at = text.find(credentials); at != std::string::npos;
       at = text.find(credentials, at + 3))
    text.replace(at, credentials.size(), "***");
  return text;
}

bool is_safe_ref(std::string_view ref) {
  if (ref.empty() || ref.front() == '-' || ref.front() == '/' || ref.back() == '/' ||
      ref.find("..") != std::string_view::npos || ref.find("//") != std::string_view::npos ||
      ref.find("@{") != std::string_view::npos || ref.ends_with(".lock") || ref.ends_with("."))
    return false;
  for (unsigned char c : ref) {
    if (c < 0x20 || c == 0x7f) return false;
    if (std::string_view(" ~^:?*[\\").find(static_cast<char>(c)) != std::string_view::npos)
      return false;
  }
  return true;
}

bool is_safe_repository_part(std::string_view part) {
  if (part.empty() || part.front() == '-' || part.front() == '.') return false;
  for (unsigned char c : part)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

}  // namespace sluice::actions
