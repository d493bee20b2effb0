#include "esl/commands.h"

#include <catch2/catch.hpp>

using namespace tarifador;
using base::StatusCode;

TEST_CASE("auth and event subscription commands are byte-exact", "[esl][commands]") {
  auto auth = esl::AuthCommand("ClueCon");
  REQUIRE(auth.ok());
  CHECK(*auth == "auth ClueCon\n\n");
  CHECK(esl::AuthCommand("").status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::AuthCommand("a\r\nb").status().code() == StatusCode::kInvalidArgument);

  auto sub = esl::EventSubscribeCommand(esl::DefaultEventNames());
  REQUIRE(sub.ok());
  CHECK(*sub ==
        "event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_BRIDGE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE "
        "CHANNEL_DESTROY HEARTBEAT BACKGROUND_JOB\n\n");
  CHECK(esl::EventSubscribeCommand({"ALL"}).ok());
  CHECK(*esl::EventSubscribeCommand({"HEARTBEAT", "BACKGROUND_JOB", "CUSTOM", "sofia::register"}) ==
        "event plain HEARTBEAT BACKGROUND_JOB CUSTOM sofia::register\n\n");

  auto no_heartbeat = esl::EventSubscribeCommand({"CHANNEL_CREATE", "BACKGROUND_JOB"});
  CHECK(no_heartbeat.status().code() == StatusCode::kInvalidArgument);
  CHECK_THAT(no_heartbeat.status().message(), Catch::Contains("HEARTBEAT"));
  auto no_job = esl::EventSubscribeCommand({"CHANNEL_CREATE", "HEARTBEAT"});
  CHECK_THAT(no_job.status().message(), Catch::Contains("BACKGROUND_JOB"));
  CHECK(esl::EventSubscribeCommand({}).status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::EventSubscribeCommand({"HEARTBEAT BACKGROUND_JOB"}).status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::EventSubscribeCommand({"HEARTBEAT", "BACKGROUND_JOB\n\nfilter"}).status().code() ==
        StatusCode::kInvalidArgument);
}

TEST_CASE("bgapi carries the client's Job-UUID header", "[esl][commands]") {
  const std::string id = "7f4db78a-17d7-11dd-b7a0-db4edd065621";
  CHECK(*esl::BgapiCommand("status", id) == "bgapi status\nJob-UUID: " + id + "\n\n");
  CHECK(esl::BgapiCommand("", id).status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::BgapiCommand(" status", id).status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::BgapiCommand("status\n\napi x", id).status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::BgapiCommand("status\r", id).status().code() == StatusCode::kInvalidArgument);
  // FreeSWITCH keeps at most 36 characters of the id.
  CHECK(esl::BgapiCommand("status", id + "0").status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::BgapiCommand("status", "").status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::BgapiCommand("status", "a b").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("uuid_kill and sched_hangup text", "[esl][commands]") {
  const std::string uuid = "78b86350-95f3-11e4-9c8a-2f2d2ff4b8b5";
  CHECK(*esl::UuidKillCommand(uuid, "CALL_REJECTED") == "uuid_kill " + uuid + " CALL_REJECTED");
  CHECK(*esl::SchedHangupCommand(42, uuid, "ALLOTTED_TIMEOUT") == "sched_hangup +42 " + uuid + " ALLOTTED_TIMEOUT");
  CHECK(*esl::SchedHangupCommand(1, uuid, "ALLOTTED_TIMEOUT") == "sched_hangup +1 " + uuid + " ALLOTTED_TIMEOUT");

  // A bare or non-positive time would hang up at once (ESL-NOTES section 4).
  for (int64_t bad : {int64_t{0}, int64_t{-5}, int64_t{2147483648}}) {
    INFO(bad);
    auto r = esl::SchedHangupCommand(bad, uuid, "ALLOTTED_TIMEOUT");
    CHECK(r.status().code() == StatusCode::kInvalidArgument);
    CHECK_THAT(r.status().message(), Catch::Contains("sched_hangup"));
  }
  CHECK(esl::SchedHangupCommand(2147483647, uuid, "ALLOTTED_TIMEOUT").ok());

  // Nothing can smuggle extra arguments or lines into the command.
  CHECK(esl::UuidKillCommand("", "CALL_REJECTED").status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::UuidKillCommand("a b", "CALL_REJECTED").status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::UuidKillCommand("a\nb", "CALL_REJECTED").status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::UuidKillCommand(uuid, "").status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::UuidKillCommand(uuid, "CALL REJECTED").status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::SchedHangupCommand(5, uuid, "X\n").status().code() == StatusCode::kInvalidArgument);
  CHECK(esl::SchedHangupCommand(5, "a b", "ALLOTTED_TIMEOUT").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("JobResult maps -ERR and -USAGE bodies to failures", "[esl][commands]") {
  auto ok = esl::JobResult("uuid_kill x", "+OK\n");
  REQUIRE(ok.ok());
  CHECK(*ok == "+OK\n");
  CHECK(*esl::JobResult("show channels as json", "{\"row_count\": 0}\n") == "{\"row_count\": 0}\n");
  CHECK(esl::JobResult("x", "").ok());

  auto err = esl::JobResult("uuid_kill x CALL_REJECTED", "-ERR No such channel!\n");
  CHECK(err.status().code() == StatusCode::kNotFound);  // the channel is gone
  CHECK(err.status().message() == "bgapi \"uuid_kill x CALL_REJECTED\": FreeSWITCH answered \"-ERR No such channel!\"");
  CHECK(esl::JobResult("x", "-ERR no reply\n").status().code() == StatusCode::kFailedPrecondition);
  CHECK(esl::JobResult("uuid_kill", "-USAGE: <uuid> [cause]\n").status().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("show channels as json: rows, the zero-row form and malformed bodies", "[esl][commands]") {
  SECTION("rows") {
    // Shape of mod_commands' show_as_json: every column a string.
    const std::string body =
        R"({"row_count":2,"rows":[)"
        R"({"uuid":"78b86350-95f3-11e4-9c8a-2f2d2ff4b8b5","direction":"inbound","created":"2015-01-06 15:12:33",)"
        R"("created_epoch":"1420557153","name":"sofia/internal/1001@172.16.50.134","state":"CS_EXECUTE",)"
        R"("cid_name":"Extension 1001","cid_num":"1001","ip_addr":"172.16.50.134","dest":"3",)"
        R"("application":"bridge","application_data":"user/1003","dialplan":"XML","context":"default",)"
        R"("read_codec":"PCMU","read_rate":"8000","read_bit_rate":"64000","write_codec":"PCMU",)"
        R"("write_rate":"8000","write_bit_rate":"64000","secure":"","hostname":"pbx",)"
        R"("presence_id":"1001@172.16.50.134","presence_data":"","accountcode":"1001","callstate":"ACTIVE",)"
        R"("callee_name":"Outbound Call","callee_num":"1003","callee_direction":"","call_uuid":"",)"
        R"("sent_callee_name":"","sent_callee_num":"","initial_cid_name":"Extension 1001",)"
        R"("initial_cid_num":"1001","initial_ip_addr":"172.16.50.134","initial_dest":"3",)"
        R"("initial_dialplan":"XML","initial_context":"default"},)"
        R"({"uuid":"9bc34cb7-95f3-11e4-9c9a-2f2d2ff4b8b5","direction":"outbound","created_epoch":"1420557156",)"
        R"("cid_num":"1001","dest":"1003","callstate":"ACTIVE",)"
        R"("call_uuid":"78b86350-95f3-11e4-9c8a-2f2d2ff4b8b5","accountcode":""}]})"
        "\n";
    auto rows = esl::ParseShowChannelsJson(body);
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 2);
    const auto& a = (*rows)[0];
    CHECK(a.uuid == "78b86350-95f3-11e4-9c8a-2f2d2ff4b8b5");
    CHECK(a.direction == "inbound");
    CHECK(a.created_epoch == 1420557153);
    CHECK(a.name == "sofia/internal/1001@172.16.50.134");
    CHECK(a.state == "CS_EXECUTE");
    CHECK(a.cid_name == "Extension 1001");
    CHECK(a.cid_num == "1001");
    CHECK(a.dest == "3");
    CHECK(a.context == "default");
    CHECK(a.accountcode == "1001");
    CHECK(a.callstate == "ACTIVE");
    CHECK(a.call_uuid.empty());
    CHECK(a.presence_id == "1001@172.16.50.134");
    CHECK(a.hostname == "pbx");
    const auto& b = (*rows)[1];
    CHECK(b.direction == "outbound");
    CHECK(b.call_uuid == a.uuid);
    CHECK(b.name.empty());  // absent columns stay empty
  }
  SECTION("zero rows: FreeSWITCH leaves out the rows key") {
    auto rows = esl::ParseShowChannelsJson("{\"row_count\": 0}\n");
    REQUIRE(rows.ok());
    CHECK(rows->empty());
    CHECK(esl::ParseShowChannelsJson(R"({"row_count":0,"rows":[]})").ok());
  }
  SECTION("numbers instead of strings are tolerated") {
    auto rows = esl::ParseShowChannelsJson(R"({"row_count":1,"rows":[{"uuid":"u","created_epoch":1420557153}]})");
    REQUIRE(rows.ok());
    CHECK((*rows)[0].created_epoch == 1420557153);
  }
  SECTION("malformed bodies fail with a reason") {
    const std::pair<const char*, const char*> cases[] = {
        {"", "not valid JSON"},
        {"{\"row_count\": 1, \"rows\": [", "not valid JSON"},
        {"-ERR no reply\n", "not valid JSON"},
        {"[]", "not a JSON object"},
        {"{\"rows\": []}", "row_count"},
        {"{\"row_count\": -1}", "row_count"},
        {"{\"row_count\": \"1\"}", "row_count"},
        {"{\"row_count\": 1, \"rows\": {}}", "not an array"},
        {"{\"row_count\": 1, \"rows\": [\"x\"]}", "row 1 is not an object"},
        {"{\"row_count\": 1, \"rows\": [{\"direction\": \"inbound\"}]}", "no \"uuid\""},
        {"{\"row_count\": 1, \"rows\": [{\"uuid\": \"u\", \"created_epoch\": \"12a\"}]}", "created_epoch"},
        {"{\"row_count\": 2, \"rows\": [{\"uuid\": \"u\"}]}", "row_count is 2 but 1 rows"},
        {"{\"row_count\": 1}", "row_count is 1 but 0 rows"},
    };
    for (const auto& [body, why] : cases) {
      INFO("body: " << body);
      auto r = esl::ParseShowChannelsJson(body);
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().code() == StatusCode::kInvalidArgument);
      CHECK_THAT(r.status().message(), Catch::StartsWith("show channels as json: ") && Catch::Contains(why));
    }
  }
}
