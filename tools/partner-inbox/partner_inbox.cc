#include "tools/partner-inbox/partner_inbox.h"

#include <algorithm>
#include <vector>

#include "common/tls/authenticate.h"

namespace frontdoor::partner {

grpc::ServerUnaryReactor* SamplePartnerInbox::Deliver(
    grpc::CallbackServerContext* context,
    const notify::v1::Notification* request,
    notify::v1::DeliverResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const std::vector<std::string> sans =
      tls::PeerUriSans(*context->auth_context());
  if (std::find(sans.begin(), sans.end(), accepted_identity_) == sans.end()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                 "only notify-svc delivers here"));
    return reactor;
  }
  if (request->id().empty()) {
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                 "notification id required"));
    return reactor;
  }
  absl::MutexLock lock(&mu_);
  if (!available_) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "inbox unavailable"));
    return reactor;
  }
  if (seen_.insert(request->id()).second) {
    sink_(*request);
  } else {
    ++duplicates_;
  }
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

void SamplePartnerInbox::SetAvailable(bool available) {
  absl::MutexLock lock(&mu_);
  available_ = available;
}

int64_t SamplePartnerInbox::accepted() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(seen_.size());
}

int64_t SamplePartnerInbox::duplicates() const {
  absl::MutexLock lock(&mu_);
  return duplicates_;
}

}  // namespace frontdoor::partner
