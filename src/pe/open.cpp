#include "downlevel/pe/open.hpp"

namespace downlevel::pe {

Result<OpenedImage> open_image(const std::string& path, ReadMode mode) {
  auto source = open_file(path, mode);
  if (!source) return source.error();
  auto image = PeImage::parse(**source);
  if (!image) return image.error();
  OpenedImage opened;
  opened.source = std::move(*source);
  opened.image = std::make_unique<PeImage>(std::move(*image));
  return opened;
}

}  // namespace downlevel::pe
