/* kvtool - inspect INI files with libkv. */
#ifndef KVTOOL_H
#define KVTOOL_H

#include "config.h"

/* Exit statuses. */
#define KVTOOL_OK 0
#define KVTOOL_FAIL 1      /* missing key, invalid file */
#define KVTOOL_USAGE 2     /* bad command line, feature not built in */

int cmd_check(int argc, char **argv);
int cmd_get(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_hash(int argc, char **argv);

#endif /* KVTOOL_H */
