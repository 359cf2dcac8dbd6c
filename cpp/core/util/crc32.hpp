#pragma once
// CRC-32 (IEEE 802.3, zlib's), for lines of journals: a torn or corrupt line is found and dropped.
#include <cstdint>
#include <string_view>

namespace ds {

std::uint32_t crc32(std::string_view data);

}  // namespace ds
