// JobRun, the container side: `container:` and `services:` become two steps of the job
// ("Initialize containers" first, "Stop containers" last and always), and a Docker action
// becomes a kDockerAction request. The executor does the rest (exec/container/); the
// engine only evaluates expressions and says what runs where.
#include <filesystem>

#include "engine/job_run.h"
#include "engine/scalar_value.h"

namespace sluice::engine {
namespace {

Result<ContainerRequest> evaluate_container(const spec::ContainerSpec& spec,
                                            const expr::EvalContext& ctx) {
  ContainerRequest c;
  c.service_id = spec.service_id;
  c.pos = spec.pos;
  auto text = [&](const spec::Scalar& s) -> Result<std::string> {
    auto v = evaluate_scalar(s, ctx);
    if (!v.ok()) return v.error();
    return v->to_string();
  };
  auto image = text(spec.image);
  if (!image.ok()) return image.error();
  c.image = *image;
  if (c.image.empty())
    return Error{"the image of " +
                     (spec.service_id.empty() ? std::string("`container:`")
                                              : "service '" + spec.service_id + "'") +
                     " is empty",
                 spec.image.pos};
  for (auto [field, out] : {std::pair{&spec.username, &c.username},
                            {&spec.password, &c.password},
                            {&spec.options, &c.options}}) {
    if (!*field) continue;
    auto v = text(**field);
    if (!v.ok()) return v.error();
    *out = *v;
  }
  for (const auto& [k, v] : spec.env) {
    auto value = text(v);
    if (!value.ok()) return value.error();
    c.env.emplace_back(k, *value);
  }
  for (auto [from, to] : {std::pair{&spec.ports, &c.ports}, {&spec.volumes, &c.volumes}}) {
    for (const auto& s : *from) {
      auto value = text(s);
      if (!value.ok()) return value.error();
      to->push_back(*value);
    }
  }
  return c;
}

}  // namespace

void JobRun::add_container_steps(Frame& top, const expr::EvalContext& ctx) {
  const spec::Job& job = *in_.planned->job;
  if (!job.container && job.services.empty()) return;
  auto containers = std::make_shared<JobContainers>();
  const RunOptions& o = context_.options;
  containers->workspace = o.workspace;
  for (const std::string& dir : {o.workspace, o.temp_dir, o.step_files_dir})
    if (!dir.empty()) containers->mounts.push_back(dir);
  Status status = Status::Ok();
  if (job.container) {
    auto c = evaluate_container(*job.container, ctx);
    if (c.ok()) {
      containers->job = std::move(*c);
    } else {
      status = c.error();
    }
  }
  for (const spec::ContainerSpec& service : job.services) {
    auto c = evaluate_container(service, ctx);
    if (!c.ok()) {
      if (status.ok()) status = c.error();
      continue;
    }
    containers->services.push_back(std::move(*c));
  }
  if (!status.ok()) fail_job(status.error());
  // Credentials are secrets even when written in the file.
  if (containers->job && !containers->job->password.empty())
    context_.masker->add(containers->job->password);
  for (const auto& service : containers->services)
    if (!service.password.empty()) context_.masker->add(service.password);
  containers_ = std::move(containers);

  SourcePos pos = job.container ? job.container->pos : job.services.front().pos;
  for (const char* name : {"Initialize containers", "Stop containers"}) {
    auto step = std::make_unique<spec::Step>();
    step->name = spec::Scalar{name, pos};
    step->pos = pos;
    container_steps_.push_back(std::move(step));
  }
  Item start;
  start.step = container_steps_[0].get();
  start.phase = Phase::kContainersStart;
  top.items.insert(top.items.begin(), std::move(start));
  Item stop;
  stop.step = container_steps_[1].get();
  stop.phase = Phase::kContainersStop;
  posts_.insert(posts_.begin(), std::move(stop));  // posts run in reverse: this one last
}

// "container.id=...", "service.db.port.5432=49153", ... (exec/container/container_scripts.h)
void JobRun::record_containers(const std::vector<std::pair<std::string, std::string>>& outputs) {
  for (const auto& [key, value] : outputs) {
    size_t dot = key.find('.');
    if (dot == std::string::npos) continue;
    std::string head = key.substr(0, dot), rest = key.substr(dot + 1);
    Value* target = nullptr;
    if (head == "container") {
      if (!job_containers_.find("container")) job_containers_.set("container", Value::object());
      target = job_containers_.find("container");
    } else if (head == "service") {
      size_t id_end = rest.find('.');
      if (id_end == std::string::npos) continue;
      std::string id = rest.substr(0, id_end);
      rest = rest.substr(id_end + 1);
      if (!job_containers_.find("services")) job_containers_.set("services", Value::object());
      Value* services = job_containers_.find("services");
      if (!services->find(id)) {
        Value service = Value::object();
        service.set("ports", Value::object());
        services->set(id, service);
      }
      target = services->find(id);
    }
    if (!target) continue;
    if (rest.rfind("port.", 0) == 0) {
      if (!target->find("ports")) target->set("ports", Value::object());
      target->find("ports")->set(rest.substr(5), value);
    } else {
      target->set(rest, value);
    }
  }
}

// `run:` steps and JavaScript actions run in the job container; sluice's built-in actions
// and Docker actions (their own container) do not.
bool JobRun::runs_in_job_container(const Item& item) const {
  if (!containers_ || !containers_->job) return false;
  if (item.phase == Phase::kContainersStart || item.phase == Phase::kContainersStop) return false;
  return !item.action || item.action->kind == ResolvedAction::Kind::kNode;
}

// A Docker action: its image, entrypoint for the phase, and args. `with: {args, entrypoint}`
// override the action's, as on GitHub (for `docker://` steps they are the only source).
Status JobRun::fill_docker_request(const Item& item,
                                   const std::map<std::string, std::string>& inputs,
                                   const expr::EvalContext& step_ctx, StepRequest& request) const {
  const ResolvedAction& action = *item.action;
  const spec::Action& a = action.action;
  DockerActionRequest& d = request.docker;
  request.kind = StepRequest::Kind::kDockerAction;
  d.pos = item.step->uses ? item.step->uses->pos : item.step->pos;
  d.workspace = context_.options.workspace;
  if (containers_) d.mounts = containers_->mounts;
  if (d.mounts.empty()) {
    const RunOptions& o = context_.options;
    for (const std::string& dir : {o.workspace, o.temp_dir, o.step_files_dir})
      if (!dir.empty()) d.mounts.push_back(dir);
  }
  std::string image = a.image ? a.image->text : action.uses;
  d.image = image.rfind("docker://", 0) == 0
                ? image
                : (std::filesystem::path(action.dir) / image).lexically_normal().string();
  d.entrypoint = item.phase == Phase::kPre    ? a.pre_entrypoint
                 : item.phase == Phase::kPost ? a.post_entrypoint
                                              : a.entrypoint;
  expr::EvalContext ctx = step_ctx;
  Value input_values = Value::object();
  for (const auto& [k, v] : inputs) input_values.set(k, v);
  ctx.contexts.set("inputs", input_values);
  std::string with_args;
  bool has_with_args = false;
  for (const auto& [key, scalar] : item.step->with) {
    if (key != "args" && key != "entrypoint") continue;
    auto value = evaluate_scalar(scalar, ctx);
    if (!value.ok()) return value.error();
    if (key == "entrypoint" && item.phase == Phase::kMain) d.entrypoint = value->to_string();
    if (key == "args") has_with_args = true, with_args = value->to_string();
  }
  if (has_with_args) {
    // GitHub splits `with.args` on blanks (no quoting rules are documented).
    size_t i = 0;
    while (i < with_args.size()) {
      size_t end = with_args.find_first_of(" \t\n", i);
      if (end == std::string::npos) end = with_args.size();
      if (end > i) d.args.push_back(with_args.substr(i, end - i));
      i = end + 1;
    }
    return Status::Ok();
  }
  if (item.phase != Phase::kMain) return Status::Ok();  // pre/post entrypoints take no args
  for (const spec::Scalar& arg : a.args) {
    auto value = evaluate_scalar(arg, ctx);
    if (!value.ok()) return value.error();
    d.args.push_back(value->to_string());
  }
  return Status::Ok();
}

}  // namespace sluice::engine
