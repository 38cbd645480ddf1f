/* A C program: ELF, but not Go. Built with and without debug info. */
#include <stdio.h>

int main(void)
{
    puts("hello");
    return 0;
}
