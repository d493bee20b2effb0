#include "billing/billsec.h"

#include <catch2/catch.hpp>

#include "billing/call_event.h"

using namespace tarifador::billing;

TEST_CASE("Billsec is the connected time in FreeSWITCH's whole seconds", "[billing][billsec]") {
  struct Row {
    const char* name;
    LegEpochs epochs;
    bool needs_far_end;
    int64_t billsec;
  };
  const Row rows[] = {
      // answer == bridge: the usual outbound call; equals variable_billsec.
      {"answer equals bridge", {1000, 1000, 1095}, true, 95},
      // IVR: the dialplan answered at 1000, the far end answered at 1030.
      {"IVR time before the bridge is left out", {1000, 1030, 1095}, true, 65},
      // IVR answered, the far end never did: free although A's billsec is 95.
      {"IVR answered but the far end never answered", {1000, 0, 1095}, true, 0},
      {"never answered", {0, 0, 1095}, true, 0},
      {"never answered, no far end needed", {0, 0, 1095}, false, 0},
      // Bridged on early media before the answer: billed from the answer.
      {"bridge before answer", {1010, 1000, 1095}, true, 85},
      {"hung up in the second it connected", {1000, 1000, 1000}, true, 0},
      {"clock skew never gives a negative", {1000, 1000, 999}, true, 0},
      // An inbound call answered by our IVR and never bridged is connected time.
      {"inbound IVR without a far end", {1000, 0, 1030}, false, 30},
  };
  for (const Row& r : rows) {
    INFO(r.name);
    CHECK(ConnectedBillsec(r.epochs, r.needs_far_end) == r.billsec);
  }
}

TEST_CASE("The originating leg is the one without an originator", "[billing][billsec]") {
  using std::nullopt;
  CHECK(IsOriginatingLeg(nullopt, nullopt));
  // An A leg, once bridged, names its originatee; it stays the A leg.
  CHECK(IsOriginatingLeg(std::string_view("originatee"), nullopt));
  CHECK_FALSE(IsOriginatingLeg(std::string_view("originator"), nullopt));
  CHECK_FALSE(IsOriginatingLeg(nullopt, std::string_view("5c1b3f0e-a-leg-uuid")));
  CHECK(IsOriginatingLeg(nullopt, std::string_view("")));
}
