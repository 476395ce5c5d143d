#pragma once
// enrich: optional identity resolution (the self-hosted identity graph arrives with the identity issue). Until it
// is enabled the stage reports `skipped`, so traces show it ran and chose to do nothing.
#include <memory>

#include "sidetag/pipeline/stage.hpp"

namespace sidetag::identity {
std::unique_ptr<pipeline::Stage> make_enrich_stage();
}
