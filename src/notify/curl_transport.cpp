#include "notify/curl_transport.h"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <mutex>

namespace tarifador::notify {
namespace {

constexpr size_t kMaxAnswerBytes = 16 * 1024;  // a webhook receiver's answer is read and dropped

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

Slist Append(Slist list, const std::string& item) {
  curl_slist* raw = curl_slist_append(list.get(), item.c_str());
  if (raw != nullptr) {
    (void)list.release();
    return Slist(raw);
  }
  return list;
}

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* up = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, up->data.size() - up->offset);
  std::memcpy(buffer, up->data.data() + up->offset, n);
  up->offset += n;
  return n;
}

size_t DropAnswer(char*, size_t size, size_t count, void* user) {
  auto* total = static_cast<size_t*>(user);
  *total += size * count;
  return *total > kMaxAnswerBytes ? 0 : size * count;  // 0 ends an endless answer
}

void CommonOptions(CURL* c, const CurlSettings& s, char* error) {
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(s.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  if (!s.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s.ca_file.c_str());
}

base::Status CurlFailure(const std::string& what, CURLcode rc, const char* error) {
  return base::Unavailable(what + ": " + (error[0] != '\0' ? std::string(error) : curl_easy_strerror(rc)));
}

}  // namespace

CurlTransport::CurlTransport(CurlSettings settings) : settings_(std::move(settings)) { InitCurlOnce(); }

base::Status CurlTransport::Send(const Mail& mail) {
  CurlHandle c(curl_easy_init());
  if (!c) return base::Internal("e-mail: curl_easy_init failed");
  char error[CURL_ERROR_SIZE] = {};
  CommonOptions(c.get(), settings_, error);
  curl_easy_setopt(c.get(), CURLOPT_URL, settings_.smtp_url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  // STARTTLS is required on smtp://: a server that does not offer it fails
  // the delivery rather than receiving the alert in clear text.
  curl_easy_setopt(c.get(), CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  if (!settings_.smtp_username.empty()) {
    curl_easy_setopt(c.get(), CURLOPT_USERNAME, settings_.smtp_username.c_str());
    curl_easy_setopt(c.get(), CURLOPT_PASSWORD, settings_.smtp_password.c_str());
  }
  const std::string from = "<" + settings_.smtp_from + ">";
  curl_easy_setopt(c.get(), CURLOPT_MAIL_FROM, from.c_str());
  Slist rcpt = Append(nullptr, "<" + mail.to + ">");
  curl_easy_setopt(c.get(), CURLOPT_MAIL_RCPT, rcpt.get());
  Upload up{mail.message};
  curl_easy_setopt(c.get(), CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(c.get(), CURLOPT_READDATA, &up);
  curl_easy_setopt(c.get(), CURLOPT_UPLOAD, 1L);
  const CURLcode rc = curl_easy_perform(c.get());
  if (rc != CURLE_OK) return CurlFailure("e-mail to " + mail.to, rc, error);
  return base::Status::Ok();
}

base::Status CurlTransport::Post(const WebhookPost& post) {
  CurlHandle c(curl_easy_init());
  if (!c) return base::Internal("webhook: curl_easy_init failed");
  char error[CURL_ERROR_SIZE] = {};
  CommonOptions(c.get(), settings_, error);
  curl_easy_setopt(c.get(), CURLOPT_URL, post.url.c_str());
  curl_easy_setopt(c.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c.get(), CURLOPT_FOLLOWLOCATION, 0L);
  Slist headers;
  for (const auto& [name, value] : post.headers) headers = Append(std::move(headers), name + ": " + value);
  headers = Append(std::move(headers), "Expect:");  // no 100-continue round trip
  curl_easy_setopt(c.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDS, post.body.data());
  curl_easy_setopt(c.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(post.body.size()));
  size_t answered = 0;
  curl_easy_setopt(c.get(), CURLOPT_WRITEFUNCTION, DropAnswer);
  curl_easy_setopt(c.get(), CURLOPT_WRITEDATA, &answered);
  const CURLcode rc = curl_easy_perform(c.get());
  if (rc != CURLE_OK && rc != CURLE_WRITE_ERROR) return CurlFailure("webhook " + post.url, rc, error);
  long code = 0;
  curl_easy_getinfo(c.get(), CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code > 299) return base::Unavailable("webhook " + post.url + ": HTTP " + std::to_string(code));
  return base::Status::Ok();
}

}  // namespace tarifador::notify
