// partner-inbox: a sample push-mode partner. Serves
// frontdoor.notify.v1.PartnerInbox over mTLS and prints each new
// notification as one line of JSON on stdout.
//
//   partner-inbox --listen=0.0.0.0:7600 --as=staffs-police-hub
//
// Certificates come from $FRONTDOOR_PKI_DIR (default var/pki): ca.pem,
// NAME.pem, NAME.key. SIGUSR1 toggles the inbox unavailable / available,
// to watch notify-svc retry and dead-letter. SIGTERM or SIGINT stops it.
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "common/tls/credentials.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "tools/partner-inbox/partner_inbox.h"

ABSL_FLAG(std::string, listen, "0.0.0.0:7600", "address to serve on");
ABSL_FLAG(std::string, as, "staffs-police-hub",
          "certificate name under $FRONTDOOR_PKI_DIR");
ABSL_FLAG(std::string, accept, frontdoor::partner::kNotifyIdentity,
          "the only client identity (URI SAN) accepted");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "partner-inbox --listen=HOST:PORT --as=NAME (see the file's comment)");
  absl::ParseCommandLine(argc, argv);
  // Before any thread starts, so that only sigwait() below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  const char* env = std::getenv("FRONTDOOR_PKI_DIR");
  const std::string pki = env != nullptr && *env != '\0' ? env : "var/pki";
  frontdoor::config::v1::TlsFiles files;
  files.set_ca_file(pki + "/ca.pem");
  files.set_cert_file(pki + "/" + absl::GetFlag(FLAGS_as) + ".pem");
  files.set_key_file(pki + "/" + absl::GetFlag(FLAGS_as) + ".key");
  auto credentials = frontdoor::tls::MakeServerCredentials(files);
  if (!credentials.ok()) {
    std::fprintf(stderr, "partner-inbox: %s\n",
                 credentials.status().ToString().c_str());
    return 1;
  }
  frontdoor::partner::SamplePartnerInbox inbox(
      absl::GetFlag(FLAGS_accept),
      [](const frontdoor::notify::v1::Notification& n) {
        std::string json;
        (void)google::protobuf::util::MessageToJsonString(n, &json);
        std::cout << json << std::endl;
      });
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), *credentials, &port);
  builder.RegisterService(&inbox);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "partner-inbox: cannot listen on %s\n",
                 absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  std::fprintf(stderr, "partner-inbox: listening on port %d as %s\n", port,
               absl::GetFlag(FLAGS_as).c_str());
  bool available = true;
  for (;;) {
    int signal = 0;
    if (sigwait(&signals, &signal) != 0 || signal != SIGUSR1) break;
    available = !available;
    inbox.SetAvailable(available);
    std::fprintf(stderr, "partner-inbox: %s\n",
                 available ? "available" : "unavailable");
  }
  server->Shutdown();
  return 0;
}
