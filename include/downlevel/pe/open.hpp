// Opening a file as a PE image: the byte source and the parsed headers,
// kept together because the image's views point into the source.
#pragma once

#include <memory>
#include <string>

#include "downlevel/pe/image.hpp"

namespace downlevel::pe {

struct OpenedImage {
  std::unique_ptr<ByteSource> source;
  std::unique_ptr<PeImage> image;
};

Result<OpenedImage> open_image(const std::string& path, ReadMode mode = ReadMode::pread);

}  // namespace downlevel::pe
