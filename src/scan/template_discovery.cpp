#include "scan/template_discovery.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/json.h"

namespace sluice::scan {
namespace fs = std::filesystem;
namespace {

constexpr int kMaxWalkDepth = 64;

bool template_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  return ext == ".json" || ext == ".yaml" || ext == ".yml" || ext == ".template";
}

std::string display(const fs::path& p, const std::string& root) {
  std::error_code ec;
  fs::path rel = fs::proximate(p, root.empty() ? "." : root, ec);
  std::string s = ec ? p.generic_string() : rel.generic_string();
  return s;
}

// Adds the stack templates listed by a cloud assembly manifest (and nested assemblies).
bool add_cdk_assembly(const fs::path& dir, const std::string& root,
                      std::vector<TemplateCandidate>& out, Diagnostics& diagnostics, int depth) {
  fs::path manifest = dir / "manifest.json";
  std::ifstream in(manifest);
  if (!in || depth > 8) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  auto doc = parse_json(ss.str());
  if (!doc || !doc->is_object()) {
    diagnostics.error(SourcePos{display(manifest, root), 0, 0},
                      "cdk.out manifest.json is not valid JSON", "re-run `cdk synth`");
    return true;
  }
  const Value* artifacts = doc->find("artifacts");
  if (!artifacts || !artifacts->is_object()) return false;
  for (const auto& [name, art] : artifacts->as_object()) {
    const Value* type = art.find("type");
    const Value* props = art.find("properties");
    if (!type || !type->is_string() || !props) continue;
    if (type->as_string() == "aws:cloudformation:stack") {
      const Value* file = props->find("templateFile");
      if (file && file->is_string())
        out.push_back(
            {(dir / file->as_string()).string(), display(dir / file->as_string(), root), true});
    } else if (type->as_string() == "cdk:cloud-assembly") {
      const Value* sub = props->find("directoryName");
      if (sub && sub->is_string())
        add_cdk_assembly(dir / sub->as_string(), root, out, diagnostics, depth + 1);
    }
  }
  return true;
}

void walk(const fs::path& dir, const fs::path& top, const std::string& root, GitIgnore ignore,
          std::vector<TemplateCandidate>& out, Diagnostics& diagnostics, int depth) {
  if (depth > kMaxWalkDepth) return;
  std::string rel_dir = dir == top ? "" : fs::relative(dir, top).generic_string();
  if (fs::exists(dir / ".gitignore")) ignore.add_file((dir / ".gitignore").string(), rel_dir);
  if (fs::exists(dir / "manifest.json") && fs::exists(dir / "tree.json")) {
    if (add_cdk_assembly(dir, root, out, diagnostics, 0)) return;
  }
  std::error_code ec;
  std::vector<fs::directory_entry> entries;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    entries.push_back(*it);
  std::sort(entries.begin(), entries.end());
  for (const auto& e : entries) {
    std::string name = e.path().filename().string();
    if (name == ".git" || name == "node_modules") continue;
    std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
    bool is_dir = e.is_directory(ec) && !e.is_symlink(ec);
    if (ignore.ignored(rel, is_dir)) continue;
    if (is_dir) {
      walk(e.path(), top, root, ignore, out, diagnostics, depth + 1);
    } else if (e.is_regular_file(ec) && template_extension(e.path())) {
      out.push_back({e.path().string(), display(e.path(), root), false});
    }
  }
}

}  // namespace

void GitIgnore::add_file(const std::string& path, const std::string& base_dir) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) add_pattern(line, base_dir);
}

void GitIgnore::add_pattern(const std::string& raw, const std::string& base_dir) {
  std::string line = raw;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty() || line[0] == '#') return;
  Pattern p;
  p.base = base_dir;
  if (line[0] == '!') {
    p.negate = true;
    line.erase(0, 1);
  }
  if (!line.empty() && line.back() == '/') {
    p.dir_only = true;
    line.pop_back();
  }
  if (!line.empty() && line[0] == '/') {
    p.anchored = true;
    line.erase(0, 1);
  }
  if (line.find('/') != std::string::npos) p.anchored = true;  // git: a slash inside anchors
  if (line.empty()) return;
  p.glob = line;
  patterns_.push_back(std::move(p));
}

bool GitIgnore::ignored(const std::string& path, bool is_dir) const {
  bool result = false;
  for (const Pattern& p : patterns_) {
    if (p.dir_only && !is_dir) continue;
    std::string rel = path;
    if (!p.base.empty()) {
      if (!path.starts_with(p.base + "/")) continue;
      rel = path.substr(p.base.size() + 1);
    }
    bool match;
    if (p.anchored) {
      match = fnmatch(p.glob.c_str(), rel.c_str(), FNM_PATHNAME) == 0;
      if (!match && p.glob.find("**") != std::string::npos)
        match = fnmatch(p.glob.c_str(), rel.c_str(), 0) == 0;
    } else {
      size_t slash = rel.rfind('/');
      std::string base = slash == std::string::npos ? rel : rel.substr(slash + 1);
      match = fnmatch(p.glob.c_str(), base.c_str(), 0) == 0;
    }
    if (match) result = !p.negate;
  }
  return result;
}

std::vector<TemplateCandidate> discover_templates(const std::vector<std::string>& paths,
                                                  const std::string& root,
                                                  Diagnostics& diagnostics) {
  std::vector<TemplateCandidate> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    fs::path path(p);
    if (fs::is_directory(path, ec)) {
      if (fs::exists(path / "manifest.json") && add_cdk_assembly(path, root, out, diagnostics, 0))
        continue;
      walk(path, path, root, GitIgnore{}, out, diagnostics, 0);
    } else if (fs::exists(path, ec)) {
      out.push_back({p, display(path, root), true});
    } else {
      diagnostics.error(SourcePos{p, 0, 0}, "no such file or directory",
                        "check the path given to sluice scan");
    }
  }
  std::set<std::string> seen;
  std::vector<TemplateCandidate> unique;
  for (auto& c : out) {
    std::error_code ec;
    std::string key = fs::weakly_canonical(c.path, ec).string();
    if (seen.insert(ec ? c.path : key).second) unique.push_back(std::move(c));
  }
  return unique;
}

}  // namespace sluice::scan
