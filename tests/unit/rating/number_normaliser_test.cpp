#include "rating/number_normaliser.h"

#include <catch2/catch.hpp>

using namespace tarifador;
using rating::DialPlanRules;
using rating::NumberKind;
using rating::NumberNormaliser;

namespace {

struct Case {
  const char* dialled;
  const char* digits;
  NumberKind kind;
};

void CheckAll(const DialPlanRules& rules, std::initializer_list<Case> cases) {
  auto n = NumberNormaliser::Create(rules);
  REQUIRE(n.ok());
  for (const Case& c : cases) {
    INFO("dialled \"" << c.dialled << "\"");
    auto r = n->Normalise(c.dialled);
    REQUIRE(r.ok());
    CHECK(r->digits == c.digits);
    CHECK(rating::NumberKindName(r->kind) == std::string(rating::NumberKindName(c.kind)));
  }
}

}  // namespace

TEST_CASE("A UK office dialling 9 for an outside line", "[rating][normaliser]") {
  // Designated initialisers rather than assignments: GCC 12 -O2 reports a
  // bogus -Wrestrict on std::string assignment from a literal.
  const DialPlanRules uk{.outside_line_code = "9",
                         .international_prefix = "00",
                         .national_prefix = "0",
                         .country_code = "44",
                         .national_number_digits = 0,
                         .max_extension_digits = 3};
  CheckAll(uk, {
                   {"9 0800 123 456", "44800123456", NumberKind::kNational},
                   {"0800 123 456", "44800123456", NumberKind::kNational},  // trunk line, no 9
                   {"+44 20 7946 0958", "442079460958", NumberKind::kInternational},
                   {"0044 20 7946 0958", "442079460958", NumberKind::kInternational},
                   {"9 0044 20 7946 0958", "442079460958", NumberKind::kInternational},
                   {"9-00-1-212-555-0100", "12125550100", NumberKind::kInternational},
                   {"020 7946 0958", "442079460958", NumberKind::kNational},
                   {"07700 900123", "447700900123", NumberKind::kNational},
                   {"9 999", "999", NumberKind::kAsDialled},  // emergency, after the access code
                   {"201", "201", NumberKind::kExtension},
                   {"*97", "97", NumberKind::kExtension},
               });
}

TEST_CASE("A US office with 9 for an outside line and 011 for international", "[rating][normaliser]") {
  const DialPlanRules us{.outside_line_code = "9",
                         .international_prefix = "011",
                         .national_prefix = "1",
                         .country_code = "1",
                         .national_number_digits = 10,
                         .max_extension_digits = 4};
  CheckAll(us, {
                   {"(212) 555-0100", "12125550100", NumberKind::kNational},
                   {"9 (212) 555-0100", "12125550100", NumberKind::kNational},
                   {"1-212-555-0100", "12125550100", NumberKind::kNational},
                   {"9 1 800 555 0199", "18005550199", NumberKind::kNational},
                   {"011 44 20 7946 0958", "442079460958", NumberKind::kInternational},
                   {"9011442079460958", "442079460958", NumberKind::kInternational},
                   {"+1 (212) 555-0100", "12125550100", NumberKind::kInternational},
                   {"212.555.0100", "12125550100", NumberKind::kNational},
                   // A full national number that happens to start with the access code.
                   {"(917) 555-0100", "19175550100", NumberKind::kNational},
                   {"9 (917) 555-0100", "19175550100", NumberKind::kNational},
                   {"555-0100", "5550100", NumberKind::kAsDialled},  // 7-digit local
                   {"4100", "4100", NumberKind::kExtension},
               });
}

TEST_CASE("A German office using 0 for an outside line and 0 as trunk prefix", "[rating][normaliser]") {
  const DialPlanRules de{.outside_line_code = "0",
                         .international_prefix = "00",
                         .national_prefix = "0",
                         .country_code = "49",
                         .national_number_digits = 0,
                         .max_extension_digits = 3};
  CheckAll(de, {
                   {"0 030 1234567", "49301234567", NumberKind::kNational},
                   {"0 0044 20 7946 0958", "442079460958", NumberKind::kInternational},
                   {"0 0151 12345678", "4915112345678", NumberKind::kNational},
                   {"+49 30 1234567", "49301234567", NumberKind::kInternational},
                   {"123", "123", NumberKind::kExtension},
               });
}

TEST_CASE("Default rules only understand + and 00", "[rating][normaliser]") {
  CheckAll(DialPlanRules{}, {
                                {"+44 20 7946 0958", "442079460958", NumberKind::kInternational},
                                {"0044 20 7946 0958", "442079460958", NumberKind::kInternational},
                                {"442079460958", "442079460958", NumberKind::kAsDialled},
                                {"020 7946 0958", "02079460958", NumberKind::kAsDialled},
                                {"sip:+44 20 7946 0958", "442079460958", NumberKind::kInternational},
                            });
}

TEST_CASE("Normalising fails clearly on numbers without digits or too long", "[rating][normaliser]") {
  NumberNormaliser n;
  auto empty = n.Normalise("abc");
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().message() == "number \"abc\" has no digits");
  CHECK_FALSE(n.Normalise("").ok());
  CHECK_FALSE(n.Normalise("+").ok());
  CHECK_FALSE(n.Normalise("00").ok());  // only the international prefix
  CHECK_FALSE(n.Normalise(std::string(40, '5')).ok());
}

TEST_CASE("Dial-plan rules are validated", "[rating][normaliser]") {
  const DialPlanRules bad{.outside_line_code = "",
                          .international_prefix = "00",
                          .national_prefix = "",
                          .country_code = "+44",
                          .national_number_digits = 0,
                          .max_extension_digits = 0};
  auto n = NumberNormaliser::Create(bad);
  REQUIRE_FALSE(n.ok());
  CHECK(n.status().message() == "dial plan: country_code \"+44\" is not digits");
  DialPlanRules bad2;
  bad2.max_extension_digits = -1;
  CHECK_FALSE(NumberNormaliser::Create(bad2).ok());
}
