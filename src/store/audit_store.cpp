#include "store/audit_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdio>

namespace tarifador::store {
namespace {

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;  // UTF-8 bytes pass through unchanged, as JSON allows
        }
    }
  }
  out += '"';
}

}  // namespace

std::string AuditDetail(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : fields) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, key);
    out += ':';
    AppendJsonString(out, value);
  }
  out += '}';
  return out;
}

void AppendAuditRow(SQLite::Database& db, const AuditEntry& entry) {
  SQLite::Statement st(db, "INSERT INTO audit_log(at_us, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)");
  st.bind(1, static_cast<int64_t>(entry.at.micros()));
  st.bind(2, entry.actor);
  st.bind(3, entry.action);
  st.bind(4, entry.target);
  st.bind(5, entry.detail.empty() ? std::string("{}") : entry.detail);
  st.exec();
}

AuditStore::AuditStore(std::unique_ptr<Database> db, const base::Clock& clock) : db_(std::move(db)), clock_(clock) {}

base::Status AuditStore::Append(std::string_view actor, std::string_view action, std::string_view target,
                                std::string_view detail_json) {
  std::lock_guard<std::mutex> lock(mu_);
  try {
    AppendAuditRow(db_->sql(), AuditEntry{0, clock_.Now(), std::string(actor), std::string(action), std::string(target),
                                          std::string(detail_json)});
  } catch (const SQLite::Exception& e) {
    return base::Unavailable("writing audit entry \"" + std::string(action) + "\": " + e.what());
  }
  return base::Status::Ok();
}

base::Result<std::vector<AuditEntry>> AuditStore::List(int limit, std::string_view action) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<AuditEntry> out;
  try {
    SQLite::Statement st(db_->sql(),
                         "SELECT id, at_us, actor, action, target, detail FROM audit_log "
                         "WHERE (?1 = '' OR action = ?1) ORDER BY id DESC LIMIT ?2");
    st.bind(1, std::string(action));
    st.bind(2, limit < 0 ? 0 : limit);
    while (st.executeStep()) {
      out.push_back(AuditEntry{st.getColumn(0).getInt64(), base::Instant::FromMicros(st.getColumn(1).getInt64()),
                               st.getColumn(2).getString(), st.getColumn(3).getString(), st.getColumn(4).getString(),
                               st.getColumn(5).getString()});
    }
  } catch (const SQLite::Exception& e) {
    return base::Unavailable(std::string("reading the audit log: ") + e.what());
  }
  return out;
}

}  // namespace tarifador::store
