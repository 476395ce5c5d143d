#pragma once
// `sidetag normalize FIELD VALUE [--country CC]`: prints one JSON line.
//   ok:    {"field":..,"input":..,"normalized":..,"sha256":..[,"already_hashed":true]}  -> returns 0
//   drop:  {"field":..,"input":..,"error":..}                                           -> returns 1
//   usage error (wrong arguments): a "usage: ..." line                                    -> returns 2
// args excludes the program name and the "normalize" sub-command word.
#include <ostream>
#include <string>
#include <vector>

namespace sidetag::prep {

int normalize_command(const std::vector<std::string>& args, std::ostream& out);

}  // namespace sidetag::prep
