#include "actions/scan_gate.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>

#include "scan/report.h"
#include "scan/scan_runner.h"

namespace fs = std::filesystem;

namespace sluice::actions {
namespace {

std::string input(const char* name) {
  const char* v = std::getenv((std::string("INPUT_") + name).c_str());
  return v ? v : "";
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string item;
  for (char c : s + "\n") {
    if (c == ',' || c == '\n' || c == ' ') {
      if (!item.empty()) out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  return out;
}

// Workflow-command property and message escaping (GitHub's rules).
std::string escape_data(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else
      out += c;
  }
  return out;
}

std::string escape_property(const std::string& s) {
  std::string out;
  for (char c : escape_data(s)) {
    if (c == ':')
      out += "%3A";
    else if (c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

bool write_file(const fs::path& path, const std::string& text) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
  std::ofstream file(path, std::ios::binary);
  file << text;
  return static_cast<bool>(file);
}

}  // namespace

int run_scan_gate(std::ostream& out, std::ostream& err) {
  const char* ws = std::getenv("GITHUB_WORKSPACE");
  fs::path workspace = ws && *ws ? ws : fs::current_path();
  scan::ScanOptions options;
  options.root = workspace.string();
  for (const std::string& p : split_list(input("PATHS")))
    options.paths.push_back((workspace / p).lexically_normal().string());
  if (options.paths.empty()) options.paths.push_back(workspace.string());
  if (auto packs = split_list(input("PACKS")); !packs.empty()) options.packs = packs;
  auto relative = [&](const std::string& p) {
    return p.empty() ? p : (workspace / p).lexically_normal().string();
  };
  options.suppressions_file = relative(input("SUPPRESSIONS"));
  options.parameters_file = relative(input("PARAMETERS"));
  options.secrets_config_file = relative(input("CONFIG"));
  options.since_rev = input("SINCE");

  auto fail_on = scan::parse_fail_on(input("FAIL-ON").empty() ? "error" : input("FAIL-ON"));
  auto format = scan::parse_report_format(input("FORMAT").empty() ? "sarif" : input("FORMAT"));
  if (!fail_on || !format) {
    err << "::error::sluice/scan: invalid input: fail-on must be error|warning|none, format "
           "text|json|csv|sarif|junit\n";
    return 2;
  }

  scan::ScanResult result = scan::run_scan(options);
  for (const Diagnostic& d : result.diagnostics.items()) {
    const char* command = d.severity == Severity::kError ? "error" : "warning";
    out << "::" << command << " file=" << escape_property(d.pos.file) << ",line=" << d.pos.line
        << "::" << escape_data(d.message) << "\n";
  }
  for (const scan::ScanAnnotation& a : scan::scan_annotations(result)) {
    const char* command = a.level == scan::Level::kError     ? "error"
                          : a.level == scan::Level::kWarning ? "warning"
                                                             : "notice";
    out << "::" << command << " file=" << escape_property(a.file) << ",line=" << a.line
        << "::" << escape_data(a.message) << "\n";
  }

  std::string report = scan::write_report(result, *format);
  std::vector<fs::path> targets;
  if (std::string output = input("OUTPUT"); !output.empty()) {
    // A directory (existing, or written with a trailing '/') gets the format's file name.
    fs::path target = workspace / output;
    if (output.back() == '/' || fs::is_directory(target)) target /= scan::report_file_name(*format);
    targets.push_back(target);
  }
  if (const char* artifacts = std::getenv("SLUICE_ARTIFACTS_DIR"); artifacts && *artifacts)
    targets.push_back(fs::path(artifacts) / scan::report_file_name(*format));
  for (const fs::path& target : targets) {
    if (!write_file(target, report)) {
      err << "::error::sluice/scan: cannot write report " << target.string() << "\n";
      return 2;
    }
    out << "scan: report written to " << target.string() << "\n";
  }
  int non_compliant = 0, suppressed = 0;
  for (const scan::Finding& f : result.findings) {
    non_compliant += f.compliance == scan::Compliance::kNonCompliant;
    suppressed += f.compliance == scan::Compliance::kSuppressed;
  }
  out << "scan: " << result.files_scanned << " files, " << non_compliant
      << " non-compliant findings, " << suppressed
      << " suppressed (fail-on: " << (input("FAIL-ON").empty() ? "error" : input("FAIL-ON"))
      << ")\n";
  return scan::scan_exit_code(result, *fail_on);
}

}  // namespace sluice::actions
