// `sluice scan`: parses options, calls scan::run_scan, writes the report(s).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "scan/scan_runner.h"

namespace sluice::cli {
namespace {

struct ScanArgs {
  std::vector<std::string> paths;
  std::string packs = "aws-solutions,secrets";
  std::string formats = "text";
  std::string output;
  std::string fail_on = "error";
  std::string suppressions;
  std::string parameters;
  std::string since;
  std::string config;
  std::string root = ".";
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary);
  out << text;
  return static_cast<bool>(out);
}

int run(const ScanArgs& args) {
  std::vector<scan::ReportFormat> formats;
  for (const std::string& f : split_list(args.formats)) {
    auto parsed = scan::parse_report_format(f);
    if (!parsed) {
      std::cerr << "sluice scan: unknown --format '" << f
                << "' (use text, json, csv, sarif or junit)\n";
      return kExitInvalid;
    }
    formats.push_back(*parsed);
  }
  auto fail_on = scan::parse_fail_on(args.fail_on);
  if (!fail_on) {
    std::cerr << "sluice scan: unknown --fail-on '" << args.fail_on
              << "' (use error, warning or none)\n";
    return kExitInvalid;
  }
  std::filesystem::path output(args.output);
  bool output_is_dir = !args.output.empty() && (std::filesystem::is_directory(output) ||
                                                args.output.back() == '/' || formats.size() > 1);
  if (formats.size() > 1 && args.output.empty()) {
    std::cerr << "sluice scan: several formats need --output DIR\n";
    return kExitInvalid;
  }

  scan::ScanOptions options;
  options.paths = args.paths.empty() ? std::vector<std::string>{"."} : args.paths;
  options.packs = split_list(args.packs);
  options.suppressions_file = args.suppressions;
  options.parameters_file = args.parameters;
  options.secrets_config_file = args.config;
  options.since_rev = args.since;
  options.root = args.root;
  scan::ScanResult result = scan::run_scan(options);
  int code = scan::scan_exit_code(result, *fail_on);

  bool text_on_stdout = false;
  for (scan::ReportFormat f : formats) {
    std::string report = scan::write_report(result, f);
    if (args.output.empty()) {
      std::cout << report;
      text_on_stdout = f == scan::ReportFormat::kText;
      continue;
    }
    std::filesystem::path target = output_is_dir ? output / scan::report_file_name(f) : output;
    if (!write_file(target, report)) {
      std::cerr << "sluice scan: cannot write " << target.string() << "\n";
      return kExitInvalid;
    }
  }
  // Problems with the input always reach the terminal, even when the report goes to a file.
  if (!text_on_stdout && !result.diagnostics.empty())
    std::cerr << result.diagnostics.format() << "\n";
  if (!args.output.empty()) {
    int bad = 0;
    for (const auto& f : result.findings) bad += f.compliance == scan::Compliance::kNonCompliant;
    std::cerr << "sluice scan: " << bad << " non-compliant findings in " << result.files_scanned
              << " files; report written to " << args.output << "\n";
  }
  return code;
}

}  // namespace

void add_scan_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ScanArgs>();
  auto* cmd = app.add_subcommand("scan",
                                 "Scan CloudFormation templates (and cdk.out) and files for policy "
                                 "violations and leaked secrets");
  cmd->add_option("paths", args->paths,
                  "Template files, directories or cdk.out directories (default: .)");
  cmd->add_option("--pack", args->packs, "Rule packs, comma-separated: aws-solutions, secrets")
      ->capture_default_str();
  cmd->add_option("--format", args->formats, "Report format(s): text, json, csv, sarif, junit")
      ->capture_default_str();
  cmd->add_option("--output,-o", args->output, "Report file, or directory for one file per format");
  cmd->add_option("--fail-on", args->fail_on,
                  "Exit 1 on unsuppressed findings at or above: error, warning, none")
      ->capture_default_str();
  cmd->add_option("--suppressions", args->suppressions,
                  "Suppressions file (default: .sluice/suppressions.yml)");
  cmd->add_option("--parameters", args->parameters,
                  "CloudFormation parameter values, JSON {\"Name\": \"value\"}");
  cmd->add_option("--since", args->since, "Secrets: scan only lines added by commits since REV");
  cmd->add_option("--config", args->config, "Secrets: gitleaks-compatible TOML rule configuration");
  cmd->add_option("--root", args->root, "Directory report paths are relative to")
      ->capture_default_str();
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace sluice::cli
