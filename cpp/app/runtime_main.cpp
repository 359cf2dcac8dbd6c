// detection-studio-runtime: the commands that need Python, OpenCV or a window. Users run it
// through detection-studio, which execs it with the same arguments.
#include "app/commands/commands.hpp"
#include "pipeline/interrupt.hpp"

int main(int argc, char** argv) {
  auto commands = ds::cli::command_table();
  for (ds::cli::Command& c : commands) {
    if (c.name == "evaluate") c.run = ds::cli::run_evaluate;
    if (c.name == "doctor") c.run = ds::cli::run_doctor;
    if (c.name == "view") c.run = ds::cli::run_view;
    if (c.name == "render") c.run = ds::cli::run_render;
    if (c.name == "detect") c.run = ds::cli::run_detect;
    if (c.name == "export") c.run = ds::cli::run_export;
    if (c.name == "report") c.run = ds::cli::run_report;
    if (c.name == "compare") c.run = ds::cli::run_compare;
    if (c.name == "score") c.run = ds::cli::run_score_report;
    if (c.name == "merge") c.run = ds::cli::run_merge_report;
  }
  // Ctrl-C / SIGTERM end a run at the next batch, with every output closed (exit 130 / 143).
  ds::pipeline::install_interrupt_handlers();
  return ds::cli::run_main(commands, argc, argv);
}
