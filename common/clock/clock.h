#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace frontdoor {

// The source of "now" for domain code. Production uses RealClock; tests inject
// a FakeClock so that no test depends on the wall clock or sleeps.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // A process-wide instance.
  static Clock& Get() {
    static RealClock* clock = new RealClock();
    return *clock;
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time t) {
    absl::MutexLock lock(&mu_);
    now_ = t;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// The same moment `months` calendar months earlier, in UTC (day-of-month
// overflow normalises forwards, as absl::CivilSecond does: 31 March minus one
// month is 3 March). "Within 12 months" windows use this.
inline absl::Time MonthsBefore(absl::Time t, int months) {
  const absl::CivilSecond c = absl::ToCivilSecond(t, absl::UTCTimeZone());
  return absl::FromCivil(absl::CivilSecond(c.year(), c.month() - months,
                                           c.day(), c.hour(), c.minute(),
                                           c.second()),
                         absl::UTCTimeZone());
}

}  // namespace frontdoor
