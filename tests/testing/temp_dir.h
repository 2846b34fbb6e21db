#pragma once

// A fresh directory for the running test.

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace frontdoor::testing {

// <test temp dir>/<prefix>-<test suite>-<test name>-<pid>, emptied and
// created.
inline std::filesystem::path FreshTestDir(absl::string_view prefix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) /
      absl::StrCat(prefix, "-", info->test_suite_name(), "-", info->name(), "-",
                   getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace frontdoor::testing
