#ifndef VIGIL_CARCHIVE_SHIM_H
#define VIGIL_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

// The AE_IF* macros are casts, which Swift does not import.
static const unsigned int CARCHIVE_AE_IFREG = AE_IFREG;
static const unsigned int CARCHIVE_AE_IFDIR = AE_IFDIR;
static const unsigned int CARCHIVE_AE_IFLNK = AE_IFLNK;
#endif
