#include "notify-svc/subscriptions.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"

namespace frontdoor::notify {

SubscriptionHub::SubscriptionHub(absl::Duration poll_interval)
    : poll_interval_(poll_interval), poller_([this] { Poll(); }) {}

SubscriptionHub::~SubscriptionHub() { CloseAll(); }

bool SubscriptionHub::Add(Subscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  if (closed_) return false;
  open_.emplace(subscriber->agency_id(), subscriber);
  return true;
}

void SubscriptionHub::Remove(Subscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  auto [begin, end] = open_.equal_range(subscriber->agency_id());
  for (auto it = begin; it != end; ++it) {
    if (it->second == subscriber) {
      open_.erase(it);
      return;
    }
  }
}

void SubscriptionHub::Wake(const std::vector<std::string>& agencies) {
  absl::flat_hash_set<std::string> once(agencies.begin(), agencies.end());
  absl::MutexLock lock(&mu_);
  for (const std::string& agency : once) {
    auto [begin, end] = open_.equal_range(agency);
    for (auto it = begin; it != end; ++it) it->second->Wake();
  }
}

void SubscriptionHub::WakeAll() {
  absl::MutexLock lock(&mu_);
  for (auto& [agency, subscriber] : open_) subscriber->Wake();
}

void SubscriptionHub::CloseAll() {
  {
    absl::MutexLock lock(&mu_);
    if (!closed_) {
      closed_ = true;
      for (auto& [agency, subscriber] : open_) subscriber->Close();
    }
  }
  if (poller_.joinable()) poller_.join();
}

std::map<std::string, int> SubscriptionHub::OpenByAgency() const {
  std::map<std::string, int> out;
  absl::MutexLock lock(&mu_);
  for (const auto& [agency, subscriber] : open_) ++out[agency];
  return out;
}

void SubscriptionHub::Poll() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(this, &SubscriptionHub::Closed),
                               poll_interval_)) {
        return;
      }
    }
    WakeAll();
  }
}

}  // namespace frontdoor::notify
