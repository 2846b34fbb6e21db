#pragma once

// Serving a test service over mTLS for the tls tests.

#include <memory>
#include <string_view>

#include <gtest/gtest.h>

#include "common/tls/credentials.h"
#include "grpcpp/grpcpp.h"
#include "tests/testing/pki.h"

namespace frontdoor::tls {

// Serves `service` on a free loopback port with the dev-PKI certificate
// `cert`; fails the test when it cannot.
inline void ServeOverMtls(std::string_view cert, grpc::Service& service,
                          std::unique_ptr<grpc::Server>* server, int* port) {
  auto credentials = MakeServerCredentials(testing::PkiFiles(cert));
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", *credentials, port);
  builder.RegisterService(&service);
  *server = builder.BuildAndStart();
  ASSERT_NE(*server, nullptr);
  ASSERT_NE(*port, 0);
}

}  // namespace frontdoor::tls
