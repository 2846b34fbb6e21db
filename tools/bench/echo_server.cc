// frontdoor-echo-server: the bare gRPC baseline for frontdoor-bench. Same
// transport as intake-svc (mTLS requiring and verifying a client certificate
// from the suite's CA, same message-size limits, callback API), no work.
//
// Prints "PORT <n>" on stdout once serving, then serves until SIGTERM or
// SIGINT and exits 0.

#include <signal.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "common/config/config.h"
#include "common/tls/credentials.h"
#include "echo.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "tools/bench/bench_lib.h"

ABSL_FLAG(std::string, address, "127.0.0.1:0",
          "Address to listen on; port 0 picks a free port");
ABSL_FLAG(std::string, ca, "", "CA certificate (PEM) client certificates must chain to");
ABSL_FLAG(std::string, cert, "", "Server certificate (PEM)");
ABSL_FLAG(std::string, key, "", "Server private key (PEM)");

namespace frontdoor::bench {
namespace {

constexpr auto kShutdownGrace = std::chrono::seconds(5);

class EchoServiceImpl final : public v1::EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const v1::EchoRequest* request,
                                 v1::EchoResponse* response) override {
    response->set_payload(request->payload());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

int Run() {
  // Block the stop signals in every thread (gRPC's threads inherit the mask)
  // so that only sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto credentials = tls::MakeServerCredentials(TlsFilesOf(
      absl::GetFlag(FLAGS_ca), absl::GetFlag(FLAGS_cert),
      absl::GetFlag(FLAGS_key)));
  if (!credentials.ok()) {
    std::cerr << "frontdoor-echo-server: " << credentials.status() << "\n";
    return 1;
  }
  EchoServiceImpl service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::GetFlag(FLAGS_address), *credentials, &port);
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "frontdoor-echo-server: cannot listen on "
              << absl::GetFlag(FLAGS_address) << "\n";
    return 1;
  }
  std::printf("PORT %d\n", port);
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop_signals, &signal);
  server->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  return 0;
}

}  // namespace
}  // namespace frontdoor::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return frontdoor::bench::Run();
}
