#include "base/strings.h"

namespace tarifador::base {

std::string Quoted(std::string_view s) {
  // Appends rather than operator+ on temporaries: GCC 12 -O2 reports a bogus -Wrestrict there.
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

}  // namespace tarifador::base
