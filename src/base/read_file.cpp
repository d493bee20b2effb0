#include "base/read_file.h"

#include <fstream>
#include <sstream>
#include <system_error>

namespace tarifador::base {

Result<std::string> ReadFileAtMost(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec == std::errc::no_such_file_or_directory) return NotFound(path.string() + " does not exist");
  if (ec) return Unavailable("reading " + path.string() + ": " + ec.message());
  if (size > max_bytes) {
    return InvalidArgument(path.string() + " holds " + std::to_string(size) + " bytes, more than the " +
                           std::to_string(max_bytes) + " allowed");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unavailable("cannot open " + path.string());
  std::string out;
  out.resize(static_cast<size_t>(size));
  in.read(out.data(), static_cast<std::streamsize>(size));
  out.resize(static_cast<size_t>(in.gcount()));  // it may have shrunk meanwhile
  // Or grown: read no further than the bound.
  return out;
}

}  // namespace tarifador::base
