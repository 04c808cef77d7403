// The Store implementations every conformance suite runs against. A new backend
// (PostgreSQL) joins by adding a factory to StoreImplementations.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "engine/memory_store.h"
#include "log_slice.h"
#include "store/sqlite/sqlite_store.h"
#include "temp_dir.h"

namespace sluice::store::testing {

struct MemoryStoreFactory {
  std::unique_ptr<engine::MemoryStore> store = std::make_unique<engine::MemoryStore>();
  engine::Store& get() { return *store; }
  std::string read_log(const engine::AttemptRecord& attempt) {
    return store->log_text(attempt.log_path);
  }
};

struct SqliteStoreFactory {
  TempDir dir;
  std::unique_ptr<SqliteStore> store;
  SqliteStoreFactory() {
    auto opened = SqliteStore::open(dir.path() / ".sluice");
    if (!opened) throw std::runtime_error(opened.error().message);
    store = std::move(*opened);
  }
  engine::Store& get() { return *store; }
  std::string read_log(const engine::AttemptRecord& attempt) {
    return read_log_slice(*store, attempt);
  }
};

using StoreImplementations = ::testing::Types<MemoryStoreFactory, SqliteStoreFactory>;

}  // namespace sluice::store::testing
