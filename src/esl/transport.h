#pragma once
// The byte-stream seam under the ESL client (STYLE.md habit 7): the client
// talks to FreeSWITCH only through these two interfaces, so tests can wrap the
// real TCP transport and inject faults (refused connects, failing writes,
// early closes) without touching the protocol code.
//
// Threading contract (what esl::Client relies on, and what an implementation
// must provide):
//  - Connect, Connection::Read and Connection::WriteAll are called from one
//    thread at a time (the client's reader thread).
//  - Transport::Wake and Transport::Cancel may be called from any thread at
//    any time, concurrently with the above.
//  - A Connection must not outlive the Transport that made it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tarifador::esl {

// One established byte stream. Destroying it closes it.
class Connection {
 public:
  virtual ~Connection() = default;

  // Reads at most `capacity` bytes into `buffer`, waiting up to `timeout`.
  // Returns the number of bytes read (> 0), or 0 when the timeout elapsed or
  // Transport::Wake was called before any byte arrived. Fails with
  // Unavailable when the peer closed the stream ("closed by peer"), on a
  // socket error, or after Transport::Cancel; the connection is then dead.
  virtual base::Result<size_t> Read(char* buffer, size_t capacity, std::chrono::milliseconds timeout) = 0;

  // Writes every byte of `data`, waiting at most `timeout` in total for the
  // peer to accept them. Fails with Unavailable on a socket error, a timeout
  // or after Transport::Cancel; the connection is then dead (part of `data`
  // may have been sent).
  virtual base::Status WriteAll(std::string_view data, std::chrono::milliseconds timeout) = 0;

  // Closes the stream now; later calls fail. Idempotent.
  virtual void Close() = 0;

  // "host:port" of the peer, for log lines.
  virtual std::string peer() const = 0;
};

// Makes connections and lets another thread interrupt the waits on them.
class Transport {
 public:
  virtual ~Transport() = default;

  // Opens a stream to host:port within `timeout`. Fails with Unavailable
  // naming the address and the reason (name not resolved, refused, timed
  // out), or after Cancel.
  virtual base::Result<std::unique_ptr<Connection>> Connect(const std::string& host, uint16_t port,
                                                            std::chrono::milliseconds timeout) = 0;

  // Makes a Connection::Read in progress (or the next one, if none is in
  // progress) return 0 early. Wakes coalesce. Thread-safe.
  virtual void Wake() = 0;

  // Makes every Connect, Read and WriteAll in progress or started later fail
  // promptly with Unavailable. Final: there is no way back. Thread-safe.
  virtual void Cancel() = 0;
};

}  // namespace tarifador::esl
