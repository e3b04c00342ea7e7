/* hello - greets; the smallest package of the LFS Farm demo book. */
#include <stdio.h>
#include <string.h>

#ifndef HELLO_GREETING
#define HELLO_GREETING "Hello"
#endif
#define HELLO_VERSION "1.0.0"

int main(int argc, char **argv)
{
    const char *who = "world";

    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("hello %s\n", HELLO_VERSION);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        printf("Usage: hello [NAME]\nPrints \"%s, NAME!\" (NAME defaults to world).\n",
               HELLO_GREETING);
        return 0;
    }
    if (argc > 2) {
        fputs("Usage: hello [NAME]\n", stderr);
        return 2;
    }
    if (argc == 2)
        who = argv[1];
    printf("%s, %s!\n", HELLO_GREETING, who);
    return 0;
}
