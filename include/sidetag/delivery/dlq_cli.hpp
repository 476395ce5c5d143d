#pragma once
// `sidetag dlq list|replay|purge`: the dead-letter store from the command line.
//   list   [--since T] [--json] [--file F | --config F [--env E]]
//   replay [--since T] [--config F] [--env E] [--timeout S]   re-submits through the dispatcher to the Graph API;
//                                                             a record leaves the store only once delivered
//   purge  [--before T] [--file F | --config F [--env E]]      without --before: every record
// T: RFC 3339 ("2026-11-26T10:00:00Z"), a date, Unix seconds, or a duration back from now ("30m", "6h", "7d").
// The file: --file, else meta.dead_letter_file of --config (or $SIDETAG_CONFIG), else var/dead-letters.ndjson.
#include <string>
#include <vector>

namespace sidetag::delivery {

int dlq_command(const std::vector<std::string>& args);

}  // namespace sidetag::delivery
