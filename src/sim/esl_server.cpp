#include "sim/esl_server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <regex>
#include <set>

#include "base/log.h"
#include "esl/tcp_transport.h"

namespace tarifador::sim {
namespace {

// switch_event.c EVENT_NAMES: what `event` accepts (others are skipped).
const char* const kEventNames[] = {"CUSTOM",
                                   "CLONE",
                                   "CHANNEL_CREATE",
                                   "CHANNEL_DESTROY",
                                   "CHANNEL_STATE",
                                   "CHANNEL_CALLSTATE",
                                   "CHANNEL_ANSWER",
                                   "CHANNEL_HANGUP",
                                   "CHANNEL_HANGUP_COMPLETE",
                                   "CHANNEL_EXECUTE",
                                   "CHANNEL_EXECUTE_COMPLETE",
                                   "CHANNEL_HOLD",
                                   "CHANNEL_UNHOLD",
                                   "CHANNEL_BRIDGE",
                                   "CHANNEL_UNBRIDGE",
                                   "CHANNEL_PROGRESS",
                                   "CHANNEL_PROGRESS_MEDIA",
                                   "CHANNEL_OUTGOING",
                                   "CHANNEL_PARK",
                                   "CHANNEL_UNPARK",
                                   "CHANNEL_APPLICATION",
                                   "CHANNEL_ORIGINATE",
                                   "CHANNEL_UUID",
                                   "API",
                                   "LOG",
                                   "INBOUND_CHAN",
                                   "OUTBOUND_CHAN",
                                   "STARTUP",
                                   "SHUTDOWN",
                                   "PUBLISH",
                                   "UNPUBLISH",
                                   "TALK",
                                   "NOTALK",
                                   "SESSION_CRASH",
                                   "MODULE_LOAD",
                                   "MODULE_UNLOAD",
                                   "DTMF",
                                   "MESSAGE",
                                   "PRESENCE_IN",
                                   "NOTIFY_IN",
                                   "PRESENCE_OUT",
                                   "PRESENCE_PROBE",
                                   "MESSAGE_WAITING",
                                   "MESSAGE_QUERY",
                                   "ROSTER",
                                   "CODEC",
                                   "BACKGROUND_JOB",
                                   "DETECTED_SPEECH",
                                   "DETECTED_TONE",
                                   "PRIVATE_COMMAND",
                                   "HEARTBEAT",
                                   "TRAP",
                                   "ADD_SCHEDULE",
                                   "DEL_SCHEDULE",
                                   "EXE_SCHEDULE",
                                   "RE_SCHEDULE",
                                   "RELOADXML",
                                   "NOTIFY",
                                   "PHONE_FEATURE",
                                   "PHONE_FEATURE_SUBSCRIBE",
                                   "SEND_MESSAGE",
                                   "RECV_MESSAGE",
                                   "REQUEST_PARAMS",
                                   "CHANNEL_DATA",
                                   "GENERAL",
                                   "COMMAND",
                                   "SESSION_HEARTBEAT",
                                   "CLIENT_DISCONNECTED",
                                   "SERVER_DISCONNECTED",
                                   "SEND_INFO",
                                   "RECV_INFO",
                                   "RECV_RTCP_MESSAGE",
                                   "SEND_RTCP_MESSAGE",
                                   "CALL_SECURE",
                                   "NAT",
                                   "RECORD_START",
                                   "RECORD_STOP",
                                   "PLAYBACK_START",
                                   "PLAYBACK_STOP",
                                   "CALL_UPDATE",
                                   "FAILURE",
                                   "SOCKET_DATA",
                                   "MEDIA_BUG_START",
                                   "MEDIA_BUG_STOP",
                                   "CONFERENCE_DATA_QUERY",
                                   "CONFERENCE_DATA",
                                   "CALL_SETUP_REQ",
                                   "CALL_SETUP_RESULT",
                                   "CALL_DETAIL",
                                   "DEVICE_STATE",
                                   "TEXT",
                                   "SHUTDOWN_REQUESTED"};

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t j = i;
    while (j < text.size() && text[j] != ' ') ++j;
    if (j > i) out.emplace_back(text.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string Reply(std::string_view text) {
  return "Content-Type: command/reply\nReply-Text: " + std::string(text) + "\n\n";
}

std::string DisconnectNotice() {
  return "Content-Type: text/disconnect-notice\nContent-Length: " + std::to_string(kDisconnectText.size()) + "\n\n" +
         std::string(kDisconnectText);
}

// "api show channels as json" -> ("show", "channels as json").
std::pair<std::string, std::string> SplitCommand(std::string_view rest) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const size_t sp = rest.find(' ');
  if (sp == std::string_view::npos) return {std::string(rest), ""};
  std::string_view args = rest.substr(sp + 1);
  while (!args.empty() && args.front() == ' ') args.remove_prefix(1);
  return {std::string(rest.substr(0, sp)), std::string(args)};
}

}  // namespace

struct EslServer::Session {
  int fd = -1;
  std::mutex mu;  // everything below, and writes to fd
  bool closed = false;
  bool authed = false;
  bool json = false;
  bool all_events = false;
  std::set<std::string> events;
  std::set<std::string> subclasses;
  std::vector<std::pair<std::string, std::string>> filters;
  // While an api command runs, events for this connection wait here and are
  // written after its reply: mod_event_socket runs `api` on the listener
  // thread and flushes queued events only when idle (ESL-NOTES section 1).
  bool holding = false;
  std::string held;
  std::thread thread;
  std::atomic<bool> done{false};
};

EslServer::EslServer(FakeSwitch& fake_switch, ServerOptions options)
    : switch_(fake_switch), options_(std::move(options)), acl_reject_(options_.acl_reject) {}

EslServer::~EslServer() { Stop(); }

base::Status EslServer::Start() {
  if (started_) return base::FailedPrecondition("ESL server already started");
  const std::string host = options_.host == "localhost" ? "127.0.0.1" : options_.host;
  base::Result<esl::ListeningSocket> listening = esl::ListenTcp(host, options_.port, 64);
  if (!listening.ok()) return listening.status();
  const int fd = listening->fd;
  port_ = listening->port;
  listen_fd_ = fd;
  started_ = true;
  stopping_ = false;
  switch_.SetEventSink(this);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return base::Status::Ok();
}

void EslServer::Stop() {
  if (!started_) return;
  switch_.SetEventSink(nullptr);
  stopping_ = true;
  if (accept_thread_.joinable()) accept_thread_.join();
  std::list<std::unique_ptr<Session>> sessions;
  {
    std::lock_guard lock(mu_);
    for (auto& s : sessions_) {
      std::lock_guard slock(s->mu);
      if (!s->closed) shutdown(s->fd, SHUT_RDWR);
    }
    sessions.swap(sessions_);
  }
  for (auto& s : sessions) {
    if (s->thread.joinable()) s->thread.join();
  }
  close(listen_fd_);
  listen_fd_ = -1;
  started_ = false;
}

void EslServer::AcceptLoop() {
  while (!stopping_) {
    try {
      pollfd pfd{listen_fd_, POLLIN, 0};
      const int rc = poll(&pfd, 1, 50);
      {
        // Reap connections whose thread has finished.
        std::lock_guard lock(mu_);
        for (auto it = sessions_.begin(); it != sessions_.end();) {
          if ((*it)->done) {
            if ((*it)->thread.joinable()) (*it)->thread.join();
            it = sessions_.erase(it);
          } else {
            ++it;
          }
        }
      }
      if (rc <= 0 || (pfd.revents & POLLIN) == 0) continue;
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      std::lock_guard lock(mu_);
      if (std::chrono::steady_clock::now() < refuse_until_) {
        close(fd);  // the link is "down": the client sees its connection closed at once
        continue;
      }
      timeval tv{options_.send_timeout_ms / 1000, (options_.send_timeout_ms % 1000) * 1000};
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      // As mod_event_socket's listener_run does: events go out at once,
      // not held back by Nagle's algorithm.
      const int nodelay = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, sizeof nodelay);
      auto session = std::make_unique<Session>();
      session->fd = fd;
      Session& ref = *session;
      sessions_.push_back(std::move(session));
      ref.thread = std::thread([this, &ref] { ServeSession(ref); });
    } catch (const std::exception& e) {
      base::LogError(std::string("sim ESL accept loop: ") + e.what());
    }
  }
}

bool EslServer::Write(Session& session, std::string_view bytes) {
  if (session.closed) return false;
  while (!bytes.empty()) {
    const ssize_t n = send(session.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // A dead or stuck client: end the connection; its reader thread exits.
      shutdown(session.fd, SHUT_RDWR);
      session.closed = true;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

void EslServer::ServeSession(Session& session) {
  try {
    bool reject = false;
    {
      std::lock_guard lock(mu_);
      reject = acl_reject_;
    }
    std::unique_lock slock(session.mu);
    if (reject) {
      // apply-inbound-acl failed: no auth/request, the rejection, then the
      // cleanup path's disconnect notice (MES 2673-2690).
      Write(session, "Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n");
      Write(session, DisconnectNotice());
      session.closed = true;
    } else {
      Write(session, "Content-Type: auth/request\n\n");
    }
    slock.unlock();

    CommandReader reader;
    const auto auth_deadline = std::chrono::steady_clock::now() +
                               std::chrono::milliseconds(static_cast<int64_t>(options_.auth_timeout_s * 1000));
    bool open = !reject;
    char buf[16384];
    while (open && !stopping_) {
      {
        std::lock_guard lock(session.mu);
        if (session.closed) break;
        if (!session.authed && std::chrono::steady_clock::now() > auth_deadline) {
          Write(session, DisconnectNotice());
          break;
        }
      }
      pollfd pfd{session.fd, POLLIN, 0};
      const int rc = poll(&pfd, 1, 100);
      if (rc < 0 && errno != EINTR) break;
      if (rc <= 0) continue;
      const ssize_t n = recv(session.fd, buf, sizeof buf, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) break;
      reader.Append(std::string_view(buf, static_cast<size_t>(n)));
      while (open) {
        auto next = reader.Next();
        if (!next.ok()) {
          base::LogWarning("sim ESL: dropping a client: " + next.status().message());
          open = false;
          break;
        }
        if (!next->has_value()) break;
        open = HandleCommand(session, **next);
        RecordHandled((*next)->line);
      }
    }
  } catch (const std::exception& e) {
    base::LogError(std::string("sim ESL connection: ") + e.what());
  }
  {
    std::lock_guard lock(session.mu);
    session.closed = true;
    shutdown(session.fd, SHUT_RDWR);
    close(session.fd);
    session.fd = -1;
  }
  session.done = true;
}

void EslServer::RecordCommand(const std::string& line) {
  auto [name, rest] = SplitCommand(line);
  if (name == "api" || name == "bgapi") name += " " + SplitCommand(rest).first;
  {
    std::lock_guard lock(log_mu_);
    commands_.push_back(line);
    ++command_counts_[name];
  }
  log_cv_.notify_all();
}

void EslServer::RecordHandled(const std::string& line) {
  {
    std::lock_guard lock(log_mu_);
    handled_.push_back(line);
  }
  log_cv_.notify_all();
}

bool EslServer::HandleCommand(Session& session, const Command& command) {
  RecordCommand(command.line);
  const auto [name, args] = SplitCommand(command.line);
  std::unique_lock lock(session.mu);
  if (!session.authed) {
    if (name != "auth") {
      Write(session, Reply("-ERR command not found"));
      return true;
    }
    // Exact comparison of everything after "auth " (MES 1749-1762).
    const std::string given = command.line.size() > 5 ? command.line.substr(5) : "";
    if (given != options_.password) {
      Write(session, Reply("-ERR invalid"));
      Write(session, DisconnectNotice());
      return false;
    }
    session.authed = true;
    ++authenticated_total_;
    Write(session, Reply("+OK accepted"));
    return true;
  }
  if (name == "exit" || name == "...") {
    Write(session, Reply("+OK bye"));
    Write(session, DisconnectNotice());
    return false;
  }
  if (name == "event") {
    Write(session, Reply(HandleEvent(session, args)));
    return true;
  }
  if (name == "nixevent") {
    bool any = false;
    for (const std::string& w : Words(args)) {
      const std::string up = Upper(w);
      if (up == "ALL") {
        session.all_events = false;
        session.events.clear();
        any = true;
      } else if (session.events.erase(up) != 0) {
        any = true;
      }
    }
    Write(session, Reply(any ? "+OK events nixed" : "-ERR no keywords supplied"));
    return true;
  }
  if (name == "noevents") {
    const bool listening = session.all_events || !session.events.empty();
    session.all_events = false;
    session.events.clear();
    session.subclasses.clear();
    Write(session, Reply(listening ? "+OK no longer listening for events" : "-ERR not listening for events"));
    return true;
  }
  if (name == "filter") {
    Write(session, Reply(HandleFilter(session, args)));
    return true;
  }
  if (name == "linger" || name == "nolinger") {
    Write(session, Reply("-ERR not controlling a session"));
    return true;
  }
  if (name == "nolog") {
    Write(session, Reply("+OK no longer logging"));
    return true;
  }
  if (name == "api") {
    session.holding = true;
    lock.unlock();
    const auto [cmd, cmd_args] = SplitCommand(args);
    std::string output = RunApi(cmd, cmd_args);
    if (output.empty()) output = "-ERR no reply\n";
    lock.lock();
    session.holding = false;
    std::string held;
    held.swap(session.held);
    Write(session, "Content-Type: api/response\nContent-Length: " + std::to_string(output.size()) + "\n\n" + output);
    if (!held.empty()) Write(session, held);
    lock.unlock();
    ApplyPendingDrop();
    return true;
  }
  if (name == "bgapi") {
    std::string job_uuid(command.headers.Get("Job-UUID"));
    if (job_uuid.empty()) job_uuid = switch_.NewUuid();
    // A reply starting with '~' becomes raw headers in MES (2747): Reply-Text
    // plus a separate Job-UUID header.
    Write(session,
          "Content-Type: command/reply\nReply-Text: +OK Job-UUID: " + job_uuid + "\nJob-UUID: " + job_uuid + "\n\n");
    lock.unlock();
    const auto [cmd, cmd_args] = SplitCommand(args);
    std::string output = RunApi(cmd, cmd_args);
    if (output.empty()) output = "-ERR no reply\n";
    switch_.EmitBackgroundJob(job_uuid, cmd, cmd_args, output);
    ApplyPendingDrop();
    return true;
  }
  Write(session, Reply("-ERR command not found"));
  return true;
}

std::string EslServer::HandleEvent(Session& session, std::string_view args) {
  std::vector<std::string> words = Words(args);
  std::string format = session.json ? "json" : "plain";
  if (!words.empty() && (words[0] == "plain" || words[0] == "json" || words[0] == "xml")) {
    format = words[0];
    words.erase(words.begin());
  }
  // text/event-xml is not simulated: refuse it plainly rather than send
  // another format than the one announced.
  if (format == "xml") return "-ERR event-xml is not simulated";
  bool any = false;
  bool custom = false;
  for (const std::string& w : words) {
    const std::string up = Upper(w);
    if (custom && up != "ALL" &&
        std::find(std::begin(kEventNames), std::end(kEventNames), up) == std::end(kEventNames)) {
      session.subclasses.insert(w);  // names after CUSTOM are subclasses
      any = true;
      continue;
    }
    if (up == "ALL") {
      session.all_events = true;
      any = true;
    } else if (std::find(std::begin(kEventNames), std::end(kEventNames), up) != std::end(kEventNames)) {
      session.events.insert(up);
      if (up == "CUSTOM") custom = true;
      any = true;
    }
  }
  if (!any) return "-ERR no keywords supplied";
  session.json = format == "json";
  return "+OK event listener enabled " + format;
}

std::string EslServer::HandleFilter(Session& session, std::string_view args) {
  std::vector<std::string> words = Words(args);
  if (!words.empty() && words[0] == "add") words.erase(words.begin());
  if (!words.empty() && words[0] == "delete") {
    if (words.size() < 2) return "-ERR invalid syntax";
    auto& f = session.filters;
    if (words[1] == "all") {
      f.clear();
      return "+OK filter deleted. [all]=[]";
    }
    f.erase(std::remove_if(
                f.begin(), f.end(),
                [&](const auto& p) { return p.first == words[1] && (words.size() < 3 || p.second == words[2]); }),
            f.end());
    return "+OK filter deleted. [" + words[1] + "]=[" + (words.size() > 2 ? words[2] : "") + "]";
  }
  if (words.size() < 2) return "-ERR invalid syntax";
  // The value is the rest of the line (it may hold spaces).
  const size_t at = args.find(words[0]) + words[0].size();
  std::string value(args.substr(at));
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  session.filters.emplace_back(words[0], value);
  return "+OK filter added. [" + words[0] + "]=[" + value + "]";
}

std::string EslServer::RunApi(const std::string& command, const std::string& args) {
  // Fault injection on command, for tests that drive the real binary: a
  // second ESL connection sends e.g. "api sim_fault drop_link 2000".
  if (command == "sim_fault") {
    const std::vector<std::string> w = Words(args);
    if (w.empty()) return "-USAGE: drop_link [ms]|garbage|heartbeat on|off|acl on|off|duplicate_hangup on|off\n";
    if (w[0] == "drop_link") {
      const long ms = w.size() > 1 ? std::atol(w[1].c_str()) : 0;
      // Dropped by HandleCommand once this reply is written, so the
      // requesting connection still receives "+OK".
      pending_drop_ms_ = ms;
      return "+OK\n";
    }
    if (w[0] == "garbage") {
      SendGarbage();
      return "+OK\n";
    }
    if (w[0] == "heartbeat" && w.size() > 1) {
      switch_.SetHeartbeatsEnabled(w[1] == "on");
      return "+OK\n";
    }
    if (w[0] == "acl" && w.size() > 1) {
      SetAclReject(w[1] == "on");
      return "+OK\n";
    }
    if (w[0] == "duplicate_hangup" && w.size() > 1) {
      if (w[1] != "on" && w[1] != "off") return "-ERR duplicate_hangup takes on or off\n";
      switch_.SetDuplicateHangups(w[1] == "on");
      return "+OK\n";
    }
    return "-ERR unknown fault\n";
  }
  return switch_.ExecuteApi(command, args);
}

bool EslServer::Wants(const Session& session, const SimEvent& event) {
  if (!session.authed || session.closed) return false;
  bool subscribed = session.all_events || session.events.count(event.name) != 0;
  if (!subscribed) return false;
  if (event.name == "CUSTOM" && !session.all_events && !session.subclasses.empty()) {
    subscribed = session.subclasses.count(std::string(event.headers.Get("Event-Subclass"))) != 0;
  }
  if (!subscribed || session.filters.empty()) return subscribed;
  // MES 320-370: with filters, an event passes only if one of its headers
  // matches one of them; a value starting with '/' is a regex.
  for (const auto& [header, value] : session.filters) {
    const std::optional<std::string_view> have = event.headers.Find(header);
    if (!have) continue;
    if (value.size() > 1 && value.front() == '/') {
      std::string re = value.substr(1);
      if (!re.empty() && re.back() == '/') re.pop_back();
      try {
        if (std::regex_search(have->begin(), have->end(), std::regex(re))) return true;
      } catch (const std::regex_error&) {
        continue;  // a bad pattern matches nothing
      }
    } else if (*have == value) {
      return true;
    }
  }
  return false;
}

void EslServer::OnEvent(const SimEvent& event) {
  std::string plain;
  std::string json;
  std::lock_guard lock(mu_);
  for (auto& s : sessions_) {
    std::lock_guard slock(s->mu);
    if (!Wants(*s, event)) continue;
    std::string& frame = s->json ? json : plain;
    if (frame.empty()) frame = s->json ? EncodeJsonFrame(event) : EncodePlainFrame(event);
    if (s->holding) {
      s->held += frame;
      ++events_sent_;
    } else if (Write(*s, frame)) {
      ++events_sent_;
    }
  }
}

void EslServer::ApplyPendingDrop() {
  const int64_t ms = pending_drop_ms_.exchange(-1);
  if (ms >= 0) DropLink(std::chrono::milliseconds(ms));
}

void EslServer::DropLink(std::chrono::milliseconds refuse_for) {
  std::lock_guard lock(mu_);
  refuse_until_ = std::chrono::steady_clock::now() + refuse_for;
  for (auto& s : sessions_) {
    std::lock_guard slock(s->mu);
    if (!s->closed) {
      shutdown(s->fd, SHUT_RDWR);
      s->closed = true;
    }
  }
}

void EslServer::RestoreLink() {
  std::lock_guard lock(mu_);
  refuse_until_ = {};
}

void EslServer::SendGarbage() {
  // A header line without "Name:" and bytes outside ASCII: a client's frame
  // parser loses sync and has to reconnect.
  static const char kGarbage[] = "\x01\x02\xfe\xff not an ESL frame %%%\n\n";
  std::lock_guard lock(mu_);
  for (auto& s : sessions_) {
    std::lock_guard slock(s->mu);
    if (s->authed) Write(*s, std::string_view(kGarbage, sizeof kGarbage - 1));
  }
}

void EslServer::SetAclReject(bool reject) {
  std::lock_guard lock(mu_);
  acl_reject_ = reject;
}

std::vector<std::string> EslServer::ReceivedCommands() const {
  std::lock_guard lock(log_mu_);
  return commands_;
}

std::vector<std::string> EslServer::HandledCommands() const {
  std::lock_guard lock(log_mu_);
  return handled_;
}

std::map<std::string, uint64_t> EslServer::CommandCounts() const {
  std::lock_guard lock(log_mu_);
  return command_counts_;
}

std::string EslServer::WaitForCommand(std::string_view prefix, std::chrono::milliseconds timeout) const {
  return WaitForLine(commands_, prefix, timeout);
}

std::string EslServer::WaitForCommandHandled(std::string_view prefix, std::chrono::milliseconds timeout) const {
  return WaitForLine(handled_, prefix, timeout);
}

std::string EslServer::WaitForLine(const std::vector<std::string>& lines, std::string_view prefix,
                                   std::chrono::milliseconds timeout) const {
  std::unique_lock lock(log_mu_);
  std::string found;
  log_cv_.wait_for(lock, timeout, [&] {
    for (const std::string& c : lines) {
      if (c.rfind(prefix, 0) == 0) {
        found = c;
        return true;
      }
    }
    return false;
  });
  return found;
}

size_t EslServer::ConnectionCount() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& s : sessions_) n += s->done ? 0 : 1;
  return n;
}

}  // namespace tarifador::sim
