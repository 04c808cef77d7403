#include "runtime/artifact_index.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "runtime_fixture.h"

namespace sluice::runtime {
namespace {

class ArtifactIndexTest : public testing::RuntimeFixture {
 protected:
  std::unique_ptr<ArtifactIndex> open() {
    ArtifactOptions options;
    options.now_ms = clock();
    auto index = ArtifactIndex::open(data_dir(), options);
    EXPECT_TRUE(index.ok()) << index.error().message;
    return std::move(*index);
  }

  // CreateArtifact + blocks + FinalizeArtifact, as upload-artifact does.
  Artifact store(ArtifactIndex& index, int64_t run, const std::string& name,
                 const std::string& content, int64_t expires_ms = 0) {
    Result<Artifact> created = index.create(run, "build", name, expires_ms);
    EXPECT_TRUE(created.ok()) << created.error().message;
    std::string digest = upload(index.blobs(), "artifact-" + std::to_string(created->id), content);
    Result<Artifact> done =
        index.finalize(run, name, digest, content.size(), "sha256:" + digest, "application/zip");
    EXPECT_TRUE(done.ok()) << done.error().message;
    return *done;
  }

  std::vector<std::string> names(ArtifactIndex& index, int64_t run,
                                 const std::optional<std::string>& name = {},
                                 std::optional<int64_t> id = {}) {
    auto listed = index.list(run, name, id);
    EXPECT_TRUE(listed.ok());
    std::vector<std::string> out;
    for (const Artifact& a : *listed) out.push_back(a.name);
    return out;
  }
};

TEST_F(ArtifactIndexTest, AFinalizedArtifactIsListedWithItsDigest) {
  auto index = open();
  Artifact a = store(*index, 7, "dist", "hello");
  EXPECT_EQ(a.digest, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
  EXPECT_EQ(a.size, 5u);
  EXPECT_EQ(a.job, "build");
  auto got = index->get(7, "dist");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->id, a.id);
  EXPECT_EQ((*got)->content_type, "application/zip");
  EXPECT_EQ((*got)->expires_ms, now_ms_ + ArtifactOptions{}.default_retention_ms);
}

TEST_F(ArtifactIndexTest, IdsIncreaseAndListsAreRunWideWithFilters) {
  auto index = open();
  Artifact a = store(*index, 7, "a", "1");
  Artifact b = store(*index, 7, "b", "2");
  store(*index, 8, "a", "3");  // another run may reuse a name
  EXPECT_GT(b.id, a.id);
  EXPECT_LT(b.id, int64_t{1} << 53);
  EXPECT_EQ(names(*index, 7), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names(*index, 7, "b"), std::vector<std::string>{"b"});
  EXPECT_EQ(names(*index, 7, {}, a.id), std::vector<std::string>{"a"});
  EXPECT_EQ(names(*index, 7, "b", a.id), std::vector<std::string>{});
  EXPECT_EQ(names(*index, 9), std::vector<std::string>{});
}

TEST_F(ArtifactIndexTest, ANameIsUniquePerRun) {
  auto index = open();
  store(*index, 7, "dist", "1");
  Result<Artifact> again = index->create(7, "other-job", "dist");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(refusal_code(again.error()), "already_exists");
  // overwrite: true deletes first, then creates.
  ASSERT_TRUE(index->remove(7, "dist").ok());
  EXPECT_TRUE(index->create(7, "other-job", "dist").ok());
}

TEST_F(ArtifactIndexTest, NamesWithForbiddenCharactersAreRefused) {
  auto index = open();
  for (const std::string& name :
       std::vector<std::string>{"a/b", "a\\b", "a:b", "a<b", "a>b", "a|b", "a*b", "a?b", "a\"b",
                                "a\rb", "a\nb", "", ".", "..", std::string(257, 'n')}) {
    Result<Artifact> r = index->create(7, "job", name);
    ASSERT_FALSE(r.ok()) << name;
    EXPECT_EQ(refusal_code(r.error()), "invalid_argument") << name;
  }
  EXPECT_TRUE(index->create(7, "job", "my artifact (linux) #1.tar").ok());
}

TEST_F(ArtifactIndexTest, AnUnfinishedUploadIsInvisibleAndGivesWayOnceStale) {
  auto index = open();
  ASSERT_TRUE(index->create(7, "job", "dist").ok());
  EXPECT_EQ(names(*index, 7), std::vector<std::string>{});
  auto got = index->get(7, "dist");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  EXPECT_FALSE(index->create(7, "job", "dist").ok());
  advance_ms(ArtifactOptions{}.creation_ttl_ms + 1);
  EXPECT_TRUE(index->create(7, "job", "dist").ok());
}

TEST_F(ArtifactIndexTest, FinalizeChecksSizeAndHash) {
  auto index = open();
  ASSERT_TRUE(index->create(7, "job", "dist").ok());
  std::string digest = upload(index->blobs(), "u", "hello");
  auto code = [](const Result<Artifact>& r) { return r.ok() ? "ok" : refusal_code(r.error()); };
  EXPECT_EQ(code(index->finalize(7, "nope", digest, 5, "", "")), "not_found");
  EXPECT_EQ(code(index->finalize(7, "dist", digest, 6, "", "")), "invalid_argument");
  EXPECT_EQ(code(index->finalize(7, "dist", digest, 5, "sha256:" + std::string(64, '0'), "")),
            "invalid_argument");
  EXPECT_EQ(code(index->finalize(7, "dist", std::string(64, 'a'), 5, "", "")),
            "failed_precondition");
  EXPECT_EQ(code(index->finalize(7, "dist", digest, 5, "", "")), "ok");
  EXPECT_EQ(code(index->finalize(7, "dist", digest, 5, "", "")), "already_exists");
}

TEST_F(ArtifactIndexTest, DeletingRemovesTheBlobUnlessSharedWithinTheRunOrAcrossRuns) {
  auto index = open();
  Artifact a = store(*index, 7, "a", "same");
  store(*index, 8, "a", "same");
  Artifact b = store(*index, 7, "b", "other");
  ASSERT_TRUE(index->remove(7, "a").ok());
  EXPECT_TRUE(index->blobs().find(a.blob_digest).has_value());  // run 8 still has it
  ASSERT_TRUE(index->remove(7, "b").ok());
  EXPECT_FALSE(index->blobs().find(b.blob_digest).has_value());
  Result<Artifact> missing = index->remove(7, "b");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(refusal_code(missing.error()), "not_found");
}

TEST_F(ArtifactIndexTest, ExpiredArtifactsDisappearAndAreRemoved) {
  auto index = open();
  Artifact short_lived = store(*index, 7, "short", "1", now_ms_ + 1000);
  store(*index, 7, "long", "2");
  advance_ms(999);
  EXPECT_EQ(names(*index, 7), (std::vector<std::string>{"short", "long"}));
  advance_ms(1);
  EXPECT_EQ(names(*index, 7), std::vector<std::string>{"long"});
  auto got = index->get(7, "short");
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(got->has_value());
  Result<size_t> removed = index->remove_expired();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1u);
  EXPECT_FALSE(index->blobs().find(short_lived.blob_digest).has_value());
  // The name is free again.
  EXPECT_TRUE(index->create(7, "job", "short").ok());
}

TEST_F(ArtifactIndexTest, OpenExistingCreatesNothing) {
  auto none = ArtifactIndex::open_existing(data_dir());
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->get(), nullptr);
  EXPECT_TRUE(std::filesystem::is_empty(data_dir()));
  store(*open(), 7, "a", "1");
  ArtifactOptions options;
  options.now_ms = clock();
  auto some = ArtifactIndex::open_existing(data_dir(), options);
  ASSERT_TRUE(some.ok() && *some);
  EXPECT_EQ(names(**some, 7), std::vector<std::string>{"a"});
}

}  // namespace
}  // namespace sluice::runtime
