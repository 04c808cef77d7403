#include "scan/secrets/secrets_pack.h"

namespace sluice::scan {

void run_secrets_pack(const ScanOptions& options, ScanResult& result) {
  (void)options;
  (void)result;
}

}  // namespace sluice::scan
