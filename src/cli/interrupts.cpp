#include "cli/interrupts.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "cli/cli.h"

namespace sluice::cli {
namespace {

// Each signal writes kSignalByte; the watcher's destructor writes kStopByte.
constexpr char kSignalByte = 1;
constexpr char kStopByte = 0;
int g_pipe[2] = {-1, -1};
std::atomic<int> g_interrupts{0};

void on_signal(int) {
  if (++g_interrupts >= 3) _exit(kExitCancelled);
  char byte = kSignalByte;
  [[maybe_unused]] auto ignored = write(g_pipe[1], &byte, 1);
}

// Reads one byte; false on timeout (timeout_ms >= 0) or error.
bool read_byte(char& byte, int timeout_ms) {
  pollfd p{g_pipe[0], POLLIN, 0};
  int ready;
  do ready = ::poll(&p, 1, timeout_ms);
  while (ready < 0 && errno == EINTR);
  return ready > 0 && ::read(g_pipe[0], &byte, 1) == 1;
}

}  // namespace

void install_interrupt_handlers() {
  if (g_pipe[0] >= 0 || ::pipe2(g_pipe, O_CLOEXEC) != 0) return;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

std::atomic<int>& interrupt_count() {
  return g_interrupts;
}

InterruptWatcher::InterruptWatcher(engine::EventLoop& loop, engine::Engine& engine,
                                   engine::Executor& executor, engine::Store& store,
                                   engine::RunRecord run,
                                   std::chrono::milliseconds forced_stop_grace)
    : loop_(loop),
      engine_(engine),
      executor_(executor),
      store_(store),
      run_(std::move(run)),
      forced_stop_grace_(forced_stop_grace) {
  thread_ = std::thread([this] { watch(); });
}

InterruptWatcher::~InterruptWatcher() {
  char stop = kStopByte;
  [[maybe_unused]] auto ignored = write(g_pipe[1], &stop, 1);
  thread_.join();
}

void InterruptWatcher::watch() {
  int seen = 0;
  char byte;
  while (read_byte(byte, -1)) {
    if (byte == kStopByte) return;
    if (++seen == 1) {
      // Captures the engine, not the watcher: the loop outlives the watcher.
      loop_.post([engine = &engine_] {
        std::cout << "sluice: cancelling (Ctrl-C again to stop at once)" << std::endl;
        engine->cancel();
      });
      continue;
    }
    stop_now();
    return;
  }
}

// The second signal. The engine thread normally finishes within milliseconds once every
// step is dead (their outcomes arrive as cancelled); if it does not (blocked on a full
// disk, say), the run is recorded here.
void InterruptWatcher::stop_now() {
  std::cout << "sluice: stopping now (killing every step)" << std::endl;
  executor_.kill_all();
  // In case the first signal's event is still queued.
  loop_.post([engine = &engine_] { engine->cancel(); });
  char byte;
  if (read_byte(byte, static_cast<int>(forced_stop_grace_.count())) && byte == kStopByte) return;
  run_.status = engine::RunStatus::kCancelled;
  run_.finished_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  if (Status s = store_.save_run(run_); !s.ok())
    std::cerr << "sluice: cannot record the run as cancelled: " << s.error().message << "\n";
  std::cerr << "sluice: the run did not stop within " << forced_stop_grace_.count()
            << " ms; recorded as cancelled\n";
  std::fflush(nullptr);
  _exit(kExitCancelled);
}

}  // namespace sluice::cli
