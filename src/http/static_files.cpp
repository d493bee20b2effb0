#include "http/static_files.h"

#include <algorithm>

#include "base/password.h"

namespace tarifador::http {
namespace {

constexpr std::string_view kIndex = "index.html";

// 'self' only: no inline script or style, no other origin. uPlot and Preact
// set styles through the CSSOM (element.style), which style-src does not
// govern; the chart draws on a canvas.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// A strong ETag: 128 bits of the SHA-256 of the bytes sent.
std::string ETagOf(std::string_view bytes) {
  std::string tag(1, '"');
  tag.append(base::Sha256Hex(bytes), 0, 32).push_back('"');
  return tag;
}

// If-None-Match is "*" or a list of (possibly weak) tags; the weak comparison
// RFC 9110 prescribes for it ignores the W/ prefix.
bool MatchesIfNoneMatch(std::string_view header, std::string_view etag) {
  size_t pos = 0;
  while (pos <= header.size()) {
    const size_t comma = header.find(',', pos);
    std::string_view tag =
        Trim(header.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    if (tag == "*") return true;
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

bool HasExtension(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return last.find('.') != std::string_view::npos;
}

}  // namespace

bool AcceptsGzip(std::string_view accept_encoding) {
  size_t pos = 0;
  while (pos <= accept_encoding.size()) {
    const size_t comma = accept_encoding.find(',', pos);
    const std::string_view item =
        accept_encoding.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
    const size_t semi = item.find(';');
    const std::string_view coding = Trim(item.substr(0, semi));
    if (EqualsIgnoreCase(coding, "gzip") || coding == "*") {
      bool refused = false;
      if (semi != std::string_view::npos) {
        std::string_view param = Trim(item.substr(semi + 1));
        if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
          param = Trim(param.substr(2));
          // q=0, q=0.0, q=0.000: every digit after "0." is zero.
          refused = !param.empty() && param.find_first_not_of("0.") == std::string_view::npos;
        }
      }
      if (!refused) return true;
    }
    if (comma == std::string_view::npos) break;
    pos = comma + 1;
  }
  return false;
}

std::string_view StaticFiles::ContentTypeFor(std::string_view name) {
  const size_t dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "webmanifest") return "application/manifest+json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

StaticFiles::StaticFiles(std::span<const base::EmbeddedFile> plain, std::span<const base::EmbeddedFile> gzipped) {
  files_.reserve(plain.size());
  for (const base::EmbeddedFile& f : plain) {
    File file;
    file.path = f.path;
    file.plain = f.data;
    file.content_type = std::string(ContentTypeFor(f.path));
    file.etag_plain = ETagOf(f.data);
    const std::string gz_name = std::string(f.path) + ".gz";
    for (const base::EmbeddedFile& g : gzipped) {
      if (g.path == gz_name && g.data.size() < f.data.size()) file.gzip = g.data;
    }
    if (!file.gzip.empty()) file.etag_gzip = ETagOf(file.gzip);
    files_.push_back(std::move(file));
  }
  std::sort(files_.begin(), files_.end(), [](const File& a, const File& b) { return a.path < b.path; });
}

const StaticFiles& StaticFiles::Embedded() {
  // A function-local static: built once, on first use, thread-safely.
  static const StaticFiles files(EmbeddedWebUi(), EmbeddedWebUiGzip());
  return files;
}

bool StaticFiles::IsUiPath(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  if (path == "/api" || path.substr(0, 5) == "/api/") return false;
  for (const std::string_view probe : {"/healthz", "/readyz", "/metrics"}) {
    if (path == probe || (path.substr(0, probe.size()) == probe && path[probe.size()] == '/')) return false;
  }
  return true;
}

const StaticFiles::File* StaticFiles::Find(std::string_view rel) const {
  const auto it =
      std::lower_bound(files_.begin(), files_.end(), rel, [](const File& f, std::string_view p) { return f.path < p; });
  return it != files_.end() && it->path == rel ? &*it : nullptr;
}

std::optional<StaticResponse> StaticFiles::Serve(std::string_view method, std::string_view path,
                                                 std::string_view accept_encoding,
                                                 std::string_view if_none_match) const {
  if (method != "GET" && method != "HEAD") return std::nullopt;
  if (!IsUiPath(path)) return std::nullopt;

  StaticResponse out;
  out.headers = {{"X-Content-Type-Options", "nosniff"},
                 {"Content-Security-Policy", std::string(kContentSecurityPolicy)},
                 {"Referrer-Policy", "no-referrer"},
                 {"X-Frame-Options", "DENY"}};

  const std::string_view rel = path.substr(1);
  const bool traversal = rel.find("..") != std::string_view::npos || rel.find("//") != std::string_view::npos;
  const File* file = traversal ? nullptr : Find(rel.empty() ? kIndex : rel);
  if (!file && !traversal && !HasExtension(path)) file = Find(kIndex);  // a client-side route
  if (!file) {
    out.status = 404;
    out.content_type = "text/plain; charset=utf-8";
    out.body = "not found\n";
    out.headers.emplace_back("Cache-Control", "no-store");
    return out;
  }

  const bool gzip = !file->gzip.empty() && AcceptsGzip(accept_encoding);
  const std::string& etag = gzip ? file->etag_gzip : file->etag_plain;
  out.content_type = file->content_type;
  out.headers.emplace_back("ETag", etag);
  out.headers.emplace_back("Cache-Control", "no-cache");
  if (!file->gzip.empty()) out.headers.emplace_back("Vary", "Accept-Encoding");
  if (!if_none_match.empty() && MatchesIfNoneMatch(if_none_match, etag)) {
    out.status = 304;
    return out;
  }
  if (gzip) out.headers.emplace_back("Content-Encoding", "gzip");
  out.body = gzip ? file->gzip : file->plain;
  return out;
}

size_t StaticFiles::plain_bytes() const {
  size_t n = 0;
  for (const File& f : files_) n += f.plain.size();
  return n;
}

size_t StaticFiles::gzip_bytes() const {
  size_t n = 0;
  for (const File& f : files_) n += f.gzip.empty() ? f.plain.size() : f.gzip.size();
  return n;
}

}  // namespace tarifador::http
