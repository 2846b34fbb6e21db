#pragma once

#include <vector>

#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"

namespace frontdoor::metrics {

// Process metrics read from /proc/self at each scrape, with the names and
// semantics of the Prometheus Go and Python clients:
//   process_cpu_seconds_total      counter  user + system CPU time, seconds
//   process_resident_memory_bytes  gauge    resident set size, bytes
//   process_virtual_memory_bytes   gauge    virtual memory size, bytes
//   process_open_fds               gauge    open file descriptors
//   process_max_fds                gauge    soft RLIMIT_NOFILE
//   process_start_time_seconds     gauge    start time, seconds since epoch
// A metric whose source cannot be read is left out of that scrape rather than
// reported as 0. Thread-safe (Collect keeps no state).
class ProcessCollector final : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override;
};

}  // namespace frontdoor::metrics
