#include "common/metrics/process_collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

namespace frontdoor::metrics {
namespace {

// Fields of /proc/self/stat after "pid (comm)", numbered as in proc(5).
constexpr int kStatUtimeField = 14;
constexpr int kStatStimeField = 15;
constexpr int kStatStarttimeField = 22;
constexpr int kStatVsizeField = 23;
constexpr int kStatRssField = 24;

std::optional<std::string> ReadFile(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Fields of /proc/self/stat, index = proc(5) number (1-based). The command
// name (field 2) may contain spaces and parentheses, so parsing resumes after
// the last ')'.
std::optional<std::vector<std::string>> ReadStatFields() {
  std::optional<std::string> stat = ReadFile("/proc/self/stat");
  if (!stat) return std::nullopt;
  const size_t close_paren = stat->rfind(')');
  if (close_paren == std::string::npos) return std::nullopt;
  std::vector<std::string> fields = {"", "pid", "comm"};
  std::istringstream rest(stat->substr(close_paren + 1));
  for (std::string field; rest >> field;) fields.push_back(std::move(field));
  if (static_cast<int>(fields.size()) <= kStatRssField) return std::nullopt;
  return fields;
}

// Boot time (seconds since the epoch) from the "btime" line of /proc/stat.
std::optional<double> BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.compare(0, 6, "btime ") == 0) {
      return std::stod(line.substr(6));
    }
  }
  return std::nullopt;
}

std::optional<double> OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  // The descriptor opendir itself holds is not one of the process's.
  return count - 1;
}

prometheus::MetricFamily Family(std::string name, std::string help,
                                prometheus::MetricType type, double value) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
  return family;
}

}  // namespace

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  const double ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page_bytes = static_cast<double>(sysconf(_SC_PAGESIZE));

  if (std::optional<std::vector<std::string>> stat = ReadStatFields()) {
    const std::vector<std::string>& f = *stat;
    const double cpu_ticks = std::stod(f[kStatUtimeField]) +
                             std::stod(f[kStatStimeField]);
    families.push_back(Family("process_cpu_seconds_total",
                              "Total user and system CPU time spent in "
                              "seconds.",
                              MetricType::Counter,
                              cpu_ticks / ticks_per_second));
    families.push_back(Family("process_virtual_memory_bytes",
                              "Virtual memory size in bytes.",
                              MetricType::Gauge, std::stod(f[kStatVsizeField])));
    families.push_back(Family("process_resident_memory_bytes",
                              "Resident memory size in bytes.",
                              MetricType::Gauge,
                              std::stod(f[kStatRssField]) * page_bytes));
    if (std::optional<double> boot = BootTimeSeconds()) {
      families.push_back(Family(
          "process_start_time_seconds",
          "Start time of the process since unix epoch in seconds.",
          MetricType::Gauge,
          *boot + std::stod(f[kStatStarttimeField]) / ticks_per_second));
    }
  }
  if (std::optional<double> fds = OpenFds()) {
    families.push_back(Family("process_open_fds",
                              "Number of open file descriptors.",
                              MetricType::Gauge, *fds));
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 &&
      limit.rlim_cur != RLIM_INFINITY) {
    families.push_back(Family("process_max_fds",
                              "Maximum number of open file descriptors.",
                              MetricType::Gauge,
                              static_cast<double>(limit.rlim_cur)));
  }
  return families;
}

}  // namespace frontdoor::metrics
