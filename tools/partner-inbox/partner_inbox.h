#pragma once

// A sample partner inbox: what a partner that chose push delivery runs.
// notify-svc calls frontdoor.notify.v1.PartnerInbox/Deliver on it over
// mTLS; it accepts calls only from notify-svc's certificate identity,
// de-duplicates by notification id and hands each new notification to a
// sink (the tool prints it as one line of JSON).

#include <cstdint>
#include <functional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "frontdoor/notify/v1/notify_service.grpc.pb.h"

namespace frontdoor::partner {

// notify-svc's certificate identity (URI SAN).
inline constexpr char kNotifyIdentity[] = "spiffe://frontdoor/svc/notify-svc";

class SamplePartnerInbox final
    : public notify::v1::PartnerInbox::CallbackService {
 public:
  using Sink = std::function<void(const notify::v1::Notification&)>;

  // `sink` runs once per new notification id, under the inbox's lock.
  SamplePartnerInbox(std::string accepted_identity, Sink sink)
      : accepted_identity_(std::move(accepted_identity)),
        sink_(std::move(sink)) {}

  grpc::ServerUnaryReactor* Deliver(
      grpc::CallbackServerContext* context,
      const notify::v1::Notification* request,
      notify::v1::DeliverResponse* response) override;

  // While unavailable, every delivery fails with UNAVAILABLE (to try
  // notify-svc's retries by hand, or in tests).
  void SetAvailable(bool available);

  // New notifications taken, and deliveries of ids already taken.
  int64_t accepted() const;
  int64_t duplicates() const;

 private:
  const std::string accepted_identity_;
  const Sink sink_;
  mutable absl::Mutex mu_;
  bool available_ ABSL_GUARDED_BY(mu_) = true;
  absl::flat_hash_set<std::string> seen_ ABSL_GUARDED_BY(mu_);
  int64_t duplicates_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace frontdoor::partner
