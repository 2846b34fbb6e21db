#include "common/config/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "frontdoor/config/v1/config.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace frontdoor::config {
namespace {

using ::frontdoor::config::v1::IntakeConfig;
using ::frontdoor::config::v1::KeyRingFile;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// A file under the test's temporary directory, removed at the end.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& contents)
      : path_(::testing::TempDir() + "/" + name) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << contents;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(ParseJsonTest, ParsesKnownFieldsInBothNamingStyles) {
  auto config = ParseJson<IntakeConfig>(
      R"({"server": {"api_address": "0.0.0.0:7443", "shutdownGraceSeconds": 20},
          "store": {"sqlite_path": "/var/lib/intake.db"},
          "keyRingFile": "/etc/keys.json"})",
      "config test");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server().api_address(), "0.0.0.0:7443");
  EXPECT_EQ(config->server().shutdown_grace_seconds(), 20);
  EXPECT_EQ(config->store().sqlite_path(), "/var/lib/intake.db");
  EXPECT_EQ(config->key_ring_file(), "/etc/keys.json");
}

TEST(ParseJsonTest, UnknownTopLevelFieldIsNamed) {
  auto config = ParseJson<IntakeConfig>(R"({"servr": {}})", "config /etc/x.json");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(),
            "config /etc/x.json: unknown field \"servr\"");
}

TEST(ParseJsonTest, UnknownNestedFieldIsNamedWithItsPath) {
  auto config = ParseJson<IntakeConfig>(
      R"({"server": {"tls": {"ca_fil": "/ca.pem"}}})", "config /etc/x.json");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "config /etc/x.json: unknown field \"server.tls.ca_fil\"");
}

TEST(ParseJsonTest, UnknownFieldInsideRepeatedMessageIsNamedWithIndex) {
  auto ring = ParseJson<KeyRingFile>(
      R"({"keys": [{"id": "k1"}, {"id": "k2", "colour": "red"}]})", "ring");
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.status().message(), "ring: unknown field \"keys[1].colour\"");
}

TEST(ParseJsonTest, SyntaxErrorDoesNotEchoTheInput) {
  auto ring = ParseJson<KeyRingFile>(
      R"({"blind_index_key_base64": "c2VjcmV0LXNlY3JldA==" oops})", "ring");
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ring.status().message(),
              AllOf(HasSubstr("ring: invalid JSON: "),
                    Not(HasSubstr("c2VjcmV0")), Not(HasSubstr("\n"))));
}

TEST(ParseJsonTest, WrongValueTypeIsInvalidArgument) {
  auto config = ParseJson<IntakeConfig>(
      R"({"server": {"shutdown_grace_seconds": "soon"}})", "config c.json");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(),
              AllOf(HasSubstr("config c.json: invalid JSON: "),
                    HasSubstr("shutdown_grace_seconds")));
}

TEST(ParseJsonTest, EmptyInputIsAnError) {
  EXPECT_FALSE(ParseJson<IntakeConfig>("", "config empty").ok());
}

TEST(LoadJsonFileTest, LoadsFile) {
  TempFile file("load_ok.json", R"({"store": {"sqlite_path": "a.db"}})");
  auto config = LoadJsonFile<IntakeConfig>(file.path());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->store().sqlite_path(), "a.db");
}

TEST(LoadJsonFileTest, UnknownFieldErrorNamesFileAndField) {
  TempFile file("load_unknown.json", R"({"store": {"path": "a.db"}})");
  auto config = LoadJsonFile<IntakeConfig>(file.path());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            "config " + file.path() + ": unknown field \"store.path\"");
}

TEST(LoadJsonFileTest, MissingFileIsNotFoundNamingThePath) {
  const std::string path = ::testing::TempDir() + "/does-not-exist.json";
  auto config = LoadJsonFile<IntakeConfig>(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr(path));
}

TEST(LoadJsonFileTest, DirectoryIsAnError) {
  auto config = LoadJsonFile<IntakeConfig>(::testing::TempDir());
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(::testing::TempDir()));
}

TEST(ReadFileToStringTest, ReadsBinaryContentExactly) {
  const std::string contents("a\0b\xff", 4);
  TempFile file("binary.bin", contents);
  auto read = ReadFileToString(file.path());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, contents);
}

TEST(ReadFileToStringTest, AMissingFileIsNotFoundNamingThePath) {
  const std::string path = ::testing::TempDir() + "no-such-referral.json";
  auto read = ReadFileToString(path);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(read.status().message()),
              StartsWith(path + ": cannot open"));
  // A configuration file says it is one.
  EXPECT_THAT(std::string(LoadJsonFile<IntakeConfig>(path).status().message()),
              StartsWith("config " + path + ": cannot open"));
}

TEST(WriteFileDurablyTest, ReplacesTheFileWholeWithTheModeGiven) {
  const std::string path = ::testing::TempDir() + "durable-bundle.json";
  {
    std::ofstream old(path);
    old << "an older and longer file";
  }
  ::chmod(path.c_str(), 0644);
  ASSERT_TRUE(WriteFileDurably(path, std::string("new\0x", 5), 0600).ok());
  EXPECT_EQ(*ReadFileToString(path), std::string("new\0x", 5));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // The old file's mode is not kept.
  struct stat temp {};
  EXPECT_NE(::stat((path + ".tmp").c_str(), &temp), 0);
  ::unlink(path.c_str());
}

TEST(WriteFileDurablyTest, AnUnwritableDirectoryNamesTheFile) {
  const std::string path = "/nonexistent-dir/bundle.json";
  absl::Status written = WriteFileDurably(path, "x", 0600);
  EXPECT_FALSE(written.ok());
  EXPECT_THAT(std::string(written.message()), HasSubstr(path));
}

TEST(RequiredSettingsTest, NothingMissingIsOk) {
  RequiredSettings required;
  required.Require(true, "server.api_address");
  EXPECT_TRUE(required.Check("config x").ok());
  EXPECT_TRUE(required.missing().empty());
}

TEST(RequiredSettingsTest, ListsEveryMissingSettingInOrder) {
  RequiredSettings required;
  required.Require(false, "server.api_address");
  required.Require(true, "server.health_address");
  required.Require(false, "store.sqlite_path");
  absl::Status status = required.Check("config /etc/intake.json");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "config /etc/intake.json: missing required settings: "
            "server.api_address, store.sqlite_path");
}

TEST(RequiredSettingsTest, SingleMissingSettingUsesSingular) {
  RequiredSettings required;
  required.Require(false, "key_ring_file");
  EXPECT_EQ(required.Check("config c").message(),
            "config c: missing required setting: key_ring_file");
}

}  // namespace
}  // namespace frontdoor::config
