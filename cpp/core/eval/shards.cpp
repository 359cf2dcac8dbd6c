#include "core/eval/shards.hpp"

#include <charconv>

#include "core/util/error.hpp"
#include "core/util/json_source.hpp"
#include "core/util/json_writer.hpp"

namespace ds {

ShardSpec parse_shard(const std::string& text) {
  const std::size_t slash = text.find('/');
  ShardSpec s;
  const auto number = [&](std::string_view part, std::size_t& out) {
    const auto res = std::from_chars(part.data(), part.data() + part.size(), out);
    return res.ec == std::errc() && res.ptr == part.data() + part.size() && !part.empty();
  };
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), s.index) ||
      !number(std::string_view(text).substr(slash + 1), s.count) || s.count == 0 || s.index >= s.count)
    throw Error("--shard: expected i/N with 0 <= i < N (e.g. 0/4), got '" + text + "'");
  return s;
}

std::pair<std::size_t, std::size_t> shard_range(ShardSpec s, std::size_t total, std::size_t batch) {
  batch = std::max<std::size_t>(1, batch);
  const std::size_t batches = (total + batch - 1) / batch;
  const auto bound = [&](std::size_t k) { return std::min(total, (batches * k / s.count) * batch); };
  return {bound(s.index), s.index + 1 == s.count ? total : bound(s.index + 1)};
}

std::string shard_records_file(std::string_view metric) { return "records." + std::string(metric) + ".bin"; }

std::string shard_json(const ShardInfo& info) {
  JsonWriter w(2);
  w.begin_object()
      .field("shard", static_cast<std::int64_t>(info.shard.index))
      .field("shards", static_cast<std::int64_t>(info.shard.count))
      .field("run", info.run)
      .field("first", static_cast<std::int64_t>(info.first))
      .field("end", static_cast<std::int64_t>(info.end))
      .field("total", static_cast<std::int64_t>(info.total))
      .key("skipped")
      .begin_array();
  for (const std::string& s : info.skipped) w.value(s);
  w.end_array().key("skipped_ids").begin_array();
  for (const std::int64_t id : info.skipped_ids) w.value(id);
  w.end_array().end_object();
  return w.take() + "\n";
}

ShardInfo read_shard(const std::filesystem::path& file) {
  JsonSource src(file);
  ShardInfo info;
  const auto size = [&](const char* key) {
    std::int64_t v = 0;
    if (src.document()[key].get_int64().get(v) != simdjson::SUCCESS || v < 0)
      src.fail(std::string("'") + key + "': expected a whole number");
    return static_cast<std::size_t>(v);
  };
  info.shard.index = size("shard");
  info.shard.count = size("shards");
  std::string_view run;
  if (src.document()["run"].get_string().get(run) != simdjson::SUCCESS) src.fail("'run': expected a string");
  info.run = std::string(run);
  info.first = size("first");
  info.end = size("end");
  info.total = size("total");
  simdjson::ondemand::array skipped;
  if (src.document()["skipped"].get_array().get(skipped) != simdjson::SUCCESS) src.fail("'skipped': expected a list");
  for (auto s : skipped) {
    std::string_view v;
    if (s.get_string().get(v) != simdjson::SUCCESS) src.fail("'skipped': expected strings");
    info.skipped.emplace_back(v);
  }
  simdjson::ondemand::array ids;
  if (src.document()["skipped_ids"].get_array().get(ids) != simdjson::SUCCESS) src.fail("'skipped_ids': expected a list");
  for (auto id : ids) {
    std::int64_t v = 0;
    if (id.get_int64().get(v) != simdjson::SUCCESS) src.fail("'skipped_ids': expected image ids");
    info.skipped_ids.push_back(v);
  }
  if (info.shard.index >= info.shard.count || info.first > info.end || info.end > info.total)
    throw Error(file.string() + ": inconsistent shard numbers");
  return info;
}

}  // namespace ds
