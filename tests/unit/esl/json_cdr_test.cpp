// mod_json_cdr documents into CHANNEL_HANGUP_COMPLETE events: every encoding
// mod_json_cdr POSTs and every form of its err-log files must give exactly
// the event the raw JSON gives. Real captures (../shared/fixtures/cdr, skipped
// when absent) and our own documents (tests/fixtures/json_cdr).
#include "esl/json_cdr.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "esl/url_codec.h"
#include "test_support/fixtures.h"

using namespace tarifador;
using esl::DecodeJsonCdrFile;
using esl::DecodeJsonCdrPost;
using esl::Event;
using esl::JsonCdrToEvent;

namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kForm = "application/x-www-form-urlencoded";
constexpr const char* kBase64 = "application/x-www-form-base64-encoded";

// switch_url_encode (switch_url_encode_opt with double_encode false, as
// mod_json_cdr and encode-values call it): the unsafe set and bytes outside
// ' '..'~' become %XX, except a '%' already followed by two upper-case hex
// digits, which is copied as is.
std::string SwitchUrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  static constexpr std::string_view kUnsafe = "\r\n #%&+:;<=>?@[\\]^`{|}\"";
  auto upper_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto u = static_cast<unsigned char>(c);
    if (c == '%' && i + 2 < text.size() && upper_hex(text[i + 1]) && upper_hex(text[i + 2])) {
      out += c;
    } else if (u < 0x20 || u > '~' || kUnsafe.find(c) != std::string_view::npos) {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out;
}

// switch_b64_encode: standard alphabet, '=' padding, no line breaks.
std::string Base64(std::string_view in) {
  static constexpr char kTable[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(in[i]);
    const auto b1 = i + 1 < in.size() ? static_cast<unsigned char>(in[i + 1]) : 0u;
    const auto b2 = i + 2 < in.size() ? static_cast<unsigned char>(in[i + 2]) : 0u;
    out += kTable[b0 >> 2];
    out += kTable[((b0 & 3) << 4) | (b1 >> 4)];
    out += i + 1 < in.size() ? kTable[((b1 & 15) << 2) | (b2 >> 6)] : '=';
    out += i + 2 < in.size() ? kTable[b2 & 63] : '=';
  }
  return out;
}

// The one-line form cJSON_PrintUnformatted gives (the captures are
// pretty-printed): whitespace outside strings removed.
std::string Minify(std::string_view json) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < json.size()) {
        out += json[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      out += c;
    }
  }
  return out;
}

Event Decoded(const base::Result<Event>& r, const std::string& how) {
  INFO(how << ": " << r.status().ToString());
  REQUIRE(r.ok());
  return *r;
}

// Decodes `json` raw, then in every other way mod_json_cdr can deliver it,
// and requires each to give the same headers as the raw document. Returns
// the raw document's event.
Event DecodeEveryWay(const std::string& json) {
  const Event raw = Decoded(JsonCdrToEvent(json), "JsonCdrToEvent");
  CHECK(raw.name() == "CHANNEL_HANGUP_COMPLETE");
  struct Way {
    std::string how;
    base::Result<Event> result;
  };
  std::vector<Way> ways;
  for (const std::string& text : {json, Minify(json)}) {
    const std::string form = text == json ? " (as captured)" : " (one line)";
    const std::string url = SwitchUrlEncode(text);
    const std::string b64 = Base64(text);
    ways.push_back({"POST application/json" + form, DecodeJsonCdrPost(text, kJson)});
    ways.push_back({"POST without Content-Type" + form, DecodeJsonCdrPost(text, "")});
    ways.push_back({"POST form, switch_url_encode" + form, DecodeJsonCdrPost("cdr=" + url, kForm)});
    ways.push_back({"POST form, esl::UrlEncode" + form, DecodeJsonCdrPost("cdr=" + esl::UrlEncode(text), kForm)});
    ways.push_back({"POST base64" + form, DecodeJsonCdrPost("cdr=" + b64, kBase64)});
    ways.push_back({"err-log file, raw" + form, DecodeJsonCdrFile(text + "\n")});
    ways.push_back({"err-log file, url-encoded" + form, DecodeJsonCdrFile(url + "\n")});
    ways.push_back({"err-log file, base64" + form, DecodeJsonCdrFile(b64 + "\n")});
    ways.push_back({"err-log file, cdr=url-encoded" + form, DecodeJsonCdrFile("cdr=" + url + "\n")});
    ways.push_back({"err-log file, cdr=base64" + form, DecodeJsonCdrFile("cdr=" + b64 + "\n")});
  }
  for (const Way& way : ways) {
    const Event e = Decoded(way.result, way.how);
    INFO(way.how);
    CHECK(e.headers == raw.headers);
    CHECK(e.body.empty());
  }
  return raw;
}

std::string OwnFixture(const std::string& name) {
  const std::string text =
      test_support::ReadFile(test_support::SourcePath(std::string("tests/fixtures/json_cdr/") + name));
  REQUIRE_FALSE(text.empty());
  return text;
}

void RequireInvalid(const base::Result<Event>& r, const std::string& fragment) {
  REQUIRE_FALSE(r.ok());
  INFO(r.status().ToString());
  CHECK(r.status().code() == base::StatusCode::kInvalidArgument);
  CHECK(r.status().message().find(fragment) != std::string::npos);
}

}  // namespace

// --- The real captures (somleng, ESL-NOTES section 5) ---

TEST_CASE("JSON CDR: somleng inbound A leg, every encoding", "[esl][json_cdr][fixtures]") {
  TARIFADOR_REQUIRE_FIXTURE(doc, "cdr/somleng_freeswitch_cdr.json");
  const Event e = DecodeEveryWay(doc);
  const esl::Headers& h = e.headers;
  CHECK(e.unique_id() == "77e3b4f2-cac1-4724-81f6-f1cd5e01770c");
  CHECK_FALSE(h.Has("Other-Type"));  // no originator: the A leg
  CHECK_FALSE(h.Has("Other-Leg-Unique-ID"));
  CHECK(h.Get("Caller-Caller-ID-Number") == "+85516234567");
  CHECK(h.Get("Caller-Caller-ID-Name") == "+85516234567");
  CHECK(h.Get("Caller-Destination-Number") == "1294");
  CHECK(h.Get("Caller-Context") == "default");
  CHECK(h.Get("Caller-Unique-ID") == "77e3b4f2-cac1-4724-81f6-f1cd5e01770c");
  CHECK(h.Get("Caller-Channel-Created-Time") == "1657097403370590");
  CHECK(h.Get("Caller-Channel-Answered-Time") == "1657097404230498");
  CHECK(h.Get("Caller-Channel-Bridged-Time") == "0");
  CHECK(h.Get("Caller-Channel-Hangup-Time") == "1657097407610447");
  CHECK(h.Get("Hangup-Cause") == "NORMAL_UNSPECIFIED");
  CHECK(h.Get("Event-Date-Timestamp") == "1657097407610447");
  CHECK(h.Get("Call-Direction") == "inbound");
  CHECK(h.Get("variable_answer_epoch") == "1657097404");
  CHECK(h.Get("variable_end_epoch") == "1657097407");
  CHECK(h.Get("variable_bridge_epoch") == "0");
  CHECK(h.Get("variable_start_uepoch") == "1657097403370590");
  CHECK(h.Get("variable_end_uepoch") == "1657097407610447");
  CHECK(h.Get("variable_billsec") == "3");
  CHECK_FALSE(h.Has("variable_originator"));
  // URL-decoded values, with the quotes and line breaks that make the
  // url-encoded POST ambiguous.
  CHECK(h.Get("variable_sip_from_user") == "+85516234567");
  CHECK(h.Get("variable_start_stamp") == "2022-07-06 08:50:03");
  CHECK(h.Get("variable_sip_reason") == "Q.850;cause=31;text=\"Normal, unspecified\"");
  CHECK(h.Get("variable_caller_id") == "\"+85516234567\" <+85516234567>");
  CHECK(h.Get("variable_switch_r_sdp").find("\r\n") != std::string_view::npos);
}

TEST_CASE("JSON CDR: somleng leg with an originator block is a B leg", "[esl][json_cdr][fixtures]") {
  // Somleng calls it "leg A", but its newest profile has an originator, so
  // FreeSWITCH (and billing) treat it as the originatee (ESL-NOTES section 3).
  TARIFADOR_REQUIRE_FIXTURE(doc, "cdr/somleng_freeswitch_cdr_leg_a_with_joined_by_leg_b.json");
  const Event e = DecodeEveryWay(doc);
  const esl::Headers& h = e.headers;
  CHECK(e.unique_id() == "7bfa8442-8fa2-4daa-bf10-6be79c9a07f6");
  CHECK(h.Get("Other-Type") == "originator");
  CHECK(h.Get("Other-Leg-Unique-ID") == "21bc47f2-250c-4d98-a157-0ad756d54027");
  CHECK(h.Get("Other-Leg-Destination-Number") == "1234");
  // The newest of the two callflow entries (profile_index 2).
  CHECK(h.Get("Caller-Profile-Index") == "2");
  CHECK(h.Get("Caller-Caller-ID-Number") == "1234");
  CHECK(h.Get("Caller-Caller-ID-Name") == "Outbound Call");
  CHECK(h.Get("Caller-Destination-Number") == "0715100860");
  CHECK(h.Get("Caller-Context") == "default");
  CHECK(h.Get("Caller-Unique-ID") == "7bfa8442-8fa2-4daa-bf10-6be79c9a07f6");
  CHECK(h.Get("Caller-Channel-Created-Time") == "1624793631053442");
  CHECK(h.Get("Caller-Channel-Answered-Time") == "1624793640273413");
  CHECK(h.Get("Caller-Channel-Bridged-Time") == "1624793643313404");
  CHECK(h.Get("Caller-Channel-Hangup-Time") == "1624793648693405");
  CHECK(h.Get("Hangup-Cause") == "NORMAL_CLEARING");
  CHECK(h.Get("Event-Date-Timestamp") == "1624793648693405");
  CHECK(h.Get("Channel-Call-UUID") == "21bc47f2-250c-4d98-a157-0ad756d54027");
  CHECK(h.Get("variable_answer_epoch") == "1624793640");
  CHECK(h.Get("variable_bridge_epoch") == "1624793643");
  CHECK(h.Get("variable_end_epoch") == "1624793648");
  CHECK(h.Get("variable_bridge_uepoch") == "1624793643313404");
  CHECK(h.Get("variable_billsec") == "8");
}

TEST_CASE("JSON CDR: somleng leg with an originatee block is an A leg", "[esl][json_cdr][fixtures]") {
  TARIFADOR_REQUIRE_FIXTURE(doc, "cdr/somleng_freeswitch_cdr_leg_b.json");
  const Event e = DecodeEveryWay(doc);
  const esl::Headers& h = e.headers;
  CHECK(e.unique_id() == "21bc47f2-250c-4d98-a157-0ad756d54027");
  CHECK(h.Get("Other-Type") == "originatee");
  CHECK(h.Get("Other-Leg-Unique-ID") == "7bfa8442-8fa2-4daa-bf10-6be79c9a07f6");
  CHECK(h.Get("Caller-Caller-ID-Number") == "1234");
  CHECK(h.Get("Caller-Destination-Number") == "1234");
  CHECK(h.Get("Caller-Channel-Created-Time") == "1624793642833406");
  CHECK(h.Get("Caller-Channel-Answered-Time") == "1624793643193409");
  CHECK(h.Get("Caller-Channel-Bridged-Time") == "1624793643313404");
  CHECK(h.Get("Caller-Channel-Hangup-Time") == "1624793648713404");
  CHECK(h.Get("Event-Date-Timestamp") == "1624793648713404");
  CHECK(h.Get("variable_answer_epoch") == "1624793643");
  CHECK(h.Get("variable_end_epoch") == "1624793648");
  CHECK(h.Get("variable_billsec") == "5");
  CHECK(h.Get("variable_sip_hangup_disposition") == "send_bye");
}

TEST_CASE("JSON CDR: somleng unanswered outbound leg", "[esl][json_cdr][fixtures]") {
  TARIFADOR_REQUIRE_FIXTURE(doc, "cdr/somleng_freeswitch_cdr_outbound.json");
  const Event e = DecodeEveryWay(doc);
  const esl::Headers& h = e.headers;
  CHECK(e.unique_id() == "cc709c52-fd5c-49eb-91db-4d6951d35d32");
  CHECK_FALSE(h.Has("Other-Type"));
  CHECK(h.Get("Call-Direction") == "outbound");
  CHECK(h.Get("Caller-Caller-ID-Number") == "6998050496961447");
  CHECK(h.Get("Caller-Destination-Number") == "6998050496961447");
  CHECK(h.Get("Caller-Channel-Answered-Time") == "0");
  CHECK(h.Get("Caller-Channel-Hangup-Time") == "1657099430149787");
  CHECK(h.Get("Hangup-Cause") == "NO_USER_RESPONSE");
  CHECK(h.Get("variable_answer_epoch") == "0");
  CHECK(h.Get("variable_answer_uepoch") == "0");
  CHECK(h.Get("variable_billsec") == "0");
  CHECK(h.Get("variable_sip_term_status") == "480");
  CHECK(h.Get("variable_sip_from_user") == "+50222787192");
}

// --- Our own documents (tests/fixtures/json_cdr, always run) ---

TEST_CASE("JSON CDR: own bridged A leg, every encoding", "[esl][json_cdr]") {
  const Event e = DecodeEveryWay(OwnFixture("a_leg_bridged.cdr.json"));
  const esl::Headers& h = e.headers;
  CHECK(e.unique_id() == "3f1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b6c");
  CHECK(h.Get("Core-UUID") == "c0ffee00-1111-4222-8333-444455556666");
  CHECK(h.Get("FreeSWITCH-Switchname") == "pbx-office");
  CHECK(h.Get("Channel-State") == "CS_REPORTING");
  CHECK(h.Get("Answer-State") == "hangup");
  CHECK(h.Get("Other-Type") == "originatee");
  CHECK(h.Get("Other-Leg-Unique-ID") == "8a7b6c5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d");
  CHECK(h.Get("Other-Leg-Channel-Name") == "sofia/gateway/carrier1/441234567890");
  CHECK(h.Get("Caller-Caller-ID-Number") == "1001");
  CHECK(h.Get("Caller-Caller-ID-Name") == "Alice Smith");
  CHECK(h.Get("Caller-Destination-Number") == "00441234567890");
  CHECK(h.Get("Caller-Context") == "default");
  CHECK(h.Get("Caller-ANI-II") == "");
  CHECK(h.Get("Caller-Channel-Created-Time") == "1709632800000000");
  CHECK(h.Get("Caller-Channel-Progress-Media-Time") == "1709632801200000");
  CHECK(h.Get("Caller-Channel-Answered-Time") == "1709632805250000");
  CHECK(h.Get("Caller-Channel-Bridged-Time") == "1709632805300000");
  CHECK(h.Get("Caller-Channel-Hangup-Time") == "1709632870750000");
  CHECK(h.Get("Event-Date-Timestamp") == "1709632870750000");
  CHECK(h.Get("Hangup-Cause") == "NORMAL_CLEARING");
  CHECK(h.Get("variable_answer_uepoch") == "1709632805250000");
  CHECK(h.Get("variable_bridge_uepoch") == "1709632805300000");
  CHECK(h.Get("variable_end_uepoch") == "1709632870750000");
  CHECK(h.Get("variable_billsec") == "65");
  CHECK(h.Get("variable_accountcode") == "sales");
  // Values that are URL-encoded in the document, decoded once.
  CHECK(h.Get("variable_sip_full_from") == "\"Alice Smith\" <sip:1001@192.0.2.1>;tag=a1b2c3");
  CHECK(h.Get("variable_start_stamp") == "2024-03-05 10:00:00");
  CHECK(h.Get("variable_switch_r_sdp").substr(0, 5) == "v=0\r\n");
  CHECK(h.Get("variable_ringback") == "%(2000,4000,440,480)");  // a '%' that was %25
  CHECK(h.Get("variable_originated_legs") == "ARRAY::8a7b6c5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d;Alice Smith;441234567890");
}

TEST_CASE("JSON CDR: own gateway B leg, every encoding", "[esl][json_cdr]") {
  const Event e = DecodeEveryWay(OwnFixture("b_leg_gateway.cdr.json"));
  const esl::Headers& h = e.headers;
  CHECK(e.unique_id() == "8a7b6c5d-4e3f-4a2b-8c1d-0e9f8a7b6c5d");
  CHECK(h.Get("Other-Type") == "originator");
  CHECK(h.Get("Other-Leg-Unique-ID") == "3f1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b6c");
  CHECK(h.Get("Other-Leg-Caller-ID-Number") == "1001");
  CHECK(h.Get("Channel-Call-UUID") == "3f1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b6c");
  CHECK(h.Get("Caller-Destination-Number") == "441234567890");
  CHECK(h.Get("Caller-Channel-Answered-Time") == "1709632805250000");
  CHECK(h.Get("Caller-Channel-Hangup-Time") == "1709632870740000");
  CHECK(h.Get("variable_originator") == "3f1c2a9e-5b7d-4e21-9a0c-1d2e3f4a5b6c");
  CHECK(h.Get("variable_sip_gateway_name") == "carrier1");
  CHECK(h.Get("variable_sip_to_user") == "+441234567890");
  CHECK(h.Get("variable_sip_req_uri") == "441234567890@203.0.113.5");
  CHECK(h.Get("variable_bridge_epoch") == "1709632805");
  CHECK(h.Get("variable_end_epoch") == "1709632870");
}

TEST_CASE("JSON CDR: an old release's repeated callflow keys keep the newest", "[esl][json_cdr]") {
  // One "callflow" object per profile, newest first, times as JSON numbers
  // and no bridged_time (FreeSWITCH before 1.6, as in cgrates' captures).
  const Event e = DecodeEveryWay(OwnFixture("old_release_duplicate_callflow.cdr.json"));
  const esl::Headers& h = e.headers;
  CHECK(e.unique_id() == "5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170");
  CHECK(h.Get("Caller-Profile-Index") == "2");
  CHECK(h.Get("Caller-Destination-Number") == "1002");
  CHECK(h.Get("Caller-Channel-Created-Time") == "1375609854385581");
  CHECK(h.Get("Caller-Channel-Answered-Time") == "0");
  CHECK(h.Get("Caller-Channel-Hangup-Time") == "1375609860205563");
  CHECK_FALSE(h.Has("Caller-Channel-Bridged-Time"));
  CHECK_FALSE(h.Has("Core-UUID"));
  CHECK(h.Get("Hangup-Cause") == "NO_ANSWER");
  CHECK(h.Get("variable_transfer_history") == "1375609856:e3133bf7:bl_xfer:1002/default/XML");
}

// --- Document details ---

TEST_CASE("JSON CDR: the leg uuid falls back to the caller profile", "[esl][json_cdr]") {
  const auto r = JsonCdrToEvent(
      R"({"variables":{"hangup_cause":"NORMAL_CLEARING"},"callflow":{"caller_profile":{"uuid":"u-1","destination_number":"100"},"times":{}}})");
  const Event e = Decoded(r, "single callflow object");
  CHECK(e.unique_id() == "u-1");
  CHECK(e.headers.Get("Channel-Call-UUID") == "u-1");
  CHECK(e.headers.Get("Caller-Destination-Number") == "100");
  // Absent times are "0", the Event-Date-Timestamp falls back to the hangup time.
  CHECK(e.headers.Get("Caller-Channel-Created-Time") == "0");
  CHECK(e.headers.Get("Caller-Channel-Answered-Time") == "0");
  CHECK(e.headers.Get("Caller-Channel-Hangup-Time") == "0");
  CHECK(e.headers.Get("Event-Date-Timestamp") == "0");
  CHECK_FALSE(e.headers.Has("Caller-Channel-Bridged-Time"));
}

TEST_CASE("JSON CDR: an originator block wins over an originatee block", "[esl][json_cdr]") {
  const auto r = JsonCdrToEvent(R"({"variables":{"uuid":"b"},"callflow":[{"caller_profile":{"uuid":"b",)"
                                R"("originatee":{"originatee_caller_profiles":[{"uuid":"c"}]},)"
                                R"("originator":{"originator_caller_profiles":[{"uuid":"a"},{"uuid":"x"}]}},)"
                                R"("times":{"hangup_time":"1700000000000001"}}]})");
  const Event e = Decoded(r, "both blocks");
  CHECK(e.headers.Get("Other-Type") == "originator");
  CHECK(e.headers.Get("Other-Leg-Unique-ID") == "a");
  CHECK(e.headers.Get("Event-Date-Timestamp") == "1700000000000001");
}

TEST_CASE("JSON CDR: an empty originator block still makes a B leg", "[esl][json_cdr]") {
  const Event e =
      Decoded(JsonCdrToEvent(R"({"variables":{"uuid":"b"},"callflow":[{"caller_profile":{"originator":{}}}]})"), "");
  CHECK(e.headers.Get("Other-Type") == "originator");
  CHECK_FALSE(e.headers.Has("Other-Leg-Unique-ID"));
}

TEST_CASE("JSON CDR: bytes that are not UTF-8 are read as Latin-1", "[esl][json_cdr]") {
  // encode-values=false copies a Latin-1 display name as is; the CDR must
  // still be billed.
  const std::string doc =
      "{\"variables\":{\"uuid\":\"u\"},\"callflow\":[{\"caller_profile\":{\"caller_id_name\":\"Jos\xE9\"}}]}";
  const Event e = Decoded(JsonCdrToEvent(doc), "latin-1");
  CHECK(e.headers.Get("Caller-Caller-ID-Name") == "Jos\xC3\xA9");
  // Escaped bytes in variables come back as the bytes themselves.
  const Event v = Decoded(JsonCdrToEvent(R"({"variables":{"uuid":"u","sip_from_display":"Jos%E9"}})"), "escaped");
  CHECK(v.headers.Get("variable_sip_from_display") == "Jos\xE9");
}

TEST_CASE("JSON CDR: scalars that are not strings are printed", "[esl][json_cdr]") {
  const Event e = Decoded(
      JsonCdrToEvent(R"({"variables":{"uuid":"u","n":42,"neg":-1,"f":1.5,"t":true,"z":null},"callflow":[]})"), "");
  CHECK(e.headers.Get("variable_n") == "42");
  CHECK(e.headers.Get("variable_neg") == "-1");
  CHECK(e.headers.Get("variable_f") == "1.5");
  CHECK(e.headers.Get("variable_t") == "true");
  CHECK(e.headers.Get("variable_z") == "");  // null is printed as nothing
}

TEST_CASE("JSON CDR: '+' in a form body", "[esl][json_cdr]") {
  // switch_url_encode writes '+' as %2B and a space as %20, so a raw '+' is a
  // plus inside strings; between tokens it can only be a form-encoded space.
  const auto r = DecodeJsonCdrPost("cdr=%7B+%22variables%22%3A+%7B%22uuid%22%3A%22a+b%22%7D%7D", kForm);
  const Event e = Decoded(r, "plus");
  CHECK(e.unique_id() == "a+b");
}

TEST_CASE("JSON CDR: percent-escaped base64 is accepted", "[esl][json_cdr]") {
  // {"variables":{"uuid":">?>"}} has '+' and '/' in its base64 form.
  const std::string doc = R"({"variables":{"uuid":">?>>"}})";
  std::string b64 = Base64(doc);
  REQUIRE(b64.find_first_of("+/=") != std::string::npos);
  std::string escaped;
  for (char c : b64) escaped += c == '+' ? "%2B" : c == '/' ? "%2F" : c == '=' ? "%3D" : std::string(1, c);
  CHECK(Decoded(DecodeJsonCdrPost("cdr=" + b64, kBase64), "raw").unique_id() == ">?>>");
  CHECK(Decoded(DecodeJsonCdrPost("cdr=" + escaped, kBase64), "escaped").unique_id() == ">?>>");
}

TEST_CASE("JSON CDR: Content-Type parameters and case are ignored, other fields are skipped", "[esl][json_cdr]") {
  const std::string doc = R"({"variables":{"uuid":"u"}})";
  CHECK(DecodeJsonCdrPost(doc, "Application/JSON; charset=UTF-8").ok());
  CHECK(DecodeJsonCdrPost("x=1&cdr=" + SwitchUrlEncode(doc) + "&y=2", " application/x-www-form-urlencoded ;q=1").ok());
  CHECK(DecodeJsonCdrPost("cdr=" + Base64(doc), "APPLICATION/X-WWW-FORM-BASE64-ENCODED").ok());
}

// --- Bad input: a clear InvalidArgument, never a crash ---

TEST_CASE("JSON CDR: bad input is refused with a clear message", "[esl][json_cdr][errors]") {
  RequireInvalid(DecodeJsonCdrPost("", kJson), "empty");
  RequireInvalid(DecodeJsonCdrPost(" \n", ""), "empty");
  RequireInvalid(DecodeJsonCdrPost("cdr=", kForm), "empty");
  RequireInvalid(DecodeJsonCdrPost("cdr=", kBase64), "empty");
  RequireInvalid(DecodeJsonCdrFile(""), "empty");
  RequireInvalid(DecodeJsonCdrFile("\n"), "empty");
  RequireInvalid(DecodeJsonCdrFile("cdr=\n"), "empty");

  RequireInvalid(DecodeJsonCdrPost("hello", kJson), "not valid JSON");
  RequireInvalid(DecodeJsonCdrPost(R"({"variables":{"uuid":"u"})", kJson), "not valid JSON");  // truncated
  RequireInvalid(DecodeJsonCdrFile("{not json}\n"), "not valid JSON");
  RequireInvalid(DecodeJsonCdrPost("cdr=" + SwitchUrlEncode("{oops"), kForm), "not valid JSON");
  // The bounds and rules of every JSON tarifador reads (base/json_parse.h).
  RequireInvalid(DecodeJsonCdrPost(std::string(100, '[') + std::string(100, ']'), kJson), "nested deeper");
  RequireInvalid(DecodeJsonCdrPost(R"({"variables":{"uuid":"u","duration":1e999}})", kJson), "out of range");
  RequireInvalid(DecodeJsonCdrPost(R"({"variables":{"uuid":"u","uuid":"v"}})", kJson), "\"uuid\" twice");

  RequireInvalid(DecodeJsonCdrPost(R"([{"variables":{"uuid":"u"}}])", kJson), "JSON array");
  RequireInvalid(DecodeJsonCdrPost(R"("text")", kJson), "JSON string");

  RequireInvalid(DecodeJsonCdrPost(R"({"variables":{}})", kJson), "names no leg");
  RequireInvalid(DecodeJsonCdrPost(R"({"variables":{"uuid":""},"callflow":[{"caller_profile":{}}]})", kJson),
                 "names no leg");
  RequireInvalid(DecodeJsonCdrPost("{}", kJson), "names no leg");

  RequireInvalid(DecodeJsonCdrPost("cdr=eyJ!!", kBase64), "base64");
  RequireInvalid(DecodeJsonCdrPost("cdr=eyJ", kBase64), "base64");  // padding missing
  RequireInvalid(DecodeJsonCdrFile("not base64 either\n"), "neither JSON");
  RequireInvalid(DecodeJsonCdrPost("cdr=" + Base64("[1]"), kBase64), "JSON array");

  RequireInvalid(DecodeJsonCdrPost("<cdr/>", "text/xml"), "unsupported Content-Type \"text/xml\"");
  RequireInvalid(DecodeJsonCdrPost("cdr=x", "application/x-www-form-plaintext"), "unsupported Content-Type");

  RequireInvalid(DecodeJsonCdrPost("data=%7B%7D", kForm), "no cdr= field");
  RequireInvalid(DecodeJsonCdrPost("", kForm), "no cdr= field");
  RequireInvalid(DecodeJsonCdrPost("xcdr=e30=", kBase64), "no cdr= field");

  RequireInvalid(DecodeJsonCdrPost("cdr=%7B%22variables%22%3A%7B%7D%7", kForm), "bad %-escape \"%7\" at byte 27");
  RequireInvalid(DecodeJsonCdrPost("cdr=%7B%22variables%22%3A%7B%7D%", kForm), "bad %-escape");
  RequireInvalid(DecodeJsonCdrPost("cdr=%7B%zz%7D", kForm), "bad %-escape \"%zz\"");
  RequireInvalid(DecodeJsonCdrFile("%7B%22variables%22%3A%7B%7D%7\n"), "bad %-escape");
  RequireInvalid(DecodeJsonCdrPost("cdr=e30%3", kBase64), "bad %-escape");
}

TEST_CASE("JSON CDR: malformed parts of a document are named", "[esl][json_cdr][errors]") {
  RequireInvalid(JsonCdrToEvent(R"({"variables":[]})"), "\"variables\" is a JSON array");
  RequireInvalid(JsonCdrToEvent(R"({"variables":{"uuid":"u"},"callflow":["x"]})"), "callflow[0] is a JSON string");
  RequireInvalid(JsonCdrToEvent(R"({"variables":{"uuid":"u"},"callflow":[{"caller_profile":"x"}]})"),
                 "callflow[0].caller_profile is a JSON string");
  RequireInvalid(JsonCdrToEvent(R"({"variables":{"uuid":"u"},"callflow":[{"times":{"answered_time":"12x"}}]})"),
                 "callflow[0].times.answered_time \"12x\" is not a time");
  RequireInvalid(JsonCdrToEvent(R"({"variables":{"uuid":"u"},"callflow":[{"times":{"hangup_time":"-5"}}]})"),
                 "hangup_time \"-5\"");
  RequireInvalid(JsonCdrToEvent(R"({"variables":{"uuid":"u"},"callflow":[{"times":{"created_time":1.5}}]})"),
                 "created_time (a JSON number)");
  RequireInvalid(
      JsonCdrToEvent(R"({"variables":{"uuid":"u"},"callflow":[{"times":{"created_time":"99999999999999999999"}}]})"),
      "is not a time");
  RequireInvalid(JsonCdrToEvent(R"({"variables":{"uuid":"u","list":["a"]}})"), "variable \"list\" is a JSON array");
  RequireInvalid(JsonCdrToEvent(R"({"variables":{"uuid":"a%0Ab"}})"), "control character");
  // Built with append: GCC 12's -Warray-bounds misfires on "literal" + std::string.
  const std::string long_uuid = std::string(R"({"variables":{"uuid":")").append(300, 'u').append("\"}}");
  RequireInvalid(JsonCdrToEvent(long_uuid), "over the limit of 256");
}

TEST_CASE("JSON CDR: documents over 4 MiB are refused before parsing", "[esl][json_cdr][errors]") {
  std::string doc = R"({"variables":{"uuid":"u","pad":")";
  doc.append(esl::kMaxJsonCdrBytes, 'x');
  doc += "\"}}";
  RequireInvalid(JsonCdrToEvent(doc), "over the limit of 4194304");
  RequireInvalid(DecodeJsonCdrPost(doc, kJson), "over the limit");
  RequireInvalid(DecodeJsonCdrPost("cdr=" + Base64(doc), kBase64), "over the limit");
  RequireInvalid(DecodeJsonCdrFile(std::string(3 * esl::kMaxJsonCdrBytes + 100, '%')), "over the limit");
  // Just under the limit is fine.
  std::string ok = R"({"variables":{"uuid":"u","pad":")";
  ok.append(esl::kMaxJsonCdrBytes - ok.size() - 3, 'x');
  ok += "\"}}";
  REQUIRE(ok.size() == esl::kMaxJsonCdrBytes);
  CHECK(JsonCdrToEvent(ok).ok());
}
