// `container:` and `services:` of a job: YAML → spec::ContainerSpec.
#include <algorithm>

#include "spec/loader_parts.h"

namespace sluice::spec::detail {
namespace {

constexpr std::string_view kContainerKeys[] = {"image", "credentials", "env",
                                               "ports", "volumes",     "options"};
constexpr std::string_view kCredentialKeys[] = {"username", "password"};

// A list of strings or numbers (`ports: [8080, "5432:5432"]`).
std::vector<Scalar> scalar_list(YamlReader& r, const YAML::Node& node, const std::string& what) {
  std::vector<Scalar> out;
  if (!r.expect_seq(node, what, "write a list: `[...]` or one `- item` per line")) return out;
  for (const auto& item : node)
    if (auto s = r.scalar(item, what)) out.push_back(*s);
  return out;
}

std::optional<ContainerSpec> read_one(YamlReader& r, const YAML::Node& node,
                                      const std::string& where, std::string service_id) {
  ContainerSpec c;
  c.service_id = std::move(service_id);
  c.pos = r.pos(node);
  if (node.IsScalar()) {  // `container: node:20` — the image alone
    auto image = r.scalar(node, where);
    if (!image) return std::nullopt;
    c.image = *image;
    return c;
  }
  if (!r.expect_map(node, where, "write the image name, or a mapping with `image:`"))
    return std::nullopt;
  bool has_image = false;
  for (auto& e : r.entries(node, where, kContainerKeys)) {
    const std::string what = "'" + e.key + "' in " + where;
    if (e.key == "image") {
      if (auto s = r.scalar(e.value, what)) c.image = *s, has_image = true;
    } else if (e.key == "credentials") {
      if (!r.expect_map(e.value, what, "write `credentials: {username: ..., password: ...}`"))
        continue;
      for (auto& k : r.entries(e.value, what, kCredentialKeys))
        (k.key == "username" ? c.username : c.password) = r.scalar(k.value, what);
    } else if (e.key == "env") {
      c.env = r.scalar_map(e.value, what);
    } else if (e.key == "ports") {
      c.ports = scalar_list(r, e.value, what);
    } else if (e.key == "volumes") {
      c.volumes = scalar_list(r, e.value, what);
    } else if (e.key == "options") {
      c.options = r.scalar(e.value, what);
    }
  }
  if (!has_image) {
    r.diagnostics().error(c.pos, where + " has no 'image'", "add `image: <name>[:tag]`");
    return std::nullopt;
  }
  return c;
}

}  // namespace

std::optional<ContainerSpec> read_container(YamlReader& r, const YAML::Node& node,
                                            std::string_view job_where) {
  return read_one(r, node, "'container' in " + std::string(job_where), "");
}

std::vector<ContainerSpec> read_services(YamlReader& r, const YAML::Node& node,
                                         std::string_view job_where) {
  std::vector<ContainerSpec> out;
  const std::string what = "'services' in " + std::string(job_where);
  if (!r.expect_map(node, what, "write one `NAME: {image: ...}` entry per service")) return out;
  for (auto& e : r.entries(node, what, {})) {
    // The key becomes a host name on the job's network: DNS labels only.
    bool valid = !e.key.empty() && e.key.size() <= 63 && e.key.front() != '-' &&
                 std::all_of(e.key.begin(), e.key.end(), [](char ch) {
                   return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
                 });
    if (!valid) {
      r.diagnostics().error(e.key_pos, "service name '" + e.key + "' in " + what + " is invalid",
                            "use letters, digits, '-' and '_' (it becomes the host name)");
      continue;
    }
    if (auto c =
            read_one(r, e.value, "service '" + e.key + "' of " + std::string(job_where), e.key))
      out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace sluice::spec::detail
