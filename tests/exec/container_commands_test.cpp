// The container engine's command lines and scripts (exec/container/): pure functions, so
// every flag sluice passes is pinned here; the integration tests run them for real.
#include "exec/container/container_commands.h"

#include <gtest/gtest.h>

#include "exec/container/container_scripts.h"

namespace sluice::exec::container {
namespace {

using Args = std::vector<std::string>;

// A script target for job "a" of run 1, with no data directory.
ScriptTarget target_of_job_a(EngineKind kind) {
  return {"/p", kind, names_for("1/a", ""), labels_for("1/a", "")};
}

DockerRun docker_run(std::string image) {
  DockerRun run;
  run.image = std::move(image);
  run.container_name = "c";
  return run;
}

engine::ContainerRequest service(std::string id, std::string image) {
  engine::ContainerRequest s;
  s.service_id = std::move(id);
  s.image = std::move(image);
  return s;
}

TEST(ContainerNames, CarryTheRunAndDifferByDataDirAndJob) {
  ContainerNames a = names_for("12/build", "/data/a");
  EXPECT_EQ(a.prefix.rfind("sluice-12-", 0), 0u) << a.prefix;
  EXPECT_EQ(a.network, a.prefix);
  EXPECT_EQ(a.job, a.prefix + "-job");
  EXPECT_EQ(a.service("db"), a.prefix + "-db");
  EXPECT_EQ(names_for("12/build", "/data/a").prefix, a.prefix);  // stable
  EXPECT_NE(names_for("12/build", "/data/b").prefix, a.prefix);
  EXPECT_NE(names_for("12/test", "/data/a").prefix, a.prefix);
}

TEST(ContainerLabels, SelectRunJobAndDataDir) {
  Labels l = labels_for("7/build (linux)", "/d");
  EXPECT_EQ(l.args(), (Args{"--label", "sluice.run=7", "--label", "sluice.job=" + l.job, "--label",
                            "sluice.data=" + data_label("/d"), "--label",
                            "sluice.scope=7/build (linux)", "--label", "sluice.data-dir=/d"}));
  EXPECT_EQ(l.job_filters(), (Args{"sluice.job=" + l.job, "sluice.data=" + data_label("/d")}));
  EXPECT_EQ(labels_for("scope", "").args(),
            (Args{"--label", "sluice.job=" + labels_for("scope", "").job, "--label",
                  "sluice.scope=scope"}));
}

// An engine's `--filter label=K=V` splits V at commas: a matrix job's scope ("build (a, b)")
// or a data directory with a comma must not reach a filter.
TEST(ContainerLabels, FilterValuesHaveNoCommas) {
  Labels l = labels_for("7/build (linux, 20)", "/data,dir");
  for (const auto& f : l.job_filters()) EXPECT_EQ(f.find(','), std::string::npos) << f;
  EXPECT_NE(l.job, labels_for("7/build (linux, 22)", "/data,dir").job);
  EXPECT_NE(l.data, data_label("/data,dir2"));
  EXPECT_EQ(names_for("7/build (linux, 20)", "/data,dir").prefix,
            "sluice-7-" + l.job.substr(0, 12));
}

TEST(ContainerCommands, ServiceRunsOnTheJobNetworkUnderItsKey) {
  ContainerNames n = names_for("3/j", "/d");
  engine::ContainerRequest db = service("db", "postgres:16");
  db.env = {{"POSTGRES_PASSWORD", "secret-value"}};
  db.ports = {"5432"};
  db.volumes = {"pgdata:/var/lib/postgresql"};
  Args args = service_run_args(db, n, labels_for("3/j", "/d"), {"--health-cmd", "pg_isready"});
  Args expected = {"run",
                   "-d",
                   "--name",
                   n.service("db"),
                   "--network",
                   n.network,
                   "--network-alias",
                   "db",
                   "--label",
                   "sluice.run=3",
                   "--label",
                   "sluice.job=" + labels_for("3/j", "/d").job,
                   "--label",
                   "sluice.data=" + data_label("/d"),
                   "--label",
                   "sluice.scope=3/j",
                   "--label",
                   "sluice.data-dir=/d",
                   "-e",
                   "POSTGRES_PASSWORD",
                   "-p",
                   "5432",
                   "-v",
                   "pgdata:/var/lib/postgresql",
                   "--health-cmd",
                   "pg_isready",
                   "postgres:16"};
  EXPECT_EQ(args, expected);
  for (const auto& a : args) EXPECT_EQ(a.find("secret-value"), std::string::npos);
}

TEST(ContainerCommands, JobContainerMountsAtTheSamePathsAndIdles) {
  engine::JobContainers job;
  job.job = service("", "node:20");
  job.mounts = {"/w", "/tmp/r"};
  job.workspace = "/w";
  ContainerNames n = names_for("1/a", "");
  Args args = job_container_run_args(job, n, labels_for("1/a", ""), {"--cpus", "1"});
  Args expected = {"run",          "-d",
                   "--name",       n.job,
                   "--network",    n.network,
                   "--label",      "sluice.run=1",
                   "--label",      "sluice.job=" + labels_for("1/a", "").job,
                   "--label",      "sluice.scope=1/a",
                   "-v",           "/w:/w",
                   "-v",           "/tmp/r:/tmp/r",
                   "-w",           "/w",
                   "--entrypoint", "tail",
                   "--cpus",       "1",
                   "node:20",      "-f",
                   "/dev/null"};
  EXPECT_EQ(args, expected);
}

TEST(ContainerCommands, ExecPassesVariablesByName) {
  ContainerNames n = names_for("1/a", "");
  EXPECT_EQ(
      exec_args(n, "/w/sub", {"A", "GITHUB_OUTPUT"}, {"sh", "-e", "/s"}),
      (Args{"exec", "-w", "/w/sub", "-e", "A", "-e", "GITHUB_OUTPUT", n.job, "sh", "-e", "/s"}));
}

TEST(ContainerCommands, DockerActionRun) {
  engine::DockerActionRequest action;
  action.mounts = {"/w"};
  action.workspace = "/w";
  action.entrypoint = "/main.sh";
  action.args = {"hello", "a b"};
  Args args = docker_action_run_args(action, "img:1", "c1", "net", labels_for("", ""), {"INPUT_X"});
  EXPECT_EQ(args,
            (Args{"run", "--rm", "--name", "c1", "--label", "sluice.job=" + labels_for("", "").job,
                  "--network", "net", "-v", "/w:/w", "-w", "/w", "-e", "INPUT_X", "--entrypoint",
                  "/main.sh", "img:1", "hello", "a b"}));
  action.entrypoint.clear();
  args = docker_action_run_args(action, "img:1", "c1", "", labels_for("", ""), {});
  EXPECT_EQ(std::find(args.begin(), args.end(), "--entrypoint"), args.end());
  EXPECT_EQ(std::find(args.begin(), args.end(), "--network"), args.end());
}

TEST(ContainerCommands, DockerActionNetworkWordsFollowTheNetwork) {
  engine::DockerActionRequest action;
  action.workspace = "/w";
  Args args =
      docker_action_run_args(action, "img:1", "c1", "net", labels_for("", ""), {}, {"--add-host"});
  auto network = std::find(args.begin(), args.end(), "--network");
  ASSERT_NE(network, args.end());
  EXPECT_EQ(*(network + 2), "--add-host");
}

TEST(ContainerCommands, DockerActionCreateIsRunCreated) {
  engine::DockerActionRequest action;
  action.workspace = "/w";
  Args run = docker_action_run_args(action, "img:1", "c1", "net", labels_for("", ""), {"X"}, {});
  Args create =
      docker_action_create_args(action, "img:1", "c1", "net", labels_for("", ""), {"X"}, {});
  run[0] = "create";
  EXPECT_EQ(create, run);
  EXPECT_EQ(start_attached_args("c1"), (Args{"start", "--attach", "c1"}));
}

TEST(ContainerCommands, NetworkAddressesOfSeveralContainersInOneInspect) {
  EXPECT_EQ(network_addresses_args("sluice-1-ab", {"sluice-1-ab-db", "sluice-1-ab-web"}),
            (Args{"inspect", "--format",
                  "{{(index .NetworkSettings.Networks \"sluice-1-ab\").IPAddress}}",
                  "sluice-1-ab-db", "sluice-1-ab-web"}));
}

TEST(ContainerCommands, PodmanRemovesWithoutWaitingForTheStopTimeout) {
  EXPECT_EQ(remove_args(EngineKind::kPodman, {"a", "b"}), (Args{"rm", "-f", "-t", "0", "a", "b"}));
  EXPECT_EQ(remove_args(EngineKind::kDocker, {"a"}), (Args{"rm", "-f", "a"}));
  EXPECT_EQ(image_exists_args(EngineKind::kPodman, "i"), (Args{"image", "exists", "i"}));
  EXPECT_EQ(list_by_label_args({"a=1", "b=2"}),
            (Args{"ps", "-a", "-q", "--filter", "label=a=1", "--filter", "label=b=2"}));
}

TEST(ContainerCommands, DockerImageOf) {
  EXPECT_EQ(docker_image_of("docker://alpine:3"), "alpine:3");
  EXPECT_EQ(docker_image_of("./action"), "");
}

TEST(ContainerOptions, SplitLikeAShell) {
  auto words = split_options("--health-cmd \"pg_isready -U x\" --health-interval=10s");
  ASSERT_TRUE(words.ok());
  EXPECT_EQ(*words, (Args{"--health-cmd", "pg_isready -U x", "--health-interval=10s"}));
  auto bad = split_options("--health-cmd 'oops");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("unterminated"), std::string::npos);
}

TEST(HealthWait, FromOptionsWithDockerDefaults) {
  HealthWait none = health_wait({"--cpus", "1"});
  EXPECT_FALSE(none.has_check);
  HealthWait w = health_wait({"--health-cmd", "x", "--health-interval", "10s", "--health-retries=5",
                              "--health-start-period", "1m"});
  EXPECT_TRUE(w.has_check);
  EXPECT_DOUBLE_EQ(w.interval_seconds, 10);
  EXPECT_EQ(w.retries, 5);
  EXPECT_DOUBLE_EQ(w.budget_seconds(), 60 + 10 * 6);
  HealthWait defaults = health_wait({"--health-cmd=x"});
  EXPECT_DOUBLE_EQ(defaults.budget_seconds(), 30 * 4);
  EXPECT_FALSE(health_wait({"--health-cmd", "x", "--no-healthcheck"}).has_check);
  EXPECT_FALSE(health_wait({"--health-cmd", "none"}).has_check);
}

TEST(HealthWait, GoDurations) {
  EXPECT_DOUBLE_EQ(parse_duration_seconds("1m30s"), 90);
  EXPECT_DOUBLE_EQ(parse_duration_seconds("500ms"), 0.5);
  EXPECT_DOUBLE_EQ(parse_duration_seconds("2h"), 7200);
  EXPECT_DOUBLE_EQ(parse_duration_seconds("15"), 15);
  EXPECT_LT(parse_duration_seconds("ten"), 0);
  EXPECT_LT(parse_duration_seconds("5x"), 0);
  EXPECT_LT(parse_duration_seconds(""), 0);
}

TEST(ContainerShell, EveryShellTakesTheScriptAsItsOwnWord) {
  auto bash = container_shell_command("bash", "/s");
  ASSERT_TRUE(bash.ok());
  EXPECT_EQ(*bash, (Args{"bash", "--noprofile", "--norc", "-eo", "pipefail", "/s"}));
  auto fallback = container_shell_command("", "/s");
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ((*fallback)[0], "sh");
  EXPECT_EQ(fallback->back(), "/s");
  EXPECT_NE((*fallback)[2].find("command -v bash"), std::string::npos);
  auto custom = container_shell_command("perl -w {0}", "/s");
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(*custom, (Args{"sh", "-c", "perl -w \"$1\"", "sh", "/s"}));
  EXPECT_FALSE(container_shell_command("fish", "/s").ok());
}

TEST(ContainerScripts, ValuesAreExportedNeverOnTheCommandLine) {
  EXPECT_EQ(command_line("/usr/bin/podman", {"run", "it's"}), "'/usr/bin/podman' 'run' 'it'\\''s'");
  EXPECT_EQ(command_line("/p", {"x"}, {{"A", "v 1"}}), "( export A='v 1'; exec '/p' 'x' )");
}

TEST(ContainerScripts, StartAwaitsHealthAndReportsPorts) {
  ScriptTarget t{"/usr/bin/podman", EngineKind::kPodman, names_for("1/a", "/d"),
                 labels_for("1/a", "/d")};
  engine::JobContainers job;
  engine::ContainerRequest db = service("db", "pg");
  db.options = "--health-cmd 'pg_isready' --health-interval 2s --health-retries 4";
  db.env = {{"PASSWORD", "hunter2"}};
  job.services.push_back(db);
  job.job = service("", "node:20");
  job.workspace = "/w";
  auto script = start_script(t, job);
  ASSERT_TRUE(script.ok());
  const std::string& s = *script;
  EXPECT_NE(s.find("'network' 'create'"), std::string::npos);
  EXPECT_NE(s.find("( export PASSWORD='hunter2'; exec '/usr/bin/podman' 'run' '-d'"),
            std::string::npos);
  EXPECT_NE(s.find("'--health-interval' 'disable' 'pg'"), std::string::npos);  // no systemd
  EXPECT_NE(s.find("sluice_wait_healthy '" + t.names.service("db") + "' 10"), std::string::npos)
      << s;
  EXPECT_NE(s.find("healthcheck run"), std::string::npos);
  EXPECT_NE(s.find("service.db.port."), std::string::npos);
  EXPECT_NE(s.find("container.id=$sluice_id"), std::string::npos);
  EXPECT_LT(s.find("sluice_wait_healthy '"), s.find("the job container ("));

  job.services[0].options = "--health-cmd 'oops";
  auto bad = start_script(t, job);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("service 'db': options"), std::string::npos);
}

// Regression (issue 9): a service's name must not depend on the network's DNS server
// answering at the moment of the lookup (aardvark-dns does not while it reloads): the job
// container gets every service's address in its /etc/hosts, after the user's own options.
TEST(ContainerScripts, TheJobContainerHasTheServicesInItsHostsFile) {
  ScriptTarget t{"/p", EngineKind::kPodman, names_for("1/a", "/d"), labels_for("1/a", "/d")};
  engine::JobContainers job;
  job.services = {service("db", "pg"), service("web", "nginx")};
  job.job = service("", "node:20");
  job.job->options = "--cpus 1";
  job.workspace = "/w";
  auto script = start_script(t, job);
  ASSERT_TRUE(script.ok());
  const std::string& s = *script;
  size_t inspect =
      s.find("'inspect' '--format' '{{(index .NetworkSettings.Networks \"" + t.names.network +
             "\").IPAddress}}' '" + t.names.service("db") + "' '" + t.names.service("web") + "'");
  ASSERT_NE(inspect, std::string::npos) << s;
  EXPECT_NE(s.find("sluice_keys=( 'db' 'web' )"), std::string::npos) << s;
  EXPECT_NE(s.find("'--cpus' '1' \"${sluice_hosts[@]}\" 'node:20'"), std::string::npos) << s;
  EXPECT_LT(s.find("'--name' '" + t.names.service("web") + "'"), inspect);  // they run by then
  // Services themselves get no entries, and a job without services no inspect.
  EXPECT_EQ(s.find("sluice_hosts[@]}\" 'pg'"), std::string::npos);
  job.services.clear();
  EXPECT_EQ(start_script(t, job)->find("sluice_hosts"), std::string::npos);
}

TEST(ContainerScripts, ADockerActionOnANativeJobsNetworkHasTheServicesInItsHostsFile) {
  ScriptTarget t = target_of_job_a(EngineKind::kDocker);
  engine::DockerActionRequest action;
  DockerRun run = docker_run("img:1");
  run.network = t.names.network;
  run.service_hosts = {"web"};
  std::string s = docker_action_script(t, action, run);
  EXPECT_NE(s.find("'" + t.names.service("web") + "' 2>/dev/null); then"), std::string::npos) << s;
  EXPECT_NE(s.find("'--network' '" + t.names.network + "' \"${sluice_hosts[@]}\""),
            std::string::npos)
      << s;
  run.service_hosts.clear();
  run.network = "container:" + t.names.job;  // shares the job container's hosts file
  EXPECT_EQ(docker_action_script(t, action, run).find("sluice_hosts"), std::string::npos);
}

TEST(ContainerScripts, StopShowsServiceLogsThenRemovesByLabel) {
  ScriptTarget t{"/usr/bin/docker", EngineKind::kDocker, names_for("1/a", "/d"),
                 labels_for("1/a", "/d")};
  engine::JobContainers job;
  job.services.push_back(service("db", "pg"));
  std::string s = stop_script(t, job);
  EXPECT_NE(s.find("::group::Service container db logs"), std::string::npos);
  EXPECT_NE(s.find("'--filter' 'label=sluice.job=" + labels_for("1/a", "/d").job +
                   "' '--filter' 'label=sluice.data=" + data_label("/d") + "'"),
            std::string::npos);
  EXPECT_LT(s.find("'logs'"), s.find("'rm' '-f'"));
  EXPECT_EQ(s.find("'-t' '0'"), std::string::npos);  // Docker's rm -f does not wait
}

TEST(ContainerScripts, ExecWritesTheStepScriptWithAnUnusedDelimiter) {
  ScriptTarget t{"/p", EngineKind::kPodman, names_for("1/a", ""), labels_for("1/a", "")};
  ExecStep step;
  step.working_dir = "/w";
  step.env_names = {"A"};
  step.script = "echo hi\nSLUICE_STEP_SCRIPT_END\n";
  step.shell_command = {"sh", "-e", kScriptPlaceholder};
  step.path_prepend = "/opt/bin";
  std::string s = exec_script(t, step);
  EXPECT_NE(s.find("<<'SLUICE_STEP_SCRIPT_END_'\necho hi\nSLUICE_STEP_SCRIPT_END\n"
                   "SLUICE_STEP_SCRIPT_END_\n"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("'-e' 'A' '" + t.names.job +
                   "' 'sh' '-c' 'PATH=\"$0:$PATH\"; export PATH; exec "
                   "\"$@\"' '/opt/bin' 'sh' '-e' \"$SLUICE_STEP_SCRIPT\"\n"),
            std::string::npos)
      << s;
}

TEST(ContainerScripts, DockerActionBuildsOnlyWhenTheImageIsMissing) {
  ScriptTarget t = target_of_job_a(EngineKind::kPodman);
  engine::DockerActionRequest action;
  action.workspace = "/w";
  DockerRun run = docker_run("localhost/sluice-action:abc");
  run.dockerfile = "/a/Dockerfile";
  run.context_dir = "/a";
  std::string s = docker_action_script(t, action, run);
  EXPECT_NE(s.find("if ! '/p' 'image' 'exists' 'localhost/sluice-action:abc'"), std::string::npos);
  EXPECT_NE(s.find("'build' '-t' 'localhost/sluice-action:abc' '-f' '/a/Dockerfile' '/a'"),
            std::string::npos);
  run.dockerfile.clear();
  EXPECT_EQ(docker_action_script(t, action, run).find("'build'"), std::string::npos);
}

}  // namespace
}  // namespace sluice::exec::container
