/* Preloaded before Debian's libfaketime 0.9.10, whose clock_nanosleep breaks Python 3.11's
 * time.sleep when only the wall clock is faked (wolfcw/libfaketime#426: EINVAL). Monotonic
 * sleeps go straight to the kernel, as they would under a real clock step. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int clock_nanosleep(clockid_t clock_id, int flags, const struct timespec *request,
                    struct timespec *remain) {
    long result = syscall(SYS_clock_nanosleep, clock_id, flags, request, remain);
    return result == -1 ? errno : 0;
}
