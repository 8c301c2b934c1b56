// Set at build time, since the binary cannot know where it came from:
//   swift build -Xcc -DWAREHOUSE_EXPORTER_REVISION=\"$(git rev-parse --short HEAD)\" \
//               -Xcc -DWAREHOUSE_EXPORTER_BUILD_DATE=\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"
// The values live in this file rather than the header so that only it is compiled again.
#include "build_stamp.h"

#ifndef WAREHOUSE_EXPORTER_REVISION
#define WAREHOUSE_EXPORTER_REVISION "unknown"
#endif
#ifndef WAREHOUSE_EXPORTER_BUILD_DATE
#define WAREHOUSE_EXPORTER_BUILD_DATE "unknown"
#endif

const char *warehouse_exporter_revision(void) { return WAREHOUSE_EXPORTER_REVISION; }
const char *warehouse_exporter_build_date(void) { return WAREHOUSE_EXPORTER_BUILD_DATE; }
