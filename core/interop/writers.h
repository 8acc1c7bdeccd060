#pragma once
// The writers behind the registry (formats.cpp), one source file each. Each writes one whole
// file from plain values; none reads anything else. docs/interop.md describes every format.
#include <ostream>

#include "core/common/status.h"
#include "core/interop/interop_run.h"

namespace qlab::interop {

Status writeShiviz(const InteropRun& run, std::ostream& out);
Status writeJepsenEdn(const InteropRun& run, std::ostream& out);
Status writeJepsenJson(const InteropRun& run, std::ostream& out);
Status writePorcupine(const InteropRun& run, std::ostream& out);
Status writePerfetto(const InteropRun& run, std::ostream& out);

}  // namespace qlab::interop
