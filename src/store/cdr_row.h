#pragma once
// The one mapping between a `cdrs` row (sql/0004_billing.sql) and
// billing::Cdr, shared by the billing repository (insert, get) and the CDR
// queries (search, export, reports). store/ internal.
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "billing/cdr.h"

namespace SQLite {
class Statement;
}
struct sqlite3_stmt;

namespace tarifador::store {

// The cdrs columns in the order ReadCdrRow reads them (billed_us excluded).
inline constexpr const char* kCdrColumns =
    "uuid, linked_uuids, site_id, direction, caller, caller_name, account_id, destination, normalised_number, zone, "
    "prefix, rate_plan, price_per_minute_micros, connection_fee_micros, start_us, answer_us, bridge_us, end_us, "
    "duration_s, billsec, billusec, billable_seconds, cost_micros, charged_micros, hangup_cause, disposition, "
    "deny_reason, gateway, pin_id, pin_owner";

// The current row of `st`, whose first columns are kCdrColumns. Internal when
// a stored direction or disposition is not one this binary knows. Throws
// SQLite::Exception as SQLiteCpp does.
base::Result<billing::Cdr> ReadCdrRow(SQLite::Statement& st);

// The same from a raw statement into an existing `cdr`, every field
// overwritten: walks over many rows reuse one Cdr, so its strings keep their
// capacity and a row costs no allocation once warm. Does not throw.
base::Status ReadCdrRowInto(sqlite3_stmt* st, billing::Cdr& cdr);

// linked_uuids text <-> the legs: comma-separated, empty parts dropped.
std::string JoinLinkedUuids(const std::vector<std::string>& legs);
std::vector<std::string> SplitLinkedUuids(const std::string& text);
// The same into `legs`, reusing its strings.
void SplitLinkedUuidsInto(std::string_view text, std::vector<std::string>& legs);

}  // namespace tarifador::store
