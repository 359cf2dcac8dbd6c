// Issue 12: bad bytes and bad files at the lowest level (the CLI tests are tests/test_reliability.py).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/util/error.hpp"
#include "core/util/files.hpp"
#include "core/util/json_source.hpp"
#include "core/util/text.hpp"

namespace fs = std::filesystem;
using namespace ds;

namespace {

fs::path temp_dir(const char* name) {
  const fs::path dir = fs::temp_directory_path() / (std::string("ds-rel-") + name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string message_of(auto&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Utf8, FindsTheFirstBadByte) {
  EXPECT_EQ(find_invalid_utf8("plain ascii"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("caf\xE9.png"), 3u);             // Latin-1
  EXPECT_EQ(find_invalid_utf8("ab\xC0\xAF"), 2u);              // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);            // a surrogate
  EXPECT_EQ(find_invalid_utf8("x\xF4\x90\x80\x80"), 1u);       // past U+10FFFF
  EXPECT_EQ(find_invalid_utf8("truncated \xE2\x82"), 10u);
}

TEST(Utf8, ProblemNamesLineColumnAndOffset) {
  EXPECT_EQ(utf8_problem("ok\nca\xE9", "f.csv"), "f.csv:2:3: invalid UTF-8 (byte 0xE9 at offset 5; save the file as UTF-8)");
  EXPECT_EQ(utf8_problem("fine", "f.csv"), "");
}

TEST(Printable, KeepsMessagesOnOneLine) {
  EXPECT_EQ(printable("a\nb\tc\x01"), "a\\nb\\tc\\x01");
  EXPECT_EQ(printable("caf\xE9 caf\xC3\xA9"), "caf\\xe9 caf\xC3\xA9");
  EXPECT_EQ(printable(std::string(100, 'x'), 10), std::string(10, 'x') + "...");
}

TEST(JsonUtf8, InvalidByteInAStringIsAnErrorWithOffsetAndPath) {
  const std::string m = message_of([] { JsonSource src(std::string_view(R"({"images": [{"file_name": "caf)" "\xE9" R"("}]})"), "gt.json"); });
  EXPECT_EQ(m, "gt.json:1:31: invalid UTF-8 in a string (byte 0xE9 at offset 30; save the file as UTF-8) "
               "(in images[0].file_name)");
}

TEST(JsonUtf8, InvalidByteOutsideStringsIsAnError) {
  const std::string m = message_of([] { JsonSource src(std::string_view("[1,\n\xFF]"), "r.json"); });
  EXPECT_NE(m.find("r.json:2:1"), std::string::npos) << m;
}

TEST(RegularFile, RefusesAFifoWithoutBlocking) {
  const fs::path dir = temp_dir("fifo");
  const fs::path fifo = dir / "pipe.json";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(message_of([&] { read_file(fifo); }), fifo.string() + ": is a FIFO (named pipe), not a regular file");
  EXPECT_EQ(message_of([&] { JsonSource src(fifo); }), fifo.string() + ": is a FIFO (named pipe), not a regular file");
  fs::remove_all(dir);
}

TEST(RegularFile, RefusesDevicesAndFolders) {
  EXPECT_EQ(message_of([] { read_file("/dev/zero"); }), "/dev/zero: is a character device, not a regular file");
  EXPECT_EQ(message_of([] { read_file("/tmp"); }), "/tmp: is a directory, not a file");
  EXPECT_EQ(message_of([] { read_file("/no/such/file"); }), "/no/such/file: file not found");
}

TEST(RegularFile, ProcMemIsAReadErrorNotACrash) {
  const std::string m = message_of([] { read_file("/proc/self/mem"); });
  EXPECT_EQ(m.rfind("/proc/self/mem: read failed: ", 0), 0u) << m;
}

TEST(RegularFile, ReadsProcFilesWhoseSizeIsZero) {
  EXPECT_FALSE(read_file("/proc/self/status").empty());
}

TEST(WriteFileAtomic, AFolderIsAnErrorThatSaysSo) {
  const fs::path dir = temp_dir("write");
  EXPECT_EQ(message_of([&] { write_file_atomic(dir, "x"); }), dir.string() + ": is a folder; give a file name to write");
  EXPECT_TRUE(fs::is_empty(dir));
  fs::remove_all(dir);
}

TEST(StagedFolder, NothingAppearsUnlessPublished) {
  const fs::path dir = temp_dir("staged");
  {
    StagedFolder staged(dir / "out");
    write_file_atomic(staged.path() / "a.txt", "a");
  }  // an error: never published
  EXPECT_TRUE(fs::is_empty(dir));
  {
    StagedFolder staged(dir / "out");
    write_file_atomic(staged.path() / "a.txt", "a");
    staged.publish();
  }
  EXPECT_TRUE(fs::exists(dir / "out" / "a.txt"));
  {
    StagedFolder staged(dir / "out/");  // replaces the earlier folder as a whole
    write_file_atomic(staged.path() / "b.txt", "b");
    staged.publish();
  }
  EXPECT_FALSE(fs::exists(dir / "out" / "a.txt"));
  EXPECT_TRUE(fs::exists(dir / "out" / "b.txt"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);
  fs::remove_all(dir);
}

TEST(Errors, NulBytesDoNotCutTheMessageShort) {
  using namespace std::string_literals;
  const ds::Error e("data.yaml:3: dataset.annotations: file not found: a\0b.json"s);
  EXPECT_EQ(std::string(e.what()), "data.yaml:3: dataset.annotations: file not found: a\\x00b.json");
  EXPECT_EQ(std::string(ds::Error("plain").what()), "plain");
}
