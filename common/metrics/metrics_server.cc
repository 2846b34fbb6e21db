#include "common/metrics/metrics_server.h"

#include <sys/socket.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "httplib.h"
#include "prometheus/text_serializer.h"

namespace frontdoor::metrics {
namespace {

// How long Start waits for the listener's thread to enter its accept loop
// (stop() before then would not stop it), and how often it looks.
constexpr absl::Duration kListenStartTimeout = absl::Seconds(5);
constexpr absl::Duration kListenStartPoll = absl::Milliseconds(1);
// A scraper that sends or reads slower than this is cut off.
constexpr int kSocketTimeoutSeconds = 10;

// ("host", port) of "host:port", "[v6]:port" or "port" (all interfaces);
// false when the port is not a number from 0 to 65535.
bool SplitAddress(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  std::string port_text = address;
  *host = "0.0.0.0";
  if (colon != std::string::npos) {
    *host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
    if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
      *host = host->substr(1, host->size() - 2);
    }
  }
  return !host->empty() && absl::SimpleAtoi(port_text, port) && *port >= 0 &&
         *port <= 65535;
}

}  // namespace

void ExclusivePortSocketOptions(int socket) {
  int yes = 1;
  setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    std::string_view address, std::shared_ptr<prometheus::Registry> registry,
    std::vector<std::shared_ptr<prometheus::Collectable>> extra) {
  const std::string bind_address(address);
  if (registry == nullptr) {
    return absl::InvalidArgumentError("metrics server: no registry");
  }
  std::string host;
  int wanted = 0;
  if (!SplitAddress(bind_address, &host, &wanted)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics server: cannot listen on ", bind_address,
        ": not host:port"));
  }
  std::unique_ptr<MetricsServer> server(new MetricsServer());
  server->collectables_.push_back(std::move(registry));
  server->collectables_.push_back(std::make_shared<ProcessCollector>());
  for (auto& c : extra) server->collectables_.push_back(std::move(c));

  server->http_ = std::make_unique<httplib::Server>();
  httplib::Server& http = *server->http_;
  http.new_task_queue = [] {
    return new httplib::ThreadPool(kMetricsServerThreads);
  };
  http.set_socket_options(ExclusivePortSocketOptions);
  http.set_read_timeout(kSocketTimeoutSeconds, 0);
  http.set_write_timeout(kSocketTimeoutSeconds, 0);
  MetricsServer* self = server.get();
  http.Get("/metrics", [self](const httplib::Request&, httplib::Response& res) {
    res.set_content(self->Scrape(), kMetricsContentType);
  });
  const int port = wanted == 0 ? http.bind_to_any_port(host)
                               : (http.bind_to_port(host, wanted) ? wanted : -1);
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat(
        "metrics server: cannot listen on ", bind_address));
  }
  server->port_ = port;
  server->thread_ = std::thread([&http] { http.listen_after_bind(); });
  // stop() does nothing until the accept loop runs: wait for it (bounded).
  const absl::Time until = absl::Now() + kListenStartTimeout;
  while (!http.is_running() && absl::Now() < until) {
    absl::SleepFor(kListenStartPoll);
  }
  return server;
}

std::string MetricsServer::Scrape() const {
  std::vector<prometheus::MetricFamily> families;
  for (const auto& c : collectables_) {
    std::vector<prometheus::MetricFamily> more = c->Collect();
    families.insert(families.end(), std::make_move_iterator(more.begin()),
                    std::make_move_iterator(more.end()));
  }
  return prometheus::TextSerializer().Serialize(families);
}

MetricsServer::~MetricsServer() {
  // Stop the HTTP threads before the collectables they read go away.
  if (http_ != nullptr) http_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace frontdoor::metrics
