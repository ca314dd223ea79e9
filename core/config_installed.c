/*
 * config.c once more, for the erpd that `cmake --install` and the Debian
 * package install: the same parser, but with defaults under the install
 * prefix (ERP_INSTALL_*_DIR, from CMake) instead of the build tree's, so
 * an installed binary never looks into a source or build tree. Linked
 * ahead of erpcore, it stands in for erpcore's config.o (a symbol found
 * only there would pull both in and fail the link loudly).
 */
#undef ERP_DEFAULT_MODULES_DIR
#undef ERP_DEFAULT_POLICIES_DIR
#undef ERP_DEFAULT_WWW_DIR
#define ERP_DEFAULT_MODULES_DIR		ERP_INSTALL_MODULES_DIR
#define ERP_DEFAULT_POLICIES_DIR	ERP_INSTALL_POLICIES_DIR
#define ERP_DEFAULT_WWW_DIR		ERP_INSTALL_WWW_DIR

/* compiled a second time on purpose, see above */
#include "config/config.c"	/* NOLINT(bugprone-suspicious-include) */
