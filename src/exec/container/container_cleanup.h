// Removing a job's containers synchronously: after a job whose stop step did not run (the
// second Ctrl-C, a stop that failed) and, in crash recovery, for the runs of a dead sluice.
// The normal path is the job's "Stop containers" step (container_scripts.h).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "exec/container/container_engine.h"

namespace sluice::exec::container {

// Runs `engine args...` with this process's environment, waits for it, and returns its
// standard output; an error (with its output) when it exits non-zero.
Result<std::string> run_engine(const ContainerEngine& engine, const std::vector<std::string>& args);

// Removes every container, then every network, whose labels match all of `label_filters`
// ("sluice.run=12", ...). Returns how many containers were removed.
Result<int> remove_labelled(const ContainerEngine& engine,
                            const std::vector<std::string>& label_filters);

// Crash recovery: removes the containers and networks of `run_ids` in `data_dir`. Silent
// when no engine is installed (then none can have been started).
void remove_containers_of_runs(const std::vector<int64_t>& run_ids, const std::string& data_dir);

// A `sluice agent` started on the work dir of one that was killed: removes every container
// and network labelled with `data_dir` (the work dir). Silent when no engine is installed.
void remove_containers_of_data_dir(const std::string& data_dir, const std::string& engine_choice);

// Removes `path` (a directory that was mounted into containers) when this process could not:
// with rootless Podman a file made by a container's user other than root belongs to a
// subordinate id outside (/etc/subuid), and its owner's directories cannot be emptied by
// this user. `podman unshare rm -rf` removes it as root of the user's namespace, which maps
// every id of that range. Refused for root (who removes anything) and for Docker (a rootless
// daemon's namespace cannot be entered with one command).
Status remove_tree_in_user_namespace(const std::string& path, const std::string& engine_choice);

}  // namespace sluice::exec::container
