#include "scan/secrets/secrets_pack.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "scan/secrets/builtin_rules.h"
#include "scan/secrets/detector.h"
#include "scan/secrets/file_walker.h"
#include "scan/secrets/git_history.h"
#include "scan/secrets/gitleaks_config.h"
#include "scan/secrets/ignore_file.h"

namespace sluice::scan {

namespace {

using secrets::Detector;
using secrets::Fragment;
using secrets::SecretMatch;

constexpr const char* kPack = "secrets";

enum class ReadOutcome { kOk, kTooLarge, kError };

// Reads a whole file into `buffer` (reused between files to avoid reallocations).
ReadOutcome read_file(const std::string& path, size_t max_bytes, std::string& buffer,
                      std::string& error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = std::strerror(errno);
    return ReadOutcome::kError;
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    error = std::strerror(errno);
    close(fd);
    return ReadOutcome::kError;
  }
  if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
    close(fd);
    return ReadOutcome::kTooLarge;
  }
  // The size may change while reading; never read past the limit.
  buffer.resize(std::min<size_t>(static_cast<size_t>(st.st_size), max_bytes) + 1);
  size_t used = 0;
  while (true) {
    if (used == buffer.size()) {
      if (buffer.size() > max_bytes) {
        close(fd);
        return ReadOutcome::kTooLarge;
      }
      buffer.resize(std::min(buffer.size() * 2, max_bytes + 1));
    }
    const ssize_t n = read(fd, buffer.data() + used, buffer.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = std::strerror(errno);
      close(fd);
      return ReadOutcome::kError;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  close(fd);
  if (used > max_bytes) return ReadOutcome::kTooLarge;
  buffer.resize(used);
  return ReadOutcome::kOk;
}

bool looks_binary(std::string_view content, size_t probe) {
  return std::memchr(content.data(), '\0', std::min(probe, content.size())) != nullptr;
}

struct PackRun {
  const ScanOptions& options;
  ScanResult& result;
  const SecretsScanLimits& limits;
  Detector detector;
  secrets::FingerprintIgnore ignore;
  std::vector<SecretMatch> matches;
  int ignored = 0;

  void report(const Fragment& fragment) {
    matches.clear();
    detector.detect(fragment, matches);
    std::sort(matches.begin(), matches.end(), [](const SecretMatch& a, const SecretMatch& b) {
      return std::tie(a.line, a.column, a.rule_index) < std::tie(b.line, b.column, b.rule_index);
    });
    for (const auto& match : matches) {
      const auto& rule = detector.rules().rules[match.rule_index];
      const std::string file(fragment.path);
      const std::string base = file + ":" + rule.id + ":" + std::to_string(match.line);
      const std::string fingerprint =
          fragment.commit.empty() ? base : std::string(fragment.commit) + ":" + base;
      if (ignore.ignored(fingerprint, fragment.commit.empty() ? "" : base)) {
        ++ignored;
        continue;
      }
      Finding finding;
      finding.rule_id = rule.id;
      finding.pack = kPack;
      finding.level = Level::kError;
      finding.compliance = Compliance::kNonCompliant;
      finding.file = file;
      finding.line = match.line;
      finding.column = match.column;
      finding.resource_id = file + ":" + std::to_string(match.line);
      finding.fingerprint = fingerprint;
      finding.redacted = match.secret.empty() ? "" : redact_secret(match.secret);
      // Text reports show only the message, so it carries what a reader acts on: which
      // secret (redacted), where on the line, and the fingerprint to ignore it by.
      finding.message = rule.description.empty() ? rule.id : rule.description;
      if (!finding.redacted.empty()) finding.message += ": " + finding.redacted;
      finding.message += " (column " + std::to_string(match.column);
      if (!fragment.commit.empty()) {
        finding.message += ", added in commit " + std::string(fragment.commit.substr(0, 12));
      }
      finding.message += "; fingerprint " + fingerprint + ")";
      result.findings.push_back(std::move(finding));
    }
  }

  void scan_file(const secrets::WalkedFile& file, std::string& buffer) {
    std::string error;
    switch (read_file(file.fs_path, limits.max_file_bytes, buffer, error)) {
      case ReadOutcome::kTooLarge:
        ++result.files_skipped;
        return;
      case ReadOutcome::kError:
        result.diagnostics.error({file.display_path, 0, 0}, "cannot read file: " + error);
        return;
      case ReadOutcome::kOk:
        break;
    }
    if (looks_binary(buffer, limits.binary_probe_bytes)) {
      ++result.files_skipped;
      return;
    }
    ++result.files_scanned;
    result.bytes_scanned += static_cast<long long>(buffer.size());
    report(Fragment{file.display_path, buffer, "", nullptr});
  }

  void scan_paths() {
    std::vector<std::string> paths = options.paths;
    if (paths.empty()) paths.push_back(options.root.empty() ? "." : options.root);
    std::string buffer;
    for (const auto& path : paths) {
      secrets::walk_files(path, options.root, result.diagnostics,
                          [&](const secrets::WalkedFile& file) { scan_file(file, buffer); });
    }
  }

  void scan_since() {
    secrets::GitDiffOptions git;
    git.repo_dir = options.root.empty() ? "." : options.root;
    git.since_rev = options.since_rev;
    git.max_bytes = limits.max_file_bytes;
    for (const auto& path : options.paths) {
      const std::string relative = secrets::display_path(path, git.repo_dir);
      if (relative.empty() || relative == ".") continue;
      git.pathspecs.push_back(relative);
    }
    const Status status = secrets::read_added_lines(git, [&](const secrets::AddedLines& added) {
      if (added.truncated) {
        ++result.files_skipped;
        return;
      }
      if (looks_binary(added.text, limits.binary_probe_bytes)) {
        ++result.files_skipped;
        return;
      }
      ++result.files_scanned;
      result.bytes_scanned += static_cast<long long>(added.text.size());
      report(Fragment{added.path, added.text, added.commit, &added.line_numbers});
    });
    if (!status.ok()) {
      result.diagnostics.error({git.repo_dir, 0, 0}, status.error().message,
                               "run inside a git work tree and name an existing revision");
    }
  }
};

secrets::RuleSet load_rules(const ScanOptions& options, Diagnostics& diagnostics) {
  if (options.secrets_config_file.empty()) return secrets::builtin_rule_set();
  return secrets::load_gitleaks_config(options.secrets_config_file, diagnostics);
}

}  // namespace

std::string redact_secret(std::string_view secret) {
  const size_t shown = secret.size() >= 12 ? 4 : secret.size() / 4;
  std::string out;
  for (size_t i = 0; i < shown; ++i) {
    const unsigned char c = static_cast<unsigned char>(secret[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  out += "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
  return out;
}

void run_secrets_pack(const ScanOptions& options, ScanResult& result) {
  run_secrets_pack(options, result, SecretsScanLimits{});
}

void run_secrets_pack(const ScanOptions& options, ScanResult& result,
                      const SecretsScanLimits& limits) {
  secrets::RuleSet rules = load_rules(options, result.diagnostics);
  for (const auto& rule : rules.rules) {
    result.rules.push_back({rule.id, kPack, Level::kError, rule.description, rule.remediation});
  }
  PackRun run{options, result, limits, Detector(std::move(rules)), {}, {}, 0};
  const std::filesystem::path root(options.root.empty() ? "." : options.root);
  for (const char* name : {".gitleaksignore", ".sluiceignore-secrets"}) {
    run.ignore.load((root / name).string(), result.diagnostics);
  }
  if (options.since_rev.empty()) {
    run.scan_paths();
  } else {
    run.scan_since();
  }
}

}  // namespace sluice::scan
