#pragma once

// Collects every log line written while it is the log sink, so tests can
// check what is (and is not) logged.

#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/logging/logging.h"

namespace frontdoor::testing {

class CapturedLog : public LogSink {
 public:
  void Write(std::string_view line) override {
    absl::MutexLock lock(&mu_);
    text_.append(line.data(), line.size());
  }
  // Everything captured so far.
  std::string text() {
    absl::MutexLock lock(&mu_);
    return text_;
  }

 private:
  absl::Mutex mu_;
  std::string text_ ABSL_GUARDED_BY(mu_);
};

// A CapturedLog installed as the sink for its lifetime.
class ScopedCapturedLog : public CapturedLog {
 public:
  ScopedCapturedLog() { SetLogSink(this); }
  ~ScopedCapturedLog() override { SetLogSink(nullptr); }
};

}  // namespace frontdoor::testing
