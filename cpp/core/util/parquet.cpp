#include "core/util/parquet.hpp"

#include <cstring>

#include "core/util/error.hpp"

namespace ds {
namespace {

// Thrift's compact protocol, the parts Parquet's metadata uses.
class Compact {
 public:
  enum Type : std::uint8_t { kTrue = 1, kFalse = 2, kI32 = 5, kI64 = 6, kBinary = 8, kList = 9, kStruct = 12 };

  void field(std::int16_t id, Type type) {
    const int delta = id - last_.back();
    if (delta > 0 && delta <= 15) {
      out_ += static_cast<char>((delta << 4) | type);
    } else {
      out_ += static_cast<char>(type);
      varint(zigzag(id));
    }
    last_.back() = id;
  }
  void i32(std::int16_t id, std::int32_t v) {
    field(id, kI32);
    varint(zigzag(v));
  }
  void i64(std::int16_t id, std::int64_t v) {
    field(id, kI64);
    varint(zigzag(v));
  }
  void string(std::int16_t id, const std::string& s) {
    field(id, kBinary);
    bytes(s);
  }
  void begin_struct(std::int16_t id) {
    field(id, kStruct);
    last_.push_back(0);
  }
  void begin_list_item() { last_.push_back(0); }  // a struct inside a list
  void end_struct() {
    out_ += '\0';
    last_.pop_back();
  }
  void list(std::int16_t id, Type element, std::size_t size) {
    field(id, kList);
    if (size < 15) {
      out_ += static_cast<char>((size << 4) | element);
    } else {
      out_ += static_cast<char>(0xF0 | element);
      varint(size);
    }
  }
  void list_i32(std::int32_t v) { varint(zigzag(v)); }
  void bytes(const std::string& s) {
    varint(s.size());
    out_ += s;
  }
  std::string take() {
    out_ += '\0';  // the top-level struct's stop
    return std::move(out_);
  }

 private:
  static std::uint64_t zigzag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
  }
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_ += static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    out_ += static_cast<char>(v);
  }
  std::string out_;
  std::vector<std::int16_t> last_{0};
};

enum PhysicalType : std::int32_t { kInt64 = 2, kDouble = 5, kByteArray = 6 };
constexpr std::int32_t kPlain = 0, kRle = 3, kOptional = 1, kUtf8 = 0, kDataPage = 0, kUncompressed = 0;

void little_endian(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

// Definition levels (1: a value, 0: null) as one bit-packed run of the RLE/bit-packed hybrid,
// behind the 4-byte length a v1 data page puts first.
void definition_levels(std::string& out, const std::vector<bool>& present) {
  std::string run;
  const std::size_t groups = (present.size() + 7) / 8;
  std::uint64_t header = (groups << 1) | 1;
  while (header >= 0x80) {
    run += static_cast<char>((header & 0x7F) | 0x80);
    header >>= 7;
  }
  run += static_cast<char>(header);
  for (std::size_t g = 0; g < groups; ++g) {
    unsigned char byte = 0;
    for (std::size_t b = 0; b < 8 && g * 8 + b < present.size(); ++b)
      if (present[g * 8 + b]) byte |= static_cast<unsigned char>(1u << b);
    run += static_cast<char>(byte);
  }
  little_endian(out, run.size(), 4);
  out += run;
}

struct Encoded {
  PhysicalType type;
  bool utf8 = false;
  std::string page;  // levels then values
};

Encoded encode(const ParquetColumn& c) {
  Encoded e{kInt64, false, {}};
  std::vector<bool> present;
  std::string values;
  if (const auto* v = std::get_if<std::vector<std::optional<std::int64_t>>>(&c.values)) {
    for (const auto& x : *v) {
      present.push_back(x.has_value());
      if (x) little_endian(values, static_cast<std::uint64_t>(*x), 8);
    }
  } else if (const auto* v = std::get_if<std::vector<std::optional<double>>>(&c.values)) {
    e.type = kDouble;
    for (const auto& x : *v) {
      present.push_back(x.has_value());
      if (x) {
        std::uint64_t bits = 0;
        std::memcpy(&bits, &*x, 8);
        little_endian(values, bits, 8);
      }
    }
  } else {
    e.type = kByteArray;
    e.utf8 = true;
    for (const auto& x : std::get<std::vector<std::optional<std::string>>>(c.values)) {
      present.push_back(x.has_value());
      if (x) {
        little_endian(values, x->size(), 4);
        values += *x;
      }
    }
  }
  definition_levels(e.page, present);
  e.page += values;
  return e;
}

}  // namespace

std::size_t ParquetColumn::size() const {
  return std::visit([](const auto& v) { return v.size(); }, values);
}

std::string parquet_file(const std::vector<ParquetColumn>& columns) {
  const std::size_t rows = columns.empty() ? 0 : columns.front().size();
  for (const ParquetColumn& c : columns)
    if (c.size() != rows) throw Error("parquet: column '" + c.name + "' has " + std::to_string(c.size()) +
                                      " values, the first has " + std::to_string(rows));
  std::string file = "PAR1";
  struct Chunk {
    Encoded e;
    std::int64_t offset = 0, size = 0;
  };
  std::vector<Chunk> chunks;
  for (const ParquetColumn& c : columns) {
    Chunk chunk{encode(c), static_cast<std::int64_t>(file.size()), 0};
    if (chunk.e.page.size() > 0x7FFFFFFF) throw Error("parquet: column '" + c.name + "' is over 2 GB");
    Compact header;
    header.i32(1, kDataPage);
    header.i32(2, static_cast<std::int32_t>(chunk.e.page.size()));
    header.i32(3, static_cast<std::int32_t>(chunk.e.page.size()));
    header.begin_struct(5);
    header.i32(1, static_cast<std::int32_t>(rows));
    header.i32(2, kPlain);
    header.i32(3, kRle);
    header.i32(4, kRle);
    header.end_struct();
    const std::string h = header.take();
    file += h;
    file += chunk.e.page;
    chunk.size = static_cast<std::int64_t>(h.size() + chunk.e.page.size());
    chunks.push_back(std::move(chunk));
  }

  Compact meta;
  meta.i32(1, 1);
  meta.list(2, Compact::kStruct, columns.size() + 1);
  meta.begin_list_item();
  meta.string(4, "schema");
  meta.i32(5, static_cast<std::int32_t>(columns.size()));
  meta.end_struct();
  for (std::size_t i = 0; i < columns.size(); ++i) {
    meta.begin_list_item();
    meta.i32(1, chunks[i].e.type);
    meta.i32(3, kOptional);
    meta.string(4, columns[i].name);
    if (chunks[i].e.utf8) meta.i32(6, kUtf8);
    meta.end_struct();
  }
  meta.i64(3, static_cast<std::int64_t>(rows));
  std::int64_t total = 0;
  for (const Chunk& c : chunks) total += c.size;
  meta.list(4, Compact::kStruct, 1);
  meta.begin_list_item();
  meta.list(1, Compact::kStruct, columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i) {
    meta.begin_list_item();
    meta.i64(2, chunks[i].offset);
    meta.begin_struct(3);
    meta.i32(1, chunks[i].e.type);
    meta.list(2, Compact::kI32, 2);
    meta.list_i32(kPlain);
    meta.list_i32(kRle);
    meta.list(3, Compact::kBinary, 1);
    meta.bytes(columns[i].name);
    meta.i32(4, kUncompressed);
    meta.i64(5, static_cast<std::int64_t>(rows));
    meta.i64(6, chunks[i].size);
    meta.i64(7, chunks[i].size);
    meta.i64(9, chunks[i].offset);
    meta.end_struct();
    meta.end_struct();
  }
  meta.i64(2, total);
  meta.i64(3, static_cast<std::int64_t>(rows));
  meta.end_struct();
  meta.string(6, "detection-studio");
  const std::string footer = meta.take();
  file += footer;
  little_endian(file, footer.size(), 4);
  file += "PAR1";
  return file;
}

}  // namespace ds
