#include "sidetag/cli/cli.hpp"

int main(int argc, char** argv) { return sidetag::cli::main(argc, argv); }
