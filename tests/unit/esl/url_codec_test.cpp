#include "esl/url_codec.h"

#include <catch2/catch.hpp>

using namespace tarifador::esl;

TEST_CASE("URL encoding matches FreeSWITCH's escape set", "[esl]") {
  CHECK(UrlEncode("Tue, 06 Jan 2015 15:12:37 GMT") == "Tue,%2006%20Jan%202015%2015%3A12%3A37%20GMT");
  CHECK(UrlEncode("sofia/internal/1001@172.16.50.134") == "sofia/internal/1001%40172.16.50.134");
  CHECK(UrlEncode("+OK\n") == "%2BOK%0A");
  CHECK(UrlEncode("a,b/c'd(e)f*g!h$i-j_k.l") == "a,b/c'd(e)f*g!h$i-j_k.l");
  CHECK(UrlEncode("\xc3\xa9") == "%C3%A9");
}

TEST_CASE("URL decoding reverses it and keeps stray percent signs", "[esl]") {
  for (const char* s : {"Tue, 06 Jan 2015 15:12:37 GMT", "+OK\n", "a%b", "100%", "\xc3\xa9 x"}) {
    CHECK(UrlDecode(UrlEncode(s)) == s);
  }
  CHECK(UrlDecode("100%") == "100%");
  CHECK(UrlDecode("%zz%4") == "%zz%4");
  CHECK(UrlDecode("a+b") == "a+b");
  CHECK(UrlDecode("%2b%2B") == "++");
}
