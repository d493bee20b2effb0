#include "sim/json_cdr_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "esl/url_codec.h"

namespace tarifador::sim {

namespace {

using Json = nlohmann::ordered_json;

// Every value mod_json_cdr writes is a string, times included.
std::string Num(int64_t v) { return std::to_string(v); }

// switch_ivr_set_json_profile_data: the fields in FreeSWITCH's order.
Json ProfileJson(const CdrProfile& p) {
  Json j = Json::object();
  j["username"] = p.username;
  j["dialplan"] = p.dialplan;
  j["caller_id_name"] = p.caller_id_name;
  j["ani"] = p.caller_id_number;
  j["aniii"] = "";
  j["caller_id_number"] = p.caller_id_number;
  j["network_addr"] = p.network_addr;
  j["rdnis"] = p.rdnis;
  j["destination_number"] = p.destination_number;
  j["uuid"] = p.uuid;
  j["source"] = p.source;
  if (!p.transfer_source.empty()) j["transfer_source"] = p.transfer_source;
  j["context"] = p.context;
  j["chan_name"] = p.chan_name;
  return j;
}

// The channel flags and capabilities as the fixtures show them ("N=1;...");
// nothing reads them, but a parser expecting the real shape finds them.
constexpr const char* kInboundFlags = "0=1;1=1;3=1;39=1;40=1;42=1;45=1;55=1;116=1;117=1;126=1;163=1;168=1;169=1";
constexpr const char* kOutboundFlags = "0=1;2=1;3=1;39=1;40=1;42=1;45=1;55=1;62=1;116=1;117=1;163=1;168=1;169=1";
constexpr const char* kCaps = "1=1;2=1;3=1;4=1;5=1;6=1;8=1;9=1;10=1";

}  // namespace

std::string BuildJsonCdr(const JsonCdrLeg& leg) {
  Json doc = Json::object();
  doc["core-uuid"] = leg.core_uuid;
  doc["switchname"] = leg.switchname;
  Json& cd = doc["channel_data"];
  cd["state"] = leg.state;
  cd["direction"] = leg.inbound ? "inbound" : "outbound";
  cd["state_number"] = Num(leg.state_number);
  cd["flags"] = leg.inbound ? kInboundFlags : kOutboundFlags;
  cd["caps"] = kCaps;

  // encode-values=true (the default): switch_url_encode of every value.
  Json& vars = doc["variables"];
  vars = Json::object();
  for (const auto& [name, value] : leg.variables) vars[name] = esl::UrlEncode(value);

  if (!leg.applications.empty()) {
    Json apps = Json::array();
    for (const CdrApplication& a : leg.applications) {
      apps.push_back(Json{{"app_name", a.name}, {"app_data", a.data}, {"app_stamp", Num(a.stamp_us)}});
    }
    doc["app_log"]["applications"] = std::move(apps);
  }

  Json flow = Json::object();
  if (!leg.profile.dialplan.empty()) flow["dialplan"] = leg.profile.dialplan;
  flow["profile_index"] = leg.profile_index;
  if (leg.hit_dialplan) {
    Json& ext = flow["extension"];
    ext["name"] = leg.profile.destination_number;
    ext["number"] = leg.profile.destination_number;
    ext["applications"] = Json::array();
    for (const CdrApplication& a : leg.applications) {
      ext["applications"].push_back(Json{{"app_name", a.name}, {"app_data", a.data}});
    }
  }
  Json cp = ProfileJson(leg.profile);
  // A leg with an originator is a B leg (mod_json_cdr's is_b test); an A leg
  // gets the originatee block once it is connected.
  if (leg.originator) {
    cp["originator"]["originator_caller_profiles"] = Json::array({ProfileJson(*leg.originator)});
  } else if (leg.originatee) {
    cp["originatee"]["originatee_caller_profiles"] = Json::array({ProfileJson(*leg.originatee)});
  }
  flow["caller_profile"] = std::move(cp);
  const CdrTimes& t = leg.times;
  Json& times = flow["times"];
  times["created_time"] = Num(t.created);
  times["profile_created_time"] = Num(t.profile_created);
  times["progress_time"] = Num(t.progress);
  times["progress_media_time"] = Num(t.progress_media);
  times["answered_time"] = Num(t.answered);
  times["bridged_time"] = Num(t.bridged);
  times["last_hold_time"] = "0";
  times["hold_accum_time"] = "0";
  times["hangup_time"] = Num(t.hangup);
  times["resurrect_time"] = "0";
  times["transfer_time"] = Num(t.transfer);
  doc["callflow"] = Json::array({std::move(flow)});
  return doc.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string JsonCdrFileName(std::string_view uuid, bool a_leg, bool prefix_a_leg) {
  std::string name = a_leg && prefix_a_leg ? "a_" : "";
  name.append(uuid).append(".cdr.json");
  return name;
}

base::Status WriteJsonCdrFile(const std::string& dir, const std::string& file_name, std::string_view document) {
  if (file_name.empty() || file_name.front() == '.' || file_name.find('/') != std::string::npos ||
      file_name.find('\0') != std::string::npos) {
    return base::InvalidArgument(std::string("writing a CDR file: \"") + file_name + "\" is not a plain file name");
  }
  // As mod_json_cdr does (process_cdr in mod_json_cdr.c, 1.10.12): straight
  // into the final name, the document, then the newline in a second write,
  // so a reader may see a file being written, and only a trailing newline
  // says it is whole.
  const std::string path = dir + "/" + file_name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return base::Internal(std::string("writing CDR file ") + path + ": " + std::strerror(errno));
  int error = 0;
  for (std::string_view part : {document, std::string_view("\n")}) {
    size_t done = 0;
    while (error == 0 && done < part.size()) {
      const ssize_t n = ::write(fd, part.data() + done, part.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        error = errno;
        break;
      }
      done += static_cast<size_t>(n);
    }
  }
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) {
    ::unlink(path.c_str());  // as mod_json_cdr does on a failed write
    return base::Internal(std::string("writing CDR file ") + path + ": " + std::strerror(error));
  }
  return base::Status::Ok();
}

}  // namespace tarifador::sim
