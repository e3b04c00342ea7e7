/* kvtool - command line front end. */
#include "kvtool.h"

#include <libkv.h>
#include <libstr.h>
#ifdef HAVE_LIBHASH
#include <libhash.h>
#endif

#include <stdio.h>
#include <string.h>

static void usage(FILE *to)
{
    fputs("Usage: kvtool COMMAND ARGS...\n"
          "\n"
          "  check FILE...           parse each FILE, report errors and entry counts\n"
          "  get FILE SECTION.KEY    print one value (KEY alone: before any section)\n"
          "  dump FILE...            print every entry as section.key=value\n"
          "  hash FILE...            FNV-1a 64 of each file's dump (needs libhash)\n"
          "  --version | --help\n", to);
}

static void version(void)
{
    printf("kvtool %s\n", KVTOOL_VERSION);
    printf("libkv %s, libstr %s, ", libkv_version(), libstr_version());
#ifdef HAVE_LIBHASH
    printf("libhash %s\n", libhash_version());
#else
    printf("libhash not built in\n");
#endif
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } commands[] = {
        { "check", cmd_check },
        { "get", cmd_get },
        { "dump", cmd_dump },
        { "hash", cmd_hash },
    };
    size_t i;

    if (argc < 2) {
        usage(stderr);
        return KVTOOL_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return KVTOOL_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        version();
        return KVTOOL_OK;
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 2, argv + 2);
    fprintf(stderr, "kvtool: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return KVTOOL_USAGE;
}
