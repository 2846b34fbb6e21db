#pragma once

// Building metric families by hand, for collectors that read their values
// from the store at each scrape.

#include <string>
#include <utility>
#include <vector>

#include "prometheus/client_metric.h"
#include "prometheus/metric_family.h"
#include "prometheus/metric_type.h"

namespace frontdoor::metrics {

inline prometheus::MetricFamily NewFamily(std::string name, std::string help,
                                          prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  return family;
}

inline prometheus::MetricFamily NewGauge(std::string name, std::string help) {
  return NewFamily(std::move(name), std::move(help),
                   prometheus::MetricType::Gauge);
}

inline prometheus::MetricFamily NewCounter(std::string name, std::string help) {
  return NewFamily(std::move(name), std::move(help),
                   prometheus::MetricType::Counter);
}

// Adds one sample with `labels` to a gauge or counter family.
inline void AddSample(prometheus::MetricFamily& family,
                      std::vector<prometheus::ClientMetric::Label> labels,
                      double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  if (family.type == prometheus::MetricType::Counter) {
    metric.counter.value = value;
  } else {
    metric.gauge.value = value;
  }
  family.metric.push_back(std::move(metric));
}

}  // namespace frontdoor::metrics
