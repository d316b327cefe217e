/* epoll_prober: the physical floor of TCP health checking, for `make bench` (tests/bench/bench_scale.py).
 *
 *   epoll_prober probe TARGETS INTERVAL_MS TIMEOUT_MS SECONDS
 *       TARGETS: a file of "ADDRESS PORT" lines (IPv4 or IPv6). Probes every target once per INTERVAL_MS,
 *       the targets' start times spread evenly over the interval, exactly what a TCP check does and nothing
 *       else: a non-blocking socket with SO_LINGER {1, 0} (as anycastd's probes: close sends RST, no
 *       TIME_WAIT), connect, wait for writability through epoll, read SO_ERROR, close. A probe not done after
 *       TIMEOUT_MS fails. Runs SECONDS, then prints one JSON line: probes, passed, failed, latency
 *       percentiles (us) and its own CPU time (getrusage).
 *   epoll_prober serve PORT_LO PORT_HI COUNT_FILE
 *       Listens on [::]:PORT_LO..PORT_HI (IPv4 and IPv6), accepts and closes every connection, and writes the
 *       number accepted so far to COUNT_FILE every 200 ms (the probes the servers really saw). SIGTERM ends it.
 *
 * Single-threaded; owns its sockets; no state outside the process. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct target {
  struct sockaddr_storage addr;
  socklen_t len;
  int fd;
  int64_t started, next;
};

#define NBUCKETS 200000 /* latency histogram, 1 us buckets up to 200 ms */
static uint32_t hist[NBUCKETS + 1];

static uint64_t pct(uint64_t total, double p) {
  uint64_t want = (uint64_t)(p / 100.0 * (double)total + 0.5), seen = 0;
  if (want == 0) want = 1;
  for (int i = 0; i <= NBUCKETS; i++) {
    seen += hist[i];
    if (seen >= want) return (uint64_t)i;
  }
  return NBUCKETS;
}

static int probe_main(const char* file, int interval_ms, int timeout_ms, int seconds) {
  FILE* f = fopen(file, "r");
  if (!f) { perror(file); return 2; }
  size_t n = 0, cap = 1024;
  struct target* t = calloc(cap, sizeof *t);
  char addr[128];
  int port;
  while (fscanf(f, "%127s %d", addr, &port) == 2) {
    if (n == cap) t = realloc(t, (cap *= 2) * sizeof *t);
    memset(&t[n], 0, sizeof t[n]);
    if (strchr(addr, ':')) {
      struct sockaddr_in6* a = (struct sockaddr_in6*)&t[n].addr;
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(port);
      if (inet_pton(AF_INET6, addr, &a->sin6_addr) != 1) { fprintf(stderr, "bad address %s\n", addr); return 2; }
      t[n].len = sizeof *a;
    } else {
      struct sockaddr_in* a = (struct sockaddr_in*)&t[n].addr;
      a->sin_family = AF_INET;
      a->sin_port = htons(port);
      if (inet_pton(AF_INET, addr, &a->sin_addr) != 1) { fprintf(stderr, "bad address %s\n", addr); return 2; }
      t[n].len = sizeof *a;
    }
    t[n].fd = -1;
    n++;
  }
  fclose(f);
  if (n == 0) { fprintf(stderr, "no targets in %s\n", file); return 2; }
  int ep = epoll_create1(EPOLL_CLOEXEC);
  const int64_t interval = (int64_t)interval_ms * 1000, timeout = (int64_t)timeout_ms * 1000;
  const int64_t t0 = now_us(), end = t0 + (int64_t)seconds * 1000000;
  for (size_t i = 0; i < n; i++) t[i].next = t0 + (int64_t)(interval * (double)i / (double)n);
  uint64_t probes = 0, passed = 0, failed = 0;
  int64_t last_scan = t0;
  size_t cursor = 0; /* targets are due in index order, cyclically */
  struct epoll_event evs[256];
  const struct linger lin = {1, 0};
  while (!stop) {
    int64_t now = now_us();
    if (now >= end) break;
    /* Start every due probe. */
    while (t[cursor].next <= now) {
      struct target* x = &t[cursor];
      x->next += interval;
      if (x->fd < 0) {
        x->fd = socket(x->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        setsockopt(x->fd, SOL_SOCKET, SO_LINGER, &lin, sizeof lin);
        x->started = now;
        if (connect(x->fd, (struct sockaddr*)&x->addr, x->len) < 0 && errno != EINPROGRESS) {
          close(x->fd);
          x->fd = -1;
          probes++, failed++;
        } else {
          struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = cursor};
          epoll_ctl(ep, EPOLL_CTL_ADD, x->fd, &ev);
        }
      }
      cursor = (cursor + 1) % n;
    }
    int64_t wait_us = t[cursor].next - now_us();
    /* Sleep at least 1 ms (rounded up): due probes start in small batches instead of a busy loop. */
    int k = epoll_wait(ep, evs, 256, wait_us > 0 ? (int)((wait_us + 999) / 1000) : 0);
    now = now_us();
    for (int i = 0; i < k; i++) {
      struct target* x = &t[evs[i].data.u64];
      int err = 0;
      socklen_t el = sizeof err;
      getsockopt(x->fd, SOL_SOCKET, SO_ERROR, &err, &el);
      close(x->fd);
      x->fd = -1;
      probes++;
      if (err) failed++;
      else passed++;
      int64_t lat = now - x->started;
      hist[lat < NBUCKETS ? lat : NBUCKETS]++;
    }
    /* Expire probes past their timeout: a scan every 100 ms. */
    if (timeout > 0 && now - last_scan >= 100000) {
      last_scan = now;
      for (size_t i = 0; i < n; i++)
        if (t[i].fd >= 0 && now - t[i].started >= timeout) {
          close(t[i].fd);
          t[i].fd = -1;
          probes++, failed++;
        }
    }
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  uint64_t timed = passed + failed;
  printf("{\"targets\": %zu, \"probes\": %llu, \"passed\": %llu, \"failed\": %llu, \"seconds\": %.3f, "
         "\"cpu_s\": %.3f, \"p50_us\": %llu, \"p90_us\": %llu, \"p99_us\": %llu}\n",
         n, (unsigned long long)probes, (unsigned long long)passed, (unsigned long long)failed,
         (now_us() - t0) / 1e6, cpu, (unsigned long long)pct(timed, 50), (unsigned long long)pct(timed, 90),
         (unsigned long long)pct(timed, 99));
  return 0;
}

static void write_count(const char* file, uint64_t count) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s.tmp", file);
  FILE* f = fopen(tmp, "w");
  if (!f) return;
  fprintf(f, "%llu\n", (unsigned long long)count);
  fclose(f);
  rename(tmp, file);
}

static int serve_main(int lo, int hi, const char* count_file) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  for (int port = lo; port <= hi; port++) {
    int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_any};
    if (bind(fd, (struct sockaddr*)&a, sizeof a) < 0 || listen(fd, 4096) < 0) {
      fprintf(stderr, "port %d: %s\n", port, strerror(errno));
      return 1;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }
  uint64_t count = 0;
  int64_t last = 0;
  write_count(count_file, 0);
  struct epoll_event evs[256];
  while (!stop) {
    int k = epoll_wait(ep, evs, 256, 200);
    for (int i = 0; i < k; i++) {
      int c;
      while ((c = accept4(evs[i].data.fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
        close(c);
        count++;
      }
    }
    int64_t now = now_us();
    if (now - last >= 200000) {
      write_count(count_file, count);
      last = now;
    }
  }
  write_count(count_file, count);
  return 0;
}

int main(int argc, char** argv) {
  signal(SIGTERM, on_term);
  signal(SIGINT, on_term);
  signal(SIGPIPE, SIG_IGN);
  if (argc == 6 && !strcmp(argv[1], "probe"))
    return probe_main(argv[2], atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
  if (argc == 5 && !strcmp(argv[1], "serve")) return serve_main(atoi(argv[2]), atoi(argv[3]), argv[4]);
  fprintf(stderr,
          "usage: epoll_prober probe TARGETS INTERVAL_MS TIMEOUT_MS SECONDS\n"
          "       epoll_prober serve PORT_LO PORT_HI COUNT_FILE\n");
  return 2;
}
