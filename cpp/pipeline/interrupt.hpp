#pragma once
// Ctrl-C and SIGTERM stop a run at the next batch instead of killing it, so every sink can
// close its outputs (and the journal stays whole).
namespace ds::pipeline {

// Installs the handlers (once per process; idempotent).
void install_interrupt_handlers();
// The signal that asked us to stop (SIGINT, SIGTERM), or 0.
int interrupt_signal();

}  // namespace ds::pipeline
