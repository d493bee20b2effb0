#pragma once
// One writer job whose SQLite failures become Unavailable naming the job.
// store/ internal.
#include <functional>
#include <string>

#include "base/status.h"
#include "store/writer.h"

namespace SQLite {
class Database;
}

namespace tarifador::store {

// Runs `body` as one writer job (one transaction), turning a
// SQLite::Exception into Unavailable("<what>: <error>").
base::Status WriteJob(Writer& writer, const std::string& what,
                      const std::function<base::Status(SQLite::Database&)>& body);

}  // namespace tarifador::store
