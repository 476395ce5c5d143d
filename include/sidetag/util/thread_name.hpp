#pragma once
// Names the calling thread (Linux: at most 15 characters), so `top -H`, `ps -L`, perf and /proc/<pid>/task show
// which of sidetag's threads (I/O, dispatcher, spool writer, log flusher, passthrough) uses the CPU.
namespace sidetag::util {

void name_this_thread(const char* name);

}  // namespace sidetag::util
