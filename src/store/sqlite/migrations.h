// Versioned schema of the sluice database.
//
// The version lives in PRAGMA user_version (0 = empty database). Each migration runs in
// its own write transaction together with the user_version bump, so a crash or a
// concurrent opener can never leave a half-migrated schema: another process opening the
// database at the same moment waits for the lock, re-reads the version and skips the
// migrations already applied. Migrations are append-only: never edit a released one,
// add a new one.
#pragma once

#include <vector>

#include "core/result.h"
#include "store/sqlite/database.h"

namespace sluice::store::sqlite {

struct Migration {
  int version;              // the schema version after this migration
  const char* description;  // one line, for humans
  const char* sql;
};

const std::vector<Migration>& schema_migrations();
int latest_schema_version();

// Brings the database to `target` (default: latest). A database newer than this build
// knows is refused with an error naming both versions, rather than misread.
Status migrate(Database& db, int target = -1);
// The same for another database file of the data directory with its own list (runtime.db).
Status migrate(Database& db, const std::vector<Migration>& migrations, int target = -1);
Result<int> schema_version(Database& db);

}  // namespace sluice::store::sqlite
