#ifndef WAREHOUSE_EXPORTER_BUILD_STAMP_H
#define WAREHOUSE_EXPORTER_BUILD_STAMP_H

/// The git revision the build was made from, or "unknown".
const char *warehouse_exporter_revision(void);
/// When the build was made (ISO 8601), or "unknown".
const char *warehouse_exporter_build_date(void);

#endif
