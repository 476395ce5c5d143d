#pragma once
namespace sidetag::cli {
// Entry point of the sidetag binary; returns the process exit code.
int main(int argc, char** argv);
}
