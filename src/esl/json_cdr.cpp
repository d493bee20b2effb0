#include "esl/json_cdr.h"

#include <charconv>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/base64.h"
#include "base/json_parse.h"
#include "base/strings.h"
#include "esl/url_codec.h"

namespace tarifador::esl {
namespace {

using nlohmann::json;

// URL encoding at most triples a document; room for "cdr=" and a newline.
constexpr size_t kMaxEncodedBytes = 3 * kMaxJsonCdrBytes + 64;
// Longest leg uuid accepted. FreeSWITCH's are 36 characters, but the
// dialplan may choose its own (origination_uuid).
constexpr size_t kMaxUuidBytes = 256;

constexpr std::string_view kJsonType = "application/json";
constexpr std::string_view kFormType = "application/x-www-form-urlencoded";
constexpr std::string_view kBase64Type = "application/x-www-form-base64-encoded";

// Adds through std::string so that this file builds against both the
// owning and the buffer-backed Headers::Add.
void Put(Headers& h, std::string_view name, std::string_view value) { h.Add(std::string(name), std::string(value)); }

// Bad input in a message: quoted, at most 64 bytes of it.
std::string Shown(std::string_view s) {
  constexpr size_t kMax = 64;
  return s.size() <= kMax ? base::Quoted(s) : base::Quoted(s.substr(0, kMax)).append("...");
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUpperHex(char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }

// The media type of a Content-Type value: lower-case, without parameters.
std::string MediaType(std::string_view content_type) {
  std::string out;
  for (char c : Trim(content_type.substr(0, content_type.find(';')))) {
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

// The still-encoded value of the first `cdr` field of a form body.
base::Result<std::string_view> CdrField(std::string_view body) {
  while (true) {
    const size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    if (pair.substr(0, 4) == "cdr=") return pair.substr(4);
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return base::InvalidArgument("the form body has no cdr= field (mod_json_cdr posts cdr=<document>)");
}

// Every '%' must start an escape: FreeSWITCH's switch_url_encode writes a
// lone '%' as %25, so one that is not followed by two hex digits means a
// truncated or corrupted body.
base::Status CheckEscapes(std::string_view text) {
  for (size_t i = text.find('%'); i != std::string_view::npos; i = text.find('%', i + 3)) {
    if (i + 2 >= text.size() || HexValue(text[i + 1]) < 0 || HexValue(text[i + 2]) < 0) {
      return base::InvalidArgument("bad %-escape " + Shown(text.substr(i, 3)) + " at byte " + std::to_string(i) +
                                   ": '%' must be followed by two hex digits (truncated?)");
    }
  }
  return base::Status::Ok();
}

// Plain percent-decoding of text whose escapes CheckEscapes accepted;
// `plus_is_space` for standard form encoding.
std::string PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += plus_is_space && text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

// True when `text` was percent-encoded by an encoder that always escapes '%'
// (curl, Python, esl::UrlEncode): it then holds "%25" followed by two
// upper-case hex digits. switch_url_encode never writes that, because it
// leaves a '%' that is followed by two upper-case hex digits alone.
bool EscapesEveryPercent(std::string_view text) {
  for (size_t i = text.find("%25"); i != std::string_view::npos; i = text.find("%25", i + 1)) {
    if (i + 4 < text.size() && IsUpperHex(text[i + 3]) && IsUpperHex(text[i + 4])) return true;
  }
  return false;
}

// Undoes mod_json_cdr's `encode=true`: switch_url_encode over the whole JSON
// text (mod_json_cdr.c my_on_reporting). That encoding is not reversible by
// plain decoding, because it leaves every "%XX" already in the text alone
// (it does not double-encode): with encode-values on (the default) the
// variable values hold escapes such as %22 and %0D%0A (fx: every somleng
// capture), and decoding those as well would put raw quotes and line breaks
// inside JSON strings. So this decoder follows the JSON structure:
// - outside strings every escape is decoded (only FreeSWITCH's encoding of
//   the structure can be there; a raw '+' is read as a space);
// - inside the string values of the top-level "variables" object, escapes
//   are kept as they are: they are the encode-values text, which
//   JsonCdrToEvent URL-decodes per variable, exactly as for a raw POST;
// - inside every other string (keys, caller profiles, app_log: never
//   encode-values'd), escapes are decoded, and a decoded control character,
//   quote or backslash is written as a JSON escape;
// - in both, an escaped backslash followed by one of "\/bfnrtu is one of
//   cJSON's own escapes and stays a JSON escape; an escaped quote ends the
//   string only when the next non-blank unit is , } ] : or the end (cJSON
//   writes no blanks; pretty-printed test documents do).
// Ambiguities left, all from the switch's encoding and harmless for billing:
// a variable value containing `",` `"}` `"]` `":` or a backslash followed by
// one of "\/bfnrtu, with encode-values on. Precondition: CheckEscapes(text).
class SwitchUrlDecoder {
 public:
  explicit SwitchUrlDecoder(std::string_view text) : text_(text) { out_.reserve(text.size()); }

  std::string Run() && {
    while (pos_ < text_.size()) {
      const Unit u = At(pos_);
      pos_ += u.size;
      if (u.byte == '"') {
        String();
      } else {
        Structure(u);
      }
    }
    return std::move(out_);
  }

 private:
  struct Unit {
    char byte;
    bool escaped;
    size_t size;  // 1 or 3 bytes of text
  };

  Unit At(size_t i) const {
    if (text_[i] != '%') return {text_[i], false, 1};
    return {static_cast<char>(HexValue(text_[i + 1]) * 16 + HexValue(text_[i + 2])), true, 3};
  }

  // A unit outside any string: JSON structure, numbers, literals, blanks.
  void Structure(const Unit& u) {
    switch (u.byte) {
      case '{':
        ++depth_;
        if (depth_ == 2 && last_top_string_is_variables_) {
          in_variables_ = true;
          expect_value_ = false;
        }
        break;
      case '[': ++depth_; break;
      case '}':
      case ']':
        if (depth_ == 2) in_variables_ = false;
        if (depth_ > 0) --depth_;
        break;
      case ':':
        if (depth_ == 2) expect_value_ = true;
        break;
      case ',':
        if (depth_ == 2) expect_value_ = false;
        break;
      default: break;
    }
    out_ += !u.escaped && u.byte == '+' ? ' ' : u.byte;
  }

  // The rest of a string whose opening quote was just read.
  void String() {
    const bool keep = depth_ == 2 && in_variables_ && expect_value_;
    const bool top = depth_ == 1;
    std::string top_text;  // the string's text at depth 1, to spot "variables"
    out_ += '"';
    while (pos_ < text_.size()) {
      const Unit u = At(pos_);
      const std::string_view raw = text_.substr(pos_, u.size);
      pos_ += u.size;
      if (u.byte == '"' && (!u.escaped || ClosesString(pos_))) {
        out_ += '"';
        break;
      }
      if (top && top_text.size() <= 16) top_text += u.byte;
      if (u.byte == '\\') {
        if (pos_ < text_.size()) {
          const Unit next = At(pos_);
          if (std::string_view("\"\\/bfnrtu").find(next.byte) != std::string_view::npos) {
            out_ += '\\';
            out_ += next.byte;
            pos_ += next.size;
            continue;
          }
        }
        if (keep && u.escaped) {
          out_ += raw;
        } else {
          out_ += "\\\\";
        }
      } else if (u.byte == '"') {
        if (keep) {
          out_ += raw;
        } else {
          out_ += "\\\"";
        }
      } else if (static_cast<unsigned char>(u.byte) < 0x20) {
        if (keep && u.escaped) {
          out_ += raw;
        } else {
          static constexpr char kHex[] = "0123456789abcdef";
          out_ += "\\u00";
          out_ += kHex[(u.byte >> 4) & 0xF];
          out_ += kHex[u.byte & 0xF];
        }
      } else if (keep) {
        out_ += raw;
      } else {
        out_ += u.byte;
      }
    }
    if (top) {
      last_top_string_is_variables_ = top_text == "variables";
      expect_value_ = false;
    }
  }

  // Whether an escaped quote followed by text_[i...] ends its string.
  bool ClosesString(size_t i) const {
    while (i < text_.size()) {
      const Unit u = At(i);
      if (IsSpace(u.byte) || (!u.escaped && u.byte == '+')) {
        i += u.size;
        continue;
      }
      return u.byte == ',' || u.byte == '}' || u.byte == ']' || u.byte == ':';
    }
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string out_;
  size_t depth_ = 0;
  bool last_top_string_is_variables_ = false;
  bool in_variables_ = false;  // inside the top-level "variables" object
  bool expect_value_ = false;  // in it, after a ':' and before the next ','
};

// The JSON text of an url-encoded document (a cdr= field or an err-log file).
base::Result<std::string> UrlDecodeDocument(std::string_view text) {
  TARIFADOR_RETURN_IF_ERROR(CheckEscapes(text));
  if (EscapesEveryPercent(text)) return PercentDecode(text, /*plus_is_space=*/true);
  return SwitchUrlDecoder(text).Run();
}

// The JSON text of a base64 document. Percent-escapes are decoded first, for
// a client that escaped the '+', '/' and '=' mod_json_cdr sends raw.
base::Result<std::string> Base64DecodeDocument(std::string_view text) {
  std::string unescaped;
  if (text.find('%') != std::string_view::npos) {
    TARIFADOR_RETURN_IF_ERROR(CheckEscapes(text));
    unescaped = PercentDecode(text, /*plus_is_space=*/false);
    text = unescaped;
  }
  return base::DecodeBase64(text);
}

base::Result<Event> FromEncoded(base::Result<std::string> json_text, const std::string& what) {
  if (!json_text.ok()) return json_text.status().WithContext(what);
  base::Result<Event> event = JsonCdrToEvent(*json_text);
  if (!event.ok()) return event.status().WithContext(what);
  return event;
}

// --- JSON document to event ---

// Length of the well-formed UTF-8 sequence (RFC 3629) at s[i], or 0.
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (n > s.size() - i) return 0;
  for (size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (b < lo || b > hi) return 0;
    lo = 0x80;
    hi = 0xBF;
  }
  return n;
}

// nlohmann/json refuses a document that is not UTF-8, but cJSON copies
// whatever bytes a channel variable holds (a SIP display name in Latin-1,
// with encode-values off). Rather than lose the CDR, each byte that is not
// part of a well-formed sequence is read as Latin-1. Empty when `s` is fine.
std::optional<std::string> RepairUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const size_t n = Utf8Length(s, i);
    if (n == 0) break;
    i += n;
  }
  if (i == s.size()) return std::nullopt;
  std::string out(s.substr(0, i));
  while (i < s.size()) {
    const size_t n = Utf8Length(s, i);
    if (n == 0) {
      const auto b = static_cast<unsigned char>(s[i]);
      out += static_cast<char>(0xC0 | (b >> 6));
      out += static_cast<char>(0x80 | (b & 0x3F));
      i += 1;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

// The member `key` of `object`, or null when absent or JSON null.
const json* Member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

// A scalar as FreeSWITCH would print it; nullopt for arrays and objects.
std::optional<std::string> Text(const json& v) {
  switch (v.type()) {
    case json::value_t::string: return v.get_ref<const std::string&>();
    case json::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
    case json::value_t::number_integer: return std::to_string(v.get<int64_t>());
    case json::value_t::number_float: return v.dump();
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case json::value_t::null: return std::string();
    default: return std::nullopt;
  }
}

// `key` of an object as text; "" when absent or not a scalar.
std::string TextOf(const json* object, const char* key) {
  if (object == nullptr) return {};
  const json* v = Member(*object, key);
  return v ? Text(*v).value_or(std::string()) : std::string();
}

// An optional member that must be an object when present.
base::Result<const json*> ObjectMember(const json& parent, const char* key, const std::string& where) {
  const json* v = Member(parent, key);
  if (v != nullptr && !v->is_object()) {
    return base::InvalidArgument(where + " is a JSON " + v->type_name() + ", not an object");
  }
  return v;
}

// A times value (µs since the epoch, "0" for "did not happen") in canonical
// decimal; InvalidArgument naming `where` when it is not one.
base::Result<std::string> Micros(const json& v, const std::string& where) {
  std::optional<std::string> text;
  if (v.is_string()) {
    text = v.get_ref<const std::string&>();
  } else if (v.is_number_unsigned()) {  // cJSON_CreateNumber in old releases
    text = std::to_string(v.get<uint64_t>());
  }
  if (text && text->empty()) return std::string("0");
  int64_t us = 0;
  if (text) {
    const char* end = text->data() + text->size();
    const auto [p, ec] = std::from_chars(text->data(), end, us);
    if (ec == std::errc() && p == end && us >= 0 && (*text)[0] != '-') return std::to_string(us);
  }
  const std::string shown = text ? Shown(*text) : std::string("(a JSON ") + v.type_name() + ")";
  return base::InvalidArgument(where + " " + shown + " is not a time in microseconds since the epoch");
}

bool IsDigits(std::string_view s) {
  if (s.empty() || s.size() > 19) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A caller_profile member and the header suffix FreeSWITCH gives it
// (switch_caller_profile_event_set_data, src/switch_caller.c).
struct ProfileField {
  const char* key;
  const char* header;
};
constexpr ProfileField kProfileFields[] = {
    {"username", "Username"},
    {"dialplan", "Dialplan"},
    {"caller_id_name", "Caller-ID-Name"},
    {"ani", "ANI"},
    {"aniii", "ANI-II"},
    {"caller_id_number", "Caller-ID-Number"},
    {"network_addr", "Network-Addr"},
    {"rdnis", "RDNIS"},
    {"destination_number", "Destination-Number"},
    {"uuid", "Unique-ID"},
    {"source", "Source"},
    {"context", "Context"},
    {"chan_name", "Channel-Name"},
    {"callee_id_name", "Callee-ID-Name"},
    {"callee_id_number", "Callee-ID-Number"},
    {"orig_caller_id_name", "Orig-Caller-ID-Name"},
    {"orig_caller_id_number", "Orig-Caller-ID-Number"},
};

// A `times` member and its header. `always`: the header is written ("0")
// even when the member is absent, as the billing mapping reads them.
struct TimeField {
  const char* key;
  const char* header;
  bool always;
};
constexpr TimeField kTimeFields[] = {
    {"profile_created_time", "Caller-Profile-Created-Time", false},
    {"created_time", "Caller-Channel-Created-Time", true},
    {"answered_time", "Caller-Channel-Answered-Time", true},
    {"progress_time", "Caller-Channel-Progress-Time", false},
    {"progress_media_time", "Caller-Channel-Progress-Media-Time", false},
    {"hangup_time", "Caller-Channel-Hangup-Time", true},
    {"transfer_time", "Caller-Channel-Transfer-Time", false},
    {"resurrect_time", "Caller-Channel-Resurrect-Time", false},
    {"bridged_time", "Caller-Channel-Bridged-Time", false},
    {"last_hold_time", "Caller-Channel-Last-Hold", false},
    {"hold_accum_time", "Caller-Channel-Hold-Accum", false},
};

void AddProfile(Headers& h, const json& profile, std::string_view prefix) {
  for (const ProfileField& f : kProfileFields) {
    const json* v = Member(profile, f.key);
    if (v == nullptr) continue;
    if (std::optional<std::string> text = Text(*v)) Put(h, std::string(prefix).append(f.header), *text);
  }
}

// The first profile of an originator/originatee block:
// {"originator_caller_profiles": [{...}, ...]}.
const json* FirstOtherProfile(const json& block, const char* list_key) {
  if (!block.is_object()) return nullptr;
  const json* list = Member(block, list_key);
  if (list == nullptr) return nullptr;
  if (list->is_array()) return !list->empty() && (*list)[0].is_object() ? &(*list)[0] : nullptr;
  return list->is_object() ? list : nullptr;
}

}  // namespace

base::Result<Event> JsonCdrToEvent(std::string_view json_text) {
  if (json_text.size() > kMaxJsonCdrBytes) {
    return base::InvalidArgument("the mod_json_cdr document is " + std::to_string(json_text.size()) +
                                 " bytes, over the limit of " + std::to_string(kMaxJsonCdrBytes));
  }
  if (Trim(json_text).empty()) return base::InvalidArgument("the mod_json_cdr document is empty");
  const std::optional<std::string> repaired = RepairUtf8(json_text);
  if (repaired) json_text = *repaired;

  // A repeated top-level "callflow" keeps its first value: releases before
  // ~1.6 wrote one per profile, newest first (cgrates captures), where
  // nlohmann/json would keep the last, i.e. the oldest. Any other repeated
  // key is refused, as in every JSON tarifador reads (base/json_parse.h).
  base::Result<json> parsed = base::ParseJson(json_text, {.max_depth = 32, .first_wins_top_level_key = "callflow"});
  if (!parsed.ok()) return base::InvalidArgument("the mod_json_cdr document is " + parsed.status().message());
  json doc = std::move(*parsed);
  if (!doc.is_object()) {
    return base::InvalidArgument(std::string("a mod_json_cdr document is a JSON object, this is a JSON ") +
                                 doc.type_name());
  }

  base::Result<const json*> variables = ObjectMember(doc, "variables", "\"variables\"");
  if (!variables.ok()) return variables.status();
  const json* vars = *variables;

  // The newest callflow entry (FreeSWITCH lists the profiles newest first);
  // old releases wrote a single object.
  const json* entry = Member(doc, "callflow");
  if (entry != nullptr && entry->is_array()) entry = entry->empty() ? nullptr : &(*entry)[0];
  if (entry != nullptr && !entry->is_object()) {
    return base::InvalidArgument(std::string("callflow[0] is a JSON ") + entry->type_name() + ", not an object");
  }
  const json* profile = nullptr;
  const json* times = nullptr;
  if (entry != nullptr) {
    base::Result<const json*> p = ObjectMember(*entry, "caller_profile", "callflow[0].caller_profile");
    if (!p.ok()) return p.status();
    profile = *p;
    base::Result<const json*> t = ObjectMember(*entry, "times", "callflow[0].times");
    if (!t.ok()) return t.status();
    times = *t;
  }

  // Variables are URL-decoded (encode-values=true, the default), which
  // leaves plain values alone in practice (url_codec.h keeps a '%' that
  // does not start an escape).
  auto variable = [vars](const char* name) { return UrlDecode(TextOf(vars, name)); };

  std::string uuid = variable("uuid");
  if (uuid.empty()) uuid = TextOf(profile, "uuid");
  if (uuid.empty()) {
    return base::InvalidArgument(
        "the mod_json_cdr document names no leg: neither variables.uuid nor callflow[0].caller_profile.uuid is set");
  }
  if (uuid.size() > kMaxUuidBytes) {
    return base::InvalidArgument("the leg uuid is " + std::to_string(uuid.size()) + " bytes, over the limit of " +
                                 std::to_string(kMaxUuidBytes));
  }
  for (char c : uuid) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      return base::InvalidArgument("the leg uuid " + Shown(uuid) + " holds a control character");
    }
  }

  // Times first: a bad one refuses the document before anything is built.
  std::vector<std::pair<const char*, std::string>> time_headers;
  std::string hangup_us = "0";
  for (const TimeField& f : kTimeFields) {
    const json* v = times ? Member(*times, f.key) : nullptr;
    if (v == nullptr) {
      if (f.always) time_headers.emplace_back(f.header, "0");
      continue;
    }
    base::Result<std::string> us = Micros(*v, std::string("callflow[0].times.") + f.key);
    if (!us.ok()) return us.status();
    if (std::string_view(f.key) == "hangup_time") hangup_us = *us;
    time_headers.emplace_back(f.header, std::move(*us));
  }

  if (vars != nullptr) {
    for (const auto& [name, value] : vars->items()) {
      if (!Text(value)) {
        return base::InvalidArgument("variable " + Shown(name) + " is a JSON " + value.type_name() + ", not text");
      }
    }
  }

  Event event;
  Headers& h = event.headers;
  const json* channel_data = Member(doc, "channel_data");
  if (channel_data != nullptr && !channel_data->is_object()) channel_data = nullptr;

  Put(h, "Event-Name", "CHANNEL_HANGUP_COMPLETE");
  if (const json* v = Member(doc, "core-uuid")) Put(h, "Core-UUID", Text(*v).value_or(""));
  if (const json* v = Member(doc, "switchname")) Put(h, "FreeSWITCH-Switchname", Text(*v).value_or(""));
  const std::string end_uepoch = variable("end_uepoch");
  Put(h, "Event-Date-Timestamp", IsDigits(end_uepoch) && end_uepoch != "0" ? end_uepoch : hangup_us);
  if (channel_data != nullptr) {
    if (const json* v = Member(*channel_data, "state")) Put(h, "Channel-State", Text(*v).value_or(""));
    if (const json* v = Member(*channel_data, "state_number")) Put(h, "Channel-State-Number", Text(*v).value_or(""));
  }
  Put(h, "Unique-ID", uuid);
  if (channel_data != nullptr) {
    if (const json* v = Member(*channel_data, "direction")) Put(h, "Call-Direction", Text(*v).value_or(""));
  }
  Put(h, "Answer-State", "hangup");
  const std::string call_uuid = variable("call_uuid");
  Put(h, "Channel-Call-UUID", call_uuid.empty() ? uuid : call_uuid);
  if (vars != nullptr && Member(*vars, "hangup_cause") != nullptr) Put(h, "Hangup-Cause", variable("hangup_cause"));

  if (profile != nullptr) AddProfile(h, *profile, "Caller-");
  if (entry != nullptr) {
    if (const json* v = Member(*entry, "profile_index")) Put(h, "Caller-Profile-Index", Text(*v).value_or(""));
  }
  for (const auto& [name, value] : time_headers) Put(h, name, value);

  // The B-leg rule of FreeSWITCH's CDR modules (ESL-NOTES section 3): a leg
  // whose current caller profile has an originator was originated by
  // another leg. That wins when both blocks are present, as it does for
  // mod_json_cdr's own log-b-leg test.
  const json* originator = profile ? Member(*profile, "originator") : nullptr;
  const json* originatee = profile ? Member(*profile, "originatee") : nullptr;
  if (originator != nullptr || originatee != nullptr) {
    Put(h, "Other-Type", originator != nullptr ? "originator" : "originatee");
    const json* other = originator != nullptr ? FirstOtherProfile(*originator, "originator_caller_profiles")
                                              : FirstOtherProfile(*originatee, "originatee_caller_profiles");
    if (other != nullptr) AddProfile(h, *other, "Other-Leg-");
  }

  if (vars != nullptr) {
    for (const auto& [name, value] : vars->items()) {
      Put(h, std::string("variable_").append(name), UrlDecode(*Text(value)));
    }
  }
  return event;
}

base::Result<Event> DecodeJsonCdrPost(std::string_view body, std::string_view content_type) {
  if (body.size() > kMaxEncodedBytes) {
    return base::InvalidArgument("the mod_json_cdr body is " + std::to_string(body.size()) +
                                 " bytes, over the limit of " + std::to_string(kMaxEncodedBytes));
  }
  const std::string type = MediaType(content_type);
  if (type.empty() || type == kJsonType) return JsonCdrToEvent(body);
  if (type == kFormType || type == kBase64Type) {
    base::Result<std::string_view> field = CdrField(body);
    if (!field.ok()) return field.status();
    if (type == kFormType) return FromEncoded(UrlDecodeDocument(*field), "decoding the url-encoded cdr= field");
    return FromEncoded(Base64DecodeDocument(*field), "decoding the base64 cdr= field");
  }
  return base::InvalidArgument("unsupported Content-Type " + Shown(content_type) + ": mod_json_cdr posts " +
                               std::string(kJsonType) + ", " + std::string(kFormType) + " or " +
                               std::string(kBase64Type));
}

base::Result<Event> DecodeJsonCdrFile(std::string_view contents) {
  if (contents.size() > kMaxEncodedBytes) {
    return base::InvalidArgument("the mod_json_cdr file is " + std::to_string(contents.size()) +
                                 " bytes, over the limit of " + std::to_string(kMaxEncodedBytes));
  }
  std::string_view text = Trim(contents);
  if (text.substr(0, 4) == "cdr=") text = Trim(text.substr(4));
  if (text.empty()) return base::InvalidArgument("the mod_json_cdr file is empty");
  // mod_json_cdr's backup_cdr writes the text it failed to POST: the raw
  // JSON, or the url-encoded or base64 text when `encode` is on. The first
  // byte tells them apart: '{', '%' (from %7B), or a base64 letter.
  if (text.front() == '{') return JsonCdrToEvent(text);
  if (text.front() == '%') return FromEncoded(UrlDecodeDocument(text), "decoding the url-encoded file");
  return FromEncoded(Base64DecodeDocument(text),
                     "the file is neither JSON ('{') nor url-encoded ('%7B'), so decoding it as base64");
}

bool IsJsonCdrFileName(std::string_view name) {
  constexpr std::string_view kSuffix = ".cdr.json";
  return name.size() > kSuffix.size() && name.front() != '.' && name.substr(name.size() - kSuffix.size()) == kSuffix;
}

}  // namespace tarifador::esl
