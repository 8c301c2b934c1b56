#ifndef WAREHOUSE_EXPORTER_CLIBPQ_SHIM_H
#define WAREHOUSE_EXPORTER_CLIBPQ_SHIM_H
// Debian installs libpq's headers under /usr/include/postgresql; pkg-config adds that path.
#include <libpq-fe.h>
#endif
