// Mapping the controller's directories onto a lease's (docs/agent-protocol.md, "Paths"):
// every field of a container step that may name one.
#include "agent/agent_paths.h"

#include <gtest/gtest.h>

namespace sluice::agent {
namespace {

PathMap lease_map() {
  PathMap map;
  map.add("/ctl/runs/12/ws", "/agent/leases/l-9/workspace");
  map.add("/ctl/runs/12/tmp", "/agent/leases/l-9/temp");
  map.add("/ctl/cache/acme/greet/v1", "/agent/leases/l-9/actions/1");
  return map;
}

TEST(AgentPaths, EveryPathOfAContainerStepIsMapped) {
  auto containers = std::make_shared<engine::JobContainers>();
  engine::ContainerRequest job;
  job.image = "localhost/img";
  job.env = {{"DATA", "/ctl/runs/12/ws/data"}, {"PLAIN", "/ctl/runs/12/wsx"}};
  job.volumes = {"/ctl/runs/12/ws/cache:/cache"};
  job.options = "--cpus 1 -v /ctl/runs/12/tmp:/scratch --volume=/ctl/runs/12/ws:/w";
  containers->job = job;
  engine::ContainerRequest db;
  db.service_id = "db";
  db.env = {{"INIT", "/ctl/runs/12/ws/init.sql"}};
  containers->services = {db};
  containers->mounts = {"/ctl/runs/12/ws", "/ctl/runs/12/tmp", "/dev/shm/sluice-7"};
  containers->workspace = "/ctl/runs/12/ws";

  engine::StepRequest r;
  r.kind = engine::StepRequest::Kind::kContainersStart;
  r.containers = containers;
  r.step_files_dir = "/dev/shm/sluice-7";
  r.working_directory = "/ctl/runs/12/ws/sub";
  map_step_request(r, lease_map(), "/agent/leases/l-9/step-files");

  EXPECT_EQ(containers->workspace, "/ctl/runs/12/ws") << "the job's shared copy is untouched";
  ASSERT_TRUE(r.containers && r.containers->job);
  const engine::ContainerRequest& j = *r.containers->job;
  EXPECT_EQ(j.env,
            (std::vector<std::pair<std::string, std::string>>{
                {"DATA", "/agent/leases/l-9/workspace/data"}, {"PLAIN", "/ctl/runs/12/wsx"}}));
  EXPECT_EQ(j.volumes, std::vector<std::string>{"/agent/leases/l-9/workspace/cache:/cache"});
  EXPECT_EQ(j.options,
            "--cpus 1 -v /agent/leases/l-9/temp:/scratch --volume=/agent/leases/l-9/workspace:/w");
  EXPECT_EQ(r.containers->services[0].env[0].second, "/agent/leases/l-9/workspace/init.sql");
  EXPECT_EQ(r.containers->mounts,
            (std::vector<std::string>{"/agent/leases/l-9/workspace", "/agent/leases/l-9/temp",
                                      "/agent/leases/l-9/step-files"}))
      << "the controller's step-files directory becomes the agent's";
  EXPECT_EQ(r.containers->workspace, "/agent/leases/l-9/workspace");
  EXPECT_EQ(r.working_directory, "/agent/leases/l-9/workspace/sub");
  EXPECT_EQ(r.step_files_dir, "/agent/leases/l-9/step-files");
}

TEST(AgentPaths, ADockerActionBuildsFromTheLeasesCopyOfItsDirectory) {
  engine::StepRequest r;
  r.kind = engine::StepRequest::Kind::kDockerAction;
  r.step_files_dir = "/dev/shm/sluice-7";
  r.docker.image = "/ctl/cache/acme/greet/v1/Dockerfile";
  r.docker.entrypoint = "/ctl/runs/12/ws/run.sh";
  r.docker.args = {"hello", "/ctl/runs/12/ws/file"};
  r.docker.mounts = {"/ctl/runs/12/ws", "/ctl/runs/12/tmp", "/dev/shm/sluice-7"};
  r.docker.workspace = "/ctl/runs/12/ws";
  map_step_request(r, lease_map(), "/agent/leases/l-9/step-files");
  EXPECT_EQ(r.docker.image, "/agent/leases/l-9/actions/1/Dockerfile");
  EXPECT_EQ(r.docker.entrypoint, "/agent/leases/l-9/workspace/run.sh");
  EXPECT_EQ(r.docker.args, (std::vector<std::string>{"hello", "/agent/leases/l-9/workspace/file"}));
  EXPECT_EQ(r.docker.mounts,
            (std::vector<std::string>{"/agent/leases/l-9/workspace", "/agent/leases/l-9/temp",
                                      "/agent/leases/l-9/step-files"}));
  EXPECT_EQ(r.docker.workspace, "/agent/leases/l-9/workspace");

  r.docker.image = "docker://ctl/runs/12/ws";
  map_step_request(r, lease_map(), "/agent/leases/l-9/step-files");
  EXPECT_EQ(r.docker.image, "docker://ctl/runs/12/ws") << "an image name is no path";
}

// A controller without /dev/shm keeps the step files in RUNNER_TEMP: that mount maps to the
// lease's temp directory, and the agent's own step-files directory is mounted besides.
TEST(AgentPaths, StepFilesInTheTempRootAreMountedToo) {
  auto containers = std::make_shared<engine::JobContainers>();
  containers->mounts = {"/ctl/runs/12/ws", "/ctl/runs/12/tmp"};
  engine::StepRequest r;
  r.containers = containers;
  r.step_files_dir = "/ctl/runs/12/tmp";
  map_step_request(r, lease_map(), "/agent/leases/l-9/step-files");
  EXPECT_EQ(r.containers->mounts,
            (std::vector<std::string>{"/agent/leases/l-9/workspace", "/agent/leases/l-9/temp",
                                      "/agent/leases/l-9/step-files"}));
}

}  // namespace
}  // namespace sluice::agent
