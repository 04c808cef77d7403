#include "scan/secrets/git_history.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace sluice::scan::secrets {

namespace {

// "+++ b/path", "+++ \"b/p\\303\\244th\"" (git quotes unusual names), "+++ /dev/null".
std::string new_file_path(std::string_view header) {
  std::string_view rest = header.substr(4);
  std::string out;
  if (!rest.empty() && rest.front() == '"') {
    for (size_t i = 1; i < rest.size() && rest[i] != '"'; ++i) {
      if (rest[i] == '\\' && i + 1 < rest.size()) {
        ++i;
        if (rest[i] >= '0' && rest[i] <= '7' && i + 2 < rest.size()) {
          out.push_back(static_cast<char>((rest[i] - '0') * 64 + (rest[i + 1] - '0') * 8 +
                                          (rest[i + 2] - '0')));
          i += 2;
        } else {
          switch (rest[i]) {
            case 'n':
              out.push_back('\n');
              break;
            case 't':
              out.push_back('\t');
              break;
            default:
              out.push_back(rest[i]);
          }
        }
      } else {
        out.push_back(rest[i]);
      }
    }
  } else {
    out = std::string(rest);
    while (!out.empty() && (out.back() == '\t' || out.back() == '\r')) out.pop_back();
  }
  if (out == "/dev/null") return "";
  if (out.starts_with("b/")) out.erase(0, 2);
  return out;
}

// "-a[,b]" or "+c[,d]" -> start and count (count defaults to 1).
bool parse_range(std::string_view text, int& start, int& count) {
  text.remove_prefix(1);
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, start);
  if (ec != std::errc()) return false;
  count = 1;
  if (p < end && *p == ',') {
    auto [q, ec2] = std::from_chars(p + 1, end, count);
    if (ec2 != std::errc()) return false;
  }
  return true;
}

}  // namespace

void DiffParser::flush() {
  if (in_file_ && !current_.path.empty() && !current_.line_numbers.empty()) visit_(current_);
  current_ = AddedLines{};
  current_.commit = commit_;
  in_file_ = false;
}

void DiffParser::line(std::string_view line) {
  if (added_left_ > 0 || removed_left_ > 0) {
    if (line.starts_with("+") && added_left_ > 0) {
      --added_left_;
      if (current_.text.size() + line.size() > max_bytes_) {
        current_.truncated = true;
      } else {
        current_.text.append(line.substr(1));
        current_.text.push_back('\n');
        current_.line_numbers.push_back(next_line_);
      }
      ++next_line_;
      return;
    }
    if (line.starts_with("-") && removed_left_ > 0) {
      --removed_left_;
      return;
    }
    if (line.starts_with("\\")) return;  // "\ No newline at end of file"
    // Anything else means the hunk header lied; resynchronise on headers below.
    added_left_ = removed_left_ = 0;
  }
  if (line.starts_with("\\")) return;
  if (line.starts_with("commit ")) {
    flush();
    commit_ = std::string(line.substr(7, 40));
    current_.commit = commit_;
    return;
  }
  if (line.starts_with("diff --git ")) {
    flush();
    in_file_ = true;
    return;
  }
  if (line.starts_with("+++ ") && in_file_) {
    current_.path = new_file_path(line);
    return;
  }
  if (line.starts_with("@@ ") && in_file_) {
    // "@@ -a,b +c,d @@ optional context"
    const size_t minus = line.find(" -");
    const size_t plus = line.find(" +");
    if (minus == std::string_view::npos || plus == std::string_view::npos) return;
    int old_start = 0, old_count = 0, new_start = 0, new_count = 0;
    const std::string_view old_part = line.substr(minus + 1, plus - minus - 1);
    std::string_view new_part = line.substr(plus + 1);
    new_part = new_part.substr(0, new_part.find(' '));
    if (!parse_range(old_part, old_start, old_count) ||
        !parse_range(new_part, new_start, new_count)) {
      return;
    }
    removed_left_ = old_count;
    added_left_ = new_count;
    next_line_ = new_start;
  }
}

namespace {

// Runs git with `args` in `dir`, feeding stdout lines to `parser`. Returns git's exit
// status, with its first stderr line in `error`.
int run_git(const std::string& dir, const std::vector<std::string>& args, DiffParser& parser,
            std::string& error) {
  // stderr goes to an unlinked temporary file, not a pipe: git could otherwise block on a
  // full stderr pipe while we block reading stdout.
  int out_pipe[2];
  if (pipe(out_pipe) != 0) {
    error = std::strerror(errno);
    return -1;
  }
  FILE* err_file = std::tmpfile();
  if (!err_file) {
    error = std::strerror(errno);
    close(out_pipe[0]);
    close(out_pipe[1]);
    return -1;
  }
  const int err_fd = fileno(err_file);
  std::vector<std::string> argv_storage = {
      "git",           "-C", dir, "-c", "core.quotepath=off", "-c", "diff.noprefix=false", "-c",
      "color.ui=never"};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) {
    error = std::strerror(errno);
    close(out_pipe[0]);
    close(out_pipe[1]);
    std::fclose(err_file);
    return -1;
  }
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    close(out_pipe[0]);
    close(out_pipe[1]);
    setenv("GIT_PAGER", "cat", 1);
    setenv("GIT_TERMINAL_PROMPT", "0", 1);
    execvp("git", argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  // Lines are cut at kMaxLineBytes (the rest is read and dropped; the kept prefix is still
  // scanned) so that one enormous line in a commit cannot exhaust memory.
  constexpr size_t kMaxLineBytes = 1 << 20;
  std::string line;
  char chunk_out[65536];
  ssize_t got;
  while ((got = read(out_pipe[0], chunk_out, sizeof chunk_out)) != 0) {
    if (got < 0) {
      if (errno == EINTR) continue;
      break;
    }
    std::string_view data(chunk_out, static_cast<size_t>(got));
    while (!data.empty()) {
      const size_t nl = data.find('\n');
      const std::string_view piece = data.substr(0, nl);
      line.append(piece.substr(0, kMaxLineBytes - std::min(kMaxLineBytes, line.size())));
      if (nl == std::string_view::npos) break;
      parser.line(line);
      line.clear();
      data.remove_prefix(nl + 1);
    }
  }
  if (!line.empty()) parser.line(line);
  close(out_pipe[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string err(4096, '\0');
  const ssize_t n = pread(err_fd, err.data(), err.size(), 0);
  err.resize(n > 0 ? static_cast<size_t>(n) : 0);
  std::fclose(err_file);
  error = err.substr(0, err.find('\n'));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -1;
}

}  // namespace

Status read_added_lines(const GitDiffOptions& options,
                        const std::function<void(const AddedLines&)>& visit) {
  const std::string& rev = options.since_rev;
  if (rev.empty() || rev.front() == '-' ||
      rev.find_first_of(std::string_view(" \t\n\r\0", 5)) != std::string::npos) {
    return Error{
        "--since needs a revision such as main, HEAD~3 or a commit hash, got '" + rev + "'", {}};
  }
  const std::vector<std::string> diff_flags = {
      "-p", "-U0", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames", "--relative"};
  std::vector<std::string> log_args = {"log"};
  log_args.insert(log_args.end(), diff_flags.begin(), diff_flags.end());
  log_args.insert(log_args.end(), {"--format=commit %H", "--end-of-options", rev + "..HEAD", "--"});
  log_args.insert(log_args.end(), options.pathspecs.begin(), options.pathspecs.end());

  std::string error;
  {
    DiffParser parser(options.max_bytes, visit);
    const int status = run_git(options.repo_dir, log_args, parser, error);
    parser.finish();
    if (status != 0) {
      return Error{"git log " + rev + "..HEAD failed in " + options.repo_dir + ": " +
                       (error.empty() ? "exit status " + std::to_string(status) : error),
                   {}};
    }
  }
  if (options.include_uncommitted) {
    std::vector<std::string> diff_args = {"diff"};
    diff_args.insert(diff_args.end(), diff_flags.begin() + 1, diff_flags.end());
    diff_args.insert(diff_args.end(), {"HEAD", "--"});
    diff_args.insert(diff_args.end(), options.pathspecs.begin(), options.pathspecs.end());
    DiffParser parser(options.max_bytes, visit);
    const int status = run_git(options.repo_dir, diff_args, parser, error);
    parser.finish();
    if (status != 0) {
      return Error{"git diff HEAD failed in " + options.repo_dir + ": " + error, {}};
    }
  }
  return Status::Ok();
}

}  // namespace sluice::scan::secrets
