#include <cstdlib>

#ifdef SIDETAG_WITH_MIMALLOC
#include <mimalloc.h>
#endif

#include "sidetag/cli/cli.hpp"
#include "sidetag/util/build_info.hpp"

int main(int argc, char** argv) {
#ifdef SIDETAG_WITH_MIMALLOC
  // mimalloc replaces malloc/free by symbol interposition (the binary links libmimalloc before libc). Check that it
  // really serves plain malloc() instead of assuming it: events are allocation-heavy and glibc's malloc cost about a
  // fifth of the instructions per event (bench/README.md, "Profile").
  void* probe = std::malloc(64);
  const bool interposed = mi_is_in_heap_region(probe);
  std::free(probe);
  const int v = mi_version();
  sidetag::util::allocator_name() = interposed ? "mimalloc " + std::to_string(v / 100) + "." +
                                                     std::to_string(v / 10 % 10) + "." + std::to_string(v % 10)
                                               : "glibc malloc (mimalloc linked but not interposed)";
#endif
  return sidetag::cli::main(argc, argv);
}
