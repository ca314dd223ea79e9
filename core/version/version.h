/*
 * version: what `erpd --version` prints. erpd's own version, then each
 * library as the dynamic loader actually mapped it, so an admin sees what
 * a security update changed without restarting anything but erpd.
 */
#ifndef ERP_CORE_VERSION_H
#define ERP_CORE_VERSION_H

#include <stdio.h>

/*
 * Writes "erpd X.Y.Z" and one line per linked library: its version as
 * the loaded library reports it (or, where the library has no run-time
 * call, as compiled in, said so) and the file it was loaded from.
 */
void	version_print(FILE *);

#endif /* ERP_CORE_VERSION_H */
