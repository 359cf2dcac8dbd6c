#pragma once
// The Open Images CSVs' columns, found by their header names (files differ in which columns
// they have and in what order).
#include <initializer_list>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/util/csv.hpp"

namespace ds::openimages {

struct Columns {
  std::unordered_map<std::string, std::size_t> index;
  std::optional<std::size_t> find(const std::string& name) const {
    const auto it = index.find(name);
    if (it == index.end()) return std::nullopt;
    return it->second;
  }
};

// Reads the header row; throws ds::Error naming file:line for a missing required column.
Columns header(CsvReader& csv, std::initializer_list<const char*> required);

}  // namespace ds::openimages
