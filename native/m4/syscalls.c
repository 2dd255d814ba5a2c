// newlib's system calls for the bare-metal build: none is used on purpose
// (no heap, no files); abort() ends the run through semihosting.
#include <errno.h>
#include <sys/stat.h>
void semihost_exit(int ok);
void board_log(const char *s);
__attribute__((noreturn)) void _exit(int code) {
  (void)code;
  board_log("abort\n");
  semihost_exit(0);
  for (;;) {}
}
void *_sbrk(int incr) { (void)incr; errno = ENOMEM; return (void *)-1; }
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
int _getpid(void) { return 1; }
int _write(int fd, const void *p, int n) { (void)fd; (void)p; return n; }
int _read(int fd, void *p, int n) { (void)fd; (void)p; (void)n; return 0; }
int _close(int fd) { (void)fd; return -1; }
int _fstat(int fd, struct stat *st) { (void)fd; st->st_mode = S_IFCHR; return 0; }
int _isatty(int fd) { (void)fd; return 1; }
int _lseek(int fd, int off, int whence) { (void)fd; (void)off; (void)whence; return 0; }
