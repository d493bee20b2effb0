#pragma once
// The embedded web UI (web-ui/, docs/WEB-UI.md): every file is compiled into
// the binary twice, as is and gzipped (gzip -9n at build time, see
// src/CMakeLists.txt), and served from memory.
//
// Paths: "/" and any GET/HEAD path outside the API and the probes whose last
// segment has no extension answer index.html (the UI routes on the client);
// a missing file with an extension is a 404. API paths (/api and below) and
// the probes (/healthz, /readyz, /metrics) are never the UI's: Find() leaves
// them to the route table so an unknown API path stays a JSON 404.
//
// Caching: every file is "Cache-Control: no-cache" with a strong ETag (the
// SHA-256 of its bytes, per encoding), so a browser revalidates each load and
// gets a 304 without a body while the binary is unchanged; the UI has no build
// step that could version file names, and on a LAN a revalidation costs one
// round trip.
//
// Thread-safety: immutable after construction; Serve() may run concurrently.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/embedded_file.h"

namespace tarifador::http {

// The files of web-ui/ as embedded by the build (generated code).
std::span<const base::EmbeddedFile> EmbeddedWebUi();
// The same files gzipped, each path with ".gz" appended.
std::span<const base::EmbeddedFile> EmbeddedWebUiGzip();

// What to send for one request. `body` points into static storage.
struct StaticResponse {
  int status = 200;
  std::string content_type;
  std::string_view body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class StaticFiles {
 public:
  // `gzipped` holds "<path>.gz" for each path of `plain` (missing ones are
  // served plain). Both spans must outlive the object (embedded data does).
  StaticFiles(std::span<const base::EmbeddedFile> plain, std::span<const base::EmbeddedFile> gzipped);
  // The UI compiled into this binary.
  static const StaticFiles& Embedded();

  // True for the paths the UI may answer: not /api..., not a probe.
  static bool IsUiPath(std::string_view path);

  // The answer for a GET or HEAD of `path`, or nothing when the path is not
  // the UI's (see IsUiPath) or the method is not GET/HEAD, so that the caller
  // answers from its route table. `accept_encoding` and `if_none_match` are
  // the request headers ("" when absent).
  std::optional<StaticResponse> Serve(std::string_view method, std::string_view path, std::string_view accept_encoding,
                                      std::string_view if_none_match) const;

  // Sizes over all files, for the size budget (docs/WEB-UI.md).
  size_t plain_bytes() const;
  size_t gzip_bytes() const;  // each file's smaller form, as it would be sent to a gzip client
  size_t file_count() const { return files_.size(); }

  // The Content-Type for a file name, by extension.
  static std::string_view ContentTypeFor(std::string_view name);

 private:
  struct File {
    std::string_view path;
    std::string_view plain;
    std::string_view gzip;  // empty when gzip would not be smaller
    std::string content_type;
    std::string etag_plain;
    std::string etag_gzip;
  };
  const File* Find(std::string_view rel) const;

  std::vector<File> files_;  // sorted by path
};

// True when an Accept-Encoding value accepts gzip (a "gzip" or "*" coding
// without q=0).
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace tarifador::http
