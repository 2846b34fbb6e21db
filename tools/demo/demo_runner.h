#pragma once

// frontdoor-demo-year's work, as a function: intake-svc, triage-svc,
// allocation-svc and notify-svc started in this process on a FakeClock from
// the service config files tools/up writes into var/ (on their databases,
// on free loopback ports, over real mTLS with the suite's certificates),
// the year generated (demo_year.h), the hand-offs left to settle (every
// service's outbox delivered, a bounded wait), and the services stopped.

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "tools/demo/demo_year.h"

namespace frontdoor::demo {

// The longest wait, after the year, for every outbox to be delivered.
inline constexpr absl::Duration kSettleOutboxes = absl::Seconds(120);

struct RunOptions {
  Options year;
  // The directory tools/up writes: intake-svc.json, triage-svc.json,
  // allocation-svc.json and (optional) notify-svc.json.
  std::string var_dir = "var";
  // Generate even when intake's database already holds referrals.
  bool force = false;
};

// Channels presenting the certificates in `pki_dir` (<identity>.pem and
// .key, trusting ca.pem, as tools/dev-pki writes them) to the services on
// localhost at the given ports.
ChannelFor DevPkiChannels(const std::string& pki_dir, int intake_port,
                          int triage_port, int allocation_port);

// Runs the year and writes its summary (JSON, one object) on `out`.
// FAILED_PRECONDITION, saying so, when intake's database already holds
// referrals and not `force`; a config file's errors name the file; a year
// that lost a referral or whose outboxes did not settle is an error naming
// how many.
absl::Status RunDemoYear(const RunOptions& options, std::ostream& out);

// The summary as one JSON object.
std::string SummaryJson(const Summary& summary);

}  // namespace frontdoor::demo
