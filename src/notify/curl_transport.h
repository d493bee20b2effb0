#pragma once
// The real Transport, through libcurl (Debian's libcurl4-openssl; docs/
// DEPENDENCIES.md says why): e-mail over SMTP with STARTTLS required (smtp://)
// or TLS from the start (smtps://), webhooks over http(s)://. Certificates are
// verified against the system's CAs or alerts.ca_file; every transfer has a
// time limit and the answer's size is capped.
#include <chrono>
#include <string>

#include "notify/transport.h"

namespace tarifador::notify {

struct CurlSettings {
  std::string smtp_url;       // "smtp://mail.example.com:587" | "smtps://...:465"
  std::string smtp_username;  // "" = no login
  std::string smtp_password;
  std::string smtp_from;  // the envelope sender
  std::string ca_file;    // PEM; "" = the system's CAs
  std::chrono::seconds timeout{20};
};

class CurlTransport final : public Transport {
 public:
  explicit CurlTransport(CurlSettings settings);
  base::Status Send(const Mail& mail) override;
  base::Status Post(const WebhookPost& post) override;

 private:
  const CurlSettings settings_;
};

}  // namespace tarifador::notify
