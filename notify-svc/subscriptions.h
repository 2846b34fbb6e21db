#pragma once

// The open Subscribe streams of this process, so that a commit can wake the
// streams of the agencies it concerns.

#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace frontdoor::notify {

// One open stream.
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual const std::string& agency_id() const = 0;
  // Look for new notifications now. Must not block for long.
  virtual void Wake() = 0;
  // Finish the stream: the server is stopping.
  virtual void Close() = 0;
};

// Wakes subscribers when their agencies have news, and all of them every
// `poll_interval` (a commit made by another process, such as another
// replica on a shared database, has no other way to reach them). A
// subscriber is woken and closed only between Add and Remove; Remove waits
// for a wake in progress, so a subscriber may be deleted after it.
class SubscriptionHub {
 public:
  explicit SubscriptionHub(absl::Duration poll_interval);
  ~SubscriptionHub();
  SubscriptionHub(const SubscriptionHub&) = delete;
  SubscriptionHub& operator=(const SubscriptionHub&) = delete;

  // False when the hub is closed (the server is stopping).
  bool Add(Subscriber* subscriber);
  void Remove(Subscriber* subscriber);
  void Wake(const std::vector<std::string>& agencies);
  void WakeAll();
  // Closes every stream and refuses new ones; stops the poll thread.
  void CloseAll();
  // Open streams by agency.
  std::map<std::string, int> OpenByAgency() const;

 private:
  void Poll();
  bool Closed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_; }

  const absl::Duration poll_interval_;
  mutable absl::Mutex mu_;
  std::multimap<std::string, Subscriber*> open_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  std::thread poller_;
};

}  // namespace frontdoor::notify
