#include "server/step_proof.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "core/encodings.h"
#include "core/hmac.h"
#include "server/private_files.h"

namespace sluice::server {

namespace fs = std::filesystem;

Result<std::string> load_step_proof_key(const fs::path& data_dir) {
  fs::path file = data_dir / "agent-proof.key";
  // Two processes starting on one data dir must not make two keys.
  FileLock lock(data_dir / "agent-proof.key.lock");
  std::ifstream in(file, std::ios::binary);
  if (in) {
    std::ostringstream text;
    text << in.rdbuf();
    std::string key = text.str();
    while (!key.empty() && (key.back() == '\n' || key.back() == '\r')) key.pop_back();
    if (key.size() < 32) return Error{file.string() + ": not a key (too short)", {}};
    struct stat st {};
    if (::stat(file.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
      ::chmod(file.c_str(), 0600);  // readable by others would let them forge proofs
    return key;
  }
  std::string key = random_hex(32);
  if (Status s = write_private_file(file, key + "\n"); !s.ok()) return s.error();
  return key;
}

std::string step_proof(const std::string& key, const ProvenStep& step) {
  // Fields separated by '\n', which none of them can hold (ids, numbers, a job key from
  // the plan), so two different steps never share the signed text.
  std::string text = "sluice-step-proof/1\n" + step.lease_id + "\n" + std::to_string(step.run_id) +
                     "\n" + step.job_key + "\n" + std::to_string(step.attempt) + "\n" +
                     std::to_string(step.step_index) + "\n" + std::to_string(step.step_attempt);
  const engine::HeldTerms& t = step.terms;
  if (t.continue_on_error || t.closes_job || t.job_failed)  // (none: as before they existed)
    text += std::string("\nterms ") + (t.continue_on_error ? "c" : "-") +
            (t.closes_job ? "j" : "-") + (t.job_failed ? "f" : "-") + " " +
            engine::to_string(t.run_if_success) + " " + engine::to_string(t.run_if_failure);
  return hex_encode(hmac_sha256(key, text));
}

bool step_proof_matches(const std::string& key, const ProvenStep& step, const std::string& proof) {
  if (key.empty()) return false;
  return constant_time_equal(step_proof(key, step), proof);
}

}  // namespace sluice::server
