// Job-level `concurrency`, as GitHub does it: one instance of a group runs at a time.
// With `queue: single` (the default) one more waits, and an instance that joins the group
// while another waits cancels the waiting one; with `queue: max` up to 100 wait, first come
// first served. With cancel-in-progress a newcomer also cancels the instance running.
#include <algorithm>

#include "engine/engine.h"
#include "engine/job_node.h"
#include "engine/scalar_value.h"

namespace sluice::engine {

bool Engine::acquire_group(JobNode& n, size_t index) {
  const auto& concurrency = n.planned->job->concurrency;
  if (!concurrency) return true;
  expr::EvalContext ctx = job_context(n);
  const Value& combo = n.instances[index].combo;
  ctx.contexts.set("matrix", combo.is_null() ? Value::object() : combo);
  // A group or cancel-in-progress that does not evaluate fails the instance, unstarted.
  auto group = expr::evaluate_string(concurrency->group.text, ctx);
  if (!group.ok()) {
    end_instance(n, index, RunStatus::kFailure,
                 place_in(concurrency->group, group.error()).located_message());
    return false;
  }
  std::string name = to_lower(group->to_string());
  const std::pair<JobNode*, size_t> me(&n, index);

  auto& waiting = waiting_groups_[name];
  // Waiters cancelled meanwhile (the run, fail-fast) leave the line.
  std::erase_if(waiting, [](const auto& w) {
    return is_terminal(w.first->instances[w.second].record.status);
  });
  auto held = held_groups_.find(name);
  bool free = held == held_groups_.end();
  if (std::find(waiting.begin(), waiting.end(), me) == waiting.end()) {
    if (free && waiting.empty()) {
      hold_group(n.instances[index], name);
      return true;
    }
    if (!free && concurrency->cancel_in_progress) {
      auto v = evaluate_scalar(*concurrency->cancel_in_progress, ctx);
      if (!v.ok()) {
        end_instance(n, index, RunStatus::kFailure, v.error().located_message());
        return false;
      }
      if (v->truthy()) {
        const std::string holder = held->second;
        for (auto& other : nodes_)
          for (size_t i = 0; i < other->instances.size(); ++i) {
            Instance& instance = other->instances[i];
            if (!instance.active() || instance.record.key != holder) continue;
            if (!instance.placing) {
              instance.run->cancel(false);
              continue;
            }
            // Not started yet (waiting for an agent): it gives the group up at once.
            withdraw_placement(*other, i);
            cancel_instance(*other, i,
                            "a newer job of concurrency group '" + name + "' is waiting");
          }
        held = held_groups_.find(name);
        free = held == held_groups_.end();
      }
    }
    // While the group is free, whoever waits is about to take it (later in this pass, or
    // once its own limits allow): only a held group has a pending job to replace.
    if (!free && !concurrency->queue_all) {
      for (auto [node, i] : waiting)
        cancel_instance(*node, i, "a newer job of concurrency group '" + name + "' is waiting");
      waiting.clear();
    }
    if (waiting.size() >= kMaxPendingPerGroup) {  // GitHub's queue: max holds 100
      cancel_instance(n, index, "the queue of concurrency group '" + name + "' is full");
      return false;
    }
    waiting.push_back(me);
  }
  if (!free || waiting.front() != me) return false;
  waiting.pop_front();
  hold_group(n.instances[index], name);
  return true;
}

void Engine::hold_group(Instance& instance, const std::string& group) {
  held_groups_[group] = instance.record.key;
  instance.group = group;
}

void Engine::release_group(Instance& instance) {
  if (instance.group.empty()) return;
  held_groups_.erase(instance.group);
  instance.group.clear();
}

}  // namespace sluice::engine
