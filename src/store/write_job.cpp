#include "store/write_job.h"

#include <SQLiteCpp/SQLiteCpp.h>

namespace tarifador::store {

base::Status WriteJob(Writer& writer, const std::string& what,
                      const std::function<base::Status(SQLite::Database&)>& body) {
  return writer.Run([&](SQLite::Database& db) {
    try {
      return body(db);
    } catch (const SQLite::Exception& e) {
      return base::Unavailable(what + ": " + e.what());
    }
  });
}

}  // namespace tarifador::store
