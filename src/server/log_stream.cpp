#include "server/log_stream.h"

#include <chrono>
#include <fstream>

#include "server/controller.h"
#include "server/run_queries.h"
#include "store/log_selection.h"

namespace sluice::server {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kKeepAlive = std::chrono::seconds(15);
constexpr auto kStoreCheck = std::chrono::milliseconds(1000);
constexpr size_t kChunk = 64 * 1024;

class LogStream final : public runtime::ResponseStream {
 public:
  LogStream(Controller& controller, int64_t run_id, std::string job, std::string step,
            uint64_t resume)
      : controller_(controller),
        run_id_(run_id),
        selector_(std::move(job) + "/" + std::move(step)),
        sent_(resume),
        last_write_(Clock::now()) {}

  State poll(std::string& out) override {
    if (!opening_) {
      opening_ = true;
      out = "retry: 2000\n\n";
    }
    if (!have_attempt_ || !finished_) {
      if (Clock::now() - last_store_check_ >= kStoreCheck || !have_attempt_) refresh();
    }
    if (have_attempt_) read_lines(out);
    if (have_attempt_ && finished_ && file_end_reached_) {
      out += "event: end\ndata: " + status_ + "\n\n";
      return State::kEnd;
    }
    if (gone_) {
      out += "event: error\ndata: " + error_ + "\n\n";
      return State::kEnd;
    }
    if (!out.empty()) {
      last_write_ = Clock::now();
      return State::kWait;
    }
    if (Clock::now() - last_write_ >= kKeepAlive) {
      out = ": keep-alive\n\n";
      last_write_ = Clock::now();
    }
    return State::kWait;
  }

  int poll_interval_ms() const override { return 200; }

 private:
  // Reads the step's latest attempt from the store.
  void refresh() {
    last_store_check_ = Clock::now();
    auto detail = controller_.store().load_run(run_id_);
    if (!detail) {
      gone_ = true;
      error_ = "run gone";
      return;
    }
    auto attempts = store::select_attempts(*detail, selector_);
    if (!attempts) {
      gone_ = true;
      error_ = attempts.error().message;
      return;
    }
    // The last attempt of the step (a retried step's text continues in its next attempt;
    // the stream follows the newest).
    const engine::AttemptRecord* last = nullptr;
    for (const auto& a : *attempts)
      if (!a.log_path.empty()) last = &a;
    if (!last) {
      // Not started: an ended run means it never will.
      if (engine::is_terminal(detail->run.status)) {
        have_attempt_ = true;
        finished_ = true;
        file_end_reached_ = true;
        status_ = engine::to_string(detail->run.status);
      }
      return;
    }
    if (!have_attempt_ || last->log_path != path_ ||
        static_cast<uint64_t>(last->log_offset) != base_) {
      path_ = last->log_path;
      base_ = last->log_offset;
    }
    have_attempt_ = true;
    finished_ = engine::is_terminal(last->status);
    if (finished_) {
      int64_t bytes = known_log_bytes(*last);
      end_ = bytes < 0 ? UINT64_MAX : base_ + static_cast<uint64_t>(bytes);
      status_ = engine::to_string(last->status);
    }
  }

  void read_lines(std::string& out) {
    std::ifstream in(controller_.data_dir() / path_, std::ios::binary);
    if (!in) {
      file_end_reached_ = finished_;
      return;
    }
    in.seekg(0, std::ios::end);
    uint64_t size = static_cast<uint64_t>(in.tellg());
    uint64_t limit = finished_ ? std::min(size, end_) : size;
    uint64_t from = base_ + sent_;
    if (from >= limit) {
      file_end_reached_ = finished_;
      return;
    }
    uint64_t want = std::min<uint64_t>(limit - from, kChunk);
    std::string text(want, '\0');
    in.seekg(static_cast<std::streamoff>(from));
    in.read(text.data(), static_cast<std::streamsize>(want));
    text.resize(static_cast<size_t>(in.gcount()));
    size_t start = 0;
    for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      sent_ += nl + 1 - start;
      out += sse_event(sent_, text.substr(start, nl - start));
    }
    // A final line without its newline: sent once the step has finished.
    if (finished_ && from + text.size() == limit && start < text.size()) {
      sent_ += text.size() - start;
      out += sse_event(sent_, text.substr(start));
      start = text.size();
    }
    file_end_reached_ = finished_ && base_ + sent_ >= limit;
  }

  Controller& controller_;
  int64_t run_id_;
  std::string selector_;
  uint64_t sent_;  // bytes of the step's text sent (or skipped by Last-Event-ID)
  Clock::time_point last_write_;
  Clock::time_point last_store_check_{};
  bool opening_ = false;
  bool have_attempt_ = false;
  bool finished_ = false;
  bool file_end_reached_ = false;
  bool gone_ = false;
  std::string error_;
  std::string status_;
  std::string path_;
  uint64_t base_ = 0;
  uint64_t end_ = UINT64_MAX;
};

}  // namespace

std::string sse_event(uint64_t offset_after, const std::string& line) {
  std::string data = line;
  if (!data.empty() && data.back() == '\r') data.pop_back();
  for (char& c : data)
    if (c == '\r') c = ' ';  // a lone CR would end the data field
  return "id: " + std::to_string(offset_after) + "\ndata: " + data + "\n\n";
}

std::shared_ptr<runtime::ResponseStream> make_log_stream(Controller& controller, int64_t run_id,
                                                         std::string job, std::string step,
                                                         uint64_t resume_offset) {
  return std::make_shared<LogStream>(controller, run_id, std::move(job), std::move(step),
                                     resume_offset);
}

}  // namespace sluice::server
