// Command line: serve, validate, normalize, version.
#include "sidetag/cli/cli.hpp"
#include "sidetag/cli/send.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "sidetag/app/app.hpp"
#include "sidetag/config/config.hpp"
#include "sidetag/delivery/dlq_cli.hpp"
#include "sidetag/observe/log.hpp"
#include "sidetag/prep/normalize_cli.hpp"
#include "sidetag/util/build_info.hpp"

namespace sidetag::cli {

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitConfig = 78;  // EX_CONFIG (sysexits.h)

const char* kUsage =
    "usage: sidetag <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve     --config FILE [--env ENV]   run the server (what the container runs)\n"
    "  validate  --config FILE [--env ENV]   check a configuration without starting (exit 0 valid, 78 invalid);\n"
    "                                        without --env every environment in the file is checked\n"
    "  send      --config FILE [--env ENV] --source NAME FILE   send a CSV/NDJSON file through a mapped source\n"
    "  normalize [--] FIELD VALUE [--country CC]  show how sidetag normalizes and hashes one user_data value\n"
    "  config reference                      print the configuration reference (Markdown, from the schema tables)\n"
    "  dlq list|replay|purge [options]       the dead-letter store (sidetag dlq for details)\n"
    "  version                               print the version\n"
    "\n"
    "The environment defaults to $SIDETAG_ENV, else dev.\n";

struct CommonArgs {
  std::string config;
  std::string env;
  bool ok = true;
  std::string error;
};

CommonArgs parse_common(const std::vector<std::string>& args) {
  CommonArgs a;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& s = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) {
        a.ok = false;
        a.error = s + " needs a value";
        return;
      }
      out = args[++i];
    };
    if (s == "--config" || s == "-c") {
      value(a.config);
    } else if (s.rfind("--config=", 0) == 0) {
      a.config = s.substr(9);
    } else if (s == "--env" || s == "-e") {
      value(a.env);
    } else if (s.rfind("--env=", 0) == 0) {
      a.env = s.substr(6);
    } else {
      a.ok = false;
      a.error = "unknown option '" + s + "'";
    }
  }
  if (a.ok && a.config.empty()) {
    if (const char* c = std::getenv("SIDETAG_CONFIG")) a.config = c;
  }
  if (a.ok && a.config.empty()) {
    a.ok = false;
    a.error = "--config FILE is required";
  }
  return a;
}

void print_errors(const std::string& file, const std::string& env, const std::vector<std::string>& errors) {
  std::cerr << "sidetag: " << file << " (env " << env << "): " << errors.size() << " error"
            << (errors.size() == 1 ? "" : "s") << "\n";
  for (const auto& e : errors) std::cerr << "  " << e << "\n";
}

std::string effective_env(const std::string& env) {
  if (!env.empty()) return env;
  if (const char* e = std::getenv("SIDETAG_ENV"); e && *e) return e;
  return "dev";
}

int cmd_validate(const std::vector<std::string>& args) {
  auto a = parse_common(args);
  if (!a.ok) {
    std::cerr << "sidetag validate: " << a.error << "\n" << kUsage;
    return kExitUsage;
  }
  std::ifstream in(a.config, std::ios::binary);
  if (!in) {
    std::cerr << "sidetag: cannot read " << a.config << "\n";
    return kExitConfig;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::vector<std::string> envs;
  if (!a.env.empty() || std::getenv("SIDETAG_ENV")) {
    envs.push_back(effective_env(a.env));
  } else {
    envs = config::environment_names(ss.str());
    if (envs.empty()) envs.push_back("dev");
  }
  int rc = 0;
  for (const auto& env : envs) {
    auto r = config::load_string(ss.str(), env, &config::process_env, a.config);
    for (const auto& w : r.warnings) std::cerr << "sidetag: " << a.config << " (env " << env << "): warning: " << w << "\n";
    if (!r.config) {
      print_errors(a.config, env, r.errors);
      rc = kExitConfig;
    } else {
      std::cout << "sidetag: " << a.config << " (env " << env << "): valid (" << r.config->sites.size() << " site"
                << (r.config->sites.size() == 1 ? "" : "s") << ", " << r.config->sources.size() << " source"
                << (r.config->sources.size() == 1 ? "" : "s") << ", dispatch "
                << (r.config->meta.dispatch == config::DispatchMode::live ? "live" : "sandbox") << ")\n";
    }
  }
  return rc;
}

int cmd_serve(const std::vector<std::string>& args) {
  auto a = parse_common(args);
  if (!a.ok) {
    std::cerr << "sidetag serve: " << a.error << "\n" << kUsage;
    return kExitUsage;
  }
  const std::string env = effective_env(a.env);
  auto r = config::load_file(a.config, env);
  if (!r.config) {
    print_errors(a.config, env, r.errors);
    return kExitConfig;
  }
  observe::init_logging(observe::parse_level(r.config->logging.level), r.config->env);
  observe::set_secrets(r.config->secrets());
  const int rc = app::serve(r.config, a.config, env);
  observe::shutdown_logging();
  return rc;
}

int cmd_config(const std::vector<std::string>& args) {
  if (args.size() == 1 && args[0] == "reference") {
    std::cout << config::reference_markdown();
    return 0;
  }
  std::cerr << "usage: sidetag config reference\n";
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? kExitUsage : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  if (cmd == "serve") return cmd_serve(args);
  if (cmd == "validate") return cmd_validate(args);
  if (cmd == "send") return send_command(args);
  if (cmd == "normalize") return prep::normalize_command(args, std::cout);
  if (cmd == "dlq") return delivery::dlq_command(args);
  if (cmd == "config") return cmd_config(args);
  if (cmd == "version" || cmd == "--version") {
    std::cout << "sidetag 0.1.0\nallocator: " << util::allocator_name() << "\n";
    return 0;
  }
  std::cerr << "sidetag: unknown command '" << cmd << "'\n" << kUsage;
  return kExitUsage;
}

}  // namespace sidetag::cli
