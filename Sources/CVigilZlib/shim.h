// zlib as Debian ships it (zlib1g-dev): inflate for `Content-Encoding: gzip` request bodies.
#include <zlib.h>
