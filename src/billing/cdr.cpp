#include "billing/cdr.h"

#include "base/strings.h"

namespace tarifador::billing {

const char* DirectionName(Direction d) {
  switch (d) {
    case Direction::kOutbound: return "outbound";
    case Direction::kInternal: return "internal";
    case Direction::kInbound: return "inbound";
  }
  return "outbound";
}

base::Result<Direction> ParseDirection(std::string_view text) {
  for (Direction d : {Direction::kOutbound, Direction::kInternal, Direction::kInbound}) {
    if (text == DirectionName(d)) return d;
  }
  return base::InvalidArgument("direction " + base::Quoted(text) + " is not one of outbound, internal, inbound");
}

const char* DispositionName(Disposition d) {
  switch (d) {
    case Disposition::kAnswered: return "answered";
    case Disposition::kNoAnswer: return "no_answer";
    case Disposition::kBusy: return "busy";
    case Disposition::kFailed: return "failed";
    case Disposition::kDenied: return "denied";
    case Disposition::kCutOffNoFunds: return "cut_off_no_funds";
  }
  return "failed";
}

base::Result<Disposition> ParseDisposition(std::string_view text) {
  for (Disposition d : {Disposition::kAnswered, Disposition::kNoAnswer, Disposition::kBusy, Disposition::kFailed,
                        Disposition::kDenied, Disposition::kCutOffNoFunds}) {
    if (text == DispositionName(d)) return d;
  }
  return base::InvalidArgument("disposition " + base::Quoted(text) +
                               " is not one of answered, no_answer, busy, failed, denied, cut_off_no_funds");
}

}  // namespace tarifador::billing
