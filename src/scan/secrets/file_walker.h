// Lists the files a scan reads: explicit files as given, directories recursively in name
// order, skipping .git/ and what .gitignore files inside the walked tree exclude.
// Symbolic links inside directories are not followed (no loops, no escaping the tree).
#pragma once

#include <functional>
#include <string>

#include "core/diagnostic.h"

namespace sluice::scan::secrets {

struct WalkedFile {
  std::string fs_path;       // what to open
  std::string display_path;  // relative to the scan root when inside it, '/'-separated
};

// Calls `visit` for every file to scan under `path`. Unreadable paths become diagnostics.
// Directory depth is limited to 64 levels.
void walk_files(const std::string& path, const std::string& root, Diagnostics& diagnostics,
                const std::function<void(const WalkedFile&)>& visit);

// `path` relative to `root` when it lies inside it, else `path` itself; '/'-separated.
std::string display_path(const std::string& path, const std::string& root);

}  // namespace sluice::scan::secrets
