// The version anycastd and anycastctl report (--version, the control API's status, the build_info
// metric). A build may override it with -DANYCASTD_VERSION='"x.y.z"'; images/module.mk reads the
// fallback below for the Debian package version, so keep the #define on one line.
#pragma once

#ifndef ANYCASTD_VERSION
#define ANYCASTD_VERSION "0.1.0"
#endif
