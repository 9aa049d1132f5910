/* SPDX-License-Identifier: GPL-2.0 */
/* kava's release version (kava version, kava_build_info). */
#ifndef KAVA_VERSION_H
#define KAVA_VERSION_H

#ifndef KAVA_VERSION
#define KAVA_VERSION "0.1.0"
#endif

#endif
