#pragma once
// One scheduled export file (docs/EXPORT.md): the CDRs that started in a
// period, as `<dir>/cdrs-<period>.csv`, written atomically, with its manifest
// `<dir>/cdrs-<period>.csv.manifest.json` (period, UTC range, rows, SHA-256,
// columns, time zone, generated_at). The CSV holds nothing time-of-run
// dependent: running a period again gives the same bytes while its CDRs are
// unchanged. Only the manifest's generated_at differs.
#include <cstdint>
#include <string>

#include "base/status.h"
#include "base/time.h"
#include "export/cdr_csv.h"
#include "export/cdr_source.h"
#include "export/period.h"

namespace tarifador::exports {

struct PeriodFile {
  Period period;
  std::string path;      // the CSV
  std::string manifest;  // its manifest
  base::Instant from;
  base::Instant to;
  int64_t rows = 0;
  int64_t bytes = 0;
  std::string sha256;  // lower-case hex of the CSV
};

// Writes the CSV of `period` into `dir` (which must exist) and then its
// manifest, each atomically. Fails with the source's or the file system's
// failure; a failed run leaves no temp file and does not touch an older file.
base::Result<PeriodFile> ExportPeriod(const CdrSource& source, const Period& period, const std::string& dir,
                                      const CsvOptions& options, base::Instant generated_at);

// Writes the CDRs of `source` started in [from, to) as CSV to `path`
// atomically. Returns the row count, bytes and SHA-256 in a PeriodFile whose
// period and manifest are left empty.
base::Result<PeriodFile> ExportRangeToFile(const CdrSource& source, base::Instant from, base::Instant to,
                                           const std::string& path, const CsvOptions& options);

// The manifest's JSON text for `file` (also what the manifest file holds).
std::string ManifestJson(const PeriodFile& file, const CsvOptions& options, base::Instant generated_at);

}  // namespace tarifador::exports
