#include "runtime/cache_index.h"

#include <gtest/gtest.h>

#include "runtime/artifact_index.h"
#include "runtime_fixture.h"

namespace sluice::runtime {
namespace {

constexpr const char* kMain = "refs/heads/main";
constexpr const char* kFeature = "refs/heads/feature";

class CacheIndexTest : public testing::RuntimeFixture {
 protected:
  std::unique_ptr<CacheIndex> open(uint64_t max_bytes = 1 << 20) {
    CacheOptions options;
    options.max_bytes = max_bytes;
    options.now_ms = clock();
    auto index = CacheIndex::open(data_dir(), options);
    EXPECT_TRUE(index.ok()) << index.error().message;
    return std::move(*index);
  }

  // Saves `content` under (scope, key, version) as CreateCacheEntry + upload + Finalize do,
  // one millisecond after the previous save (so "newest" is well defined).
  CacheEntry save(CacheIndex& index, const std::string& scope, const std::string& key,
                  const std::string& content, const std::string& version = "v1") {
    advance_ms(1);
    Result<CacheEntry> reserved = index.reserve(scope, key, version);
    EXPECT_TRUE(reserved.ok()) << reserved.error().message;
    std::string digest = upload(index.blobs(), "cache-" + std::to_string(reserved->id), content);
    Result<CacheEntry> saved = index.finalize(reserved->id, digest, content.size());
    EXPECT_TRUE(saved.ok()) << saved.error().message;
    return *saved;
  }

  std::string found_key(CacheIndex& index, const std::vector<std::string>& scopes,
                        const std::string& key, const std::vector<std::string>& restore_keys,
                        const std::string& version = "v1") {
    auto hit = index.find(scopes, key, restore_keys, version);
    EXPECT_TRUE(hit.ok());
    return hit.ok() && *hit ? (*hit)->key : "<miss>";
  }
};

TEST_F(CacheIndexTest, TheExactKeyBeatsANewerPrefixMatch) {
  auto index = open();
  save(*index, kMain, "npm-abc", "1");
  save(*index, kMain, "npm-abcdef", "2");
  EXPECT_EQ(found_key(*index, {kMain}, "npm-abc", {}), "npm-abc");
}

TEST_F(CacheIndexTest, TheKeyAsPrefixFindsTheNewestEntry) {
  auto index = open();
  save(*index, kMain, "npm-1", "1");
  save(*index, kMain, "npm-2", "2");
  save(*index, kMain, "pip-3", "3");
  EXPECT_EQ(found_key(*index, {kMain}, "npm-", {}), "npm-2");
}

TEST_F(CacheIndexTest, RestoreKeysAreTriedInOrderBeforeRecency) {
  auto index = open();
  save(*index, kMain, "linux-a", "1");
  save(*index, kMain, "mac-b", "2");  // newer, but its restore key comes second
  EXPECT_EQ(found_key(*index, {kMain}, "windows-x", {"linux-", "mac-"}), "linux-a");
  EXPECT_EQ(found_key(*index, {kMain}, "windows-x", {"bsd-", "mac-"}), "mac-b");
  EXPECT_EQ(found_key(*index, {kMain}, "windows-x", {"bsd-"}), "<miss>");
}

TEST_F(CacheIndexTest, PrefixesAreLiteralBytes) {
  auto index = open();
  save(*index, kMain, "axb", "1");
  save(*index, kMain, "ABC", "2");
  EXPECT_EQ(found_key(*index, {kMain}, "a_", {"a%"}), "<miss>");  // no LIKE wildcards
  EXPECT_EQ(found_key(*index, {kMain}, "ab", {}), "<miss>");      // no case folding
}

TEST_F(CacheIndexTest, TheVersionMustMatch) {
  auto index = open();
  save(*index, kMain, "k", "1", "version-a");
  EXPECT_EQ(found_key(*index, {kMain}, "k", {"k"}, "version-b"), "<miss>");
  EXPECT_EQ(found_key(*index, {kMain}, "k", {}, "version-a"), "k");
}

TEST_F(CacheIndexTest, TheOwnBranchIsSearchedFullyBeforeTheDefaultBranch) {
  auto index = open();
  save(*index, kMain, "deps-1", "1");
  save(*index, kFeature, "deps-0", "2");
  // In the feature branch the key only matches as a prefix; that still beats main's exact.
  EXPECT_EQ(found_key(*index, {kFeature, kMain}, "deps-1", {"deps-"}), "deps-0");
  // Without an entry in the feature branch, the default branch's entry is found.
  EXPECT_EQ(found_key(*index, {"refs/heads/other", kMain}, "deps-1", {}), "deps-1");
  // Another branch's entries are never visible.
  EXPECT_EQ(found_key(*index, {"refs/heads/other"}, "deps-1", {"deps-"}), "<miss>");
}

TEST_F(CacheIndexTest, EntriesAreImmutable) {
  auto index = open();
  save(*index, kMain, "k", "1");
  Result<CacheEntry> again = index->reserve(kMain, "k", "v1");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(refusal_code(again.error()), "already_exists");
  // Another scope or version is another entry.
  EXPECT_TRUE(index->reserve(kFeature, "k", "v1").ok());
  EXPECT_TRUE(index->reserve(kMain, "k", "v2").ok());
}

TEST_F(CacheIndexTest, AReservationBlocksOthersUntilItIsStale) {
  auto index = open();
  Result<CacheEntry> first = index->reserve(kMain, "k", "v1");
  ASSERT_TRUE(first.ok());
  Result<CacheEntry> second = index->reserve(kMain, "k", "v1");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(refusal_code(second.error()), "already_exists");
  EXPECT_EQ(found_key(*index, {kMain}, "k", {}), "<miss>");  // not finalized: invisible
  auto pending = index->reservation(kMain, "k", "v1");
  ASSERT_TRUE(pending.ok() && pending->has_value());
  EXPECT_EQ((*pending)->id, first->id);
  advance_ms(CacheOptions{}.reservation_ttl_ms + 1);
  Result<CacheEntry> retaken = index->reserve(kMain, "k", "v1");
  ASSERT_TRUE(retaken.ok()) << retaken.error().message;
  EXPECT_GT(retaken->id, first->id);
  EXPECT_FALSE(index->finalize(first->id, "", 0).ok());  // the old id is gone
}

TEST_F(CacheIndexTest, FinalizeChecksTheReservationAndTheBlob) {
  auto index = open();
  Result<CacheEntry> reserved = index->reserve(kMain, "k", "v1");
  ASSERT_TRUE(reserved.ok());
  std::string digest = upload(index->blobs(), "u", "hello");
  auto code = [](const Result<CacheEntry>& r) { return r.ok() ? "ok" : refusal_code(r.error()); };
  EXPECT_EQ(code(index->finalize(reserved->id + 100, digest, 5)), "not_found");
  EXPECT_EQ(code(index->finalize(reserved->id, digest, 4)), "invalid_argument");
  EXPECT_EQ(code(index->finalize(reserved->id, std::string(64, 'a'), 5)), "failed_precondition");
  EXPECT_EQ(code(index->finalize(reserved->id, digest, 5)), "ok");
  EXPECT_EQ(code(index->finalize(reserved->id, digest, 5)), "already_exists");
  auto after = index->reservation(kMain, "k", "v1");  // finalized: no longer a reservation
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
}

TEST_F(CacheIndexTest, KeysAreCheckedAsTheClientDoes) {
  auto index = open();
  for (const std::string& key : {std::string(""), std::string(513, 'k'), std::string("a,b")}) {
    Result<CacheEntry> r = index->reserve(kMain, key, "v1");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(refusal_code(r.error()), "invalid_argument");
  }
  EXPECT_TRUE(index->reserve(kMain, std::string(512, 'k'), "v1").ok());
  EXPECT_FALSE(index->reserve(kMain, "k", "").ok());
}

TEST_F(CacheIndexTest, TheLeastRecentlyUsedEntriesAreEvictedWithTheirBlobs) {
  auto index = open(/*max_bytes=*/10);
  CacheEntry a = save(*index, kMain, "a", "aaaa");
  CacheEntry b = save(*index, kMain, "b", "bbbb");
  advance_ms(1);
  EXPECT_EQ(found_key(*index, {kMain}, "a", {}), "a");  // a is now more recent than b
  CacheEntry c = save(*index, kMain, "c", "cccc");      // 12 bytes > 10: b goes
  EXPECT_EQ(found_key(*index, {kMain}, "b", {}), "<miss>");
  EXPECT_EQ(found_key(*index, {kMain}, "a", {}), "a");
  EXPECT_EQ(found_key(*index, {kMain}, "c", {}), "c");
  EXPECT_EQ(*index->total_size(), 8u);
  EXPECT_FALSE(index->blobs().find(b.blob_digest).has_value());
  EXPECT_TRUE(index->blobs().find(a.blob_digest).has_value());
  EXPECT_TRUE(index->blobs().find(c.blob_digest).has_value());
}

TEST_F(CacheIndexTest, AnEvictedBlobStaysWhileAnotherRowUsesIt) {
  auto index = open(/*max_bytes=*/8);
  CacheEntry a = save(*index, kMain, "a", "same");
  save(*index, kFeature, "a", "same");  // same content, one blob
  save(*index, kMain, "b", "bbbb");     // evicts kMain's a (LRU); the blob is still used
  EXPECT_EQ(found_key(*index, {kMain}, "a", {}), "<miss>");
  EXPECT_EQ(found_key(*index, {kFeature}, "a", {}), "a");
  EXPECT_TRUE(index->blobs().find(a.blob_digest).has_value());
}

TEST_F(CacheIndexTest, ArtifactsKeepTheirBlobWhenTheCacheEvictsIt) {
  auto index = open(/*max_bytes=*/4);
  ArtifactOptions options;
  options.now_ms = clock();
  auto artifacts = ArtifactIndex::open(data_dir(), options);
  ASSERT_TRUE(artifacts.ok());
  CacheEntry a = save(*index, kMain, "a", "same");
  ASSERT_TRUE((*artifacts)->create(1, "build", "dist").ok());
  ASSERT_TRUE((*artifacts)->finalize(1, "dist", a.blob_digest, 4, "", "").ok());
  save(*index, kMain, "b", "bbbb");  // evicts a
  EXPECT_TRUE(index->blobs().find(a.blob_digest).has_value());
}

TEST_F(CacheIndexTest, EntriesUnusedForTheIdleTimeAreEvicted) {
  auto index = open();
  save(*index, kMain, "old", "1");
  advance_ms(CacheOptions{}.max_idle_ms + 1);
  save(*index, kMain, "new", "2");
  EXPECT_EQ(found_key(*index, {kMain}, "old", {}), "<miss>");
  EXPECT_EQ(found_key(*index, {kMain}, "new", {}), "new");
}

TEST_F(CacheIndexTest, AnEntryLargerThanTheLimitIsRefused) {
  auto index = open(/*max_bytes=*/4);
  Result<CacheEntry> reserved = index->reserve(kMain, "k", "v1");
  std::string digest = upload(index->blobs(), "u", "too big");
  Result<CacheEntry> r = index->finalize(reserved->id, digest, 7);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(refusal_code(r.error()), "failed_precondition");
  EXPECT_NE(r.error().message.find("SLUICE_CACHE_MAX_BYTES"), std::string::npos);
}

TEST_F(CacheIndexTest, EntriesPersistAndAreSharedBetweenOpeners) {
  auto first = open();
  save(*first, kMain, "k", "1");
  auto second = open();  // another process would see the same
  EXPECT_EQ(found_key(*second, {kMain}, "k", {}), "k");
  Result<CacheEntry> again = second->reserve(kMain, "k", "v1");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(refusal_code(again.error()), "already_exists");
  ASSERT_TRUE(second->reserve(kMain, "k2", "v1").ok());
  EXPECT_FALSE(first->reserve(kMain, "k2", "v1").ok());
}

TEST_F(CacheIndexTest, GarbageCollectionRemovesOnlyOldUnreferencedThings) {
  auto index = open();
  CacheEntry kept = save(*index, kMain, "kept", "kept");
  std::string orphan = upload(index->blobs(), "died-after-upload", "orphan");
  std::string fresh = upload(index->blobs(), "still-uploading", "fresh");
  testing::age_file(index->blobs().find(kept.blob_digest)->parts.at(0), 2 * 24 * 3600);
  testing::age_file(index->blobs().find(orphan)->parts.at(0), 2 * 24 * 3600);
  Result<CacheEntry> abandoned = index->reserve(kMain, "abandoned", "v1");
  ASSERT_TRUE(abandoned.ok());
  advance_ms(CacheOptions{}.reservation_ttl_ms + 1);
  Result<CacheEntry> pending = index->reserve(kMain, "pending", "v1");
  ASSERT_TRUE(pending.ok());

  Result<size_t> removed = index->collect_garbage(24 * 3600 * 1000);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, 2u);  // the abandoned reservation and the orphan blob
  EXPECT_FALSE(index->blobs().find(orphan).has_value());
  EXPECT_TRUE(index->blobs().find(kept.blob_digest).has_value());
  EXPECT_TRUE(index->blobs().find(fresh).has_value());
  EXPECT_FALSE(index->reservation(kMain, "abandoned", "v1")->has_value());
  EXPECT_TRUE(index->reservation(kMain, "pending", "v1")->has_value());
}

TEST(CacheSize, ParsesBytesAndBinarySuffixes) {
  EXPECT_EQ(*parse_byte_size("1024"), 1024u);
  EXPECT_EQ(*parse_byte_size("10G"), 10ull << 30);
  EXPECT_EQ(*parse_byte_size("10GiB"), 10ull << 30);
  EXPECT_EQ(*parse_byte_size("512m"), 512ull << 20);
  EXPECT_EQ(*parse_byte_size("1T"), 1ull << 40);
  EXPECT_EQ(*parse_byte_size("7B"), 7u);
  EXPECT_FALSE(parse_byte_size("").ok());
  EXPECT_FALSE(parse_byte_size("G").ok());
  EXPECT_FALSE(parse_byte_size("10X").ok());
  EXPECT_FALSE(parse_byte_size("-1").ok());
  EXPECT_FALSE(parse_byte_size("99999999999999999999").ok());
  EXPECT_FALSE(parse_byte_size("99999999999T").ok());
}

TEST(CacheSize, RefusalCodesAreReadFromTheMessage) {
  EXPECT_EQ(refusal_code(Error{"already_exists: x", {}}), "already_exists");
  EXPECT_EQ(refusal_code(Error{"not_found: x", {}}), "not_found");
  EXPECT_EQ(refusal_code(Error{"sqlite: disk I/O error", {}}), "");
  EXPECT_EQ(refusal_code(Error{"already_exists", {}}), "");
}

}  // namespace
}  // namespace sluice::runtime
