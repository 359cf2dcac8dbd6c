#pragma once
// A small Apache Parquet writer, with no dependency: one row group, one uncompressed PLAIN data
// page (v1) per column, every column OPTIONAL (nulls as definition levels, RLE/bit-packed
// hybrid), the file metadata in Thrift's compact protocol. Enough for tables of records
// (--export-objects FILE.parquet) that pandas, pyarrow, polars and DuckDB read.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ds {

struct ParquetColumn {
  std::string name;
  // One of: 64-bit integers, doubles, UTF-8 strings; nullopt is null.
  std::variant<std::vector<std::optional<std::int64_t>>, std::vector<std::optional<double>>,
               std::vector<std::optional<std::string>>>
      values;
  std::size_t size() const;
};

// The file's bytes. Throws ds::Error when the columns' lengths differ.
std::string parquet_file(const std::vector<ParquetColumn>& columns);

}  // namespace ds
