#pragma once
#include <string>
#include <vector>

namespace sidetag::cli {
// `sidetag send --config F [--env E] --source NAME [--rejects P] FILE`; returns the exit code.
int send_command(const std::vector<std::string>& args);
}
