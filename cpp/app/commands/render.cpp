// `render`: the viewer's pictures written to image files, headless (no display needed).
#include <iostream>

#include "app/cli/progress.hpp"
#include "app/commands/commands.hpp"
#include "app/commands/view_options.hpp"
#include "core/util/error.hpp"
#include "core/util/text.hpp"
#include "vision/draw.hpp"

namespace fs = std::filesystem;

namespace ds::cli {

int run_render(const ParsedArgs& args) {
  viewer::SessionOptions options = session_options(args);
  if (options.models.size() > 1) throw UsageError("render takes one --model (run it once per model)");
  const auto out_dir = args.get("--output");
  if (!out_dir) throw UsageError("--output DIR is required");
  options.output = fs::path(*out_dir);
  const std::string format = to_lower(args.get("--format").value_or("png"));
  if (format != "png" && format != "jpg" && format != "jpeg") throw UsageError("--format must be png or jpg");
  const bool errors_only = args.has("--errors-only");
  const viewer::ViewState state{.score_threshold = score_threshold(args)};

  viewer::Session session(options);
  std::size_t written = 0, tp = 0, fp = 0, fn = 0;
  Progress progress("rendering " + session.source_name(), session.size());
  for (std::size_t i = 0; i < session.size(); ++i) {
    const viewer::Frame frame = session.frame(i, state, "render: ");
    if (!session.problem().empty()) throw Error(session.problem());  // the model failed: stop
    if (!frame.problem.empty()) std::cerr << "warning: " << frame.problem << "\n";
    if (args.verbose()) std::cerr << frame.log << "\n";
    progress.update(i + 1);
    tp += frame.match.true_positives;
    fp += frame.match.false_positives;
    fn += frame.match.missed;
    if (errors_only && !frame.match.has_errors()) continue;
    // The image's own relative path (sub-folders kept), with the output format's extension.
    fs::path name = session.image(i).file_name;
    name.replace_extension(format == "png" ? ".png" : ".jpg");
    vision::write_image(*options.output / name.relative_path(), frame.canvas);
    ++written;
  }
  progress.finish();
  std::cout << "wrote " << written << " images to " << options.output->string() << " (" << session.source_name()
            << ", score >= " << state.score_threshold << ": TP " << tp << ", FP " << fp << ", missed " << fn
            << ")\n";
  return 0;
}

}  // namespace ds::cli
