#include "sidetag/util/thread_name.hpp"

#include <pthread.h>

#include <cstring>
#include <string>

namespace sidetag::util {

void name_this_thread(const char* name) {
  // pthread_setname_np fails with ERANGE above 15 characters: cut instead of losing the name.
  std::string n(name, strnlen(name, 15));
  pthread_setname_np(pthread_self(), n.c_str());
}

}  // namespace sidetag::util
