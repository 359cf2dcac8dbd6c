#pragma once
// Image file names that leave their images folder. A COCO file_name or an Open Images ImageID
// names a file under the dataset's images folder; one that is absolute or climbs out with ".."
// would make every command read (and `score --report --images` embed in report.html) any file
// the user can read. Refused unless the dataset says otherwise (allow_outside_images: true).
#include <optional>
#include <string>
#include <string_view>

#include "core/dataset/dataset.hpp"

namespace ds {

// Why `file_name` leaves the folder it is relative to ("is absolute", "climbs out with '..'"),
// or nothing when it stays inside. Lexical: no file is looked at.
std::optional<std::string> leaves_images_folder(std::string_view file_name);

// Throws "<source>: image id <id>: file_name '<name>' <why> ...; <how to allow>" for the first
// image of `dataset` whose file_name leaves the images folder. `allow_with` names the switch
// that allows it, for the message.
void refuse_images_outside(const Dataset& dataset, std::string_view allow_with);

}  // namespace ds
