#include "agent/outbox.h"

#include <algorithm>

namespace sluice::agent {

void Outbox::push(Report report) {
  report.serial = next_serial_++;
  bytes_ += report.body.size();
  reports_.push_back(std::move(report));
}

void Outbox::take_lines(StepLog& log, bool force) {
  LogChunk chunk;
  while (true) {
    if (!force && bytes_ >= limit_bytes_) {
      log.drop_pending();
      return;
    }
    if (!log.take(chunk)) return;
    push(Report{0, log.lease_id(), log.step_id(), Report::Kind::kLog, chunk.seq, encode(chunk)});
    if (force) return;
  }
}

void Outbox::pop_front() {
  bytes_ -= reports_.front().body.size();
  reports_.pop_front();
}

void Outbox::delivered(uint64_t serial) {
  if (!reports_.empty() && reports_.front().serial == serial) pop_front();
}

void Outbox::drop_if(const std::function<bool(const Report&)>& drop) {
  std::erase_if(reports_, [&](const Report& r) {
    if (!drop(r)) return false;
    bytes_ -= r.body.size();
    return true;
  });
}

}  // namespace sluice::agent
