// A loaded CloudFormation template: the node tree plus an index of its resources.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/diagnostic.h"
#include "core/result.h"
#include "scan/cfn/node.h"

namespace sluice::scan::cfn {

struct Resource {
  std::string logical_id;
  std::string type;                     // "AWS::S3::Bucket"
  const CfnNode* node = nullptr;        // the resource's mapping
  const CfnNode* properties = nullptr;  // nullptr when the resource has none
  const CfnNode* metadata = nullptr;
  std::string cdk_path;  // aws:cdk:path without the leading '/'
  int line = 0;          // line of the logical ID
  int column = 0;
};

// Invariant: every pointer in `resources` points into `*root`, which never changes after
// load; a Template may be moved freely because the tree lives on the heap.
struct Template {
  std::string file;
  std::shared_ptr<const CfnNode> root;
  std::vector<Resource> resources;  // document order
  long long bytes = 0;

  const Resource* find(std::string_view logical_id) const;
  // All resources of one type, in document order.
  std::vector<const Resource*> of_type(std::string_view type) const;
  std::unordered_map<std::string, size_t> index;  // logical ID -> position in resources
  // Type -> positions in resources, so cross-resource look-ups do not rescan the template.
  std::unordered_map<std::string, std::vector<size_t>> by_type;
};

struct LoadLimits {
  long long max_bytes = 50LL * 1024 * 1024;
  int max_depth = 100;  // nesting of mappings/sequences
  // Nodes a YAML template may expand to ("billion laughs" aliases): the budget of
  // core/yaml_document.h, proportional to the file's size, and never more than this.
  size_t max_nodes = 20'000'000;
  size_t max_resources = 10'000;
};

// Parses JSON or YAML text (YAML short-form intrinsic tags are expanded). Errors carry
// file:line:col. Never throws, whatever the input.
Result<CfnNode> parse_document(std::string_view text, const std::string& file,
                               const LoadLimits& limits = {});

// True when the document has a `Resources` mapping with at least one entry whose Type
// starts with "AWS::" (or "Custom::" next to one): how sluice tells templates from other
// JSON/YAML files.
bool looks_like_cloudformation(const CfnNode& root);

// Indexes the resources of a parsed document. Entries that are not resources (missing
// Type, not a mapping) become diagnostics and are skipped; too many resources is an error.
Result<Template> build_template(std::shared_ptr<const CfnNode> root, std::string file,
                                Diagnostics& diagnostics);

// Reads, parses and indexes one template file. `is_template` is set false (and an ok,
// empty Template returned) when the file parses but is not CloudFormation.
Result<Template> load_template_file(const std::string& path, const std::string& display_name,
                                    Diagnostics& diagnostics, bool& is_template,
                                    const LoadLimits& limits = {});

}  // namespace sluice::scan::cfn
