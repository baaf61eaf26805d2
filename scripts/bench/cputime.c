/* cputime.c - CPU time (user + system) of one run of each of two commands,
 * run alternately N times so both see the same machine; prints the two
 * medians in milliseconds and how many runs of each failed.
 *   cputime N CMD_A... -- CMD_B...
 * stdout and stderr of the commands go to /dev/null. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static double
run(char **argv, int *failed)
{
    struct rusage ru;
    int status;
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
        perror("cputime");
        exit(2);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        (*failed)++;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3
           + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static int
cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    int n, sep = 0, fa = 0, fb = 0;
    double *ta, *tb;
    if (argc < 5 || (n = atoi(argv[1])) <= 0) {
        fprintf(stderr, "usage: cputime N CMD_A... -- CMD_B...\n");
        return 2;
    }
    for (int i = 2; i < argc; i++)
        if (strcmp(argv[i], "--") == 0)
            sep = i;
    if (sep == 0 || sep == 2 || sep == argc - 1) {
        fprintf(stderr, "usage: cputime N CMD_A... -- CMD_B...\n");
        return 2;
    }
    argv[sep] = NULL;
    ta = calloc((size_t)n, sizeof *ta);
    tb = calloc((size_t)n, sizeof *tb);
    if (!ta || !tb)
        return 2;
    for (int i = 0; i < n; i++) {
        ta[i] = run(argv + 2, &fa);
        tb[i] = run(argv + sep + 1, &fb);
    }
    qsort(ta, (size_t)n, sizeof *ta, cmp);
    qsort(tb, (size_t)n, sizeof *tb, cmp);
    printf("%.2f %.2f %d %d\n", ta[n / 2], tb[n / 2], fa, fb);
    free(ta);
    free(tb);
    return 0;
}
