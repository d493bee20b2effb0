#include "sim/socket_app.h"

#include <chrono>
#include <utility>

#include "base/log.h"
#include "sim/command_reader.h"
#include "sim/esl_server.h"

namespace tarifador::sim {
namespace {

using std::chrono::milliseconds;

// mod_event_socket waits this long for the first command (listener_run's
// read_packet(listener, &ievent, 25)).
constexpr std::chrono::seconds kConnectWait{25};
constexpr milliseconds kPoll{20};

std::string Reply(std::string_view text) {
  return "Content-Type: command/reply\nReply-Text: " + std::string(text) + "\n\n";
}

std::string DisconnectNotice() {
  return "Content-Type: text/disconnect-notice\nContent-Length: " + std::to_string(kDisconnectText.size()) + "\n\n" +
         std::string(kDisconnectText);
}

}  // namespace

SocketApp::SocketApp(FakeSwitch& fake_switch, std::string host, uint16_t port)
    : switch_(fake_switch), host_(std::move(host)), port_(port) {}

SocketApp::~SocketApp() { Stop(); }

void SocketApp::Run(const std::string& uuid, std::string channel_data) {
  auto session = std::make_unique<Session>();
  session->uuid = uuid;
  session->channel_data = std::move(channel_data);
  session->started = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (stopped_) return;
  queue_.push_back(std::move(session));
  if (idle_ < queue_.size()) workers_.emplace_back([this] { WorkerLoop(); });
  cv_.notify_one();
}

void SocketApp::WorkerLoop() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    cv_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
    --idle_;
    if (stopped_) return;
    std::unique_ptr<Session> session = std::move(queue_.front());
    queue_.pop_front();
    serving_.insert(session.get());
    lock.unlock();
    Serve(*session);
    lock.lock();
    serving_.erase(session.get());
    hold_us_.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - session->started)
            .count());
  }
}

void SocketApp::Stop() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    for (Session* s : serving_) s->transport.Cancel();
    queue_.clear();
    workers.swap(workers_);
  }
  cv_.notify_all();
  for (std::thread& t : workers) t.join();
}

bool SocketApp::Execute(Session& session, const std::string& line, const esl::Headers& headers, std::string& reply) {
  if (line == "connect") {
    reply = session.channel_data;
    return true;
  }
  if (line == "exit") {
    reply = Reply("+OK bye") + DisconnectNotice();
    return false;
  }
  if (line.rfind("sendmsg", 0) == 0) {
    const std::string_view command = headers.Get("call-command");
    if (command == "execute") {
      const std::string app(headers.Get("execute-app-name"));
      const std::string arg(headers.Get("execute-app-arg"));
      if (app == "set") {
        // mod_dptools base_set: "name=value" (or "name,value"); an empty
        // value, or no separator at all, unsets the variable. (Variable
        // expansion of ${...} in the value is not simulated.)
        size_t sep = arg.find('=');
        if (sep == std::string::npos) sep = arg.find(',');
        const std::string name = arg.substr(0, sep);
        const std::string value = sep == std::string::npos ? "" : arg.substr(sep + 1);
        // No name: "No variable name specified." in FreeSWITCH's log, nothing changes.
        if (!name.empty() && value.empty()) switch_.UnsetChannelVariable(session.uuid, name);
        if (!name.empty() && !value.empty()) switch_.SetChannelVariable(session.uuid, name, value);
      } else if (app == "unset") {
        // mod_dptools unset_function: the variable is gone from every later
        // event and from the CDR (FreeSWITCH 1.10.12, measured).
        if (!arg.empty()) switch_.UnsetChannelVariable(session.uuid, arg);
      } else if (app == "sched_hangup") {
        // The application's "+N [cause]" on this call is the API's "+N <uuid> [cause]".
        const size_t space = arg.find(' ');
        switch_.ExecuteApi("sched_hangup", arg.substr(0, space) + " " + session.uuid +
                                               (space == std::string::npos ? "" : arg.substr(space)));
      } else if (app == "hangup") {
        switch_.ExecuteApi("uuid_kill", session.uuid + " " + (arg.empty() ? "NORMAL_CLEARING" : arg));
      }
    } else if (command == "hangup") {
      const std::string cause(headers.Get("hangup-cause"));
      switch_.ExecuteApi("uuid_kill", session.uuid + " " + (cause.empty() ? "NORMAL_CLEARING" : cause));
    }
    reply = Reply("+OK");
    return true;
  }
  reply = Reply("-ERR command not found");
  return true;
}

void SocketApp::Serve(Session& session) {
  try {
    base::Result<std::unique_ptr<esl::Connection>> conn = session.transport.Connect(host_, port_, milliseconds(1000));
    if (conn.ok()) {
      CommandReader reader;
      const auto connect_deadline = std::chrono::steady_clock::now() + kConnectWait;
      bool connected = false;
      char buffer[4096];
      for (bool open = true; open;) {
        if (!switch_.HasChannel(session.uuid)) {
          // The call was hung up (a uuid_kill, the socket's own hangup).
          (void)(*conn)->WriteAll(DisconnectNotice(), milliseconds(1000));
          break;
        }
        if (!connected && std::chrono::steady_clock::now() > connect_deadline) break;
        base::Result<size_t> n = (*conn)->Read(buffer, sizeof buffer, kPoll);
        if (!n.ok()) break;  // closed by the peer: the dialplan goes on
        reader.Append(std::string_view(buffer, *n));
        for (;;) {
          base::Result<std::optional<Command>> next = reader.Next();
          if (!next.ok()) {
            open = false;
            break;
          }
          if (!*next) break;
          std::string reply;
          connected = connected || (*next)->line == "connect";
          open = Execute(session, (*next)->line, (*next)->headers, reply);
          if (!(*conn)->WriteAll(reply, milliseconds(1000)).ok()) open = false;
          if (!open) break;
        }
      }
      (*conn)->Close();
    }
  } catch (const std::exception& e) {
    base::LogError(std::string("socket application session threw: ") + e.what());  // the thread's top-level catch
  }
  switch_.SocketAppDone(session.uuid);
}

std::vector<int64_t> SocketApp::HoldTimesUs() const {
  std::lock_guard lock(mu_);
  return hold_us_;
}

}  // namespace tarifador::sim
